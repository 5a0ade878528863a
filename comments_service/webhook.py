"""The moderation webhook: a comment's status changes POSTed to MODERATION_WEBHOOK_URL, signed, from "webhook" jobs.

Each change (``comment.created``, ``comment.approved``, ``comment.rejected``,
``comment.spam``, ``comment.deleted``, ``comment.pending`` when an edit
sends a published comment back to the queue, and ``comment.reported`` for
each reader's new report, see :func:`report_payload`) becomes a job in the
transaction that makes it; a worker POSTs it, retrying with backoff until
the receiver answers 2xx. The body is JSON with a Slack-compatible ``text``
and the comment's public details (never the e-mail or address). With
``WEBHOOK_SECRET`` every attempt is signed as Standard Webhooks asks:
``webhook-id`` (the same on every retry, for the receiver's deduplication),
``webhook-timestamp`` and ``webhook-signature`` (HMAC-SHA256), through the
``standardwebhooks`` library.
"""
from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app
from standardwebhooks import Webhook

from . import jobs, sanitize, urls
from .models import Comment, CommentStatus
from .times import iso, utcnow

KIND = "webhook"
TIMEOUT_SECONDS = 10.0
REPORTED = "comment.reported"
EVENTS = ("comment.created", "comment.approved", "comment.rejected", "comment.spam", "comment.deleted",
          "comment.pending", REPORTED)
CREATED = {CommentStatus.PENDING: "awaits moderation", CommentStatus.APPROVED: "was published",
           CommentStatus.SPAM: "was held as spam", CommentStatus.REJECTED: "was rejected"}
MOVED = {CommentStatus.PENDING: "was edited and awaits moderation again", CommentStatus.APPROVED: "was approved",
         CommentStatus.REJECTED: "was rejected", CommentStatus.SPAM: "was marked as spam",
         CommentStatus.DELETED: "was deleted"}


def event_type(old: CommentStatus | None, new: CommentStatus) -> str:
    """Name the event of a move from ``old`` (None: a new comment) to ``new``."""
    return "comment.created" if old is None else f"comment.{new.value}"


def _slack_escape(text: str) -> str:
    # Slack reads <...> as links and mentions; &, < and > must be escaped.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _comment(comment: Comment, old: CommentStatus | None, new: CommentStatus, excerpt: str) -> dict[str, Any]:
    post = comment.post
    return {
        "id": comment.id,
        "status": new.value,
        "previous_status": old.value if old else None,
        "parent_id": comment.parent_id,
        "author": comment.author,
        "excerpt": excerpt,
        "created_at": iso(comment.created_at),
        "spam_reasons": list(comment.spam_reasons or []),
        "post": {"slug": post.slug, "title": post.title, "url": urls.shown(post.url)},
    }


def payload(comment: Comment, old: CommentStatus | None, new: CommentStatus, moderate_url: str | None,
            ) -> dict[str, Any]:
    """Build the JSON body told of a comment's move."""
    excerpt = sanitize.excerpt(comment.body_html)
    title = comment.post.title or comment.post.slug
    what = CREATED.get(new, "was stored") if old is None else MOVED.get(new, f"is now {new.value}")
    opening = "New comment" if old is None else "Comment"
    text = _slack_escape(f"{opening} by {comment.author or '(no name)'} on \u201c{title}\u201d {what}: {excerpt}")
    if moderate_url and new == CommentStatus.PENDING:
        text += f" <{moderate_url}|Moderate>"
    return {"type": event_type(old, new), "timestamp": iso(utcnow()), "text": text,
            "comment": _comment(comment, old, new, excerpt), "moderate_url": moderate_url}


def report_payload(comment: Comment, reason: str, note: str | None, reports: Any, held: bool,
                   moderate_url: str | None) -> dict[str, Any]:
    """Build the JSON body told of a reader's new report (``reports``: the open ones, this one included)."""
    excerpt = sanitize.excerpt(comment.body_html)
    title = comment.post.title or comment.post.slug
    count = f"{reports.count} open report{'s' if reports.count != 1 else ''}"
    what = "is hidden until a moderator decides" if held else "stays published"
    text = _slack_escape(f"Comment by {comment.author or '(no name)'} on \u201c{title}\u201d was reported as "
                         f"{reason} ({count}; it {what}): {excerpt}")
    if moderate_url:
        text += f" <{moderate_url}|Moderate>"
    return {"type": REPORTED, "timestamp": iso(utcnow()), "text": text,
            "comment": _comment(comment, None, comment.status, excerpt),
            "report": {"reason": reason, "note": note, "held": held,
                       "reports": {"count": reports.count, "reasons": reports.reasons}},
            "moderate_url": moderate_url}


def wanted(kind: str) -> bool:
    """Tell whether events of ``kind`` go to a webhook (MODERATION_WEBHOOK_URL, WEBHOOK_EVENTS)."""
    config = current_app.config
    return bool(config.get("MODERATION_WEBHOOK_URL")) and kind in (config.get("WEBHOOK_EVENTS") or EVENTS)


def enqueue(body: dict[str, Any]) -> None:
    """Add the job that POSTs ``body`` to the current transaction; its webhook-id is fixed now."""
    comment = body.get("comment") or {}
    jobs.enqueue(KIND, {
        "id": f"msg_{uuid.uuid4().hex}",
        "body": json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        "summary": f"webhook {body['type']} of comment #{comment.get('id')}",
    })


def signed_headers(message_id: str, body: str) -> dict[str, str]:
    """Return the Standard Webhooks headers of one attempt (signed when WEBHOOK_SECRET is set)."""
    now = utcnow()
    headers = {"webhook-id": message_id, "webhook-timestamp": str(int(now.timestamp()))}
    secret = current_app.config.get("WEBHOOK_SECRET")
    if secret:
        headers["webhook-signature"] = Webhook(secret).sign(message_id, now, body)
    return headers


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect would resend the body as a GET, elsewhere: count it as a failure instead.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


@jobs.handler(KIND)
def post(job: dict[str, Any]) -> None:
    """POST a queued event; anything but a 2xx answer raises, and the job is tried again later."""
    url = current_app.config.get("MODERATION_WEBHOOK_URL")
    if not url:
        return  # the webhook was turned off since: nobody to tell
    body = job["body"]
    request = urllib.request.Request(url, data=body.encode(), method="POST", headers={
        "Content-Type": "application/json", "User-Agent": "comment-service-webhook",
        **signed_headers(job["id"], body),
    })
    try:
        with _OPENER.open(request, timeout=TIMEOUT_SECONDS) as response:
            response.read(1024)
    except urllib.error.HTTPError as error:
        raise RuntimeError(f"webhook answered {error.code}") from None


def init_app(app: Flask) -> None:
    """Check the webhook settings at start-up: an http(s) URL, a Standard Webhooks secret, known event names."""
    url = app.config.get("MODERATION_WEBHOOK_URL")
    if url and urlsplit(url).scheme not in ("http", "https"):
        raise RuntimeError("MODERATION_WEBHOOK_URL must be an http(s) URL")
    secret = app.config.get("WEBHOOK_SECRET")
    if secret:
        try:
            Webhook(secret)
        except Exception:  # the library raises several kinds for a bad secret
            raise RuntimeError("WEBHOOK_SECRET must be a Standard Webhooks secret: whsec_ and base64") from None
    unknown = set(app.config.get("WEBHOOK_EVENTS") or ()) - set(EVENTS)
    if unknown:
        raise RuntimeError(f"WEBHOOK_EVENTS: unknown events {sorted(unknown)}; known: {', '.join(EVENTS)}")
