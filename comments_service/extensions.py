"""Flask extensions, created unbound and bound to the app in ``create_app``."""
from __future__ import annotations

import logging

from flask_cors import CORS
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
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
migrate = Migrate()
cors = CORS()
