"""Pooled connections: dead ones (a database restart, a proxy's idle timeout), and transactions.

Writes check their connection before using it; reads skip that round trip
and are answered again on a new connection when theirs was dead. Either
way the reader sees no error.
"""
from __future__ import annotations

import psycopg
from sqlalchemy import event

from comments_service.extensions import db
from comments_service.models import Comment
from tests.helpers import READER, approved_comment, post_comment


def kill_pooled_connections(app, database_url: str) -> int:
    """Terminate every server process of the app's database but our own; return how many."""
    with app.app_context():
        name = db.engine.url.database
    admin = database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        ).fetchall()
    return len(rows)


def test_a_read_on_a_dead_pooled_connection_is_answered_on_a_new_one(make_app, moderator, database_url):
    app = make_app(REDIS_URL=None)
    client = app.test_client()
    approved_comment(client, moderator, "pool")
    assert client.get("/api/posts/pool/comments", headers=READER).status_code == 200
    assert kill_pooled_connections(app, database_url) >= 1
    for path in ("/api/posts/pool/comments", "/api/posts/pool", "/api/widgets/recent-comments"):
        response = client.get(path, headers=READER)
        assert response.status_code == 200, response.get_json()
    assert [c["body_html"] for c in client.get("/api/posts/pool/comments").get_json()["comments"]] == [
        "<p>Hello there</p>"
    ]


def test_a_write_checks_its_pooled_connection_first(make_app, database_url):
    app = make_app(REDIS_URL=None)
    client = app.test_client()
    assert post_comment(client, "pool-w").status_code == 201
    assert kill_pooled_connections(app, database_url) >= 1
    created = post_comment(client, "pool-w", body="after the restart")
    assert created.status_code == 201, created.get_json()
    with app.app_context():
        assert db.session.get(Comment, created.get_json()["id"]).body_source == "after the restart"


def test_reads_and_single_statement_writes_run_outside_a_transaction(make_app, moderator):
    app = make_app(REDIS_URL=None)
    client = app.test_client()
    states: list[tuple[str, str]] = []

    def after(conn, cursor, statement, *args):
        states.append((statement.split()[0].upper(), conn.connection.driver_connection.info.transaction_status.name))

    assert post_comment(client, "pool-r", body="the post's first").status_code == 201
    with app.app_context():
        event.listen(db.engine, "after_cursor_execute", after)
    created = post_comment(client, "pool-r")
    assert created.status_code == 201
    # A new comment is one INSERT after one SELECT, each committing itself.
    assert [verb for verb, _ in states] == ["SELECT", "INSERT"] and {state for _, state in states} == {"IDLE"}
    states.clear()
    assert client.post(f"/api/moderation/comments/{created.get_json()['id']}/approve", headers=moderator).status_code == 200
    # Approving changes the comment, the post's count and the log: one transaction.
    assert len(states) >= 3 and {state for _, state in states} == {"INTRANS"}
    states.clear()
    assert client.get("/api/posts/pool-r/comments").status_code == 200
    # Two statements, each on its own: no BEGIN before them, no ROLLBACK after.
    assert len(states) == 2 and {state for _, state in states} == {"IDLE"}
    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            assert raw.driver_connection.autocommit is False  # the pool gave the connection back as it was
        finally:
            raw.close()
