"""Durable background jobs: the jobs table, adding a job in the caller's transaction, handlers, listing and retrying.

A job is a row written in the same transaction as the change that causes it,
so a committed change never loses its job, whatever dies afterwards (the web
process, Redis, a worker). Workers (``jobs_worker``) claim due rows with a
lease, run the handler registered for the row's ``kind``, and delete the row
once it ran; a handler's exception means a retry with exponential backoff,
then, after ``JOBS_MAX_ATTEMPTS``, the row stays as ``failed`` for a person
to look at (``flask jobs``, the moderation desk).

A job is written small: what happened (an event, a comment's id, the facts
that may change before it runs), not what will be sent. A kind may register
a composer (:func:`composer`), which the worker runs once, at the job's
first attempt, to make what is sent from what is stored then; the result is
kept in the row, so a retry sends the same bytes. Every job a transaction
adds goes in with its commit, in one INSERT (on PostgreSQL a statement
compiled once, whatever the number of rows), or inside the change's own
statement (:data:`WRITTEN_WITH`, :func:`take_waiting`), which then commits
itself.

A table, not a job library: the service also runs on SQLite (the embedded
default), and the PostgreSQL-only queues (procrastinate) would give it two
ways of doing one thing. Nothing here touches Redis.
"""
from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import (
    JSON,
    DateTime,
    Enum,
    Index,
    Integer,
    String,
    Text,
    bindparam,
    cast,
    column,
    event,
    func,
    literal_column,
    select,
    text,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, Session, mapped_column

from .database import RoutingSession, dialect_name, insert_ignore
from .extensions import db
from .times import utcnow

Handler = Callable[[dict[str, Any]], None]
HANDLERS: dict[str, Handler] = {}
# A kind's composer: the stored payload -> what the handler gets (None: nothing to do any more).
Composer = Callable[[dict[str, Any]], "dict[str, Any] | None"]
COMPOSERS: dict[str, Composer] = {}
COMPOSED = "composed"  # set by the worker in a payload its composer made: retries skip the composer
_WAITING = "jobs.waiting"  # the session's info key of the rows its transaction adds at commit


class JobState(enum.StrEnum):
    """Where a job stands; a job that ran is deleted."""

    PENDING = "pending"  # waiting for its run_at
    RUNNING = "running"  # claimed by a worker until locked_until
    FAILED = "failed"  # gave up after its attempts: kept for a person


class GiveUp(Exception):
    """Raised by a handler whose job can never succeed (a refused address): failed at once, no retry."""


class Job(db.Model):
    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    # Same kind and key: one pending job (see enqueue).
    key: Mapped[str | None] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[JobState] = mapped_column(
        Enum(JobState, name="job_state", native_enum=False, create_constraint=True, length=16,
             values_callable=lambda members: [m.value for m in members], validate_strings=True),
        default=JobState.PENDING,
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    run_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Who holds the lease: host, process and a token of this claim.
    locked_by: Mapped[str | None] = mapped_column(String(120))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        Index("ix_jobs_due", "state", "run_at"),
        Index("ix_jobs_pending_key", "kind", "key", unique=True,
              postgresql_where=text("state = 'pending' AND key IS NOT NULL"),
              sqlite_where=text("state = 'pending' AND key IS NOT NULL")),
    )


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register ``fn(payload)`` as what runs a job of ``kind``; raising means retry later."""

    def register(fn: Handler) -> Handler:
        HANDLERS[kind] = fn
        return fn

    return register


def composer(kind: str) -> Callable[[Composer], Composer]:
    """Register ``fn(payload)`` as what makes a ``kind`` job's message when it first runs (see the module's text)."""

    def register(fn: Composer) -> Composer:
        COMPOSERS[kind] = fn
        return fn

    return register


def enqueue(kind: str, payload: dict[str, Any], *, delay_seconds: float = 0, key: str | None = None) -> None:
    """Add a job to the current session's transaction (the caller commits); with ``key``, once per pending kind+key.

    ``payload`` must be JSON. The row is written when the transaction
    commits, with the others it added, in one INSERT; a rollback drops it.
    A pending job of the same ``kind`` and ``key`` makes this a no-op (a
    unique partial index decides, so two transactions racing add one); a job
    already running does not count, so work that arrives while it runs gets a
    job of its own.
    """
    now, session = utcnow(), db.session()
    if not session.in_transaction():
        session.begin()  # so that a rollback, even before any statement, drops the job
    waiting = session.info.setdefault(_WAITING, [])
    if key is not None and any(row["kind"] == kind and row["key"] == key for row in waiting):
        return
    waiting.append({"kind": kind, "key": key, "payload": payload, "at": now,
                    "run_at": now + timedelta(seconds=max(0.0, delay_seconds)) if delay_seconds > 0 else now})


# Every row in one statement (PostgreSQL), compiled once: the rows are one JSON parameter.
_ROWS = func.json_to_recordset(cast(bindparam("job_rows", type_=String), JSON)).table_valued(
    column("kind", String), column("key", String), column("payload", JSON),
    column("run_at", DateTime(timezone=True)), column("at", DateTime(timezone=True)),
).render_derived(name="r", with_types=True)
_WRITE_ROWS = postgresql.insert(Job.__table__).from_select(
    ["kind", "key", "payload", "state", "attempts", "run_at", "created_at", "updated_at"],
    select(_ROWS.c.kind, _ROWS.c.key, _ROWS.c.payload, literal_column("'pending'"), literal_column("0"),
           _ROWS.c.run_at, _ROWS.c.at, _ROWS.c.at),
).on_conflict_do_nothing()
# The same, carried by another statement: ``WITH new_jobs AS (INSERT INTO jobs ...) <the change>``.
WRITTEN_WITH = _WRITE_ROWS.cte("new_jobs")


def _as_json(waiting: list[dict[str, Any]]) -> str:
    return orjson.dumps(waiting, option=orjson.OPT_NON_STR_KEYS).decode()  # as json.dumps takes them


def take_waiting(session: Session | None = None) -> str:
    """Take the jobs the session's transaction added, as the ``job_rows`` parameter of :data:`WRITTEN_WITH`.

    For a change written in one statement that carries its jobs (PostgreSQL):
    they are then no longer written at the commit.
    """
    return _as_json((session or db.session()).info.pop(_WAITING, None) or [])


def write_waiting(session: Session | None = None) -> None:
    """Write the jobs the session's transaction added (done at its commit; :func:`gather` needs them sooner)."""
    session = session or db.session()
    waiting = session.info.pop(_WAITING, None)
    if not waiting:
        return
    if dialect_name() == "postgresql":
        session.connection().execute(_WRITE_ROWS, {"job_rows": _as_json(waiting)})
        return
    insert_ignore(Job.__table__, [{
        "kind": row["kind"], "key": row["key"], "payload": row["payload"], "state": JobState.PENDING, "attempts": 0,
        "run_at": row["run_at"], "locked_until": None, "locked_by": None, "last_error": None,
        "created_at": row["at"], "updated_at": row["at"]} for row in waiting])


@event.listens_for(RoutingSession, "before_commit")
def _write_at_commit(session: Session) -> None:
    write_waiting(session)


@event.listens_for(RoutingSession, "after_transaction_end")
def _drop_unwritten(session: Session, transaction: Any) -> None:
    # A transaction that ends without its commit (a rollback) takes its jobs with it.
    if transaction.parent is None:
        session.info.pop(_WAITING, None)


def gather(kind: str, key: str, field: str, item: Any, payload: dict[str, Any], *,
           delay_seconds: float = 0) -> None:
    """Add ``item`` to the list ``field`` of the pending job of ``kind`` and ``key``, adding that job if none waits.

    In the caller's transaction (the caller commits): a digest of what comes
    in until the job is due. The pending row is locked until the commit, so
    two transactions gathering at once each add their item; an item that
    comes while the job already runs goes to a new job of the same key.
    """
    for _ in range(3):
        enqueue(kind, {**payload, field: []}, delay_seconds=delay_seconds, key=key)
        write_waiting()
        job = db.session.scalar(select(Job).where(Job.kind == kind, Job.key == key, Job.state == JobState.PENDING)
                                .with_for_update())
        if job is not None:  # else a worker claimed it between the two statements: add a new one
            items = [*job.payload.get(field, []), item]
            job.payload = {**job.payload, **payload, field: items}
            job.updated_at = utcnow()
            return
    raise RuntimeError(f"no pending {kind} job {key!r} to add to")


def now_expr() -> Any:
    """Return the time to compare with: the database's clock on PostgreSQL (one clock for every machine)."""
    return func.now() if dialect_name() == "postgresql" else utcnow()


def later_expr(seconds: float) -> Any:
    """Return ``seconds`` from now, on the clock of :func:`now_expr`."""
    return now_expr() + timedelta(seconds=seconds)
