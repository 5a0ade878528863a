"""Logins for the moderation page: moderators and admins with a username and a password.

Passwords are kept only as werkzeug's salted scrypt hashes. A session
remembers the user and a stamp derived from the password hash, so that a
changed password or a removed user ends every session at once.
"""
from __future__ import annotations

import re

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from . import auth
from .credentials import User
from .errors import ApiError, invalid
from .extensions import db
from .models import NAME_MAX, Role

USERNAME_RE = re.compile(rf"[A-Za-z0-9_.@-]{{1,{NAME_MAX}}}")
MIN_PASSWORD = 10
LOGIN_ROLES = (Role.MODERATOR, Role.ADMIN)
# Checked against when the username is unknown, so that both answers take as long.
_DUMMY_HASH = generate_password_hash("not a password of anyone")


def create_user(username: str, password: str, role: Role) -> User:
    """Create a login for the moderation page; 422 for a weak password, 409 for a taken name."""
    if not USERNAME_RE.fullmatch(username):
        raise invalid("username", f"1-{NAME_MAX} letters, digits or . _ @ -")
    if role not in LOGIN_ROLES:
        raise invalid("role", "A login is for a moderator or an admin.")
    if len(password) < MIN_PASSWORD:
        raise invalid("password", f"Use at least {MIN_PASSWORD} characters.")
    if db.session.scalar(select(User).where(User.username == username)) is not None:
        raise ApiError(409, "username_taken", f"There is already a user named {username!r}.")
    user = User(username=username, password_hash=generate_password_hash(password), role=role)
    db.session.add(user)
    db.session.commit()
    return user


def list_users() -> list[User]:
    """Return every login, oldest first."""
    return list(db.session.scalars(select(User).order_by(User.id)))


def remove_user(username: str) -> None:
    """Delete a login; its sessions end with it."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise ApiError(404, "not_found", f"No user named {username!r}.")
    db.session.delete(user)
    db.session.commit()


def check_login(username: str, password: str) -> User | None:
    """Return the user if the password is right, else None (same work either way)."""
    user = db.session.scalar(select(User).where(User.username == username)) if username else None
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if user.role not in LOGIN_ROLES or not check_password_hash(user.password_hash, password):
        return None
    return user


def session_stamp(user: User) -> str:
    """Return a value that changes whenever the user's password does."""
    return auth.keyed_hash("session", f"{user.id}:{user.password_hash}")[:32]


def user_for_session(user_id: object, stamp: object) -> User | None:
    """Return the user a session cookie names, if the user and the stamp still hold."""
    if not isinstance(user_id, int) or not isinstance(stamp, str):
        return None
    user = db.session.get(User, user_id)
    if user is None or user.role not in LOGIN_ROLES or session_stamp(user) != stamp:
        return None
    return user
