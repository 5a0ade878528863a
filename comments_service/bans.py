"""Bans: authors whose new comments go to spam without telling them.

An author is known by up to three marks: the e-mail they typed, the keyed
hash of their reader token, and the keyed hash of their address. A ban names
one of them, optionally until a time. Moderators ban from a queue item (the
mark is read from the comment) or by value through the API.
"""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import and_, bindparam, exists, or_, select

from . import audit
from .errors import ApiError, invalid, not_found
from .extensions import db
from .models import Comment
from .moderation_models import Ban
from .times import iso, storable, utcnow

KINDS = ("email", "reader", "ip")
HASH_RE = re.compile(r"[0-9a-f]{64}")


# A ban in force on any of an author's marks. A mark the author lacks is
# NULL, which equals no value. The one rule: find_ban asks it, and BANNED is it
# as a column that another statement reads (a new comment's checks share the
# round trip that reads its post).
_IN_FORCE = or_(Ban.until.is_(None), Ban.until > bindparam("ban_now"))
_BANS_ON = and_(or_(*(and_(Ban.kind == kind, Ban.value == bindparam(f"ban_{kind}")) for kind in KINDS)), _IN_FORCE)
BANNED = exists().where(_BANS_ON).label("banned")


def banned_params(email: str | None, reader_hash: str | None, ip_hash: str | None) -> dict[str, Any]:
    """Return the parameters of :data:`BANNED` for an author's marks."""
    marks = zip(KINDS, (email, reader_hash, ip_hash), strict=True)
    return {**{f"ban_{kind}": value or None for kind, value in marks}, "ban_now": utcnow()}


def find_ban(email: str | None, reader_hash: str | None, ip_hash: str | None) -> Ban | None:
    """Return an active ban on any of an author's marks, or None."""
    if not (email or reader_hash or ip_hash):
        return None
    return db.session.scalar(select(Ban).where(_BANS_ON).limit(1), banned_params(email, reader_hash, ip_hash))


def list_bans() -> list[Ban]:
    """Return the bans in force, newest first."""
    query = select(Ban).where(_IN_FORCE).order_by(Ban.id.desc())
    return list(db.session.scalars(query, {"ban_now": utcnow()}))


def _value_from_comment(kind: str, comment_id: int) -> str:
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        raise not_found("Comment")
    value = {"email": comment.email, "reader": comment.reader_hash, "ip": comment.ip_hash}[kind]
    if not value:
        raise invalid("kind", f"This comment has no {kind} to ban.")
    return value


def _normalized(kind: str, value: str) -> str:
    value = value.strip().lower()
    if kind == "email" and ("@" not in value or len(value) > 254):
        raise invalid("value", "An e-mail address.")
    if kind != "email" and not HASH_RE.fullmatch(value):
        raise invalid("value", f"The {kind} hash shown with a comment (64 hex digits).")
    return value


def create_ban(data: dict[str, Any], actor: str) -> Ban:
    """Ban an author by ``kind`` and ``value`` or by the mark on ``comment_id``; 409 if already banned."""
    kind = data["kind"]
    comment_id = data.get("comment_id")
    if (data.get("value") is None) == (comment_id is None):
        raise invalid("value", "Give either value or comment_id.")
    value = _value_from_comment(kind, comment_id) if comment_id else _normalized(kind, data["value"])
    until = data.get("until")
    if until is not None:
        try:
            until = storable(until)
        except ValueError as error:
            raise invalid("until", str(error)) from None
        if until <= utcnow():
            raise invalid("until", "A time in the future.")
    if find_ban(*(value if k == kind else None for k in KINDS)) is not None:
        raise ApiError(409, "already_banned", "This author is already banned.")
    ban = Ban(kind=kind, value=value, reason=(data.get("reason") or "").strip(), until=until, created_by=actor)
    db.session.add(ban)
    db.session.flush()
    # The log keeps which ban, not the e-mail: it outlives the ban.
    audit.record("ban", actor, comment_id=comment_id, details={"ban": ban.id, "kind": kind, "until": iso(until)})
    db.session.commit()
    return ban


def lift_ban(ban_id: int, actor: str) -> None:
    """Lift a ban; 404 if there is none with this id."""
    ban = db.session.get(Ban, ban_id)
    if ban is None:
        raise not_found("Ban")
    audit.record("unban", actor, details={"ban": ban.id, "kind": ban.kind})
    db.session.delete(ban)
    db.session.commit()
