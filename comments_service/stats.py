"""The moderators' dashboard in numbers: comments per day by status, the queue, spam reasons, the most discussed posts.

Days are UTC calendar days, today the last; every day of the range is
present, with zeros where nothing came. A comment counts on the day it was
posted, under the status it has now (deleted ones not at all).
"""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import String, cast, func, select

from .database import dialect_name
from .extensions import db
from .models import Comment, CommentStatus, Post
from .times import utcnow

DAYS_DEFAULT = 30
DAYS_MAX = 365
SHOWN = (CommentStatus.APPROVED, CommentStatus.PENDING, CommentStatus.REJECTED, CommentStatus.SPAM)
TOP_POSTS = 5
TOP_REASONS = 8


def _day(column: Any) -> Any:
    """The UTC date of a stored time, as 'YYYY-MM-DD'."""
    if dialect_name() == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")
    return func.date(column)  # SQLite keeps UTC text


def first_day(days: int, today: date | None = None) -> datetime:
    """Return the start (UTC midnight) of the first of the last ``days`` days, today included."""
    start = (today or utcnow().date()) - timedelta(days=days - 1)
    return datetime.combine(start, time.min, tzinfo=timezone.utc)


def per_day(days: int) -> list[dict[str, Any]]:
    """Count the comments posted on each of the last ``days`` UTC days, by their status now."""
    since = first_day(days)
    day = _day(Comment.created_at).label("day")
    rows = db.session.execute(
        select(day, Comment.status, func.count())
        .where(Comment.created_at >= since, Comment.status.in_(SHOWN))
        .group_by(day, Comment.status)
    ).all()
    found = {(str(d), s): n for d, s, n in rows}
    dates = [(since.date() + timedelta(days=i)).isoformat() for i in range(days)]
    return [{"date": d, **{s.value: found.get((d, s), 0) for s in SHOWN}} for d in dates]


def queue_state() -> dict[str, Any]:
    """Return the size of the pending queue and when its oldest comment was posted (None when empty)."""
    pending, oldest = db.session.execute(
        select(func.count(), func.min(Comment.created_at)).where(Comment.status == CommentStatus.PENDING)
    ).one()
    return {"pending": pending, "oldest_pending_at": oldest}


def spam_reasons(days: int) -> list[dict[str, Any]]:
    """Count the reasons the spam checks gave, on comments of the last ``days`` days, most given first."""
    rows = db.session.scalars(
        select(Comment.spam_reasons).where(
            Comment.created_at >= first_day(days), Comment.status != CommentStatus.DELETED,
            cast(Comment.spam_reasons, String) != "[]",
        )
    )
    counted = Counter(reason for reasons in rows for reason in reasons or [])
    ranked = sorted(counted.items(), key=lambda item: (-item[1], item[0]))[:TOP_REASONS]
    return [{"reason": reason, "count": count} for reason, count in ranked]


def top_posts(days: int) -> list[dict[str, Any]]:
    """Return the posts with the most comments published in the last ``days`` days, most first."""
    count = func.count(Comment.id).label("comments")
    rows = db.session.execute(
        select(Post.slug, Post.title, Post.url, count)
        .join(Comment, Comment.post_id == Post.id)
        .where(Comment.created_at >= first_day(days), Comment.status == CommentStatus.APPROVED)
        .group_by(Post.id, Post.slug, Post.title, Post.url)
        .order_by(count.desc(), Post.slug)
        .limit(TOP_POSTS)
    ).all()
    return [{"slug": s, "title": t, "url": u, "comments": n} for s, t, u, n in rows]


def stats(days: int = DAYS_DEFAULT) -> dict[str, Any]:
    """Return the dashboard: ``days`` (per day by status), ``queue``, ``spam_reasons`` and ``posts``."""
    return {"days": per_day(days), "queue": queue_state(), "spam_reasons": spam_reasons(days),
            "posts": top_posts(days)}
