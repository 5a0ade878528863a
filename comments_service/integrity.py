"""Counter integrity: recompute every shown counter from the rows and report drift.

Counters are kept in the same transaction as the rows they count, so drift
should never appear; this is the proof after faults, and the repair if a bug
or a manual edit ever breaks it.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update

from . import events
from .extensions import db
from .models import Comment, CommentLike, CommentStatus, Post, PostLike, Tag, post_tags


@dataclass(frozen=True)
class Drift:
    """One counter that disagrees with its rows."""

    kind: str
    key: str
    stored: int
    actual: int


def _post_comment_drift() -> list[tuple[int, str, int, int]]:
    approved = (
        select(Comment.post_id, func.count().label("n"))
        .where(Comment.status == CommentStatus.APPROVED)
        .group_by(Comment.post_id)
        .subquery()
    )
    actual = func.coalesce(approved.c.n, 0)
    rows = db.session.execute(
        select(Post.id, Post.slug, Post.comment_count, actual)
        .outerjoin(approved, approved.c.post_id == Post.id)
        .where(Post.comment_count != actual)
    )
    return [tuple(r) for r in rows]  # type: ignore[misc]


def _post_like_drift() -> list[tuple[int, str, int, int]]:
    likes = select(PostLike.post_id, func.count().label("n")).group_by(PostLike.post_id).subquery()
    actual = func.coalesce(likes.c.n, 0)
    rows = db.session.execute(
        select(Post.id, Post.slug, Post.like_count, actual)
        .outerjoin(likes, likes.c.post_id == Post.id)
        .where(Post.like_count != actual)
    )
    return [tuple(r) for r in rows]  # type: ignore[misc]


def _comment_like_drift() -> list[tuple[int, str, int, int]]:
    likes = select(CommentLike.comment_id, func.count().label("n")).group_by(CommentLike.comment_id).subquery()
    actual = func.coalesce(likes.c.n, 0)
    rows = db.session.execute(
        select(Comment.id, Comment.id, Comment.like_count, actual)
        .outerjoin(likes, likes.c.comment_id == Comment.id)
        .where(Comment.like_count != actual)
    )
    return [(r[0], str(r[1]), r[2], r[3]) for r in rows]


def _tag_drift() -> list[tuple[int, str, int, int]]:
    uses = select(post_tags.c.tag_id, func.count().label("n")).group_by(post_tags.c.tag_id).subquery()
    actual = func.coalesce(uses.c.n, 0)
    rows = db.session.execute(
        select(Tag.id, Tag.name, Tag.post_count, actual)
        .outerjoin(uses, uses.c.tag_id == Tag.id)
        .where(Tag.post_count != actual)
    )
    return [tuple(r) for r in rows]  # type: ignore[misc]


CHECKS = {
    "post.comment_count": (_post_comment_drift, Post, "comment_count"),
    "post.like_count": (_post_like_drift, Post, "like_count"),
    "comment.like_count": (_comment_like_drift, Comment, "like_count"),
    "tag.post_count": (_tag_drift, Tag, "post_count"),
}


def check(repair: bool = False) -> list[Drift]:
    """Return every drifting counter; with ``repair``, set each to its true value and commit."""
    found: list[Drift] = []
    for kind, (find, model, column) in CHECKS.items():
        for row_id, key, stored, actual in find():
            found.append(Drift(kind, key, stored, actual))
            if repair:
                db.session.execute(update(model).where(model.id == row_id).values({column: actual}))
    if repair and found:
        db.session.commit()
        # Every cached widget and page may have shown a wrong number.
        events.notify(None, events.COMMENTS, events.POST, events.TAGS, events.LIKES)
    else:
        db.session.rollback()
    return found
