"""What a person sees of the jobs and does with them: the listing and counts of `flask jobs` and the desk, retrying.

Failed jobs stay in the table with their last error (``jobs_worker``); a
person retries one from the desk's Jobs tab or with ``flask jobs --retry``.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import and_, exists, func, select, update
from sqlalchemy.orm import aliased

from .extensions import db
from .jobs import Job, JobState, now_expr


class JobRow(NamedTuple):
    """A job as `flask jobs` and the desk show it."""

    id: int
    kind: str
    state: str
    attempts: int
    run_at: datetime
    created_at: datetime
    last_error: str | None
    summary: str


def summary(kind: str, payload: dict[str, Any]) -> str:
    """Say in one line what a job does (its payload's ``summary``, else its kind)."""
    return str(payload.get("summary") or kind)[:200]


def listing(states: tuple[JobState, ...] = (JobState.PENDING, JobState.RUNNING, JobState.FAILED),
            limit: int = 100) -> list[JobRow]:
    """Return jobs in ``states``, failed first, then by when they are due."""
    failed_first = (Job.state != JobState.FAILED)
    rows = db.session.execute(
        select(Job.id, Job.kind, Job.state, Job.attempts, Job.run_at, Job.created_at, Job.last_error, Job.payload)
        .where(Job.state.in_(states)).order_by(failed_first, Job.run_at, Job.id).limit(limit)
    )
    return [JobRow(r.id, r.kind, JobState(r.state).value, r.attempts, r.run_at, r.created_at, r.last_error,
                   summary(r.kind, r.payload)) for r in rows]


def counts() -> dict[str, int]:
    """Count jobs per state."""
    found = dict(db.session.execute(select(Job.state, func.count()).group_by(Job.state)).all())
    return {state.value: found.get(state, 0) for state in JobState}


class NotRetried(Exception):
    """The job asked for is not a failed job (unknown, or still pending)."""


def retry(job_id: int) -> None:
    """Queue a failed job again, due now, with its attempts counted afresh; commit.

    A failed keyed job whose twin is already pending is dropped instead: the
    twin does the same work.
    """
    job = db.session.get(Job, job_id, with_for_update=True) if 0 < job_id < 2**31 else None
    if job is None or job.state != JobState.FAILED:
        db.session.rollback()
        raise NotRetried(f"no failed job with id {job_id}")
    twin = aliased(Job)
    if job.key is not None and db.session.scalar(select(exists().where(
            and_(twin.kind == job.kind, twin.key == job.key, twin.state == JobState.PENDING)))):
        db.session.delete(job)
    else:
        db.session.execute(update(Job).where(Job.id == job_id).values(
            state=JobState.PENDING, attempts=0, run_at=now_expr(), updated_at=now_expr(),
            locked_until=None, locked_by=None))
    db.session.commit()
