"""The moderation webhook: every status change becomes a job of its transaction, POSTed signed (Standard Webhooks)."""
from __future__ import annotations

import base64
import json
import queue
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import select, update
from standardwebhooks import Webhook, WebhookVerificationError

from comments_service import jobs, jobs_worker
from comments_service.extensions import db
from comments_service.jobs import Job, JobState
from tests.helpers import post_comment, publish
from tests.servers import free_port

WAIT = 10  # seconds: an upper bound for a POST on loopback, never a measured time
SECRET = "whsec_" + base64.b64encode(b"a test secret of thirty-two bytes").decode()


class Hook:
    """A local HTTP server that records what it is sent (body bytes and headers); it can answer an error."""

    def __init__(self, status: int = 204) -> None:
        self.received: queue.Queue[dict[str, Any]] = queue.Queue()
        self.status = status
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hook.received.put({"body": body, "headers": {k.lower(): v for k, v in self.headers.items()}})
                self.send_response(hook.status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def all(self) -> list[dict[str, Any]]:
        found = []
        while not self.received.empty():
            found.append(self.received.get())
        return found

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hook() -> Iterator[Hook]:
    server = Hook()
    yield server
    server.stop()


def hook_app(make_app, url, **overrides):
    settings = {"MODERATION_WEBHOOK_URL": url, "WEBHOOK_SECRET": SECRET, "PUBLIC_URL": "https://comments.example"}
    return make_app(**{**settings, **overrides})


def drain(app) -> int:
    with app.app_context():
        return jobs_worker.drain()


def verified(sent: dict[str, Any]) -> dict[str, Any]:
    """Check the Standard Webhooks signature with the library, as a receiver would; return the JSON."""
    return Webhook(SECRET).verify(sent["body"], sent["headers"])


def test_a_new_pending_comment_is_posted_signed_once_committed(make_app, editor, hook):
    app = hook_app(make_app, hook.url)
    client = app.test_client()
    publish(client, editor, "spine", title="Spine <care>")
    created = post_comment(client, "spine", author="Ada & Bob", email="ada@example.com", body="Does it **hurt**?")
    assert hook.all() == []  # nothing is sent from the request: the job waits for a worker
    assert drain(app) == 1
    [sent] = hook.all()
    assert sent["headers"]["content-type"] == "application/json"
    body = verified(sent)
    comment_id = created.get_json()["id"]
    assert body["type"] == "comment.created" and body["comment"]["status"] == "pending"
    assert body["comment"]["id"] == comment_id and body["comment"]["previous_status"] is None
    assert body["comment"]["post"] == {"slug": "spine", "title": "Spine <care>", "url": "https://blog.example/spine"}
    assert body["comment"]["excerpt"] == "Does it hurt?" and body["comment"]["author"] == "Ada & Bob"
    link = f"https://comments.example/moderate?status=pending&post=spine#c{comment_id}-title"
    assert body["moderate_url"] == link
    assert body["text"] == (
        "New comment by Ada &amp; Bob on \u201cSpine &lt;care&gt;\u201d awaits moderation: Does it hurt?"
        f" <{link}|Moderate>"
    )
    assert "ada@example.com" not in sent["body"].decode() and "ip_hash" not in sent["body"].decode()
    assert sent["headers"]["webhook-id"].startswith("msg_")


def test_every_status_change_is_an_event(make_app, hook, moderator):
    app = hook_app(make_app, hook.url)
    client = app.test_client()
    ids = [post_comment(client, "p", body=f"comment {n}").get_json()["id"] for n in range(4)]
    client.post(f"/api/moderation/comments/{ids[0]}/approve", headers=moderator)
    client.post(f"/api/moderation/comments/{ids[1]}/reject", headers=moderator)
    client.post(f"/api/moderation/comments/{ids[2]}/spam", headers=moderator)
    client.post("/api/moderation/comments/bulk", json={"ids": [ids[3], ids[0]], "action": "delete"}, headers=moderator)
    client.post(f"/api/moderation/comments/{ids[1]}/reject", headers=moderator)  # no change: no event
    drain(app)
    seen = [(b["type"], b["comment"]["id"], b["comment"]["previous_status"]) for b in map(verified, hook.all())]
    assert seen == [("comment.created", i, None) for i in ids] + [
        ("comment.approved", ids[0], "pending"), ("comment.rejected", ids[1], "pending"),
        ("comment.spam", ids[2], "pending"), ("comment.deleted", ids[0], "approved"),
        ("comment.deleted", ids[3], "pending"),
    ]


def test_a_readers_edit_and_delete_are_events_too(make_app, hook, moderator):
    app = hook_app(make_app, hook.url)
    client = app.test_client()
    created = post_comment(client, "p", body="first").get_json()
    client.post(f"/api/moderation/comments/{created['id']}/approve", headers=moderator)
    token = {"X-Edit-Token": created["edit_token"]}
    client.patch(f"/api/comments/{created['id']}", json={"body": "edited"}, headers=token)
    drain(app)  # a worker runs the jobs a moment later: before the reader deletes it
    client.delete(f"/api/comments/{created['id']}", headers=token)
    drain(app)
    bodies = [verified(s) for s in hook.all()]
    assert [b["type"] for b in bodies] == ["comment.created", "comment.approved", "comment.pending",
                                          "comment.deleted"]
    assert "edited and awaits moderation again: edited <https://comments.example/moderate" in bodies[2]["text"]


def test_webhook_events_picks_what_is_sent(make_app, hook, moderator):
    app = hook_app(make_app, hook.url, WEBHOOK_EVENTS=["comment.approved"])
    client = app.test_client()
    created = post_comment(client, "p").get_json()
    client.post(f"/api/moderation/comments/{created['id']}/approve", headers=moderator)
    drain(app)
    assert [verified(s)["type"] for s in hook.all()] == ["comment.approved"]


@pytest.mark.parametrize("status", [500, 404, 302])
def test_a_failing_webhook_is_retried_with_the_same_id_and_a_fresh_signature(make_app, status):
    failing = Hook(status=status)
    try:
        app = hook_app(make_app, failing.url)
        post_comment(app.test_client(), "p")
        drain(app)
        [job] = list_jobs(app)
        assert job.state == JobState.PENDING and job.attempts == 1 and f"answered {status}" in job.last_error
        failing.status = 200
        make_due(app)
        assert drain(app) == 1 and list_jobs(app) == []
        first, second = failing.all()
    finally:
        failing.stop()
    assert first["headers"]["webhook-id"] == second["headers"]["webhook-id"]
    assert first["body"] == second["body"] and verified(second)["type"] == "comment.created"


def test_a_webhook_that_is_down_loses_nothing_and_the_comment_is_stored(make_app, moderator):
    app = hook_app(make_app, f"http://127.0.0.1:{free_port()}/hook")
    client = app.test_client()
    created = post_comment(client, "p")
    assert created.status_code == 201
    drain(app)
    [job] = list_jobs(app)
    assert job.state == JobState.PENDING and "refused" in job.last_error.lower()
    queued = client.get("/api/moderation/comments", headers=moderator).get_json()["comments"]
    assert [c["id"] for c in queued] == [created.get_json()["id"]]


@pytest.mark.parametrize("tamper", ["body", "secret", "timestamp", "id"])
def test_the_signature_fails_for_a_changed_body_secret_timestamp_or_id(make_app, hook, tamper):
    app = hook_app(make_app, hook.url)
    post_comment(app.test_client(), "p")
    drain(app)
    [sent] = hook.all()
    headers = dict(sent["headers"])
    body = sent["body"]
    secret = SECRET
    if tamper == "body":
        body = body.replace(b'"pending"', b'"approved"')
    elif tamper == "secret":
        secret = "whsec_" + base64.b64encode(b"another secret, just as long....").decode()
    elif tamper == "timestamp":
        headers["webhook-timestamp"] = str(int(headers["webhook-timestamp"]) + 1)
    else:
        headers["webhook-id"] = "msg_other"
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body, headers)


def test_without_a_secret_the_webhook_is_sent_unsigned(make_app, hook):
    app = hook_app(make_app, hook.url, WEBHOOK_SECRET=None)
    post_comment(app.test_client(), "p")
    drain(app)
    [sent] = hook.all()
    assert "webhook-signature" not in {k.lower() for k in sent["headers"]}
    assert json.loads(sent["body"])["type"] == "comment.created"


def test_no_job_without_a_webhook_or_mail(app, client, moderator):
    created = post_comment(client, "p").get_json()
    client.post(f"/api/moderation/comments/{created['id']}/approve", headers=moderator)
    assert list_jobs(app) == []


@pytest.mark.parametrize("settings, message", [
    ({"MODERATION_WEBHOOK_URL": "file:///etc/passwd"}, "MODERATION_WEBHOOK_URL"),
    ({"MODERATION_WEBHOOK_URL": "http://h/", "WEBHOOK_SECRET": "whsec_"}, "WEBHOOK_SECRET"),
    ({"MODERATION_WEBHOOK_URL": "http://h/", "WEBHOOK_SECRET": "whsec_!!not base64!!"}, "WEBHOOK_SECRET"),
    ({"MODERATION_WEBHOOK_URL": "http://h/", "WEBHOOK_EVENTS": ["comment.liked"]}, "WEBHOOK_EVENTS"),
])
def test_wrong_webhook_settings_stop_the_start(make_app, settings, message):
    with pytest.raises(RuntimeError, match=message):
        make_app(**settings)


def list_jobs(app) -> list[Job]:
    with app.app_context():
        found = list(db.session.scalars(select(Job).order_by(Job.id)))
        db.session.expunge_all()
        return found


def make_due(app) -> None:
    with app.app_context():
        db.session.execute(update(Job).values(run_at=jobs.now_expr()))
        db.session.commit()
