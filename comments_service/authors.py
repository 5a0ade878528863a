"""An author's data on request: list, export or erase everything tied to an e-mail address.

Reply subscriptions belong to it: the export shows the address's mail
state and threads, the erase deletes them with the address. So do the
earlier texts of edited comments (revisions.py), and readers' reports of
the comments erased.

Erasing goes through the moderators' delete, so a comment that replies hang
on stays as a "[deleted]" placeholder, the audit log records every comment
(with its import key, so a later import does not bring it back), and the
counters and caches follow. The log names the request by a keyed hash of the
address, never by the address itself.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import joinedload, selectinload

from . import auth, events, moderation, paging, revisions, subscriptions
from .extensions import db
from .models import Comment, CommentStatus, ModerationEvent
from .moderation_models import Ban, CommentReport

KEYS: list[paging.SortKey] = [(Comment.created_at, False), (Comment.id, False)]


def normalize(email: str) -> str:
    """Return the address as comments store it: trimmed and lower-cased."""
    return email.strip().lower()


def _subject(email: str) -> str:
    # Names the person in the log and in cursors without writing the address down.
    return auth.keyed_hash("author", email)[:32]


def _query(email: str) -> Any:
    return (select(Comment).options(joinedload(Comment.post), selectinload(Comment.open_reports))
            .where(Comment.email == email))


def list_comments(email: str, limit: int, cursor: str | None) -> dict[str, Any]:
    """Return a page of the comments written with ``email``, oldest first, in every status."""
    email = normalize(email)
    kind = f"author:{_subject(email)}"
    query = _query(email)
    if cursor:
        query = query.where(paging.after(KEYS, paging.decode(kind, cursor, len(KEYS))))
    rows = list(db.session.scalars(query.order_by(*paging.order_by(KEYS)).limit(limit + 1)))
    comments, next_cursor = paging.page(rows, limit, kind, KEYS)
    return {"email": email, "comments": comments, "next_cursor": next_cursor}


def _log(action: str, actor: str, email: str, details: dict[str, Any]) -> None:
    db.session.add(
        ModerationEvent(comment_id=None, action=action, actor=actor, details={"subject": _subject(email), **details})
    )


def export_author(email: str, actor: str) -> dict[str, Any]:
    """Return everything stored about ``email``: comments in every status and bans; log the request."""
    email = normalize(email)
    comments = list(db.session.scalars(_query(email).order_by(*paging.order_by(KEYS))))
    bans = list(db.session.scalars(select(Ban).where(Ban.kind == "email", Ban.value == email).order_by(Ban.id)))
    mail = subscriptions.of_address(email)
    earlier = revisions.of_comments(c.id for c in comments)
    _log("author_export", actor, email, {"comments": len(comments), "bans": len(bans), "revisions": len(earlier),
                                         "subscriptions": len(mail["subscriptions"]) if mail else 0})
    db.session.commit()
    return {"email": email, "exported_at": datetime.now(timezone.utc), "comments": comments, "bans": bans,
            "mail": mail, "revisions": earlier}


def erase_author(email: str, actor: str) -> dict[str, Any]:
    """Delete every comment written with ``email``; placeholders stay where replies hang on them."""
    email = normalize(email)
    # The address, its subscriptions and the mails still waiting for it go first (deleted comments take theirs).
    subscribed = subscriptions.erase_address(email)
    comments = list(db.session.scalars(_query(email).order_by(Comment.id)))
    touched: set[str] = set()
    public: dict[str, dict[int, bool]] = {}  # per post, the public comments erased: live pages drop them
    ids = [comment.id for comment in comments]
    erased_revisions = revisions.erase_of(ids)
    if ids:
        db.session.execute(delete(CommentReport).where(CommentReport.comment_id.in_(ids)))
    for comment in comments:
        if comment.status == CommentStatus.APPROVED:
            touched.add(comment.post.slug)
            public.setdefault(comment.post.slug, {})[comment.id] = True
        moderation.delete(comment, actor)
    # What is left of them are placeholders; they keep nothing that points at the person.
    placeholders = list(db.session.scalars(select(Comment.id).where(Comment.id.in_(ids)))) if ids else []
    if placeholders:
        db.session.execute(
            update(Comment).where(Comment.id.in_(placeholders)).values(ip_hash=None, reader_hash=None, spam_reasons=[])
        )
    bans = len(list(db.session.scalars(select(Ban.id).where(Ban.kind == "email", Ban.value == email))))
    _log("author_erase", actor, email, {"comments": len(ids), "placeholders": len(placeholders),
                                        "subscriptions": subscribed, "revisions": erased_revisions})
    db.session.commit()
    for slug in sorted(touched):
        events.notify(slug, events.COMMENTS, comments=public[slug])
    return {"email": email, "erased": len(ids), "placeholders": len(placeholders), "bans_kept": bans,
            "subscriptions": subscribed, "revisions": erased_revisions}
