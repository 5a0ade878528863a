"""Likes on posts and on approved comments: one per reader, exact under concurrency.

The unique constraint on ``(target, reader_hash)`` decides whether a like is
new: the insert skips a duplicate instead of reading first, so two requests of
one reader can never both count. The counter moves by an SQL expression in the
same transaction, and only when a row was really inserted or deleted.

Rotating reader tokens make every like new, so the new likes one address adds
to one post are limited (RATELIMIT_LIKES_PER_POST), and a like never creates
a post unless AUTO_CREATE_POSTS_FOR_LIKES says so.
"""
from __future__ import annotations

from flask import current_app
from sqlalchemy import Table, delete, select, update

from . import events, ratelimit
from .database import insert_ignore
from .errors import not_found
from .extensions import db
from .models import Comment, CommentLike, CommentStatus, Post, PostLike
from .posts import find_post, post_for_write
from .times import utcnow


def like_post(slug: str, reader: str) -> dict[str, int | bool]:
    """Like a post that exists (created first only with AUTO_CREATE_POSTS_FOR_LIKES); liking twice changes nothing.

    Each new like counts against RATELIMIT_LIKES_PER_POST for the client's
    address and this post, and only a new one: a reader liking again costs
    nothing, and taking a like back gives none of the budget back.
    """
    post = post_for_write(slug, create=current_app.config["AUTO_CREATE_POSTS_FOR_LIKES"])
    if post is None:
        raise not_found("Post")
    likes = PostLike.__table__
    row = {"post_id": post.id, "reader_hash": reader, "created_at": utcnow()}
    count = None
    if insert_ignore(likes, [row], returning=likes.c.id).first() is not None:
        try:
            ratelimit.check("RATELIMIT_LIKES_PER_POST", "post", str(post.id))
        except ratelimit.RateLimited:
            db.session.rollback()  # the like just inserted is not kept
            raise
        count = _shift(Post.__table__, post.id, +1)
    return _finish(count, Post.__table__, post.id, slug, events.LIKES, liked=True)


def unlike_post(slug: str, reader: str) -> dict[str, int | bool]:
    """Take back a post like; taking it back twice changes nothing."""
    post = find_post(slug)
    if post is None:
        raise not_found("Post")
    count = _remove(PostLike.__table__, "post_id", post.id, reader, Post.__table__)
    return _finish(count, Post.__table__, post.id, slug, events.LIKES, liked=False)


def like_comment(comment_id: int, reader: str) -> dict[str, int | bool]:
    """Like an approved comment; liking twice changes nothing."""
    slug = _public_comment(comment_id)
    count = _add(CommentLike.__table__, "comment_id", comment_id, reader, Comment.__table__)
    return _finish(count, Comment.__table__, comment_id, slug, events.COMMENT_LIKES, liked=True)


def unlike_comment(comment_id: int, reader: str) -> dict[str, int | bool]:
    """Take back a comment like; taking it back twice changes nothing."""
    slug = _public_comment(comment_id)
    count = _remove(CommentLike.__table__, "comment_id", comment_id, reader, Comment.__table__)
    return _finish(count, Comment.__table__, comment_id, slug, events.COMMENT_LIKES, liked=False)


def _public_comment(comment_id: int) -> str:
    # Pending, rejected, spam and deleted comments are unknown to readers.
    slug = db.session.scalar(
        select(Post.slug)
        .join(Comment, Comment.post_id == Post.id)
        .where(Comment.id == comment_id, Comment.status == CommentStatus.APPROVED)
    )
    if slug is None:
        raise not_found("Comment")
    return slug


def _add(likes: Table, column: str, target_id: int, reader: str, counted: Table) -> int | None:
    """Insert the like; if it is new, count it and return the new count, else None."""
    row = {column: target_id, "reader_hash": reader, "created_at": utcnow()}
    inserted = insert_ignore(likes, [row], returning=likes.c.id).first()
    return None if inserted is None else _shift(counted, target_id, +1)


def _remove(likes: Table, column: str, target_id: int, reader: str, counted: Table) -> int | None:
    """Delete the like; if there was one, uncount it and return the new count, else None."""
    statement = delete(likes).where(likes.c[column] == target_id, likes.c.reader_hash == reader)
    deleted = db.session.execute(statement.returning(likes.c.id)).first()
    return None if deleted is None else _shift(counted, target_id, -1)


def _finish(count: int | None, counted: Table, row_id: int, slug: str, kind: str, liked: bool) -> dict[str, int | bool]:
    # Commit, then tell the caches, and only when something changed.
    changed = count is not None
    if count is None:
        count = db.session.scalar(select(counted.c.like_count).where(counted.c.id == row_id)) or 0
    db.session.commit()
    if changed:
        events.notify(slug, kind)
    return {"like_count": count, "liked": liked}


def _shift(counted: Table, row_id: int, delta: int) -> int:
    statement = (
        update(counted)
        .where(counted.c.id == row_id)
        .values(like_count=counted.c.like_count + delta)
        .returning(counted.c.like_count)
    )
    return db.session.execute(statement).scalar_one()
