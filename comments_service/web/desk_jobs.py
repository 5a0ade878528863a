"""The desk's Jobs tab (``/moderate/jobs``): background jobs that failed, with their errors, and a button to retry."""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for

from .. import jobs_admin
from .moderate import bp, login_required


@bp.get("/jobs")
@login_required
def job_list() -> Any:
    """Show failed jobs first, then those waiting, with the counts per state."""
    return render_template("moderate/jobs.html", jobs=jobs_admin.listing(), counts=jobs_admin.counts())


@bp.post("/jobs/<int:job_id>/retry")
@login_required
def job_retry(job_id: int) -> Any:
    """Queue a failed job again, due now."""
    try:
        jobs_admin.retry(job_id)
    except jobs_admin.NotRetried:
        flash(f"Job #{job_id} is not a failed job (it may have been retried already).", "error")
    else:
        flash(f"Job #{job_id} is queued again.", "success")
    return redirect(url_for("moderate.job_list"), 303)
