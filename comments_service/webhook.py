"""The moderation webhook: a comment's status changes POSTed to MODERATION_WEBHOOK_URL, signed, from "webhook" jobs.

Each change (``comment.created``, ``comment.approved``, ``comment.rejected``,
``comment.spam``, ``comment.deleted``, ``comment.pending`` when an edit
sends a published comment back to the queue, and ``comment.reported`` for
each reader's new report, see :func:`report_facts`) becomes a small job in
the transaction that makes it: the event's facts, not its body. A worker
composes the body when the job first runs (:func:`compose`), keeps it in the
row, and POSTs it, retrying the same bytes with backoff until the receiver
answers 2xx. The body is JSON with a Slack-compatible ``text``
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
from sqlalchemy.orm import joinedload
from standardwebhooks import Webhook

from . import jobs, links, sanitize, urls
from .extensions import db
from .models import Comment, CommentStatus, Post
from .moderator_mail import moderate_link
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


def enqueue(comment: Any, old: CommentStatus | None, new: CommentStatus, report: dict[str, Any] | None = None,
            ) -> None:
    """Add the job of a comment's move (or of a reader's ``report``) to the current transaction: the facts only.

    Kept in the row: the event, the comment's id and post, its status then
    (and before), its spam reasons then, the time, and the webhook-id (the
    same on every attempt). ``comment`` needs ``id``, ``post_id`` and
    ``spam_reasons``. The worker composes the body when the job first runs.
    """
    kind = REPORTED if report is not None else event_type(old, new)
    facts = {"id": f"msg_{uuid.uuid4().hex}", "event": kind, "comment": comment.id, "post": comment.post_id,
             "status": new.value, "previous_status": old.value if old else None,
             "spam_reasons": list(comment.spam_reasons or []), "at": iso(utcnow()),
             "summary": f"webhook {kind} of comment #{comment.id}"}
    if report is not None:
        facts["report"] = report
    if (root := links.host_root()) is not None:  # no PUBLIC_URL: the links go to the host this request was for
        facts["root"] = root
    jobs.enqueue(KIND, facts)


def report_facts(reason: str, note: str | None, reports: Any, held: bool) -> dict[str, Any]:
    """Return what a ``comment.reported`` event keeps of a report (``reports``: the open ones, this one too)."""
    return {"reason": reason, "note": note, "held": held,
            "reports": {"count": reports.count, "reasons": reports.reasons}}


@jobs.composer(KIND)
def compose(job: dict[str, Any]) -> dict[str, Any]:
    """Make the JSON body of an event from its stored facts and the comment and post as they are now.

    The facts go as stored: the event, the statuses, the spam reasons, the
    time, the report. The author, the excerpt, the parent, the post are read
    now; a comment gone by then (deleted, its author erased) has none of them,
    and its text says so.
    """
    if "body" in job:  # made whole when it was added
        return job
    comment = db.session.get(Comment, job["comment"], options=[joinedload(Comment.post)])
    post = comment.post if comment is not None else db.session.get(Post, job["post"])
    new = CommentStatus(job["status"])
    old = CommentStatus(job["previous_status"]) if job["previous_status"] else None
    kind, report = job["event"], job.get("report")
    excerpt = sanitize.excerpt(comment.body_html) if comment is not None and comment.body_html else ""
    author = (comment.author if comment is not None else None) or "(no name)"
    title = (post.title or post.slug) if post is not None else "a post since removed"
    moderate_url = (moderate_link(comment.id, post.slug, new, job.get("root"))
                    if comment is not None and post is not None else None)
    if report is not None:
        count = f"{report['reports']['count']} open report{'s' if report['reports']['count'] != 1 else ''}"
        what = (f"was reported as {report['reason']} ({count}; it "
                f"{'is hidden until a moderator decides' if report['held'] else 'stays published'})")
        opening = "Comment"
    else:
        what = CREATED.get(new, "was stored") if old is None else MOVED.get(new, f"is now {new.value}")
        opening = "New comment" if old is None else "Comment"
    gone = "; it has been deleted since" if comment is None and new != CommentStatus.DELETED else ""
    said = f"{opening} by {author} on \u201c{title}\u201d {what}{gone}" + (f": {excerpt}" if excerpt else "")
    text = _slack_escape(said)
    if moderate_url and (report is not None or new == CommentStatus.PENDING):
        text += f" <{moderate_url}|Moderate>"
    body: dict[str, Any] = {"type": kind, "timestamp": job["at"], "text": text, "comment": {
        "id": job["comment"], "status": new.value, "previous_status": old.value if old else None,
        "parent_id": comment.parent_id if comment is not None else None,
        "author": comment.author if comment is not None else None, "excerpt": excerpt,
        "created_at": iso(comment.created_at) if comment is not None else None,
        "spam_reasons": job["spam_reasons"],
        "post": {"slug": post.slug, "title": post.title, "url": urls.shown(post.url)} if post is not None else None,
    }}
    if report is not None:
        body["report"] = report
    body["moderate_url"] = moderate_url
    return {"id": job["id"], "body": json.dumps(body, ensure_ascii=False, separators=(",", ":")),
            "summary": job["summary"]}


def wanted(kind: str) -> bool:
    """Tell whether events of ``kind`` go to a webhook (MODERATION_WEBHOOK_URL, WEBHOOK_EVENTS)."""
    config = current_app.config
    return bool(config.get("MODERATION_WEBHOOK_URL")) and kind in (config.get("WEBHOOK_EVENTS") or EVENTS)


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
