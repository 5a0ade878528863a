"""Pooled connections: dead ones (a database restart, a proxy's idle timeout), and transactions.

Requests take pooled connections without a ping. One whose connection
turns out dead before it sent anything that may change data is answered
again on a new connection, so the reader sees no error; one that had sent
a write answers 503 and is never run twice.
"""
from __future__ import annotations

import psycopg
from sqlalchemy import event, select

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


def test_a_write_on_a_dead_pooled_connection_is_answered_on_a_new_one(make_app, moderator, database_url):
    app = make_app(REDIS_URL=None)
    client = app.test_client()
    first = approved_comment(client, moderator, "pool-w")
    for body, extra in (("after the restart", {}), ("a reply after it", {"parent_id": first["id"]})):
        assert kill_pooled_connections(app, database_url) >= 1
        created = post_comment(client, "pool-w", body=body, **extra)
        assert created.status_code == 201, created.get_json()
    assert kill_pooled_connections(app, database_url) >= 1
    assert client.post("/api/posts/pool-w/likes", headers=READER).status_code == 200
    with app.app_context():
        bodies = [c.body_source for c in db.session.scalars(select(Comment).order_by(Comment.id))]
        assert bodies[-2:] == ["after the restart", "a reply after it"]


def test_a_write_whose_insert_met_a_dead_connection_is_not_run_twice(make_app, database_url):
    app = make_app(REDIS_URL=None)
    client = app.test_client()
    assert post_comment(client, "pool-x").status_code == 201
    admin = database_url.replace("postgresql+psycopg://", "postgresql://")

    killed: list[int] = []

    def kill_before_insert(conn, cursor, statement, *args):
        # The server process goes away just as the INSERT is sent (once): its fate is unknown to the service.
        if statement.lstrip().upper().startswith(("INSERT", "WITH")) and not killed:
            pid = conn.connection.driver_connection.info.backend_pid
            killed.append(pid)
            with psycopg.connect(admin, autocommit=True) as other:
                other.execute("SELECT pg_terminate_backend(%s)", (pid,))

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", kill_before_insert)
    answer = post_comment(client, "pool-x", body="sent once")
    with app.app_context():
        event.remove(db.engine, "before_cursor_execute", kill_before_insert)
    assert killed and answer.status_code == 503 and answer.get_json()["error"]["code"] == "storage_unavailable"
    assert post_comment(client, "pool-x", body="the next one").status_code == 201
    with app.app_context():
        bodies = [c.body_source for c in db.session.scalars(select(Comment).where(Comment.body_source != "Hello there"))]
    assert bodies == ["the next one"]


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
    # Approving changes the comment, the post's count and the log: one transaction. After its commit, the
    # live events read what became public on their own (the one statement outside a transaction); the
    # answer's reads follow.
    alone = [i for i, (_, state) in enumerate(states) if state == "IDLE"]
    assert len(alone) == 1 and states[alone[0]][0] == "SELECT"
    change = states[:alone[0]]
    assert len(change) >= 3 and {state for _, state in change} == {"INTRANS"}
    assert {"UPDATE", "INSERT"} <= {verb for verb, _ in change}
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


def test_a_write_answered_again_counts_once_against_its_rate_limit(make_app, database_url):
    app = make_app(REDIS_URL=None, RATELIMIT_ENABLED=True, RATELIMIT_LIKES="1 per minute")
    client = app.test_client()
    token = {"X-Reader-Token": "pool-limit-reader-0001"}
    assert post_comment(client, "pool-l").status_code == 201
    assert kill_pooled_connections(app, database_url) >= 1
    liked = client.post("/api/posts/pool-l/likes", headers=token)
    assert liked.status_code == 200, liked.get_json()
    assert client.post("/api/posts/pool-l/likes", headers=token).status_code == 429
