"""Reader sessions: opaque random tokens sent as X-Reader-Session, stored hashed, ended by sign-out or expiry.

The widget keeps the token in the blog page's own storage and sends it as a
header: no cookie of the comment service is needed, so browsers that block
third-party cookies change nothing. A request's session is looked up once
(remembered on ``g``); a token that is unknown, ended or expired is a 401, so
that the widget forgets it and goes on anonymously.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from flask import current_app, g, has_request_context, request
from sqlalchemy import delete, select

from .account_models import ReaderAccount, ReaderSession
from .errors import ApiError
from .extensions import db
from .times import utcnow

HEADER = "X-Reader-Session"
PREFIX = "rs_"
TOKEN_MAX = 100
_UNSET = object()


def token_hash(token: str) -> str:
    """Return the stored form of a session token (or of any 256-bit random token)."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(prefix: str = PREFIX) -> str:
    """Return a fresh random token of 256 bits."""
    return prefix + secrets.token_urlsafe(32)


def start(account: ReaderAccount, method: str) -> str:
    """Start a session for ``account`` in the caller's transaction; return its token (the only time it is seen)."""
    token = new_token()
    db.session.execute(delete(ReaderSession).where(ReaderSession.expires_at <= utcnow()))  # expired ones go
    lifetime = timedelta(days=current_app.config["READER_SESSION_DAYS"])
    db.session.add(ReaderSession(token_hash=token_hash(token), account_id=account.id, method=method,
                                 expires_at=utcnow() + lifetime))
    return token


def invalid() -> ApiError:
    """Build the 401 for a session token that does not hold."""
    return ApiError(401, "session_invalid", "This sign-in has ended or expired; sign in again.",
                    headers={"WWW-Authenticate": 'Bearer realm="readers"'})


def _lookup(token: str) -> ReaderAccount:
    if not token.startswith(PREFIX) or len(token) > TOKEN_MAX:
        raise invalid()
    row = db.session.execute(
        select(ReaderAccount, ReaderSession.id)
        .join(ReaderSession, ReaderSession.account_id == ReaderAccount.id)
        .where(ReaderSession.token_hash == token_hash(token), ReaderSession.expires_at > utcnow())
    ).first()
    if row is None:
        raise invalid()
    return row[0]


def current(required: bool = False) -> Any:
    """Return the account of the request's X-Reader-Session (None without one); 401 for one that does not hold."""
    if not has_request_context():
        return None
    found = g.get("reader_account", _UNSET)
    if found is _UNSET:
        token = request.headers.get(HEADER) or ""
        found = _lookup(token) if token else None
        g.reader_account = found
    if found is None and required:
        raise ApiError(401, "sign_in_required", "Sign in first (send X-Reader-Session).")
    return found


def end(token: str | None) -> None:
    """End the request's session on the server (sign-out): the token is refused from now on."""
    if not token:
        raise ApiError(401, "sign_in_required", "Send the X-Reader-Session to end.")
    result = db.session.execute(delete(ReaderSession).where(ReaderSession.token_hash == token_hash(token)))
    db.session.commit()
    if not result.rowcount:
        raise invalid()


def active_sessions(account_id: int) -> list[ReaderSession]:
    """Return an account's sessions still in force, oldest first (the export lists them; never their tokens)."""
    query = select(ReaderSession).where(ReaderSession.account_id == account_id,
                                        ReaderSession.expires_at > utcnow()).order_by(ReaderSession.id)
    return list(db.session.scalars(query))
