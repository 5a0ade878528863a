"""The desk's community moderation: pin and unpin, dismiss a comment's reports, read what its edits changed."""
from __future__ import annotations

from typing import Any

from flask import flash, g, render_template, request

from .. import moderation, pins, reports, revisions
from . import diffs
from .desk import back, load
from .forms import ActFormSchema, act_fields
from .moderate import CHANGED, bp, login_required


@bp.post("/comments/<row_id:comment_id>/<any(pin, unpin):action>")
@login_required
def pin(comment_id: int, action: str) -> Any:
    """Pin a published top-level comment first in its thread, or unpin it."""
    pins.set_pinned(comment_id, action == "pin", g.actor)
    flash(f"{'Pinned' if action == 'pin' else 'Unpinned'} comment #{comment_id}.", "success")
    return back()


@bp.post("/comments/<row_id:comment_id>/dismiss-reports")
@login_required
def dismiss_reports(comment_id: int) -> Any:
    """Dismiss a comment's reports, as the page showed it: it stays, published again if the reports hid it."""
    form = load(ActFormSchema(), act_fields(request.form, comment_id))
    try:
        comment = reports.dismiss(comment_id, g.actor, form["seen"].get(comment_id, moderation.UNCHECKED))
    except moderation.CommentChanged:
        flash(CHANGED.format(comment_id), "error")
        return back()
    kept = "and published it again" if comment.status.value == "approved" else "and kept it"
    flash(f"Dismissed the reports of comment #{comment_id} {kept}.", "success")
    return back()


@bp.get("/comments/<row_id:comment_id>/revisions")
@login_required
def comment_revisions(comment_id: int) -> Any:
    """Show each edit of a comment: the text before, and what changed, word by word."""
    found = revisions.history(comment_id)
    comment = found["comment"]
    steps = diffs.steps(found["revisions"], comment.body_source, comment.edited_at)
    return render_template("moderate/revisions.html", comment=comment, steps=steps)
