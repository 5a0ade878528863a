"""Counter integrity: recompute every shown counter from the rows and report drift.

Counters are kept in the same transaction as the rows they count, so drift
should never appear; this is the proof after faults, and the repair if a bug
or a manual edit ever breaks it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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


def _counted(column: Any, *where: Any) -> Any:
    """Return a subquery of row counts per value of ``column``."""
    return select(column.label("owner"), func.count().label("n")).where(*where).group_by(column).subquery()


# counter name -> (model, key shown in reports, counter column, rows it counts)
CHECKS = {
    "post.comment_count": (Post, Post.slug, Post.comment_count,
                           lambda: _counted(Comment.post_id, Comment.status == CommentStatus.APPROVED)),
    "post.like_count": (Post, Post.slug, Post.like_count, lambda: _counted(PostLike.post_id)),
    "comment.like_count": (Comment, Comment.id, Comment.like_count, lambda: _counted(CommentLike.comment_id)),
    "tag.post_count": (Tag, Tag.name, Tag.post_count, lambda: _counted(post_tags.c.tag_id)),
}


def _drift(model: Any, key: Any, counter: Any, counted: Any) -> list[tuple[int, str, int, int]]:
    actual = func.coalesce(counted.c.n, 0)
    rows = db.session.execute(
        select(model.id, key, counter, actual).outerjoin(counted, counted.c.owner == model.id).where(counter != actual)
    )
    return [(row[0], str(row[1]), row[2], row[3]) for row in rows]


def check(repair: bool = False) -> list[Drift]:
    """Return every drifting counter; with ``repair``, set each to its true value and commit."""
    found: list[Drift] = []
    for kind, (model, key, counter, counted) in CHECKS.items():
        for row_id, name, stored, actual in _drift(model, key, counter, counted()):
            found.append(Drift(kind, name, stored, actual))
            if repair:
                db.session.execute(update(model).where(model.id == row_id).values({counter.key: actual}))
    if repair and found:
        db.session.commit()
        # Every cached widget and page may have shown a wrong number.
        events.notify(None, events.COMMENTS, events.POST, events.TAGS, events.LIKES)
    else:
        db.session.rollback()
    return found
