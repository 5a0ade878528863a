"""Readers' comments: threads for reading, posting, editing and deleting one's own.

Every status change goes through :func:`set_status`, which keeps the post's
``comment_count`` in the same transaction as the comment row.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, exists, select, update

from . import auth, cache, events, paging, sanitize, spam
from .errors import ApiError, invalid, not_found
from .extensions import db
from .models import Comment, CommentStatus, Post
from .posts import get_post, is_slug, liked_flag, post_bytes, post_for_write, with_liked
from .schemas import ThreadSchema, dumps

VISIBLE = (CommentStatus.APPROVED, CommentStatus.DELETED)

SORTS: dict[str, list[paging.SortKey]] = {
    "oldest": [(Comment.created_at, False), (Comment.id, False)],
    "newest": [(Comment.created_at, True), (Comment.id, True)],
    "top": [(Comment.like_count, True), (Comment.created_at, False), (Comment.id, False)],
}


THREAD_SCHEMA = ThreadSchema()
THREAD_PAGE_SCHEMA = ThreadSchema(exclude=("post",))


def thread_json(slug: str, sort: str, limit: int, cursor: str | None, reader: str | None) -> bytes:
    """Return a page of the thread as JSON for this reader; first pages come from the cache."""
    if cursor is not None:
        return dumps(THREAD_SCHEMA, list_thread(slug, sort, limit, cursor, reader))
    if not is_slug(slug):
        raise not_found("Post")
    known: dict[str, Post] = {}

    def page() -> bytes:
        post_id = known["post"].id if "post" in known else db.session.scalar(select(Post.id).where(Post.slug == slug))
        if post_id is None:
            raise not_found("Post")
        return dumps(THREAD_PAGE_SCHEMA, thread_page(post_id, sort, limit, None))

    entries = [cache.post_entry(slug, lambda: post_bytes(slug, known)), cache.thread_entry(slug, sort, limit, page)]
    if reader is not None:
        entries.append(cache.liked_entry(slug, reader, lambda: liked_flag(slug, reader)))
    found = cache.fetch(*entries)
    post = with_liked(found[0], len(found) > 2 and found[2] == b"1")
    # Sorted keys: "comments", "next_cursor", then "post".
    return found[1][:-1] + b',"post":' + post + b"}"


def list_thread(slug: str, sort: str, limit: int, cursor: str | None, reader: str | None) -> dict[str, Any]:
    """Return a page of top-level approved comments, each with its visible replies nested.

    Three queries whatever the page size and depth: the post (with its tags),
    the top-level page, and every reply of those threads through ``root_id``.
    """
    post = get_post(slug, reader)
    return {"post": post, **thread_page(post.id, sort, limit, cursor)}


def thread_page(post_id: int, sort: str, limit: int, cursor: str | None) -> dict[str, Any]:
    """Return ``{comments, next_cursor}`` for a page of a post's thread."""
    keys = SORTS[sort]
    query = select(Comment).where(
        Comment.post_id == post_id, Comment.parent_id.is_(None), Comment.status.in_(VISIBLE)
    )
    if cursor:
        query = query.where(paging.after(keys, paging.decode(f"thread:{sort}", cursor, len(keys))))
    rows = list(db.session.scalars(query.order_by(*paging.order_by(keys)).limit(limit + 1)))
    top, next_cursor = paging.page(rows, limit, f"thread:{sort}", keys)
    replies = []
    if top:
        replies = list(
            db.session.scalars(
                select(Comment)
                .where(Comment.root_id.in_([c.id for c in top]), Comment.status.in_(VISIBLE))
                .order_by(Comment.created_at, Comment.id)
            )
        )
    return {"comments": build_tree(top, replies), "next_cursor": next_cursor}


# Replies deeper than this are shown under their ancestor at this depth (their
# parent_id stays true): a thread stays readable on a phone, and no reader can
# build a chain deep enough to exhaust the recursion of nesting and dumping.
MAX_DEPTH = 8


def _depths(top: list[Comment], nodes: dict[int, Comment]) -> dict[int, int]:
    # Iterative, so a long chain costs no stack; -1 marks a reply cut off from its thread.
    depth = {c.id: 0 for c in top}
    for start in nodes.values():
        chain: list[Comment] = []
        seen: set[int] = set()
        node: Comment | None = start
        while node is not None and node.id not in depth and node.id not in seen:
            chain.append(node)
            seen.add(node.id)
            node = nodes.get(node.parent_id)  # type: ignore[arg-type]
        level = depth[node.id] if node is not None and node.id in depth else -1
        for link in reversed(chain):
            level = level + 1 if level >= 0 else -1
            depth[link.id] = level
    return depth


def build_tree(top: list[Comment], replies: list[Comment]) -> list[Comment]:
    """Nest replies under their parents (at most MAX_DEPTH deep); drop placeholders with nothing visible below."""
    nodes = {c.id: c for c in [*top, *replies]}
    for comment in nodes.values():
        comment.replies = []  # type: ignore[attr-defined]
    depth = _depths(top, nodes)
    for reply in replies:
        if depth[reply.id] < 0:
            continue
        parent = nodes[reply.parent_id]  # type: ignore[index]
        while depth[parent.id] >= MAX_DEPTH:
            parent = nodes[parent.parent_id]  # type: ignore[index]
        parent.replies.append(reply)  # type: ignore[attr-defined]

    def keep(comment: Comment) -> bool:
        comment.replies = [r for r in comment.replies if keep(r)]  # type: ignore[attr-defined]
        return comment.status == CommentStatus.APPROVED or bool(comment.replies)  # type: ignore[attr-defined]

    return [c for c in top if keep(c)]


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="edit-token")


def edit_deadline(comment: Comment) -> datetime:
    """Return the time after which the author may no longer edit or delete."""
    created = comment.created_at
    if created.tzinfo is None:
        created = created.replace(tzinfo=timezone.utc)
    return created + timedelta(seconds=current_app.config["EDIT_WINDOW_SECONDS"])


def render_body(body: str) -> str:
    """Render Markdown to safe HTML; 422 when nothing readable is left."""
    html = sanitize.render_markdown(body)
    if not sanitize.is_readable(html):
        raise invalid("body", "The comment has no readable text.")
    return html


def create_comment(slug: str, data: dict[str, Any], reader: str | None, ip: str | None) -> tuple[Comment, str]:
    """Store a reader's comment (pending under pre-moderation); return it and its edit token."""
    post = post_for_write(slug)
    parent = None
    if data.get("parent_id") is not None:
        parent = db.session.get(Comment, data["parent_id"])
        if parent is None or parent.post_id != post.id or parent.status != CommentStatus.APPROVED:
            raise invalid("parent_id", "Reply to an approved comment of the same post.")
    author = sanitize.plain_line(data["author"])
    if not author:
        raise invalid("author", "The name has no readable characters.")
    email = (data.get("email") or "").strip().lower() or None
    website = data.get("website") or None
    body_source = sanitize.clean_text_block(data["body"])
    body_html = render_body(data["body"])
    ip_hash = auth.ip_hash(ip)
    verdict = spam.screen(
        author=author, email=email, website=website, body_source=body_source, body_html=body_html,
        honeypot=data.get(spam.HONEYPOT_FIELD), reader_hash=reader, ip_hash=ip_hash,
    )
    comment = Comment(
        post_id=post.id,
        parent_id=parent.id if parent else None,
        root_id=(parent.root_id or parent.id) if parent else None,
        author=author,
        email=email,
        website=website,
        avatar=auth.avatar_hash(email, author),
        body_source=body_source,
        body_html=body_html,
        created_at=datetime.now(timezone.utc),
        ip_hash=ip_hash,
        reader_hash=reader,
        spam_reasons=verdict.reasons,
        status=CommentStatus.PENDING,
    )
    db.session.add(comment)
    # The status is set before the row is flushed: one INSERT with it, not an INSERT and an UPDATE.
    set_status(comment, verdict.status)
    # Read before the commit expires them, so that telling the caches costs no query.
    post_slug, status = post.slug, verdict.status
    db.session.commit()
    if status == CommentStatus.APPROVED:
        events.notify(post_slug, events.COMMENTS)
    elif status == CommentStatus.PENDING:
        events.notify_queued(comment)
    return comment, _serializer().dumps(comment.id)


def set_status(comment: Comment, new: CommentStatus) -> CommentStatus:
    """Move a comment to ``new`` and keep the post's approved count with it; return the old status."""
    old = comment.status
    delta = (new == CommentStatus.APPROVED) - (old == CommentStatus.APPROVED)
    comment.status = new
    if delta:
        db.session.execute(
            update(Post).where(Post.id == comment.post_id).values(comment_count=Post.comment_count + delta)
        )
    return old


def remove(comment: Comment) -> CommentStatus:
    """Delete a comment: a placeholder while replies hang on it, else the row itself.

    Returns the status it had. A placeholder keeps no author, e-mail or text.
    """
    old = set_status(comment, CommentStatus.DELETED)
    has_replies = db.session.scalar(select(exists().where(Comment.parent_id == comment.id)))
    if has_replies:
        comment.author = ""
        comment.email = None
        comment.website = None
        comment.body_source = ""
        comment.body_html = ""
        comment.avatar = ""
    else:
        parent_id = comment.parent_id
        db.session.execute(delete(Comment).where(Comment.id == comment.id))
        _prune_placeholders(parent_id)
    return old


def _prune_placeholders(parent_id: int | None) -> None:
    # A placeholder whose last reply went is no longer needed.
    while parent_id is not None:
        parent = db.session.get(Comment, parent_id)
        if parent is None or parent.status != CommentStatus.DELETED:
            return
        if db.session.scalar(select(exists().where(Comment.parent_id == parent.id))):
            return
        parent_id = parent.parent_id
        db.session.execute(delete(Comment).where(Comment.id == parent.id))


def _own_comment(comment_id: int, token: str | None) -> Comment:
    if not token:
        raise ApiError(401, "edit_token_required", "Send the X-Edit-Token given when posting.")
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.status == CommentStatus.DELETED:
        raise not_found("Comment")
    try:
        valid = _serializer().loads(token) == comment.id
    except BadSignature:
        valid = False
    if not valid:
        raise ApiError(403, "invalid_edit_token", "This edit token is not for this comment.")
    if datetime.now(timezone.utc) > edit_deadline(comment):
        raise ApiError(403, "edit_window_closed", "The time to edit or delete this comment is over.")
    return comment


def edit_comment(comment_id: int, token: str | None, body: str) -> Comment:
    """Change the text of one's own comment within the window; pre-moderation re-queues it."""
    comment = _own_comment(comment_id, token)
    old = comment.status
    comment.body_source = sanitize.clean_text_block(body)
    comment.body_html = render_body(body)
    comment.edited_at = datetime.now(timezone.utc)
    # An edit must not slip past the checks a new comment goes through.
    found = spam.reasons_for_text(comment.body_html, comment.body_source)
    comment.spam_reasons = [r for r in comment.spam_reasons if not spam.is_text_reason(r)] + found
    if old in (CommentStatus.APPROVED, CommentStatus.PENDING):
        keep_public = old == CommentStatus.APPROVED and current_app.config["MODERATION"] == "post"
        set_status(comment, spam.status_for(found, keep_public))
    db.session.commit()
    if old == CommentStatus.APPROVED:
        events.notify(comment.post.slug, events.COMMENTS)
    if comment.status == CommentStatus.PENDING and old != CommentStatus.PENDING:
        events.notify_queued(comment)
    return comment


def delete_own_comment(comment_id: int, token: str | None) -> None:
    """Delete one's own comment within the window."""
    comment = _own_comment(comment_id, token)
    slug = comment.post.slug
    old = remove(comment)
    db.session.commit()
    if old == CommentStatus.APPROVED:
        events.notify(slug, events.COMMENTS)
