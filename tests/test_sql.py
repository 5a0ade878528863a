"""sql.read_together: read statements in one round trip, with SQLAlchemy's rows, errors and events."""
from __future__ import annotations

import pytest
from sqlalchemy import bindparam, event, literal, select
from sqlalchemy.exc import DataError

from comments_service.database import read_together
from comments_service.extensions import db

NUMBERS = select(literal(1).label("one"), (bindparam("x") + 1).label("next"))
DIVIDE = select((literal(1) / bindparam("zero")).label("quotient"))


@pytest.mark.parametrize("uri", ["postgres", "sqlite"])
def test_rows_of_each_statement_in_order_by_name(make_app, uri):
    overrides = {"SQLALCHEMY_DATABASE_URI": "sqlite://"} if uri == "sqlite" else {}
    app = make_app(REDIS_URL=None, **overrides)
    with app.app_context():
        first, second = read_together((NUMBERS, {"x": 41}), (NUMBERS, {"x": 1}))
        assert [(row.one, row.next) for row in first] == [(1, 42)]
        assert [tuple(row) for row in second] == [(1, 2)]


def test_listeners_see_the_statements_and_errors_are_sqlalchemys(make_app):
    app = make_app(REDIS_URL=None)
    with app.app_context():
        seen: list[str] = []
        event.listen(db.engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
        read_together((NUMBERS, {"x": 1}))
        assert len(seen) == 1 and "SELECT" in seen[0]
        with pytest.raises(DataError):  # division by zero: the same class SQLAlchemy raises
            read_together((DIVIDE, {"zero": 0}))
        db.session.rollback()
        assert read_together((NUMBERS, {"x": 2}))[0][0].next == 3  # the connection is usable again
