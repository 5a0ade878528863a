"""Tables of reader accounts: accounts, their sign-in identities, sessions, pending OIDC sign-ins and mailed links.

Nothing secret is stored as it was given out: a session token, an OIDC
``state`` and a mailed link's token are kept as their SHA-256 (each is 256
random bits, so a plain hash is enough to look them up and useless to a
reader of the table).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db
from .models import NAME_MAX, TZDateTime
from .times import utcnow


class ReaderAccount(db.Model):
    """A reader who signed in once: the name their comments carry, and their confirmed address if any."""

    __tablename__ = "reader_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    # Only an address the sign-in proved (a mailed link, the blog's login, a provider's email_verified).
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    # Reply mails for every comment the account writes (to its confirmed address).
    notify_replies: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    last_sign_in_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    identities: Mapped[list[ReaderIdentity]] = relationship(
        back_populates="account", order_by="ReaderIdentity.id", passive_deletes=True
    )


class ReaderIdentity(db.Model):
    """One way an account signs in: ``sso``, ``mail`` or an OIDC provider's name, with that side's subject."""

    __tablename__ = "reader_identities"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("reader_accounts.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    account: Mapped[ReaderAccount] = relationship(back_populates="identities")

    __table_args__ = (UniqueConstraint("provider", "subject", name="uq_reader_identities_subject"),)


class ReaderSession(db.Model):
    """A signed-in widget: the token it sends as X-Reader-Session, hashed; ended by sign-out or expiry."""

    __tablename__ = "reader_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("reader_accounts.id", ondelete="CASCADE"), index=True)
    method: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(TZDateTime, index=True)


class SignInState(db.Model):
    """An OIDC sign-in between its redirects, keyed by its ``state``: no cookie carries it."""

    __tablename__ = "reader_sign_in_states"

    id: Mapped[int] = mapped_column(primary_key=True)
    state_hash: Mapped[str] = mapped_column(String(64), unique=True)
    provider: Mapped[str] = mapped_column(String(40))
    nonce: Mapped[str] = mapped_column(String(100))
    code_verifier: Mapped[str] = mapped_column(String(128))
    # The blog page's origin that opened the popup: the only one the session is handed to.
    origin: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(TZDateTime, index=True)


class MailSignIn(db.Model):
    """A mailed sign-in link: single use (``used_at``), short-lived, for one address and one blog page."""

    __tablename__ = "reader_mail_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str | None] = mapped_column(String(NAME_MAX))
    origin: Mapped[str] = mapped_column(String(300))
    return_url: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(TZDateTime)
    used_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    __table_args__ = (Index("ix_reader_mail_links_email", "email", "created_at"),)
