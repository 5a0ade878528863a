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
from sqlalchemy import String, Table, bindparam, delete, select, update
from sqlalchemy.dialects import postgresql

from . import events, ratelimit
from .database import REPEATABLE, dialect_name, insert_ignore, standalone_statements, transactions_again
from .errors import not_found
from .extensions import db
from .models import Comment, CommentLike, CommentStatus, Post, PostLike, TZDateTime
from .posts import find_post, post_for_write
from .times import utcnow


def like_post(slug: str, reader: str) -> dict[str, int | bool]:
    """Like a post that exists (created first only with AUTO_CREATE_POSTS_FOR_LIKES); liking twice changes nothing.

    Each new like counts against RATELIMIT_LIKES_PER_POST for the client's
    address and this post, and only a new one: a reader liking again costs
    nothing, and taking a like back gives none of the budget back.
    """
    retold = False
    if not ratelimit.counting("RATELIMIT_LIKES_PER_POST") and dialect_name() == "postgresql":
        # Nothing to count between the insert and the count: one statement, committing itself.
        standalone_statements()
        found = db.session.execute(_LIKE_COUNTED, {"liked_slug": slug, "liker": reader, "liked_at": utcnow()}).first()
        if found is not None:
            db.session.commit()
            events.notify(slug, events.LIKES, counts={"comment_count": found.comment_count,
                                                     "like_count": found.like_count})
            return {"like_count": found.like_count, "liked": True}
        # Liked before (perhaps by this very request, sent again after a dead connection: so the caches
        # are told anyway), or no such post: the general way tells which.
        transactions_again()
        retold = True
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
    return _finish(count, Post.__table__, post.id, slug, events.LIKES, liked=True, tell=retold)


_POSTS, _POST_LIKES = Post.__table__, PostLike.__table__
# A new like of a known post and its count, in one statement (PostgreSQL): WITH target AS (SELECT the post),
# new_like AS (INSERT ... ON CONFLICT DO NOTHING RETURNING) UPDATE posts ... FROM new_like RETURNING like_count.
# No row: the reader liked it before, or there is no such post.
_TARGET = select(_POSTS.c.id).where(_POSTS.c.slug == bindparam("liked_slug")).cte("target")
_NEW_LIKE = (
    postgresql.insert(_POST_LIKES)
    .from_select(["post_id", "reader_hash", "created_at"],
                 select(_TARGET.c.id, bindparam("liker", type_=String), bindparam("liked_at", type_=TZDateTime)))
    .on_conflict_do_nothing()
    .returning(_POST_LIKES.c.post_id)
    .cte("new_like")
)
_LIKE_COUNTED = (
    update(_POSTS)
    .where(_POSTS.c.id == _NEW_LIKE.c.post_id)
    # Given, not left to onupdate: SQLAlchemy fills no defaults in a statement of this shape.
    .values(like_count=_POSTS.c.like_count + 1, updated_at=bindparam("liked_at", type_=TZDateTime))
    .returning(_POSTS.c.like_count, _POSTS.c.comment_count)  # both: the live events read nothing more
    # Sent again after a dead connection, it adds nothing the first one added (the unique constraint).
    .execution_options(**{REPEATABLE: True})
)


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


def _finish(count: int | None, counted: Table, row_id: int, slug: str, kind: str, liked: bool,
            tell: bool = False) -> dict[str, int | bool]:
    # Commit, then tell the caches, and only when something changed (or may have: ``tell``).
    changed = count is not None or tell
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
