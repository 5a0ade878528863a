"""Trusted commenters: a verified author with enough approved comments is published at once (TRUST_AFTER_APPROVED).

Read with a new comment's post, in the same statement (``spam.LOOKUPS``), so
that trusting costs no round trip. Trust only lifts pre-moderation: the spam
checks still run, and any reason they give (a ban above all) holds the
comment as before.
"""
from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import and_, bindparam, exists, func, literal, select

from .mail_models import MailAddress, Subscription
from .models import Comment, CommentStatus

# "Enough approved comments": counted up to the number needed, never further.
_APPROVED = (
    select(literal(1).label("one"))
    .where(Comment.email == bindparam("trust_email"), Comment.status == CommentStatus.APPROVED)
    .limit(bindparam("trust_needed"))
    .subquery("approved_before")
)
# A confirmed address, subscribed with from the reader token this comment comes with.
_CONFIRMED_EMAIL = exists().where(
    MailAddress.email == bindparam("trust_email"), MailAddress.confirmed_at.is_not(None),
    Subscription.address_id == MailAddress.id, Subscription.reader_hash == bindparam("trust_reader"),
)
TRUSTED = and_(
    select(func.count()).select_from(_APPROVED).scalar_subquery() >= bindparam("trust_needed"), _CONFIRMED_EMAIL,
).label("trusted")


def trust_lookup(email: str | None, reader_hash: str | None) -> dict[str, Any] | None:
    """The one rule of trusted commenters: the parameters of :data:`TRUSTED` for a new comment, or None.

    An author is trusted after ``TRUST_AFTER_APPROVED`` approved comments
    (0, the default: nobody is) under a verified identity, and only a verified
    one counts: today a confirmed e-mail address, that is an address whose
    owner opened the confirmation link of a reply subscription
    (``mail_addresses.confirmed_at``), and that the comment's reader token
    subscribed with, so that typing someone else's address proves nothing.
    The approved comments counted are those with that address. Reader accounts
    (a signed-in reader is verified too) will extend this function, and only
    this one: every path that asks whether an author is trusted comes here.
    Trust never outweighs a spam check: ``spam.screen`` approves a trusted
    author's comment only when no check gave a reason, so a banned author is
    never published at once.
    """
    needed = current_app.config["TRUST_AFTER_APPROVED"]
    if needed <= 0 or current_app.config["MODERATION"] == "post" or not email or not reader_hash:
        return None
    return {"trust_email": email, "trust_reader": reader_hash, "trust_needed": needed}
