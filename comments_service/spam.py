"""Spam checks on what a reader writes, and the status a new comment starts in.

Each check that fires leaves a reason on the comment (``Comment.spam_reasons``)
for the moderation page:

- ``banned``: the author is banned (e-mail, reader token or address)  -> spam
- ``honeypot``: the hidden ``website_confirm`` field of the widget form was filled  -> spam
- ``blocked_word:<word>``: a word of ``BLOCKED_WORDS`` is in the text, name,
  e-mail or website  -> spam
- ``too_many_links``: more links than ``MAX_LINKS``  -> pending, even under
  post-moderation

Spam is stored, never published, and the poster gets the same answer as for a
comment waiting for moderation: a bot learns nothing from it. The same text
from the same author (reader token, address or e-mail) again within
``DUPLICATE_WINDOW_SECONDS`` is refused with 409 and not stored.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from flask import current_app
from sqlalchemy import bindparam, exists, or_

from . import bans, trust
from .errors import ApiError
from .models import Comment, CommentStatus

HONEYPOT_FIELD = "website_confirm"
SPAM_REASONS = ("banned", "honeypot", "blocked_word")
TEXT_REASONS = ("blocked_word", "too_many_links")
_LINK = re.compile(r"<a\s", re.IGNORECASE)


@dataclass
class Verdict:
    """The status a comment starts in and the reasons the checks gave."""

    status: CommentStatus
    reasons: list[str] = field(default_factory=list)


def count_links(body_html: str) -> int:
    """Count the links in sanitized HTML (typed or linkified)."""
    return len(_LINK.findall(body_html))


def blocked_word(*texts: str | None) -> str | None:
    """Return the first word of BLOCKED_WORDS found as a whole word in ``texts``, or None."""
    haystack = "\n".join(t for t in texts if t)
    for word in current_app.config["BLOCKED_WORDS"]:
        if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", haystack, re.IGNORECASE):
            return word.lower()
    return None


# What screening asks of the database, as columns of the statement that reads
# the comment's post: a new comment's checks cost no round trip of their own.
# A mark the author lacks is NULL, which equals no value.
_DUPLICATE = exists().where(
    Comment.body_source == bindparam("dup_body"),
    Comment.created_at >= bindparam("dup_since"),
    or_(Comment.reader_hash == bindparam("dup_reader"), Comment.ip_hash == bindparam("dup_ip"),
        Comment.email == bindparam("dup_email")),
).label("duplicate")
# Known: an approved comment with this e-mail from this reader token. The token is
# the proof (the e-mail alone is only typed; anyone can type anyone's).
_KNOWN_AUTHOR = exists().where(
    Comment.email == bindparam("known_email"), Comment.reader_hash == bindparam("known_reader"),
    Comment.status == CommentStatus.APPROVED,
).label("known_author")


# The columns lookups names, by name.
LOOKUPS: dict[str, Any] = {"banned": bans.BANNED, "duplicate": _DUPLICATE, "known_author": _KNOWN_AUTHOR,
                           "trusted": trust.TRUSTED}


def lookups(
    body_source: str, email: str | None, reader_hash: str | None, ip_hash: str | None
) -> tuple[tuple[str, ...], dict[str, Any]]:
    """Name the columns of :data:`LOOKUPS` that :func:`screen` needs read for a new comment, with their parameters.

    ``banned``: a ban in force on the e-mail, reader token or address;
    ``duplicate`` (when the window is on): the same text from the same author
    within DUPLICATE_WINDOW_SECONDS; ``known_author`` (when pre-moderation
    approves known authors): an approved comment with this e-mail from this
    reader token; ``trusted`` (TRUST_AFTER_APPROVED): see ``trust.trust_lookup``.
    """
    columns: list[str] = ["banned"]
    params = bans.banned_params(email, reader_hash, ip_hash)
    window = current_app.config["DUPLICATE_WINDOW_SECONDS"]
    if window > 0 and (reader_hash or ip_hash or email):
        columns.append("duplicate")
        params.update(
            dup_body=body_source, dup_since=datetime.now(timezone.utc) - timedelta(seconds=window),
            dup_reader=reader_hash or None, dup_ip=ip_hash or None, dup_email=email or None,
        )
    known = current_app.config["AUTO_APPROVE_KNOWN_AUTHORS"] and current_app.config["MODERATION"] != "post"
    if known and email and reader_hash:
        columns.append("known_author")
        params.update(known_email=email, known_reader=reader_hash)
    if (trusting := trust.trust_lookup(email, reader_hash)) is not None:
        columns.append("trusted")
        params.update(trusting)
    return tuple(columns), params


def is_text_reason(reason: str) -> bool:
    """Tell whether a reason comes from the text (and is checked again after an edit)."""
    return reason.split(":", 1)[0] in TEXT_REASONS


def reasons_for_text(body_html: str, *texts: str | None) -> list[str]:
    """Return the reasons the text checks give (blocked words, links)."""
    reasons = []
    word = blocked_word(*texts)
    if word:
        reasons.append(f"blocked_word:{word}")
    if count_links(body_html) > current_app.config["MAX_LINKS"]:
        reasons.append("too_many_links")
    return reasons


def status_for(reasons: list[str], approved_otherwise: bool) -> CommentStatus:
    """Return the status that ``reasons`` call for; approved only when nothing holds it back."""
    if any(reason.split(":", 1)[0] in SPAM_REASONS for reason in reasons):
        return CommentStatus.SPAM
    if reasons:
        return CommentStatus.PENDING
    return CommentStatus.APPROVED if approved_otherwise else CommentStatus.PENDING


def screen(
    *,
    author: str,
    email: str | None,
    website: str | None,
    body_source: str,
    body_html: str,
    honeypot: str | None,
    found: Mapping[str, Any],
) -> Verdict:
    """Run every check on a new comment and return its starting status; 409 for a repeat.

    ``found`` holds what the columns of :func:`lookups` read.
    """
    if found.get("duplicate"):
        raise ApiError(409, "duplicate_comment", "You already posted this text a moment ago.")
    reasons = []
    if found.get("banned"):
        reasons.append("banned")
    if honeypot and honeypot.strip():
        reasons.append("honeypot")
    reasons += reasons_for_text(body_html, body_source, author, email, website)
    trusted = not reasons and (current_app.config["MODERATION"] == "post" or bool(found.get("known_author"))
                               or bool(found.get("trusted")))
    return Verdict(status_for(reasons, trusted), reasons)
