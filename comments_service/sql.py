"""Portable SQL helpers for the two databases the service runs on."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from psycopg.rows import namedtuple_row
from sqlalchemy import Dialect, Executable, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.compiler import Compiled

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


Query = tuple[Executable, Mapping[str, Any]]
_COMPILED: dict[tuple[Executable, str], Compiled] = {}
COMPILED_MAX = 64


def read_together(*queries: Query) -> list[list[Any]]:
    """Run read-only statements and return each one's rows, whose columns read by name.

    Through psycopg they go out together, one round trip for all (pipeline
    mode), straight to the driver. Other drivers run them one by one through
    SQLAlchemy. Statements are compiled once each: pass ones that are built
    once (module constants) and take their values as bind parameters.
    """
    connection = db.session.connection()
    dialect = connection.dialect
    if dialect.driver != "psycopg":
        return [list(connection.execute(statement, params)) for statement, params in queries]
    driver = connection.connection.driver_connection
    plans = [_compiled(statement, dialect) for statement, _ in queries]
    # Listeners of the engine's statements (query counters, logs) see these too.
    events = connection.dispatch
    sent = []
    try:
        with driver.pipeline():  # type: ignore[union-attr]
            for plan, (_, params) in zip(plans, queries, strict=True):
                cursor = driver.cursor(row_factory=namedtuple_row)  # type: ignore[union-attr]
                values = plan.construct_params(params)
                events.before_cursor_execute(connection, cursor, plan.string, values, None, False)
                cursor.execute(plan.string, values)
                sent.append((cursor, plan.string, values))
        rows = [cursor.fetchall() for cursor, _, _ in sent]
        for cursor, _, _ in sent:
            cursor.close()
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


def _compiled(statement: Executable, dialect: Dialect) -> Compiled:
    key = (statement, dialect.name)
    plan = _COMPILED.get(key)
    if plan is None:
        plan = statement.compile(dialect=dialect)
        if plan._bind_processors or plan.post_compile_params:  # values the driver cannot take as they are
            raise TypeError(f"statement needs bind processing: {sorted(plan._bind_processors)}")
        if len(_COMPILED) < COMPILED_MAX:  # a statement built per call would only fill it
            _COMPILED[key] = plan
    return plan
