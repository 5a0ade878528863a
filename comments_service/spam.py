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
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import exists, or_, select

from . import bans
from .errors import ApiError
from .extensions import db
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


def refuse_duplicate(body_source: str, email: str | None, reader_hash: str | None, ip_hash: str | None) -> None:
    """Raise 409 if the same author posted the same text within the duplicate window."""
    window = current_app.config["DUPLICATE_WINDOW_SECONDS"]
    marks = [
        column == value
        for column, value in ((Comment.reader_hash, reader_hash), (Comment.ip_hash, ip_hash), (Comment.email, email))
        if value
    ]
    if window <= 0 or not marks:
        return
    since = datetime.now(timezone.utc) - timedelta(seconds=window)
    query = select(exists().where(Comment.body_source == body_source, Comment.created_at >= since, or_(*marks)))
    if db.session.scalar(query):
        raise ApiError(409, "duplicate_comment", "You already posted this text a moment ago.")


def _known_author(email: str | None) -> bool:
    if not email or not current_app.config["AUTO_APPROVE_KNOWN_AUTHORS"]:
        return False
    query = select(exists().where(Comment.email == email, Comment.status == CommentStatus.APPROVED))
    return bool(db.session.scalar(query))


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
    reader_hash: str | None,
    ip_hash: str | None,
) -> Verdict:
    """Run every check on a new comment and return its starting status; 409 for a repeat."""
    refuse_duplicate(body_source, email, reader_hash, ip_hash)
    reasons = []
    if bans.find_ban(email, reader_hash, ip_hash) is not None:
        reasons.append("banned")
    if honeypot and honeypot.strip():
        reasons.append("honeypot")
    reasons += reasons_for_text(body_html, body_source, author, email, website)
    trusted = not reasons and (current_app.config["MODERATION"] == "post" or _known_author(email))
    return Verdict(status_for(reasons, trusted), reasons)
