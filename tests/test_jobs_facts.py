"""A change writes small jobs of facts in one INSERT; the worker composes the mail and the webhook when it runs them.

What a job keeps is what happened (the event, the comment's id, its status
and spam reasons then, the time); the text, the author and the post are read
when the worker runs it. These tests change or erase the comment between the
request and the run.
"""
from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import event, select

from comments_service import jobs
from comments_service.extensions import db
from comments_service.jobs import Job
from tests.helpers import post_comment, publish
from tests.test_mail import MODERATORS, job_rows, parts
from tests.test_webhook import SECRET, Hook, drain, make_due, verified

ANN = "ann@example.com"


@pytest.fixture
def hook() -> Iterator[Hook]:
    server = Hook()
    yield server
    server.stop()


def both_app(make_app, smtp_url, hook_url, **overrides):
    return make_app(**{"SMTP_URL": smtp_url, "MAIL_FROM": "Comments <comments@blog.example>",
                       "PUBLIC_URL": "https://comments.example", "MODERATOR_EMAILS": MODERATORS,
                       "MODERATION_WEBHOOK_URL": hook_url, "WEBHOOK_SECRET": SECRET, **overrides})


def statements_of(app, action):
    """Run ``action`` and return the SQL statements the app sent meanwhile."""
    with app.app_context():
        engine = db.engine
    sent: list[str] = []

    def note(conn, cursor, statement, *args):
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return sent


def test_a_new_comment_is_written_with_its_jobs_in_one_statement_and_reads_nothing_for_them(make_app, smtp, hook,
                                                                                             editor):
    app = both_app(make_app, smtp.url, hook.url)
    client = app.test_client()
    publish(client, editor, "spine", title="Spine")
    answers = []
    sent = statements_of(app, lambda: answers.append(
        post_comment(client, "spine", author="Ada", email="ada@example.com", body="Does it **hurt**?")))
    assert answers[0].status_code == 201
    # The post's read (which takes the comment's id from its sequence), then one write: the comment and its jobs.
    assert len(sent) == 2 and "nextval" in sent[0]
    assert "INSERT INTO jobs" in sent[1] and "INSERT INTO comments" in sent[1]
    assert not [s for s in sent if "FROM comments" in s or "FROM jobs" in s]
    created = answers[0].get_json()
    rows = job_rows(app)
    assert sorted(r.kind for r in rows) == ["moderator-mail", "webhook"]
    webhook_row = next(r for r in rows if r.kind == "webhook")
    assert "body" not in webhook_row.payload and webhook_row.payload["comment"] == created["id"]
    assert webhook_row.payload["status"] == "pending" and webhook_row.payload["event"] == "comment.created"
    mail_row = next(r for r in rows if r.kind == "moderator-mail")
    assert set(mail_row.payload) == {"comment", "summary"} and mail_row.key == f"comment:{created['id']}"
    assert "Does it" not in json.dumps([r.payload for r in rows])  # no text is kept: it is read when they run


def test_an_approval_writes_one_insert_of_jobs(make_app, smtp, hook, moderator):
    app = both_app(make_app, smtp.url, hook.url)
    client = app.test_client()
    created = post_comment(client, "p").get_json()
    drain(app)
    sent = statements_of(app, lambda: client.post(f"/api/moderation/comments/{created['id']}/approve",
                                                  headers=moderator))
    assert len([s for s in sent if s.lstrip().upper().startswith("INSERT INTO JOBS")]) == 1
    assert [r.kind for r in job_rows(app)] == ["webhook"]


def test_a_comment_moderated_before_the_worker_runs_mails_nobody_but_its_webhook_goes(make_app, smtp, hook,
                                                                                     moderator):
    app = both_app(make_app, smtp.url, hook.url)
    client = app.test_client()
    created = post_comment(client, "p", body="first words").get_json()
    client.post(f"/api/moderation/comments/{created['id']}/approve", headers=moderator)
    assert drain(app) == 3  # the mail finds nothing left to do; both events go
    assert job_rows(app) == [] and smtp.wait_for(1, timeout=2) == []
    first, second = (verified(s) for s in hook.all())
    # Each event as it happened: the created one says pending, though the comment is public by now.
    assert (first["type"], first["comment"]["status"]) == ("comment.created", "pending")
    assert (second["type"], second["comment"]["previous_status"]) == ("comment.approved", "pending")
    assert first["comment"]["excerpt"] == "first words" and first["timestamp"] <= second["timestamp"]


def test_a_comment_edited_before_the_worker_runs_is_mailed_once_as_it_is_then(make_app, smtp, hook, moderator):
    app = both_app(make_app, smtp.url, hook.url, MODERATOR_EMAILS=["mia@example.com"])
    client = app.test_client()
    created = post_comment(client, "p", body="first words").get_json()
    client.post(f"/api/moderation/comments/{created['id']}/approve", headers=moderator)
    client.patch(f"/api/comments/{created['id']}", json={"body": "now other words"},
                 headers={"X-Edit-Token": created["edit_token"]})  # back in the queue
    assert [r.kind for r in job_rows(app)].count("moderator-mail") == 1  # one waits for the comment: it does for both
    drain(app)
    [received] = smtp.wait_for(1)
    text, html = parts(received.message)
    assert "now other words" in text and "now other words" in html and "first words" not in text
    events = [verified(s) for s in hook.all()]
    assert [(e["type"], e["comment"]["status"]) for e in events] == [
        ("comment.created", "pending"), ("comment.approved", "approved"), ("comment.pending", "pending")]
    assert {e["comment"]["excerpt"] for e in events} == {"now other words"}  # the text is read when it runs


def test_a_comment_erased_before_the_worker_runs_leaves_only_its_facts(make_app, smtp, hook, tokens):
    app = both_app(make_app, smtp.url, hook.url)
    client = app.test_client()
    created = post_comment(client, "p", author="Ann", email=ANN, body="my private words").get_json()
    erased = client.post("/api/moderation/authors/erase", json={"email": ANN},
                         headers={"Authorization": f"Bearer {tokens['admin']}"})
    assert erased.status_code == 200
    drain(app)
    assert smtp.wait_for(1, timeout=2) == []  # nothing waits for a moderator any more
    sent = hook.all()
    assert all(b"my private words" not in s["body"] and b"Ann" not in s["body"] for s in sent)
    first, second = (verified(s) for s in sent)
    assert first["type"] == "comment.created" and first["comment"]["id"] == created["id"]
    assert first["comment"]["author"] is None and first["comment"]["excerpt"] == ""
    assert first["comment"]["post"]["slug"] == "p" and first["moderate_url"] is None
    assert first["text"] == "New comment by (no name) on \u201cp\u201d awaits moderation; it has been deleted since"
    assert second["type"] == "comment.deleted" and second["comment"]["previous_status"] == "pending"


def test_a_retry_sends_the_body_its_first_attempt_made(make_app, smtp, moderator):
    failing = Hook(status=500)
    try:
        app = both_app(make_app, smtp.url, failing.url, MODERATOR_EMAILS=[])
        client = app.test_client()
        created = post_comment(client, "p", body="first words").get_json()
        drain(app)
        [job] = job_rows(app)
        assert job.payload[jobs.COMPOSED] is True and "first words" in job.payload["body"]
        client.patch(f"/api/comments/{created['id']}", json={"body": "other words"},
                     headers={"X-Edit-Token": created["edit_token"]})  # pending, edited: no new event
        failing.status = 204
        make_due(app)
        drain(app)
        first, second = failing.all()
    finally:
        failing.stop()
    assert first["body"] == second["body"] and first["headers"]["webhook-id"] == second["headers"]["webhook-id"]


def test_a_webhook_job_written_whole_before_the_upgrade_is_sent_as_it_is(make_app, hook):
    app = both_app(make_app, "", hook.url, SMTP_URL=None)
    body = json.dumps({"type": "comment.created", "text": "old row"})
    with app.app_context():
        jobs.enqueue("webhook", {"id": "msg_old", "body": body, "summary": "webhook comment.created of comment #1"})
        db.session.commit()
    assert drain(app) == 1
    [sent] = hook.all()
    assert sent["body"].decode() == body and sent["headers"]["webhook-id"] == "msg_old"


def test_jobs_of_a_transaction_go_with_its_commit_in_one_insert_and_go_with_its_rollback(app):
    with app.app_context():
        jobs.enqueue("test-facts", {"n": 1})
        db.session.rollback()  # before any statement: the job goes with it
        db.session.execute(select(1))
        jobs.enqueue("test-facts", {"n": 2})
        db.session.rollback()
        assert db.session.scalars(select(Job).where(Job.kind == "test-facts")).all() == []
        jobs.enqueue("test-facts", {"n": 3}, key="same")
        jobs.enqueue("test-facts", {"n": 4}, key="same")  # the same kind and key: one job
        jobs.enqueue("test-facts", {"n": 5}, delay_seconds=60)
        sent = statements_of(app, db.session.commit)
        assert len([s for s in sent if s.lstrip().upper().startswith("INSERT INTO JOBS")]) == 1
        found = db.session.scalars(select(Job).where(Job.kind == "test-facts").order_by(Job.id)).all()
        assert [j.payload["n"] for j in found] == [3, 5] and found[1].run_at > found[0].run_at


@pytest.mark.parametrize("delay", [0, 30])
def test_a_keyed_job_already_pending_makes_a_new_one_a_no_op_at_commit(app, delay):
    with app.app_context():
        jobs.enqueue("test-facts-key", {"n": 1}, key="k", delay_seconds=delay)
        db.session.commit()
        jobs.enqueue("test-facts-key", {"n": 2}, key="k", delay_seconds=delay)
        db.session.commit()
        assert [j.payload["n"] for j in db.session.scalars(select(Job).where(Job.key == "k"))] == [1]


def test_on_sqlite_the_jobs_go_with_the_commit_and_the_worker_composes_them(tmp_path, smtp, hook):
    import flask_migrate

    from comments_service import create_app, jobs_worker

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'c.db'}", "REDIS_URL": None, "TESTING": True,
                      "SMTP_URL": smtp.url, "MAIL_FROM": "comments@blog.example", "MODERATOR_EMAILS": MODERATORS,
                      "PUBLIC_URL": "https://comments.example", "MODERATION_WEBHOOK_URL": hook.url,
                      "WEBHOOK_SECRET": SECRET, "MODERATION": "pre"})
    with app.app_context():
        flask_migrate.upgrade()
    created = app.test_client().post("/api/posts/s/comments", json={"author": "Ada", "body": "on sqlite"})
    assert created.status_code == 201
    with app.app_context():
        assert sorted(j.kind for j in db.session.scalars(select(Job))) == ["moderator-mail", "webhook"]
        assert jobs_worker.drain() == 2
    [received] = smtp.wait_for(1)
    assert "on sqlite" in parts(received.message)[0]
    [sent] = hook.all()
    assert verified(sent)["comment"]["excerpt"] == "on sqlite"
