"""Flask extensions, created unbound and bound to the app in ``create_app``."""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import has_request_context, request
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
    if reading() and not db.session().in_transaction():
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def reading() -> bool:
    """Tell whether this is a request that only reads (GET or HEAD)."""
    return has_request_context() and request.method in READ_METHODS


def ping_unless_reading(dialect: Dialect) -> Callable[[Any, Any, Any], None]:
    """Return a pool ``checkout`` listener: the pool's pre-ping, for everything but reads.

    A write, a command or a worker thread checks that its pooled connection is
    alive before using it, and gets a new one if not. A read skips that round
    trip: if its connection turns out dead, ServiceFlask answers it again
    once on a fresh connection, which a read can do safely.
    """
    def checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        if reading():
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as error:
            raise DisconnectionError(f"pooled connection is dead: {error}") from error
    return checkout


migrate = Migrate()
cors = CORS()
