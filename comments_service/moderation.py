"""Moderation: the queue, status transitions with an audit trail, bulk actions, the log.

The API and the moderation page both call these functions, so every action
lands in the audit log the same way.
"""
from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from . import audit, events, paging, search
from .errors import ApiError, not_found
from .extensions import db
from .models import Comment, CommentStatus, ModerationEvent, Post
from .status import remove, set_status
from .times import iso

QUEUE_KEYS: list[paging.SortKey] = [(Comment.created_at, False), (Comment.id, False)]
LOG_KEYS: list[paging.SortKey] = [(ModerationEvent.id, True)]
MAX_BULK = 500


class Unchecked(enum.Enum):
    """No expectation sent: act on whatever version is stored."""
    UNCHECKED = "unchecked"


UNCHECKED = Unchecked.UNCHECKED
Seen = datetime | None | Unchecked


class CommentChanged(ApiError):
    """Comments edited since the moderator was shown them (409, nothing changed); ``ids`` names them."""

    def __init__(self, ids: list[int], fields: dict[str, list[str]]) -> None:
        self.ids = ids
        told = f"Comment #{ids[0]} was" if len(ids) == 1 else f"Comments {', '.join(f'#{i}' for i in ids)} were"
        message = f"{told} edited after you loaded the queue; read the new text before you decide."
        super().__init__(409, "comment_changed", message, fields)


def queue(status: str | None, post_slug: str | None, limit: int, cursor: str | None,
          q: str | None = None) -> dict[str, Any]:
    """Return comments with ``status`` (None: any but deleted), oldest first, for one post or matching ``q``."""
    query = select(Comment).options(joinedload(Comment.post), selectinload(Comment.open_reports)).where(
        Comment.status == CommentStatus(status) if status else Comment.status != CommentStatus.DELETED)
    if post_slug:
        query = query.join(Post, Post.id == Comment.post_id).where(Post.slug == post_slug)
    kind, order = f"queue:{status or 'any'}:{post_slug or ''}", paging.order_by(QUEUE_KEYS)
    if q:
        query, kind, order = query.where(search.matches(q)), f"{kind}:{search.key(q)}", search.order_by(QUEUE_KEYS)
    if cursor:
        query = query.where(paging.after(QUEUE_KEYS, paging.decode(kind, cursor, 2)))
    rows = list(db.session.scalars(query.order_by(*order).limit(limit + 1)))
    comments, next_cursor = paging.page(rows, limit, kind, QUEUE_KEYS)
    return {"comments": comments, "next_cursor": next_cursor}


def desk(status: str | None, post_slug: str | None, limit: int, cursor: str | None,
         q: str | None = None) -> dict[str, Any]:
    """Return a queue page (or search results) with the counts per status, for the moderation page."""
    return {**queue(status, post_slug, limit, cursor, q), "counts": status_counts()}


def status_counts() -> dict[str, int]:
    """Count comments per status."""
    found = dict(db.session.execute(select(Comment.status, func.count()).group_by(Comment.status)).all())
    return {s.value: found.get(s, 0) for s in CommentStatus}


def _record(comment: Comment, action: str, actor: str, old: CommentStatus | None, new: CommentStatus | None) -> None:
    details: dict[str, Any] = {"post": comment.post.slug}
    if comment.import_key:
        # Lets a later import of the same file know not to bring a deleted comment back.
        details["import_key"] = comment.import_key
    audit.record(
        action,
        actor,
        comment_id=comment.id,
        from_status=old.value if old else None,
        to_status=new.value if new else None,
        details=details,
    )


def _move(comment: Comment, new: CommentStatus, action: str, actor: str) -> bool:
    if comment.status == CommentStatus.DELETED:
        raise ApiError(409, "comment_deleted", "This comment was deleted and cannot change.")
    if comment.status == new:
        return False
    old = set_status(comment, new)
    _record(comment, action, actor, old, new)
    return True


def approve(comment: Comment, actor: str) -> bool:
    """Publish a comment."""
    return _move(comment, CommentStatus.APPROVED, "approve", actor)


def reject(comment: Comment, actor: str) -> bool:
    """Hide a comment as rejected."""
    return _move(comment, CommentStatus.REJECTED, "reject", actor)


def mark_spam(comment: Comment, actor: str) -> bool:
    """Hide a comment as spam."""
    return _move(comment, CommentStatus.SPAM, "spam", actor)


def delete(comment: Comment, actor: str) -> bool:
    """Delete a comment (a placeholder if replies hang on it)."""
    _record(comment, "delete", actor, comment.status, None)
    remove(comment)
    return True


ACTIONS: dict[str, Callable[[Comment, str], bool]] = {"approve": approve, "reject": reject, "spam": mark_spam,
                                                      "delete": delete}


def check_seen(comments: Iterable[Comment], seen: Mapping[int, datetime | None], many: bool = False) -> None:
    """Refuse (409, nothing changed) to act on a comment edited since the moderator was shown it.

    ``seen`` maps a comment's id to the ``edited_at`` the moderator was shown
    (None: shown unedited); a comment without an entry is not checked. Times are
    shown to the second (``times.iso``), so that is the precision compared: the
    text the moderator saw against ``iso`` of the stored time (two edits within
    one second, the page loaded between them, look alike). Callers hold the rows
    locked, so that no edit lands between this check and the action.
    """
    stale = sorted((c.id, seen[c.id], c.edited_at) for c in comments if c.id in seen
                   and c.status != CommentStatus.DELETED and iso(seen[c.id]) != iso(c.edited_at))
    if stale:
        raise CommentChanged([i for i, _, _ in stale], {
            f"expected_edited_at.{i}" if many else "expected_edited_at":
            [f"Edited at {iso(now)}; the version shown was {f'edited at {iso(was)}' if was else 'unedited'}."]
            for i, was, now in stale
        })


def _load(comment_id: int) -> Comment:
    # Locked: a reader's edit waits for this action, or this action sees the edit.
    comment = db.session.get(Comment, comment_id, options=[joinedload(Comment.post)], with_for_update={"of": Comment})
    if comment is None:
        raise not_found("Comment")
    return comment


def act(comment_id: int, action: str, actor: str, seen: Seen = UNCHECKED) -> Comment | None:
    """Apply one action to one comment and commit; return the comment (None once deleted).

    ``seen`` is the ``edited_at`` the moderator was shown (see :func:`check_seen`).
    """
    comment = _load(comment_id)
    slug, was_public = comment.post.slug, comment.status == CommentStatus.APPROVED
    if action == "delete" and comment.status == CommentStatus.DELETED:
        raise not_found("Comment")
    if not isinstance(seen, Unchecked):
        check_seen([comment], {comment.id: seen})
    moved = {comment_id: events.Placed(comment.status.value)} if ACTIONS[action](comment, actor) else None
    db.session.commit()
    shown = was_public or action == "approve"  # the desk's lists take every move; readers' streams a public one
    events.notify(slug, *(events.COMMENTS,) * shown, comments={comment_id: was_public} if shown else {}, queued=moved)
    if action == "delete":
        return None
    return comment


def bulk(ids: list[int], action: str, actor: str, seen: Mapping[int, datetime | None] | None = None) -> int:
    """Apply ``action`` to every comment in ``ids`` in one transaction; return how many changed.

    All or nothing: if any comment in ``seen`` was edited since it was shown, none changes.
    """
    comments = list(
        db.session.scalars(
            select(Comment)
            .options(joinedload(Comment.post))
            .where(Comment.id.in_(set(ids)))
            # Locked in id order, so that two bulk actions never wait on each other in a circle.
            .order_by(Comment.id)
            .with_for_update(of=Comment)
        )
    )
    check_seen(comments, seen or {}, many=True)
    touched: dict[str, dict[int, bool]] = {}
    placed: dict[str, dict[int, events.Placed]] = {}
    updated = 0
    for comment in comments:
        if comment.status == CommentStatus.DELETED:
            continue
        slug, was_public, comment_id = comment.post.slug, comment.status == CommentStatus.APPROVED, comment.id
        if ACTIONS[action](comment, actor):
            updated += 1
            placed.setdefault(slug, {})[comment_id] = events.Placed(comment.status.value)
            if was_public or action == "approve":
                touched.setdefault(slug, {})[comment_id] = was_public
    db.session.commit()
    for slug in sorted(placed):
        events.notify(slug, *(events.COMMENTS,) * (slug in touched), comments=touched.get(slug), queued=placed[slug])
    return updated


def log(limit: int, cursor: str | None, comment_id: int | None = None) -> dict[str, Any]:
    """Return audit events, newest first."""
    query = select(ModerationEvent)
    kind = f"log:{comment_id or ''}"
    if comment_id is not None:
        query = query.where(ModerationEvent.comment_id == comment_id)
    if cursor:
        query = query.where(paging.after(LOG_KEYS, paging.decode(kind, cursor, 1)))
    rows = list(db.session.scalars(query.order_by(*paging.order_by(LOG_KEYS)).limit(limit + 1)))
    events_, next_cursor = paging.page(rows, limit, kind, LOG_KEYS)
    return {"events": events_, "next_cursor": next_cursor}


PURGEABLE = (CommentStatus.SPAM, CommentStatus.REJECTED)
PURGE_BATCH = 500


def purge(older_than_days: int, actor: str) -> int:
    """Delete spam and rejected comments posted more than ``older_than_days`` ago; return how many."""
    cutoff = datetime.now(timezone.utc) - timedelta(days=older_than_days)
    query = (
        select(Comment)
        .options(joinedload(Comment.post))
        .where(Comment.status.in_(PURGEABLE), Comment.created_at < cutoff)
        .order_by(Comment.id)
        .limit(PURGE_BATCH)
    )
    purged = 0
    touched: set[str] = set()
    # In batches, so that a year of spam does not become one huge transaction.
    while batch := list(db.session.scalars(query)):
        for comment in batch:
            touched.add(comment.post.slug)
            _record(comment, "purge", actor, comment.status, None)
            remove(comment)
        db.session.commit()
        purged += len(batch)
    # A rejected comment with approved replies stays as a placeholder that readers now see.
    for slug in sorted(touched):
        events.notify(slug, events.COMMENTS)
    return purged
