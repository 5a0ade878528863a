"""Logins for the moderation page: moderators and admins with a username and a password.

Passwords are kept only as werkzeug's salted scrypt hashes. Removing a user
or changing a password ends every desk session of that user, on every
process (desk_sessions.py).
"""
from __future__ import annotations

import re

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from . import desk_sessions
from .credentials import LOGIN_ROLES, User
from .errors import ApiError, invalid
from .extensions import db
from .models import NAME_MAX, Role

USERNAME_RE = re.compile(rf"[A-Za-z0-9_.@-]{{1,{NAME_MAX}}}")
MIN_PASSWORD = 10
# Checked against when the username is unknown, so that both answers take as long.
_DUMMY_HASH = generate_password_hash("not a password of anyone")


def create_user(username: str, password: str, role: Role) -> User:
    """Create a login for the moderation page; 422 for a weak password, 409 for a taken name."""
    if not USERNAME_RE.fullmatch(username):
        raise invalid("username", f"1-{NAME_MAX} letters, digits or . _ @ -")
    if role not in LOGIN_ROLES:
        raise invalid("role", "A login is for a moderator or an admin.")
    _check_password(password)
    if db.session.scalar(select(User).where(User.username == username)) is not None:
        raise ApiError(409, "username_taken", f"There is already a user named {username!r}.")
    user = User(username=username, password_hash=generate_password_hash(password), role=role)
    db.session.add(user)
    db.session.commit()
    return user


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise invalid("password", f"Use at least {MIN_PASSWORD} characters.")


def _named(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise ApiError(404, "not_found", f"No user named {username!r}.")
    return user


def list_users() -> list[User]:
    """Return every login, oldest first."""
    return list(db.session.scalars(select(User).order_by(User.id)))


def remove_user(username: str) -> int:
    """Delete a login and end its desk sessions; return how many sessions ended."""
    user = _named(username)
    ended = desk_sessions.end_all(user.id)
    db.session.delete(user)
    db.session.commit()
    return ended


def set_password(username: str, password: str) -> int:
    """Give a login a new password and end its desk sessions; return how many sessions ended."""
    _check_password(password)
    user = _named(username)
    user.password_hash = generate_password_hash(password)
    ended = desk_sessions.end_all(user.id)
    db.session.commit()
    return ended


def check_login(username: str, password: str) -> User | None:
    """Return the user if the password is right, else None (same work either way)."""
    user = db.session.scalar(select(User).where(User.username == username)) if username else None
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if user.role not in LOGIN_ROLES or not check_password_hash(user.password_hash, password):
        return None
    return user
