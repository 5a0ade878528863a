"""Flask extensions, created unbound and bound to the app in ``create_app``."""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import g, has_request_context, request
from flask_cors import CORS
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Dialect, MetaData
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Declarative base with constraint names that migrations can rely on."""

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


db = SQLAlchemy(model_class=Base)
log = logging.getLogger(__name__)


def release_session(exc: BaseException | None) -> None:
    """End the request's session even if its connection died after the answer was made.

    Flask-SQLAlchemy's own teardown rolls back on the dead connection and
    raises past Flask, turning a finished answer into the WSGI server's 500.
    SQLAlchemy has already invalidated such a connection; the pool makes a new one.
    """
    try:
        db.session.remove()
    except Exception as error:  # the connection is gone; nothing left to roll back
        log.warning("dropping a session whose connection failed: %s", error)
        db.session.registry.clear()


READ_METHODS = frozenset({"GET", "HEAD"})


def begin_read() -> None:
    """Run a reading request's statements without a transaction around them.

    A GET or HEAD that has not yet touched the database takes its connection
    in autocommit: each SELECT stands alone, with no BEGIN before it and no
    ROLLBACK after the request, two round trips fewer on every cache miss.
    Statements of a request that writes, or that has begun a transaction,
    keep that transaction. The pool restores the connection's default on its
    return.
    """
    if reading():
        begin_autocommit()


def begin_autocommit() -> None:
    """Take this request's connection in autocommit, unless it has begun a transaction already.

    For work whose every statement stands alone: reads, or a write made by a
    single statement, which then commits itself.
    """
    if not db.session().in_transaction():
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def reading() -> bool:
    """Tell whether this is a request that only reads (GET or HEAD)."""
    return has_request_context() and request.method in READ_METHODS


def ping_outside_requests(dialect: Dialect) -> Callable[[Any, Any, Any], None]:
    """Return a pool ``checkout`` listener: the pool's pre-ping, for commands and threads only.

    A command or a worker thread checks that its pooled connection is alive
    before using it, and gets a new one if not. A request skips that round
    trip (an eighth of a new comment's time under load): if its connection
    turns out dead before it sent anything that may change data, ServiceFlask
    answers it again once on a fresh connection (see :func:`note_writes`).
    """
    def checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        if has_request_context():
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as error:
            raise DisconnectionError(f"pooled connection is dead: {error}") from error
    return checkout


def note_writes(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
    """A ``before_cursor_execute`` listener: remember that this request sent what may change data.

    Such a request is never answered twice: if its connection died while the
    statement was out, the statement may have run. Only compiled SELECTs are
    known to change nothing (sql.read_together sends only reads, with no
    execution context).
    """
    if context is None or not has_request_context():
        return
    compiled = context.compiled
    if compiled is None or not getattr(compiled.statement, "is_select", False):
        g.db_wrote = True


def may_answer_again() -> bool:
    """Tell whether this request has sent nothing that may have changed data."""
    return not g.get("db_wrote", False)


migrate = Migrate()
cors = CORS()
