"""Running jobs: claiming a due job with a lease, running its handler, then deleting it or scheduling its retry.

- **Claim.** One short transaction: on PostgreSQL the due row is picked with
  ``SELECT ... FOR UPDATE SKIP LOCKED``, so workers on any number of machines
  never wait on each other or take the same row; the claim sets a lease
  (``locked_until``, on the database's clock) and commits before the handler
  runs. On SQLite (no SKIP LOCKED) the same UPDATE re-checks that the row is
  still claimable, so a second worker's claim of it changes nothing; one
  worker per SQLite file is what it is made for.
- **Run.** The handler runs outside any transaction. A worker that dies
  mid-job (SIGKILL, a lost machine) leaves the row leased; once the lease runs
  out another worker claims it again. That is why a job may run twice: mail
  and HTTP cannot be part of a transaction, so the one job in flight at a
  crash may be delivered twice; none other is.
- **Composed.** A kind with a composer (``jobs.composer``) has its message
  made at the first attempt, from what is stored then, and kept in the row
  (one short transaction) before the handler runs: every retry sends what
  the first attempt made. A composer that finds nothing left to send (the
  comment was moderated or erased meanwhile) ends the job as done.
- **Done.** The row is deleted, if this claim still holds it.
- **Failed.** Retried after ``JOBS_BACKOFF_SECONDS * 2**(attempts-1)`` (at
  most ``JOBS_BACKOFF_MAX_SECONDS``), until ``JOBS_MAX_ATTEMPTS``; then kept
  as ``failed`` with its last error.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from typing import Any, NamedTuple

from flask import current_app
from sqlalchemy import and_, delete, exists, or_, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import aliased

from .extensions import db
from .jobs import COMPOSED, COMPOSERS, HANDLERS, GiveUp, Job, JobState, later_expr, now_expr

log = logging.getLogger(__name__)


class Claimed(NamedTuple):
    """A job this worker holds the lease of."""

    id: int
    kind: str
    key: str | None
    payload: dict[str, Any]
    attempts: int
    token: str


def worker_name() -> str:
    """Name this process for the leases it takes: host and pid."""
    return f"{socket.gethostname()[:80]}:{os.getpid()}"


def _claimable(now: Any) -> Any:
    return or_(and_(Job.state == JobState.PENDING, Job.run_at <= now),
               and_(Job.state == JobState.RUNNING, Job.locked_until < now))


def claim(name: str | None = None) -> Claimed | None:
    """Take the lease of the next due job (or of one whose worker's lease ran out) and commit; None if none is due."""
    token = f"{name or worker_name()}:{uuid.uuid4().hex[:8]}"
    now = now_expr()
    pick = (select(Job.id).where(_claimable(now)).order_by(Job.run_at, Job.id).limit(1)
            # Ignored by SQLite, which has no row locks; the re-check below keeps it right there.
            .with_for_update(skip_locked=True))
    job_id = db.session.scalar(pick)
    if job_id is None:
        db.session.rollback()
        return None
    row = db.session.execute(
        update(Job).where(Job.id == job_id, _claimable(now))
        .values(state=JobState.RUNNING, attempts=Job.attempts + 1, locked_by=token, updated_at=now,
                locked_until=later_expr(current_app.config["JOBS_LEASE_SECONDS"]))
        .returning(Job.id, Job.kind, Job.key, Job.payload, Job.attempts)
    ).first()
    db.session.commit()
    if row is None:
        return None
    return Claimed(row.id, row.kind, row.key, row.payload, row.attempts, token)


def finish(job: Claimed) -> None:
    """Delete a job that ran, if this claim still holds it."""
    gone = db.session.execute(delete(Job).where(Job.id == job.id, Job.locked_by == job.token)).rowcount
    db.session.commit()
    if not gone:
        log.warning("job %s (%s) ran after its lease was taken over; it may run again", job.id, job.kind)


def backoff(attempts: int) -> float:
    """Return how long to wait before the next try after ``attempts`` tries."""
    config = current_app.config
    return float(min(config["JOBS_BACKOFF_SECONDS"] * 2 ** max(0, attempts - 1), config["JOBS_BACKOFF_MAX_SECONDS"]))


def fail(job: Claimed, error: str, give_up: bool = False) -> JobState:
    """Schedule the job's retry, or keep it as failed after its last attempt; return its new state."""
    final = give_up or job.attempts >= current_app.config["JOBS_MAX_ATTEMPTS"]
    mine = and_(Job.id == job.id, Job.locked_by == job.token)
    if final:
        values: dict[str, Any] = {"state": JobState.FAILED, "run_at": now_expr()}
    else:
        values = {"state": JobState.PENDING, "run_at": later_expr(backoff(job.attempts))}
    values.update(last_error=error[-4000:], locked_until=None, locked_by=None, updated_at=now_expr())
    twin = aliased(Job)
    covered = job.key is not None and not final and db.session.scalar(select(exists().where(
        and_(twin.kind == job.kind, twin.key == job.key, twin.state == JobState.PENDING))))
    if not covered:
        try:
            db.session.execute(update(Job).where(mine).values(values))
            db.session.commit()
            return JobState.FAILED if final else JobState.PENDING
        except IntegrityError:  # the twin arrived between the look and the update
            db.session.rollback()
    # A pending job with the same key does this job's work.
    db.session.execute(delete(Job).where(mine))
    db.session.commit()
    return JobState.PENDING


def composed(job: Claimed) -> dict[str, Any] | None:
    """Return the payload the handler gets: made by the kind's composer at the first attempt, then kept in the row."""
    compose = COMPOSERS.get(job.kind)
    if compose is None or job.payload.get(COMPOSED):
        return job.payload
    made = compose(job.payload)
    if made is None or made is job.payload:  # nothing to send any more, or nothing to make (a row made whole)
        db.session.rollback()
        return made
    made = {**made, COMPOSED: True}
    db.session.execute(update(Job).where(Job.id == job.id, Job.locked_by == job.token)
                       .values(payload=made, updated_at=now_expr()))
    db.session.commit()
    return made


def run(job: Claimed) -> bool:
    """Run a claimed job's handler, then delete it or schedule its retry; return whether it succeeded."""
    handler = HANDLERS.get(job.kind)
    if job.attempts > current_app.config["JOBS_MAX_ATTEMPTS"]:
        # Its workers kept dying before they could report (the last lease ran out too).
        fail(job, "gave up: every attempt's worker stopped before the job ended", give_up=True)
        return False
    if handler is None:
        fail(job, f"no handler for jobs of kind {job.kind!r}")
        return False
    try:
        payload = composed(job)
        if payload is None:
            log.info("job %s (%s): nothing left to send", job.id, job.kind)
        else:
            handler(payload)
    except Exception as error:  # any failure of a handler means: try again later
        db.session.rollback()
        state = fail(job, f"{type(error).__name__}: {error}", give_up=isinstance(error, GiveUp))
        log.warning("job %s (%s) attempt %s failed, now %s: %s", job.id, job.kind, job.attempts, state, error)
        return False
    finally:
        db.session.remove()
    finish(job)
    log.info("job %s (%s) done", job.id, job.kind)
    return True


def run_one(name: str | None = None) -> bool | None:
    """Claim and run one due job; return None when none was due, else whether it succeeded."""
    job = claim(name)
    if job is None:
        return None
    return run(job)


def drain(limit: int = 10_000) -> int:
    """Run due jobs one after another until none is due (or ``limit`` ran); return how many ran."""
    ran = 0
    while ran < limit and run_one() is not None:
        ran += 1
    return ran


def work(stop: threading.Event) -> None:
    """Run jobs until ``stop`` is set; the job in hand is finished first."""
    name = worker_name()
    poll = current_app.config["JOBS_POLL_SECONDS"]
    log.info("worker %s started (handlers: %s)", name, ", ".join(sorted(HANDLERS)))
    while not stop.is_set():
        try:
            ran = run_one(name)
        except DBAPIError as error:  # the database is away: wait, and try again
            log.warning("worker %s cannot reach the database: %s", name, error)
            db.session.remove()
            stop.wait(max(poll, 1.0))
            continue
        if ran is None:
            stop.wait(poll)
    log.info("worker %s stopped", name)
