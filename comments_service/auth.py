"""Credentials and keyed hashes: API tokens with roles, reader tokens, IPs, avatars.

Only hashes are stored. API tokens are 256-bit random strings, so a plain
SHA-256 is enough to look them up without keeping them; reader tokens, IPs
and e-mails are low-entropy, so they get an HMAC keyed with ``SECRET_KEY``
that cannot be reversed by guessing without the key.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, g, request
from sqlalchemy import select

from . import reader_sessions
from .credentials import ApiToken
from .errors import ApiError, invalid
from .extensions import db
from .models import NAME_MAX, Role

F = TypeVar("F", bound=Callable[..., Any])

READER_TOKEN_HEADER = "X-Reader-Token"
READER_TOKEN_MIN, READER_TOKEN_MAX = 16, 128


def keyed_hash(kind: str, value: str) -> str:
    """Return the HMAC-SHA256 of ``value`` keyed with SECRET_KEY, in hex."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def ip_hash(address: str | None) -> str | None:
    """Hash a client address for bans and limits."""
    return keyed_hash("ip", address) if address else None


def avatar_hash(author: str, email: str | None = None, reader_hash: str | None = None) -> str:
    """Return a new comment's identicon seed: shared only by comments from one reader token, never from an e-mail alone.

    Anyone can type anyone's e-mail, so an address counts only together with
    the hash of the reader token (the random token the widget keeps in the
    reader's browser): the same address from another browser gets another
    identicon. Without a reader token the seed is the name, as public as the
    name itself. Keyed, so it cannot be turned back into the e-mail.
    """
    if reader_hash:
        basis = f"reader:{reader_hash}:{(email or '').strip().lower()}"
    else:
        basis = "name:" + author.strip().lower()
    return keyed_hash("avatar", basis)[:32]


def imported_avatar_hash(author: str, email: str | None, reader_hash: str | None) -> str:
    """Return an imported comment's identicon seed: a new comment's, or from the source's e-mail without a reader token.

    The e-mail seed ("email:...") is one no new comment can produce, so an
    imported author's identicon cannot be taken by typing their address.
    """
    if reader_hash or not email:
        return avatar_hash(author, email, reader_hash)
    return keyed_hash("avatar", "email:" + email.strip().lower())[:32]


def account_hash(account_id: int) -> str:
    """Return the reader mark of a signed-in account: the same in every browser it signs in from."""
    return keyed_hash("account", str(account_id))


def reader_hash(required: bool = False) -> str | None:
    """Hash the request's reader: its signed-in account (X-Reader-Session), else its ``X-Reader-Token``.

    400 when a reader is required and neither is sent, or the token is
    malformed; 401 for a session that has ended. Likes and reports counted by
    this mark follow an account across browsers.
    """
    account = reader_sessions.current()
    if account is not None:
        return account_hash(account.id)
    token = request.headers.get(READER_TOKEN_HEADER)
    if token is None or token == "":
        if required:
            raise ApiError(400, "reader_token_required", "Send an X-Reader-Token header.")
        return None
    if not (READER_TOKEN_MIN <= len(token) <= READER_TOKEN_MAX) or not token.isprintable():
        raise ApiError(
            400, "invalid_reader_token", "X-Reader-Token must be 16-128 printable characters."
        )
    # The same readers come back page after page: their hashes are remembered (per key).
    memo = (current_app.config["SECRET_KEY"], token)
    found = _READER_HASHES.get(memo)
    if found is None:
        found = keyed_hash("reader", token)
        if len(_READER_HASHES) >= READER_MEMO_SIZE:
            _READER_HASHES.clear()
        _READER_HASHES[memo] = found
    return found


READER_MEMO_SIZE = 4096
_READER_HASHES: dict[tuple[str, str], str] = {}


def hash_api_token(token: str) -> str:
    """Hash an API token for storage and lookup."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(name: str, role: Role) -> str:
    """Create and store a token; return it (the only time it is seen). 422 for a name that does not fit."""
    name = name.strip()
    # The name is who acts in bans and the audit log ("token:<name>"): bounded so that it always fits.
    if not (1 <= len(name) <= NAME_MAX) or not name.isprintable():
        raise invalid("name", f"A token's name is 1-{NAME_MAX} printable characters.")
    token = "cs_" + secrets.token_urlsafe(32)
    db.session.add(ApiToken(name=name, role=role, token_hash=hash_api_token(token)))
    db.session.commit()
    return token


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def authenticate(*roles: Role) -> ApiToken:
    """Return the request's API token if it carries one of ``roles``; else 401 or 403."""
    challenge = {"WWW-Authenticate": 'Bearer realm="comments"'}
    token = _bearer_token()
    if token is None:
        raise ApiError(401, "unauthorized", "Send Authorization: Bearer <token>.", headers=challenge)
    row = db.session.scalar(
        select(ApiToken).where(
            ApiToken.token_hash == hash_api_token(token), ApiToken.revoked_at.is_(None)
        )
    )
    if row is None:
        raise ApiError(401, "unauthorized", "This token is not valid.", headers=challenge)
    if row.role not in roles and row.role != Role.ADMIN:
        raise ApiError(403, "forbidden", f"A {row.role.value} token may not do this.")
    g.actor = f"token:{row.name}"
    return row


def require_role(*roles: Role) -> Callable[[F], F]:
    """Guard a view: only tokens with one of ``roles`` (or admin) pass."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            authenticate(*roles)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


def actor() -> str:
    """Name who acts in this request, for the audit log."""
    return getattr(g, "actor", "system")
