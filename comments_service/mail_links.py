"""Links in notification mails: tokens signed with SECRET_KEY, and the absolute URLs they are part of.

A token names one row (an address, or one subscription) and what it may do
(``confirm``, ``all``: stop every mail, ``thread``: stop one thread), each
with its own salt, so that one kind of link never works as another. It also
carries a keyed hash of the address: a row whose address changed, or a row
id that came back for another address, does not match. Nothing is stored: a
leaked table holds no working link, and a link dies with its row (an
author's erase). A confirmation link expires after a week; stop links never
do, as RFC 8058 expects of ``List-Unsubscribe``.
"""
from __future__ import annotations

import hmac
from typing import NamedTuple
from urllib.parse import quote

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from . import auth

KINDS = ("confirm", "all", "thread")
CONFIRM_MAX_AGE = 7 * 24 * 3600
TOKEN_MAX_LENGTH = 400
# The pages each kind of link opens (web/notify.py serves them at these paths).
PATHS = {
    "confirm": "/notifications/confirm/<token>",
    "all": "/notifications/unsubscribe/<token>",
    "thread": "/notifications/stop-thread/<token>",
    # A mailed sign-in link (mail_sign_in.py): a random token kept hashed in a table, not a signed one.
    "sign-in": "/accounts/mail/<token>",
}


class Link(NamedTuple):
    """What a valid token names: its kind, a row id, and the keyed hash of the address it was made for."""

    kind: str
    row_id: int
    fingerprint: str


def _serializer(kind: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"mail-link:{kind}")


def fingerprint(email: str) -> str:
    """Return the keyed hash of an address that a token carries."""
    return auth.keyed_hash("mail-link", email)[:20]


def sign(kind: str, row_id: int, email: str) -> str:
    """Return the token of a ``kind`` link to row ``row_id`` for ``email``."""
    assert kind in KINDS
    return _serializer(kind).dumps([row_id, fingerprint(email)])


def read(kind: str, token: str) -> Link | None:
    """Return what a ``kind`` token names, or None if it is not one we signed (or has expired)."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    try:
        value = _serializer(kind).loads(token, max_age=CONFIRM_MAX_AGE if kind == "confirm" else None)
    except BadSignature:  # SignatureExpired is one too
        return None
    if (not isinstance(value, list) or len(value) != 2 or not isinstance(value[0], int)
            or isinstance(value[0], bool) or not isinstance(value[1], str)):
        return None
    return Link(kind, value[0], value[1])


def matches(link: Link, email: str) -> bool:
    """Tell whether a token was made for this address."""
    return hmac.compare_digest(link.fingerprint, fingerprint(email))


def base_url() -> str:
    """Return PUBLIC_URL, where the service is reachable ('' when unset: then no mail with links is made).

    Never the request's own Host: whoever sends a comment chooses that, and a
    mail to someone else must not carry links to the sender's site.
    """
    return (current_app.config.get("PUBLIC_URL") or "").rstrip("/")


def url(kind: str, token: str, base: str | None = None) -> str:
    """Return the absolute URL of a ``kind`` link's page, from ``base`` (default :func:`base_url`)."""
    return (base if base is not None else base_url()) + PATHS[kind].replace("<token>", quote(token, safe=""))
