"""Pinned comments: a moderator features a published top-level comment first on the first page of every sort.

The thread's sort keys begin with the flag (threads.SORTS), so pinned
comments lead page one and keyset paging goes on past them with no comment
shown twice or lost. Each pin and unpin is in the audit log, and the
thread's caches follow through ``events.notify``.
"""
from __future__ import annotations

from sqlalchemy.orm import joinedload

from . import audit, events
from .errors import ApiError, not_found
from .extensions import db
from .models import Comment, CommentStatus


def set_pinned(comment_id: int, pinned: bool, actor: str) -> Comment:
    """Pin or unpin a comment; pinning asks for a published top-level one. Doing it twice changes nothing."""
    comment = db.session.get(Comment, comment_id, options=[joinedload(Comment.post)], with_for_update={"of": Comment})
    if comment is None or comment.status == CommentStatus.DELETED:
        raise not_found("Comment")
    if pinned and comment.parent_id is not None:
        raise ApiError(409, "not_top_level", "Only a top-level comment can be pinned; this one is a reply.")
    if pinned and comment.status != CommentStatus.APPROVED:
        raise ApiError(409, "not_public", "Only a published comment can be pinned; approve it first.")
    if comment.pinned == pinned:
        return comment
    comment.pinned = pinned
    audit.record("pin" if pinned else "unpin", actor, comment_id=comment.id, details={"post": comment.post.slug})
    public = comment.status == CommentStatus.APPROVED
    slug = comment.post.slug
    db.session.commit()
    if public:
        events.notify(slug, events.COMMENTS, comments={comment.id: True})
    return comment
