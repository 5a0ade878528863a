"""Readers' reports: one per reader on a public comment, a hold after REPORTS_TO_HOLD, the Reported list, dismissing.

A report is counted once per reader (the unique constraint decides, as for
likes). When ``REPORTS_TO_HOLD`` distinct readers have open reports on a
public comment it goes back to ``pending`` through ``status.set_status`` (the
count and the caches follow, the moderators hear of it) and waits for a
moderator. Dismissing keeps the comment (published again if the reports held
it) and closes the reports: they no longer count, and the same readers cannot
report it again. Every step is in the audit log; each new report is told to
the webhook as ``comment.reported``.
"""
from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload, selectinload

from . import audit, events, moderation, paging, sanitize, webhook
from .database import insert_ignore
from .errors import ApiError, not_found
from .extensions import db
from .models import Comment, CommentStatus, ModerationEvent, Post
from .moderation_models import CommentReport, summarize
from .status import set_status
from .times import utcnow

HOLD = "report_hold"  # the audit action of a hold: dismissing publishes again what it held
SYSTEM = "system"
LISTED = (CommentStatus.PENDING, CommentStatus.APPROVED)  # reported=true, unless a status is asked for


def _reader_actor(reader: str) -> str:
    # A reader is named in the log by a prefix of their keyed hash, never by their token.
    return f"reader:{reader[:16]}"


def _locked(comment_id: int) -> Comment | None:
    return db.session.get(Comment, comment_id, options=[joinedload(Comment.post)], with_for_update={"of": Comment})


def report(comment_id: int, reader: str, reason: str, note: str | None) -> tuple[dict[str, Any], bool]:
    """Report a public comment as this reader; return the answer and whether the report is new.

    404 unless the comment is public. A reader's second report changes nothing.
    """
    note = sanitize.plain_line(note or "") or None
    comment = _locked(comment_id)  # reports of one comment take turns: the hold is decided once
    if comment is None or comment.status != CommentStatus.APPROVED:
        raise not_found("Comment")
    table = CommentReport.__table__
    row = {"comment_id": comment.id, "reader_hash": reader, "reason": reason, "note": note, "created_at": utcnow()}
    new = insert_ignore(table, [row], returning=table.c.id).first() is not None
    if not new:
        db.session.commit()
        return {"reported": True}, False
    summary = summarize(db.session.scalars(select(CommentReport).where(
        CommentReport.comment_id == comment.id, CommentReport.dismissed_at.is_(None)).order_by(CommentReport.id)))
    audit.record("report", _reader_actor(reader), comment_id=comment.id,
                 details={"post": comment.post.slug, "reason": reason, "reports": summary.count})
    held = summary.count >= current_app.config["REPORTS_TO_HOLD"]
    if held:
        old = set_status(comment, CommentStatus.PENDING)
        audit.record(HOLD, SYSTEM, comment_id=comment.id, from_status=old.value, to_status=CommentStatus.PENDING.value,
                     details={"post": comment.post.slug, "reports": summary.count, "reasons": summary.reasons})
    if webhook.wanted(webhook.REPORTED):
        webhook.enqueue(comment, None, comment.status, report=webhook.report_facts(reason, note, summary, held))
    # The Reported list takes it (and the Pending tab, when held): the desk's stream says so, text left out.
    slug, listed = comment.post.slug, {comment.id: events.Placed(comment.status.value, reported=True)}
    db.session.commit()
    events.notify(slug, *(events.COMMENTS,) * held, comments={comment.id: True} if held else None, queued=listed)
    return {"reported": True}, True


def _open_counts() -> Any:
    return (select(CommentReport.comment_id, func.count().label("open_count"))
            .where(CommentReport.dismissed_at.is_(None)).group_by(CommentReport.comment_id).subquery("open"))


def queue(status: str | None, post_slug: str | None, limit: int, cursor: str | None) -> dict[str, Any]:
    """Return comments with open reports, most reported first (then oldest); pending and approved unless asked."""
    counts = _open_counts()
    keys: list[Any] = [(counts.c.open_count, True), (Comment.id, False)]
    query = (select(Comment, counts.c.open_count).join(counts, counts.c.comment_id == Comment.id)
             .options(joinedload(Comment.post), selectinload(Comment.open_reports)))
    query = query.where(Comment.status == CommentStatus(status) if status else Comment.status.in_(LISTED))
    if post_slug:
        query = query.join(Post, Post.id == Comment.post_id).where(Post.slug == post_slug)
    kind = f"reported:{status or ''}:{post_slug or ''}"
    if cursor:
        query = query.where(paging.after(keys, paging.decode(kind, cursor, len(keys))))
    rows = list(db.session.execute(query.order_by(*paging.order_by(keys)).limit(limit + 1)))
    next_cursor = paging.encode(kind, [rows[limit - 1][1], rows[limit - 1][0].id]) if len(rows) > limit else None
    return {"comments": [row[0] for row in rows[:limit]], "next_cursor": next_cursor}


def open_count() -> int:
    """Count the comments with open reports that wait in the Reported list (the desk's tab)."""
    counts = _open_counts()
    return db.session.scalar(select(func.count()).select_from(counts).join(Comment, Comment.id == counts.c.comment_id)
                             .where(Comment.status.in_(LISTED))) or 0


def _held_by_reports(comment: Comment) -> bool:
    # The last status move in the log says who made it pending.
    last = db.session.scalar(select(ModerationEvent.action).where(
        ModerationEvent.comment_id == comment.id, ModerationEvent.to_status.is_not(None),
    ).order_by(ModerationEvent.id.desc()).limit(1))
    return comment.status == CommentStatus.PENDING and last == HOLD


def dismiss(comment_id: int, actor: str, seen: moderation.Seen = moderation.UNCHECKED) -> Comment:
    """Close a comment's open reports and keep it: published again if the reports held it.

    ``seen`` is the ``edited_at`` the moderator was shown, as for approving (409 if it differs).
    """
    comment = _locked(comment_id)
    if comment is None or comment.status == CommentStatus.DELETED:
        raise not_found("Comment")
    if not isinstance(seen, moderation.Unchecked):
        moderation.check_seen([comment], {comment.id: seen})
    summary = comment.reports
    if not summary.count:
        raise ApiError(409, "no_reports", "This comment has no open reports to dismiss.")
    republish = _held_by_reports(comment)
    db.session.execute(update(CommentReport).where(
        CommentReport.comment_id == comment.id, CommentReport.dismissed_at.is_(None)).values(dismissed_at=utcnow()))
    audit.record("reports_dismiss", actor, comment_id=comment.id,
                 details={"post": comment.post.slug, "reports": summary.count, "reasons": summary.reasons})
    if republish:
        moderation.approve(comment, actor)
    db.session.commit()
    db.session.expire(comment, ["open_reports"])
    if republish:
        events.notify(comment.post.slug, events.COMMENTS, comments={comment.id: False},
                      queued={comment.id: events.Placed(CommentStatus.APPROVED.value)})
    return comment


def desk_page(status: str | None, post_slug: str | None, limit: int, cursor: str | None,
              reported: bool, q: str | None = None) -> dict[str, Any]:
    """Return the desk's page: the Reported list, a search's results or a status queue, with every tab's count."""
    if reported:
        page = {**queue(status, post_slug, limit, cursor), "counts": moderation.status_counts()}
    else:
        page = moderation.desk(status, post_slug, limit, cursor, q)
    return {**page, "reported_count": open_count()}
