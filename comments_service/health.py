"""Health of the service's two dependencies."""
from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from . import redis_client
from .extensions import db


def check() -> tuple[dict[str, str], int]:
    """Report the database and Redis, and how far live events reach; 503 when the database is unreachable."""
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except (SQLAlchemyError, OSError):
        db.session.rollback()
        database = "down"
    cache = redis_client.client().ping()
    healthy = database == "ok" and cache in ("ok", "disabled")
    # Live events reach every process's streams through Redis; without it, this process's streams only.
    streams = "shared" if cache == "ok" else "process"
    body = {"status": "ok" if healthy else "degraded", "db": database, "redis": cache, "streams": streams}
    return body, 200 if database == "ok" else 503
