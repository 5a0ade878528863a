"""The moderation webhook: pending comments are announced after the commit, in the background."""
from __future__ import annotations

import json
import logging
import queue
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.helpers import post_comment

WAIT = 10  # seconds: an upper bound for a background POST on loopback, never a measured time


class Hook:
    """A local HTTP server that records what it is sent; it can be held back or made to fail."""

    def __init__(self, status: int = 204) -> None:
        self.received: queue.Queue[dict[str, Any]] = queue.Queue()
        self.release = threading.Event()
        self.release.set()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hook.received.put({"json": json.loads(body), "content_type": self.headers["Content-Type"]})
                hook.release.wait(WAIT)
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def next(self) -> dict[str, Any]:
        return self.received.get(timeout=WAIT)

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hook() -> Iterator[Hook]:
    server = Hook()
    yield server
    server.stop()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def drain(app: Any) -> None:
    app.extensions["moderation_webhook"].wait(WAIT)


def test_pending_comment_is_posted_to_the_webhook(make_app, editor, hook):
    app = make_app(MODERATION_WEBHOOK_URL=hook.url, PUBLIC_URL="https://comments.example")
    client = app.test_client()
    client.put("/api/posts/spine", json={"title": "Spine <care>", "url": "https://blog.example/spine"}, headers=editor)
    created = post_comment(client, "spine", author="Ada & Bob", email="ada@example.com", body="Does it **hurt**?").get_json()
    sent = hook.next()
    assert sent["content_type"] == "application/json"
    body = sent["json"]
    assert body["comment"]["id"] == created["id"]
    assert body["comment"]["post"] == {"slug": "spine", "title": "Spine <care>", "url": "https://blog.example/spine"}
    assert body["comment"]["excerpt"] == "Does it hurt?" and body["comment"]["author"] == "Ada & Bob"
    assert body["moderate_url"] == "https://comments.example/moderate?post=spine"
    assert body["text"] == (
        "New comment by Ada &amp; Bob on \u201cSpine &lt;care&gt;\u201d awaits moderation: Does it hurt?"
        " <https://comments.example/moderate?post=spine|Moderate>"
    )
    assert "ada@example.com" not in json.dumps(body) and "ip_hash" not in json.dumps(body)


def test_only_comments_entering_the_queue_are_announced(make_app, hook):
    app = make_app(MODERATION_WEBHOOK_URL=hook.url, MODERATION="post")
    client = app.test_client()
    post_comment(client, "p", body="published at once")
    post_comment(client, "p", body="a bot", website_confirm="filled")
    held = post_comment(client, "p", body="https://a.com https://b.com https://c.com https://d.com").get_json()
    drain(app)
    assert hook.next()["json"]["comment"]["id"] == held["id"]
    assert hook.received.empty()


def test_webhook_does_not_hold_up_the_reader(make_app, hook, caplog):
    hook.release.clear()  # the webhook answers only once the reader has had the answer
    app = make_app(MODERATION_WEBHOOK_URL=hook.url)
    caplog.set_level(logging.INFO, logger="comments_service.webhook")
    response = post_comment(app.test_client(), "p")
    assert response.status_code == 201
    assert hook.next()["json"]["comment"]["id"] == response.get_json()["id"]
    hook.release.set()
    drain(app)
    messages = [r.getMessage() for r in caplog.records if r.name == "comments_service.webhook"]
    assert messages == [f"moderation webhook told of comment {response.get_json()['id']}"]


@pytest.mark.parametrize("kind", ["down", "failing"])
def test_a_webhook_that_is_down_or_failing_loses_nothing(make_app, moderator, caplog, kind):
    failing = Hook(status=500) if kind == "failing" else None
    url = failing.url if failing else f"http://127.0.0.1:{closed_port()}/hook"
    try:
        app = make_app(MODERATION_WEBHOOK_URL=url)
        caplog.set_level(logging.WARNING, logger="comments_service.webhook")
        client = app.test_client()
        created = post_comment(client, "p")
        assert created.status_code == 201
        drain(app)
        queued = client.get("/api/moderation/comments", headers=moderator).get_json()["comments"]
        assert [c["id"] for c in queued] == [created.get_json()["id"]]
        warnings = [r.getMessage() for r in caplog.records if r.name == "comments_service.webhook"]
        assert len(warnings) == 1 and warnings[0].startswith(f"moderation webhook failed for comment {created.get_json()['id']}")
    finally:
        if failing:
            failing.stop()


def test_no_webhook_without_the_setting(app):
    assert "moderation_webhook" not in app.extensions


def test_webhook_url_must_be_http(make_app):
    with pytest.raises(RuntimeError, match="MODERATION_WEBHOOK_URL"):
        make_app(MODERATION_WEBHOOK_URL="file:///etc/passwd")
