"""The database layer: connections, transaction modes, answering again after a dead connection, pipelined reads.

Nothing else in the service decides how a statement runs:

- **Reads stand alone.** A GET or HEAD request's session is bound to an autocommit copy of the
  engine (same pool): no BEGIN before a SELECT, no ROLLBACK after. A write of one statement may
  ask for the same (:func:`standalone_statements`). Everything else gets transactions.
- **No ping per request.** Pooled connections are pinged before use by
  commands and threads only. A request whose connection turns out dead before
  it sent anything that may change data is answered again on a new
  connection (:func:`dispatch`); one that had sent a write answers 503,
  unless the write is marked :data:`REPEATABLE`.
- **Reads straight to the driver** (:func:`read_together`, :func:`read_first`): several in one round trip.
- **No session state.** No statement is prepared on the server, and nothing
  sets, locks or listens beyond its transaction, so ``DATABASE_URL`` may point
  at PgBouncer in transaction pooling mode.
"""
from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from flask import Flask, g, has_app_context, has_request_context, request
from flask_sqlalchemy.session import Session
from psycopg.rows import namedtuple_row
from sqlalchemy import Dialect, Executable, Table, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.sql.compiler import Compiled

from . import extensions  # extensions builds db with RoutingSession: refer to it as extensions.db

log = logging.getLogger(__name__)

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# The execution option of a write that may run twice (a like, under its unique constraint): see dispatch.
REPEATABLE = "repeatable"
CONNECT_TIMEOUT_SECONDS = 5


def reading() -> bool:
    """Tell whether this is a request that only reads (GET, HEAD or OPTIONS)."""
    return has_request_context() and request.method in READ_METHODS


class RoutingSession(Session):
    """Flask-SQLAlchemy's session, bound to the autocommit engine while a request only reads (or writes standalone).

    SQLAlchemy's documented way to route statements (``Session.get_bind``); both engines
    share one pool, which restores a connection's isolation level when it comes back.
    """

    def get_bind(self, *args: Any, **kwargs: Any) -> Any:
        """Return the engine for this statement: autocommit for reading requests and standalone statements."""
        bind = super().get_bind(*args, **kwargs)
        if (reading() or g.get("db_standalone", False)) and isinstance(bind, Engine):
            return _autocommit(bind)
        return bind


@functools.lru_cache(maxsize=8)
def _autocommit(engine: Engine) -> Engine:
    return engine.execution_options(isolation_level="AUTOCOMMIT")


def standalone_statements() -> None:
    """Route the next statements, until the session's transaction ends, to the autocommit engine, as reads are.

    For a write made by a single statement, which then commits itself. Not once a transaction has begun.
    """
    if not extensions.db.session().in_transaction():
        g.db_standalone = True


def transactions_again() -> None:
    """End what :func:`standalone_statements` began: the next statements run in a transaction."""
    if g.get("db_standalone", False):
        extensions.db.session.commit()  # nothing to commit; it ends the standalone statements


@event.listens_for(RoutingSession, "after_transaction_end")
def _end_standalone(session: Any, transaction: Any) -> None:
    # Standalone statements last as long as the session's transaction.
    if transaction.parent is None and has_app_context():
        g.pop("db_standalone", None)


def init_app(app: Flask) -> None:
    """Set the engine's options and listeners: timeouts, pings outside requests, write tracking, SQLite pragmas."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("postgresql"):
        options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        connect_args = options["connect_args"] = dict(options.get("connect_args", {}))
        # A database that accepts TCP but never answers must not hold a worker forever.
        connect_args.setdefault("connect_timeout", CONNECT_TIMEOUT_SECONDS)
        # Never prepare statements on the server: behind PgBouncer in transaction
        # mode the next transaction may get another server connection.
        connect_args.setdefault("prepare_threshold", None)
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    extensions.db.init_app(app)
    # Registered after Flask-SQLAlchemy's teardown, so it runs before it.
    app.teardown_appcontext(release_session)
    with app.app_context():
        event.listen(extensions.db.engine, "checkout", _ping_outside_requests(extensions.db.engine.dialect))
        event.listen(extensions.db.engine, "before_cursor_execute", _note_writes)
        if uri.startswith("sqlite"):
            event.listen(extensions.db.engine, "connect", _sqlite_pragmas)


def release_session(exc: BaseException | None) -> None:
    """End the request's session even if its connection died after the answer was made.

    Flask-SQLAlchemy's own teardown rolls back on the dead connection and
    raises past Flask, turning a finished answer into the WSGI server's 500.
    SQLAlchemy has already invalidated such a connection; the pool makes a new one.
    """
    try:
        extensions.db.session.remove()
    except Exception as error:  # the connection is gone; nothing left to roll back
        log.warning("dropping a session whose connection failed: %s", error)
        extensions.db.session.registry.clear()


def dispatch(run: Callable[[], Any]) -> Any:
    """Run a request's view; if its pooled connection was dead and nothing was written, run it once more.

    The failed statement made SQLAlchemy drop every connection as old as that one, so the second
    try connects afresh (503 only if the database is down). A request that had sent a write (not
    REPEATABLE) is not run again: the write may have happened; it answers 503.
    """
    try:
        return run()
    except DBAPIError as error:
        if not error.connection_invalidated or g.get("db_wrote", False):
            raise
        release_session(None)
        return run()


def _ping_outside_requests(dialect: Dialect) -> Callable[[Any, Any, Any], None]:
    # The pool's pre-ping, for commands and threads only: a request skips that
    # round trip (an eighth of a new comment's time under load) and is answered
    # again instead (see dispatch).
    def checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        if has_request_context():
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as error:
            raise DisconnectionError(f"pooled connection is dead: {error}") from error

    return checkout


def _note_writes(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
    # Remember that this request sent what may change data: it is never answered twice. Only compiled
    # SELECTs (and read_together's, with no context) change nothing; a REPEATABLE write, nothing more.
    if context is None or not has_request_context() or context.execution_options.get(REPEATABLE, False):
        return
    compiled = context.compiled
    if compiled is None or not getattr(compiled.statement, "is_select", False):
        g.db_wrote = True


def _sqlite_pragmas(connection: Any, record: Any) -> None:
    # SQLite leaves foreign keys off unless asked; WAL lets readers run during a write.
    connection.execute("PRAGMA foreign_keys=ON")
    connection.execute("PRAGMA journal_mode=WAL")


def dialect_name() -> str:
    """Name the database the session talks to: 'postgresql' or 'sqlite'."""
    return extensions.db.engine.dialect.name  # the session's binds all share this engine's dialect


def insert_ignore(table: Table, rows: Sequence[dict[str, Any]], returning: Any = None) -> Any:
    """INSERT rows, skipping those that break a unique constraint (no read-then-write race)."""
    insert = postgresql.insert if dialect_name() == "postgresql" else sqlite.insert
    statement = insert(table).on_conflict_do_nothing()
    if isinstance(returning, (tuple, list)):
        statement = statement.returning(*returning)
    elif returning is not None:
        statement = statement.returning(returning)
    # Parameters apart from the statement: compiled once and cached, batched by SQLAlchemy.
    return extensions.db.session.execute(statement, list(rows))


Query = tuple[Executable, Mapping[str, Any]]


def read_together(*queries: Query) -> list[list[Any]]:
    """Run read-only statements and return each one's rows, whose columns read by name.

    Through psycopg they go out together (pipeline mode, when more than one), straight to the
    driver; other drivers run them one by one through SQLAlchemy. Compiled once each: pass statements
    built once (module constants), their values as bind parameters; none that needs bind processing.
    """
    connection = extensions.db.session.connection()
    dialect = connection.dialect
    if dialect.driver != "psycopg":
        return [list(connection.execute(statement, params)) for statement, params in queries]
    driver = connection.connection.driver_connection
    plans = [_compiled(statement, dialect) for statement, _ in queries]
    if None in plans:
        raise TypeError("a statement needs SQLAlchemy's parameter processing; run it through SQLAlchemy")
    # Listeners of the engine's statements (query counters, logs) see these too.
    events = connection.dispatch
    sent = []
    try:
        with driver.pipeline() if len(plans) > 1 else contextlib.nullcontext():  # type: ignore[union-attr]
            for plan, (_, params) in zip(plans, queries, strict=True):
                cursor = driver.cursor(row_factory=namedtuple_row)  # type: ignore[union-attr]
                values = plan.construct_params(params)
                events.before_cursor_execute(connection, cursor, plan.string, values, None, False)
                cursor.execute(plan.string, values)
                sent.append((cursor, plan.string, values))
        rows = [cursor.fetchall() for cursor, _, _ in sent]
        [cursor.close() for cursor, _, _ in sent]
    except dialect.loaded_dbapi.Error as error:
        # As SQLAlchemy does for its own statements: a dead connection is dropped, the error is its kind.
        dead = dialect.is_disconnect(error, driver, None)
        if dead:
            connection.invalidate(error)
        raise DBAPIError.instance(
            "; ".join(plan.string for plan in plans), None, error, dialect.loaded_dbapi.Error,
            connection_invalidated=dead, dialect=dialect,
        ) from error
    for cursor, statement, values in sent:
        events.after_cursor_execute(connection, cursor, statement, values, None, False)
    return rows


def read_first(statement: Executable, params: Mapping[str, Any]) -> Any:
    """Return the first row of one read-only statement, or None: straight to the driver if it can (read_together)."""
    connection = extensions.db.session.connection()
    if connection.dialect.driver == "psycopg" and _compiled(statement, connection.dialect) is not None:
        rows = read_together((statement, params))[0]
        return rows[0] if rows else None
    return connection.execute(statement, params).first()


@functools.lru_cache(maxsize=64)
def _compiled(statement: Executable, dialect: Dialect) -> Compiled | None:
    plan = statement.compile(dialect=dialect)  # None: values the driver cannot take as they are
    processed = [name for name, bind in plan.binds.items() if bind.type.dialect_impl(dialect).bind_processor(dialect)]
    return None if processed or "POSTCOMPILE" in plan.string else plan
