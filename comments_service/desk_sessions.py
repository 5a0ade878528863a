"""Server-side sessions of the moderation desk: started at login, checked on every desk request, ended everywhere.

The signed cookie carries only a random session id; the database keeps its
SHA-256 (the id is 256 random bits, as an API token is), the user, and an
absolute expiry fixed at login. Every desk request looks the row up, so that
logging out, removing a user or changing a password ends the session on
every process and machine at once, and re-signing the cookie (as each flash
message does) never makes a session last longer.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import ColumnElement, delete, select, update

from .credentials import LOGIN_ROLES, DeskSession, User
from .extensions import db
from .models import Role
from .times import utcnow

# A session id longer than this was not made here, and is not hashed.
SESSION_ID_MAX = 64
# last_seen_at is written at most this often: most desk requests only read.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class DeskUser:
    """Who holds a desk session: what the pages show and the audit log names."""

    id: int
    username: str
    role: Role


def lifetime() -> timedelta:
    """Return how long a desk session lasts from login, however active it is."""
    value: timedelta = current_app.config["PERMANENT_SESSION_LIFETIME"]
    return value


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def start(user: User) -> str:
    """Start a session for ``user`` and return its id, for the cookie; expired sessions are pruned."""
    now = utcnow()
    db.session.execute(delete(DeskSession).where(DeskSession.expires_at <= now))
    session_id = secrets.token_urlsafe(32)
    db.session.add(DeskSession(token_hash=_hash(session_id), user_id=user.id, created_at=now, last_seen_at=now,
                               expires_at=now + lifetime()))
    db.session.commit()
    return session_id


def _of_id(session_id: object) -> ColumnElement[bool] | None:
    if not isinstance(session_id, str) or not 0 < len(session_id) <= SESSION_ID_MAX:
        return None
    return DeskSession.token_hash == _hash(session_id)


def resolve(session_id: object) -> DeskUser | None:
    """Return who holds the session with this id if it still holds (not ended, not expired), else None."""
    where = _of_id(session_id)
    if where is None:
        return None
    now = utcnow()
    query = (
        select(DeskSession.id, User.id.label("user_id"), User.username, User.role,
               (DeskSession.last_seen_at <= now - TOUCH_EVERY).label("stale"))
        .join(User, User.id == DeskSession.user_id)
        .where(where, DeskSession.expires_at > now)
    )
    row = db.session.execute(query).first()
    if row is None or row.role not in LOGIN_ROLES:
        return None
    if row.stale:
        db.session.execute(update(DeskSession).where(DeskSession.id == row.id).values(last_seen_at=now))
        db.session.commit()
    return DeskUser(row.user_id, row.username, row.role)


def end(session_id: object) -> None:
    """End one session (a logout), on every process."""
    where = _of_id(session_id)
    if where is not None:
        db.session.execute(delete(DeskSession).where(where))
        db.session.commit()


def end_all(user_id: int) -> int:
    """End every session of a user, committed with the change that calls for it; return how many."""
    result = db.session.execute(delete(DeskSession).where(DeskSession.user_id == user_id))
    return int(getattr(result, "rowcount", 0) or 0)
