"""Where a comment stands: every status change, and the post's approved count that follows it.

Every change of a stored comment's status goes through :func:`set_status`,
which keeps ``posts.comment_count`` in the same transaction as the comment
row (a new comment is counted with its INSERT, in comment_writes), and tells
``events.announce_move`` before the commit, so that the jobs a change causes
(mail, webhooks) are written with it.
"""
from __future__ import annotations

from sqlalchemy import delete, exists, select, update

from . import events
from .extensions import db
from .models import Comment, CommentStatus, Post


def set_status(comment: Comment, new: CommentStatus) -> CommentStatus:
    """Move a comment to ``new`` and keep the post's approved count with it; return the old status."""
    old = comment.status
    delta = (new == CommentStatus.APPROVED) - (old == CommentStatus.APPROVED)
    comment.status = new
    if new != old:
        events.announce_move(comment, old, new)
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
