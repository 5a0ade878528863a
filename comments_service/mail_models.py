"""Tables of reply notifications: mail addresses and their opt-in state, subscriptions, mails already sent.

An address is stored once, normalized (trimmed, lower-cased, as comments
store it), so that an author's export and erase find it. Its state is what
every mail checks just before it is made: ``confirmed_at`` (double opt-in),
``unsubscribed_at`` (every mail stopped), ``bounced_at`` (the address does
not take mail). A subscription is one address watching the replies to one
comment; ``ended_at`` stops that thread only. No link token is stored: links
carry tokens signed with ``SECRET_KEY`` (see :mod:`comments_service.mail_links`).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db
from .models import Post, TZDateTime
from .times import utcnow


class MailAddress(db.Model):
    __tablename__ = "mail_addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    # When the last confirmation mail was queued: at most one an hour.
    confirm_sent_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    bounced_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    subscriptions: Mapped[list[Subscription]] = relationship(
        back_populates="address", order_by="Subscription.id", passive_deletes=True
    )

    @property
    def active(self) -> bool:
        """Tell whether this address may be sent notifications now."""
        return self.confirmed_at is not None and self.unsubscribed_at is None and self.bounced_at is None

    @property
    def suppressed(self) -> bool:
        """Tell whether this address asked for no mail at all, or cannot take any."""
        return self.unsubscribed_at is not None or self.bounced_at is not None


class Subscription(db.Model):
    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    address_id: Mapped[int] = mapped_column(ForeignKey("mail_addresses.id", ondelete="CASCADE"), index=True)
    # The subscriber's own comment: its replies are what the subscriber hears of.
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    # The keyed hash of the reader token that subscribed: that reader's own replies send nothing.
    reader_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    # When the last notification of this thread was queued: replies within NOTIFY_GROUP_SECONDS wait and go together.
    notified_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    address: Mapped[MailAddress] = relationship(lazy="joined", innerjoin=True, back_populates="subscriptions")
    post: Mapped[Post] = relationship()

    __table_args__ = (UniqueConstraint("address_id", "comment_id", name="uq_subscriptions_address_comment"),)


class SubscriptionNotice(db.Model):
    """A reply a subscriber has been mailed about: never twice, even if it is approved again."""

    __tablename__ = "subscription_notices"

    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="CASCADE"), primary_key=True
    )
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    __table_args__ = (Index("ix_subscription_notices_comment", "comment_id"),)
