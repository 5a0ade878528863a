"""Reply subscriptions: subscribing with a comment, double opt-in, stopping all mail or one thread, an author's data.

A reader who posts with ``notify: true`` subscribes their address to the
replies to that comment. The address gets nothing until its owner confirms
from the link mailed to it (one confirmation mail an hour at most); once
confirmed, later subscriptions of the same address are active at once. An
address that stopped all mail (or bounced: an SMTP server refused it for good,
or ``flask notifications bounced``) is not subscribed again by anyone
typing it: only its owner, from a link of ours, lifts that. Pages that open
from links only look (:func:`look`); their forms change state.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select, update

from . import mail, mail_links, reply_mail
from .database import insert_ignore
from .errors import ApiError
from .extensions import db
from .jobs import Job, JobState
from .mail_models import MailAddress, Subscription
from .models import Post
from .times import aware, utcnow

CONFIRM_EVERY = timedelta(hours=1)
CONFIRM, ACTIVE = "confirm", "active"


def mail_enabled() -> bool:
    """Tell whether the service can send mail at all (SMTP_URL set)."""
    return mail.enabled()


def _address_for_update(email: str) -> MailAddress:
    # Made if new (never two rows for one address, whatever runs at once), then locked: one confirmation mail an hour.
    insert_ignore(MailAddress.__table__, [{"email": email, "created_at": utcnow()}])
    return db.session.execute(
        select(MailAddress).where(MailAddress.email == email).with_for_update()
    ).scalar_one()


def subscribe(comment_id: int, post: Any, email: str, reader_hash: str | None, *, send: bool = True) -> str | None:
    """Subscribe ``email`` to the replies to comment ``comment_id``, in the caller's transaction.

    Returns ``"active"`` (the address is confirmed), ``"confirm"`` (a
    confirmation mail is queued, or one was within the hour) or None (no mail
    can go to this address: mail or PUBLIC_URL is not set, or its owner
    stopped it, or it bounced). ``send`` False stores the subscription without mailing (a
    comment held as spam: a bot learns nothing, and a victim's address gets
    no mail from it).
    """
    if not mail_enabled() or not mail_links.base_url():
        return None
    address = _address_for_update(email)
    if address.suppressed:
        return None
    db.session.add(Subscription(address_id=address.id, comment_id=comment_id, post_id=post.id,
                                reader_hash=reader_hash))
    if address.active:
        return ACTIVE
    now = utcnow()
    if send and (address.confirm_sent_at is None or now - aware(address.confirm_sent_at) >= CONFIRM_EVERY):
        address.confirm_sent_at = now
        db.session.flush()
        reply_mail.queue_confirmation(address, post.id)
    return CONFIRM


class LinkNotValid(ApiError):
    """A link that is not one of ours, has expired, or whose address or subscription is gone."""

    def __init__(self) -> None:
        super().__init__(404, "link_not_valid", "This link is not valid: it may be incomplete, expired, "
                         "or for a subscription that no longer exists.")


@dataclass
class Found:
    """What a link names, as its page shows it."""

    kind: str
    address: MailAddress
    subscription: Subscription | None = None
    post: Post | None = None


def _find(kind: str, token: str, lock: bool) -> Found:
    link = mail_links.read(kind, token)
    if link is None:
        raise LinkNotValid()
    if kind == "thread":
        subscription = db.session.get(Subscription, link.row_id, with_for_update=lock)
        if subscription is None or not mail_links.matches(link, subscription.address.email):
            raise LinkNotValid()
        return Found(kind, subscription.address, subscription, db.session.get(Post, subscription.post_id))
    address = db.session.get(MailAddress, link.row_id, with_for_update=lock)
    if address is None or not mail_links.matches(link, address.email):
        raise LinkNotValid()
    return Found(kind, address)


def look(kind: str, token: str) -> Found:
    """Return what a link names, changing nothing (what a GET shows; mail scanners open links)."""
    return _find(kind, token, lock=False)


def open_posts(address: MailAddress, limit: int = 5) -> list[str]:
    """Return the titles of the posts whose threads an address follows (what its confirmation page names)."""
    rows = db.session.execute(
        select(Post.title, Post.slug).join(Subscription, Subscription.post_id == Post.id)
        .where(Subscription.address_id == address.id, Subscription.ended_at.is_(None))
        .group_by(Post.id, Post.title, Post.slug).order_by(Post.id).limit(limit)
    )
    return [title or slug for title, slug in rows]


def confirm(token: str) -> Found:
    """Confirm an address from its confirmation link: its subscriptions go live; commit."""
    found = _find("confirm", token, lock=True)
    _allow(found.address)
    db.session.commit()
    return found


def resume(token: str) -> Found:
    """Let mail go to an address again, from a stop link (its owner changed their mind); commit.

    Threads stopped before stay stopped: the next comment with ``notify`` is active at once.
    """
    found = _find("all", token, lock=True)
    _allow(found.address)
    db.session.commit()
    return found


def _allow(address: MailAddress) -> None:
    # The link was mailed to this address: opening it proves the address takes mail, and wants it.
    address.confirmed_at = address.confirmed_at or utcnow()
    address.unsubscribed_at = None
    address.bounced_at = None


def stop_all(token: str) -> Found:
    """Stop every mail to an address (RFC 8058 one-click, or the page's button); commit. Idempotent."""
    found = _find("all", token, lock=True)
    now = utcnow()
    if found.address.unsubscribed_at is None:
        found.address.unsubscribed_at = now
    db.session.execute(
        update(Subscription)
        .where(Subscription.address_id == found.address.id, Subscription.ended_at.is_(None))
        .values(ended_at=now)
    )
    _drop_waiting_mail(found.address.email)
    db.session.commit()
    return found


def stop_thread(token: str) -> Found:
    """Stop the mails of one subscription; commit. Idempotent."""
    found = _find("thread", token, lock=True)
    assert found.subscription is not None
    if found.subscription.ended_at is None:
        found.subscription.ended_at = utcnow()
    db.session.commit()
    return found


def mark_bounced(email: str) -> bool:
    """Record that an address does not take mail (a bounce); drop the mails waiting for it; commit.

    Return whether the address is known (one that only moderators' mail goes to is not).
    """
    address = db.session.scalar(select(MailAddress).where(MailAddress.email == email).with_for_update())
    if address is None:
        db.session.rollback()
        return False
    address.bounced_at = address.bounced_at or utcnow()
    _drop_waiting_mail(email)
    db.session.commit()
    return True


def _on_bounced(sender: Any, addresses: list[str]) -> None:
    # Told by the mail job of addresses an SMTP server refused for good (5xx): nothing more goes to them.
    for email in addresses:
        mark_bounced(email.strip().lower())


mail.bounced.connect(_on_bounced)


def of_address(email: str) -> dict[str, Any] | None:
    """Return what is stored about an address's mail: its state and its subscriptions (an author's export)."""
    address = db.session.scalar(select(MailAddress).where(MailAddress.email == email))
    if address is None:
        return None
    rows = db.session.execute(
        select(Subscription, Post.slug)
        .join(Post, Post.id == Subscription.post_id)
        .where(Subscription.address_id == address.id)
        .order_by(Subscription.id)
    ).all()
    return {
        "created_at": address.created_at, "confirmed_at": address.confirmed_at,
        "unsubscribed_at": address.unsubscribed_at, "bounced_at": address.bounced_at,
        "subscriptions": [{"comment_id": s.comment_id, "post": slug, "created_at": s.created_at,
                           "ended_at": s.ended_at, "notified_at": s.notified_at} for s, slug in rows],
    }


def erase_address(email: str) -> int:
    """Delete an address with its subscriptions, in the caller's transaction; return how many subscriptions went."""
    address_id = db.session.scalar(select(MailAddress.id).where(MailAddress.email == email))
    if address_id is None:
        return 0
    count = len(db.session.scalars(select(Subscription.id).where(Subscription.address_id == address_id)).all())
    db.session.execute(delete(MailAddress).where(MailAddress.id == address_id))
    _drop_waiting_mail(email)
    return count


def _drop_waiting_mail(email: str) -> None:
    # Mails already made for the address (a confirmation, a notice) wait as jobs; one being sent right now goes.
    waiting = select(Job).where(Job.kind == mail.KIND, Job.state != JobState.RUNNING)
    for job in db.session.scalars(waiting):
        if email in (job.payload or {}).get("to", []):
            db.session.delete(job)
