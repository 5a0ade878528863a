"""Readers writing comments: a new comment or reply, and editing or deleting one's own with its edit token.

What the reader sent is checked before the database is asked anything. A new
comment is written with Core statements and counted on its post with its
INSERT (status.set_status keeps the count for every later change); on
PostgreSQL both are one statement, run on its own: it commits itself, and
the answer still comes only after the commit. When someone hears of new
comments (a webhook, moderators' mail, the subscribers of the comment a reply
answers) or the comment subscribes to its replies (``notify``), the comment
and its jobs are written in one transaction instead.
"""
from __future__ import annotations

import functools
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Select, and_, bindparam, insert, update

from . import accounts, auth, events, notifications, revisions, sanitize, spam, subscriptions
from .database import dialect_name, standalone_statements
from .errors import ApiError, invalid, not_found
from .extensions import db
from .models import Comment, CommentStatus, Post
from .posts import FOR_WRITE, post_for_write
from .status import remove, set_status
from .times import aware, utcnow

_C = Comment.__table__.c


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


_PARENT = Comment.__table__.alias("parent")


@functools.lru_cache(maxsize=32)
def _write_statement(reply: bool, checks: tuple[str, ...]) -> Select[Any]:
    """The statement that reads a new comment's post, its parent and the spam checks: one round trip.

    The parent is read only if it is an approved comment of the same post.
    """
    posts_table = Post.__table__
    if reply:
        on = and_(_PARENT.c.id == bindparam("parent_id"), _PARENT.c.post_id == posts_table.c.id,
                  _PARENT.c.status == CommentStatus.APPROVED)
        source = posts_table.outerjoin(_PARENT, on)
        parent = (_PARENT.c.id.label("parent_id"), _PARENT.c.root_id.label("parent_root_id"))
    else:
        source, parent = posts_table, ()
    columns = [spam.LOOKUPS[name] for name in checks]
    return FOR_WRITE.with_only_columns(posts_table.c.id, posts_table.c.slug, *parent, *columns).select_from(source)


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
    single_statement = dialect_name() == "postgresql"
    # Someone hears of new comments (or of this reply): their jobs are written in the comment's transaction.
    announce = notifications.wanted() or (parent_id is not None and subscriptions.mail_enabled())
    if single_statement and not announce and not notify:
        standalone_statements()
    # A reply names a comment of an existing post: no post is created for one.
    post = post_for_write(slug, _write_statement(parent_id is not None, checks), {**params, "parent_id": parent_id},
                          create=parent_id is None)
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
    }.items()}
    # Core statements: the ORM's unit of work would only add bookkeeping to one INSERT.
    approved = verdict.status == CommentStatus.APPROVED
    if approved and single_statement:
        comment_id = db.session.execute(_INSERT_COUNTED, {**row, "counted_at": now}).scalar_one()
    else:
        comment_id = db.session.execute(_INSERT, row).inserted_primary_key[0]
        if approved:
            db.session.execute(_COUNT_APPROVED, {"counted_post": post.id})
    if announce:  # what the listeners read of it, as written: nothing is read back
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
        events.notify(post.slug, events.COMMENTS, comments={comment_id: False}, queued=queued)
    else:
        events.notify(post.slug, queued=queued)
    return created


_NEW_COLUMNS = ("post_id", "parent_id", "root_id", "status", "author", "email", "website", "avatar", "body_source",
                "body_html", "created_at", "like_count", "ip_hash", "reader_hash", "spam_reasons", "account_id")
# Parameters named new_<column>. The id comes back with the INSERT (RETURNING where
# the database has it, else the row id).
_INSERT = insert(Comment.__table__).values({name: bindparam(f"new_{name}") for name in _NEW_COLUMNS})
_COUNT_APPROVED = (
    update(Post.__table__)
    .where(Post.__table__.c.id == bindparam("counted_post"))
    .values(comment_count=Post.__table__.c.comment_count + 1)
)
# Both at once: WITH new AS (INSERT ... RETURNING) UPDATE posts ... FROM new (PostgreSQL).
_NEW = _INSERT.returning(_C.id, _C.post_id).cte("new_comment")
_INSERT_COUNTED = (
    update(Post.__table__)
    .where(Post.__table__.c.id == _NEW.c.post_id)
    # Given, not left to onupdate: SQLAlchemy fills no defaults in a statement of this shape.
    .values(comment_count=Post.__table__.c.comment_count + 1, updated_at=bindparam("counted_at"))
    .returning(_NEW.c.id)
)


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
