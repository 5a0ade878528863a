"""Opaque keyset cursors, signed so that only cursors the service issued are accepted.

A cursor holds the sort keys of the last row of a page; the next page starts
strictly after them. Rows added meanwhile never shift a page the way OFFSET
does.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import ColumnElement, and_, literal, or_
from sqlalchemy.orm import InstrumentedAttribute

from .errors import ApiError

# (column, descending)
SortKey = tuple[InstrumentedAttribute[Any], bool]


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="cursor")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    return value


def _typed(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"t"}:
        return datetime.fromisoformat(value["t"])
    return value


def encode(kind: str, values: Sequence[Any]) -> str:
    """Make a cursor for the row whose sort keys are ``values``."""
    return _serializer().dumps([kind, [_plain(v) for v in values]])


def decode(kind: str, cursor: str, size: int) -> list[Any]:
    """Read a cursor made by :func:`encode` for the same ``kind``; 400 otherwise."""
    try:
        found_kind, values = _serializer().loads(cursor)
        if found_kind != kind or not isinstance(values, list) or len(values) != size:
            raise ValueError(kind)
        return [_typed(v) for v in values]
    except (BadSignature, ValueError, TypeError):
        raise ApiError(
            400, "invalid_cursor", "This cursor was not issued for this list; start without one."
        ) from None


def order_by(keys: Sequence[SortKey]) -> list[Any]:
    """Return ORDER BY clauses for ``keys``."""
    return [column.desc() if desc else column.asc() for column, desc in keys]


def after(keys: Sequence[SortKey], values: Sequence[Any]) -> ColumnElement[bool]:
    """Return the predicate 'strictly after ``values`` in the order of ``keys``'."""
    (column, desc), value = keys[0], values[0]
    if isinstance(value, bool):
        value = literal(value)  # SQLAlchemy compares the constants True and False only with = and !=
    beyond = column < value if desc else column > value
    if len(keys) == 1:
        return beyond
    return or_(beyond, and_(column == value, after(keys[1:], values[1:])))


def page(rows: list[Any], limit: int, kind: str, keys: Sequence[SortKey]) -> tuple[list[Any], str | None]:
    """Cut ``rows`` (fetched with ``limit + 1``) to a page and the cursor of the next one."""
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    return rows, encode(kind, [getattr(last, column.key) for column, _ in keys])
