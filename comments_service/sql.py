"""Portable SQL helpers for the two databases the service runs on."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite

from .extensions import db


def insert_ignore(table: Table, rows: Sequence[dict[str, Any]], returning: Any = None) -> Any:
    """INSERT rows, skipping those that break a unique constraint (no read-then-write race)."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table).on_conflict_do_nothing()
    if isinstance(returning, (tuple, list)):
        statement = statement.returning(*returning)
    elif returning is not None:
        statement = statement.returning(returning)
    # Parameters apart from the statement: compiled once and cached, batched by SQLAlchemy.
    return db.session.execute(statement, list(rows))
