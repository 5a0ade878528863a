"""Readers writing comments: a new comment or reply, and editing or deleting one's own with its edit token.

What the reader sent is checked before the database is asked anything. A new
comment is written with Core statements and counted on its post with its
INSERT (status.set_status keeps the count for every later change); on
PostgreSQL both are one statement, run on its own: it commits itself, and
the answer still comes only after the commit. When someone hears of new
comments (a webhook, moderators' mail, the subscribers of the comment a reply
answers), the jobs go in with that statement (``comment_inserts``). A
comment that subscribes to its replies (``notify``), a moderators' digest,
and SQLite take one transaction instead.
"""
from __future__ import annotations

import functools
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any, NamedTuple

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from . import accounts, auth, events, jobs, notifications, revisions, sanitize, spam, subscriptions
from . import comment_inserts as inserts
from .database import dialect_name, standalone_statements
from .errors import ApiError, invalid, not_found
from .extensions import db
from .models import Comment, CommentStatus
from .posts import post_for_write
from .status import remove, set_status
from .times import aware, utcnow


def _serializer() -> URLSafeSerializer:
    return _serializer_for(current_app.config["SECRET_KEY"])


@functools.lru_cache(maxsize=4)
def _serializer_for(secret_key: str) -> URLSafeSerializer:
    # Built once per key: its signer and JSON set-up cost about as much as signing itself.
    return URLSafeSerializer(secret_key, salt="edit-token")


def edit_deadline(comment: Any) -> datetime:
    """Return the time after which the author may no longer edit or delete."""
    return aware(comment.created_at) + timedelta(seconds=current_app.config["EDIT_WINDOW_SECONDS"])


def preview(body: str) -> dict[str, str]:
    """Return ``{"body_html"}``: the body as a comment would show it (rendered, sanitized); nothing is stored."""
    return {"body_html": render_body(body)}


def render_body(body: str) -> str:
    """Render Markdown to safe HTML; 422 when nothing readable is left."""
    html = sanitize.render_markdown(body)
    if not sanitize.is_readable(html):
        raise invalid("body", "The comment has no readable text.")
    return html


class NewComment(NamedTuple):
    """A comment just stored, as its poster is answered (shapes.COMMENT_CREATED reads it; nothing is reloaded)."""

    id: int
    post_id: int
    parent_id: int | None
    author: str
    website: str | None
    avatar: str
    body_html: str
    created_at: datetime
    status: CommentStatus
    edit_token: str
    edit_until: datetime
    edited_at: None = None
    like_count: int = 0
    subscription: str | None = None
    account_id: int | None = None
    pinned: bool = False


class Written(NamedTuple):
    """A new comment as the listeners of its move read it (notifications, reply_mail)."""

    id: int
    post_id: int
    parent_id: int | None
    email: str | None
    reader_hash: str | None
    spam_reasons: list[str]


def create_comment(slug: str, data: dict[str, Any], reader: str | None, ip: str | None) -> NewComment:
    """Store a reader's comment (pending under pre-moderation); return it with its edit token."""
    # A signed-in reader's name and address come from their account (accounts.author_of).
    author, email, account_id, notify = accounts.author_of(data)
    body_html = render_body(data["body"])
    website = data.get("website") or None
    body_source = sanitize.clean_text_block(data["body"])
    ip_hash = auth.ip_hash(ip)
    parent_id = data.get("parent_id")
    checks, params = spam.lookups(body_source, email, reader, ip_hash)
    # Someone hears of new comments (or of this reply): jobs, written with the comment.
    announce = notifications.wanted() or (parent_id is not None and subscriptions.mail_enabled())
    single_statement = dialect_name() == "postgresql" and not notify and not (
        announce and notifications.needs_transaction())
    if single_statement:
        standalone_statements()
    # A reply names a comment of an existing post: no post is created for one.
    reserve = single_statement and announce  # the jobs name the comment before it is written
    post = post_for_write(slug, inserts.post_read(parent_id is not None, checks, reserve),
                          {**params, "parent_id": parent_id}, create=parent_id is None)
    if parent_id is not None and (post is None or post.parent_id is None):
        raise invalid("parent_id", "Reply to an approved comment of the same post.")
    assert post is not None
    verdict = spam.screen(
        author=author, email=email, website=website, body_source=body_source, body_html=body_html,
        honeypot=data.get(spam.HONEYPOT_FIELD), found=dict(zip(post._fields, post, strict=True)),
    )
    avatar, now = auth.avatar_hash(author, email, reader), utcnow()
    row = {f"new_{name}": value for name, value in {
        "post_id": post.id, "parent_id": parent_id,
        "root_id": (post.parent_root_id or parent_id) if parent_id is not None else None,
        "status": verdict.status, "author": author, "email": email, "website": website, "avatar": avatar,
        "body_source": body_source, "body_html": body_html, "created_at": now, "like_count": 0,
        "ip_hash": ip_hash, "reader_hash": reader, "spam_reasons": verdict.reasons, "account_id": account_id,
        "pinned": False,
    }.items()}
    approved = verdict.status == CommentStatus.APPROVED
    counts = None  # the post's counts, when the statement that counted the comment returned them
    if reserve:
        comment_id = post.new_id
        # What the listeners read of it, as it will be written: nothing is read back.
        events.announce_move(Written(comment_id, post.id, parent_id, email, reader, verdict.reasons), None,
                             verdict.status)
        result = db.session.execute(inserts.WITH_JOBS[approved],
                                    {**row, "new_id": comment_id, "counted_at": now, "job_rows": jobs.take_waiting()})
        counts = result.one() if approved else None
    elif approved and single_statement:
        counts = db.session.execute(inserts.INSERT_COUNTED, {**row, "counted_at": now}).one()
        comment_id = counts.id
    else:
        comment_id = db.session.execute(inserts.INSERT, row).inserted_primary_key[0]
        if approved:
            db.session.execute(inserts.COUNT_APPROVED, {"counted_post": post.id})
    if announce and not reserve:
        events.announce_move(Written(comment_id, post.id, parent_id, email, reader, verdict.reasons), None,
                             verdict.status)
    subscription = None
    if notify:
        assert email is not None
        subscription = subscriptions.subscribe(comment_id, post, email, reader,
                                               send=verdict.status != CommentStatus.SPAM)
    db.session.commit()
    token = _serializer().dumps(comment_id)
    created = NewComment(comment_id, post.id, parent_id, author, website, avatar, body_html, now, verdict.status,
                         token, now + timedelta(seconds=current_app.config["EDIT_WINDOW_SECONDS"]),
                         subscription=subscription, account_id=account_id)
    # The desk's lists take every new comment; readers' streams only a public one (the same round trip).
    queued = {comment_id: events.Placed(created.status.value)}
    if created.status == CommentStatus.APPROVED:
        # What the live shapes read of it, as written (with its post's slug, title and url): nothing is read back.
        shown = {comment_id: SimpleNamespace(**created._asdict(), slug=post.slug, title=post.title, url=post.url)}
        told = {"comment_count": counts.comment_count, "like_count": counts.like_count} if counts else None
        events.notify(post.slug, events.COMMENTS, comments={comment_id: False}, queued=queued, counts=told,
                      shown=shown)
    else:
        events.notify(post.slug, queued=queued)
    return created


def _own_comment(comment_id: int, token: str | None) -> Comment:
    if not token:
        raise ApiError(401, "edit_token_required", "Send the X-Edit-Token given when posting.")
    # Locked: a moderator's action on this comment either sees this edit or finishes before it.
    comment = db.session.get(Comment, comment_id, with_for_update=True)
    if comment is None or comment.status == CommentStatus.DELETED:
        raise not_found("Comment")
    try:
        valid = _serializer().loads(token) == comment.id
    except BadSignature:
        valid = False
    if not valid:
        raise ApiError(403, "invalid_edit_token", "This edit token is not for this comment.")
    if utcnow() > edit_deadline(comment):
        raise ApiError(403, "edit_window_closed", "The time to edit or delete this comment is over.")
    return comment


def edit_comment(comment_id: int, token: str | None, body: str) -> Comment:
    """Change the text of one's own comment within the window; pre-moderation re-queues it."""
    comment = _own_comment(comment_id, token)
    old = comment.status
    revisions.keep(comment)
    comment.body_source = sanitize.clean_text_block(body)
    comment.body_html = render_body(body)
    comment.edited_at = utcnow()
    # An edit must not slip past the checks a new comment goes through.
    found = spam.reasons_for_text(comment.body_html, comment.body_source)
    comment.spam_reasons = [r for r in comment.spam_reasons if not spam.is_text_reason(r)] + found
    if old in (CommentStatus.APPROVED, CommentStatus.PENDING):
        keep_public = old == CommentStatus.APPROVED and current_app.config["MODERATION"] == "post"
        set_status(comment, spam.status_for(found, keep_public))
    moved = {comment.id: events.Placed(comment.status.value)} if comment.status != old else None
    db.session.commit()
    if old == CommentStatus.APPROVED:
        events.notify(comment.post.slug, events.COMMENTS, comments={comment.id: True}, queued=moved)
    elif moved:
        events.notify(comment.post.slug, queued=moved)
    return comment


def delete_own_comment(comment_id: int, token: str | None) -> None:
    """Delete one's own comment within the window."""
    comment = _own_comment(comment_id, token)
    slug = comment.post.slug
    old = remove(comment)
    db.session.commit()
    if old == CommentStatus.APPROVED:
        events.notify(slug, events.COMMENTS, comments={comment_id: True})
