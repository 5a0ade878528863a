"""Tables of who may act: API tokens, desk logins, and the desk's server-side sessions."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import db
from .models import NAME_MAX, Role, TZDateTime, stored_enum
from .times import utcnow

# Who may log in to the moderation desk.
LOGIN_ROLES = (Role.MODERATOR, Role.ADMIN)


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    role: Mapped[Role] = mapped_column(stored_enum(Role, "token_role"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(TZDateTime)


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(NAME_MAX), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[Role] = mapped_column(stored_enum(Role, "user_role"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)


class DeskSession(db.Model):
    """A login to the moderation desk; the cookie carries its id, the row decides whether it still holds."""

    __tablename__ = "desk_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # SHA-256 of the random id in the cookie: the id itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    # Set at login and never moved: re-signing the cookie does not extend a session.
    expires_at: Mapped[datetime] = mapped_column(TZDateTime, index=True)
