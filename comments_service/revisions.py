"""Revisions: every edit keeps the text it replaces, for moderators to read and compare.

Whatever changes a stored comment's text calls :func:`keep` first, in the
same transaction: the reader's own edit (``comment_writes.edit_comment``)
and any moderator's. An author's export carries the revisions of their
comments; an erase deletes them with the comments (:func:`erase_of`).
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, select

from .errors import not_found
from .extensions import db
from .models import Comment
from .moderation_models import CommentRevision
from .times import utcnow


def keep(comment: Comment) -> None:
    """Store the text ``comment`` has now, before an edit replaces it."""
    db.session.add(CommentRevision(
        comment_id=comment.id, body_source=comment.body_source, body_html=comment.body_html,
        written_at=comment.edited_at or comment.created_at, replaced_at=utcnow(),
    ))


def _item(revision: CommentRevision) -> dict[str, Any]:
    return {"body_source": revision.body_source, "body_html": revision.body_html, "at": revision.written_at,
            "replaced_at": revision.replaced_at}


def _of(comment_ids: Iterable[int]) -> list[CommentRevision]:
    return list(db.session.scalars(
        select(CommentRevision).where(CommentRevision.comment_id.in_(list(comment_ids)))
        .order_by(CommentRevision.comment_id, CommentRevision.id)
    ))


def history(comment_id: int) -> dict[str, Any]:
    """Return a comment's earlier texts, oldest first, and the comment as it is now; 404 for an unknown one."""
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        raise not_found("Comment")
    return {"comment": comment, "revisions": [_item(r) for r in _of([comment_id])]}


def of_comments(comment_ids: Iterable[int]) -> list[dict[str, Any]]:
    """Return the earlier texts of the given comments (an author's export), by comment, oldest first."""
    return [{"comment_id": r.comment_id, **_item(r)} for r in _of(comment_ids)]


def erase_of(comment_ids: Iterable[int]) -> int:
    """Delete the earlier texts of the given comments (an author's erase; rows deleted take theirs along)."""
    ids = list(comment_ids)
    if not ids:
        return 0
    return db.session.execute(delete(CommentRevision).where(CommentRevision.comment_id.in_(ids))).rowcount or 0
