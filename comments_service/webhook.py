"""Tell moderators about new work: each comment entering the queue is POSTed to a webhook.

With ``MODERATION_WEBHOOK_URL`` set, the JSON body carries a Slack-compatible
``text`` and the comment's public details (never the e-mail or address). The
POST runs on a small thread pool after the commit, so a slow or dead webhook
never slows the reader's request; a failure is logged, and the comment is
already safe in the database.
"""
from __future__ import annotations

import json
import logging
import threading
import urllib.request
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any
from urllib.parse import quote, urlsplit

from flask import Flask, current_app

from . import events, links, sanitize, urls
from .models import Comment
from .times import iso

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 5.0
WORKERS = 2


class Webhook:
    """Posts payloads to one URL in the background; one per app."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.executor = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="moderation-webhook")
        self.pending: set[Future[None]] = set()
        self.lock = threading.Lock()

    def send(self, payload: dict[str, Any]) -> Future[None]:
        """Queue a POST of ``payload``; return its future."""
        future = self.executor.submit(self._post, payload)
        with self.lock:
            self.pending.add(future)
        future.add_done_callback(self._forget)
        return future

    def wait(self, timeout: float | None = None) -> None:
        """Wait until every queued POST has been tried (at shutdown, and in tests)."""
        with self.lock:
            futures = set(self.pending)
        wait(futures, timeout=timeout)

    def _forget(self, future: Future[None]) -> None:
        with self.lock:
            self.pending.discard(future)

    def _post(self, payload: dict[str, Any]) -> None:
        request = urllib.request.Request(
            self.url,
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json", "User-Agent": "comment-service-webhook"},
            method="POST",
        )
        comment_id = payload["comment"]["id"]
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
                response.read(1024)
        except Exception as error:  # any failure: the comment is stored, the moderators hear later
            log.warning("moderation webhook failed for comment %s: %s", comment_id, error)
        else:
            log.info("moderation webhook told of comment %s", comment_id)


def _slack_escape(text: str) -> str:
    # Slack reads <...> as links and mentions; &, < and > must be escaped.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def payload(comment: Comment) -> dict[str, Any]:
    """Build the JSON sent for a comment that waits in the queue."""
    post = comment.post
    excerpt = sanitize.excerpt(comment.body_html)
    # A moderator opens this link from elsewhere: only from PUBLIC_URL or a checked host (links.py).
    link = links.message_url(f"/moderate?post={quote(post.slug)}")
    title = post.title or post.slug
    text = f"New comment by {comment.author} on \u201c{title}\u201d awaits moderation: {excerpt}"
    text = _slack_escape(text)
    if link:
        text += f" <{link}|Moderate>"
    return {
        "text": text,
        "event": "comment.pending",
        "comment": {
            "id": comment.id,
            "author": comment.author,
            "excerpt": excerpt,
            "created_at": iso(comment.created_at),
            "spam_reasons": list(comment.spam_reasons or []),
            "post": {"slug": post.slug, "title": post.title, "url": urls.shown(post.url)},
        },
        "moderate_url": link,
    }


def _on_queued(sender: Any, comment: Comment) -> None:
    hook: Webhook | None = current_app.extensions.get("moderation_webhook")
    if hook is not None:
        hook.send(payload(comment))


def init_app(app: Flask) -> None:
    """Start the app's webhook when MODERATION_WEBHOOK_URL is set."""
    url = app.config.get("MODERATION_WEBHOOK_URL")
    if not url:
        return
    if urlsplit(url).scheme not in ("http", "https"):
        raise RuntimeError("MODERATION_WEBHOOK_URL must be an http(s) URL")
    app.extensions["moderation_webhook"] = Webhook(url)
    events.queued.connect(_on_queued)
