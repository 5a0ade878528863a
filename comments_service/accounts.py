"""Reader accounts: signing in (from SSO, OIDC or a mailed link), one's own data, its export and erase.

An account is found by an identity (``sso`` + the blog's ``sub``, an OIDC
provider + its ``sub``, ``mail`` + the address) and made on first sign-in.
Its name is what the signing side says (the blog's ``name``, the provider's
profile, or the name asked for with a mailed link); the comments it writes
carry that name, whatever a form says, and ``verified: true``.

Erasing goes through the moderators' delete, as an author's erase does
(``authors.py``): a comment that replies hang on stays as a placeholder, the
audit log records it, counters and caches follow; the account's likes go
with their counts.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from flask import current_app
from sqlalchemy import delete, func, select, update

from . import auth, events, moderation, reader_sessions, sanitize, subscriptions
from .account_models import ReaderAccount, ReaderIdentity
from .database import insert_ignore
from .errors import ApiError, invalid
from .extensions import db
from .mail_models import MailAddress
from .models import NAME_MAX, Comment, CommentLike, CommentStatus, ModerationEvent, Post, PostLike
from .times import iso, utcnow


def clean_name(raw: Any, fallback: str = "") -> str:
    """Return a display name as comments store one (one line, at most NAME_MAX characters)."""
    name = sanitize.plain_line(str(raw or ""))[:NAME_MAX].strip()
    return name or sanitize.plain_line(fallback)[:NAME_MAX].strip() or "Reader"


def reader_json(account: ReaderAccount) -> dict[str, Any]:
    """Return what the account's own widget is told of it."""
    return {"name": account.name, "verified": True, "email": account.email,
            "notify_replies": account.notify_replies}


def sign_in(provider: str, subject: str, name: str | None, email: str | None, *,
            keep_name: bool = False) -> dict[str, Any]:
    """Find or make the account of ``provider``/``subject``, start a session; return ``{session, reader}``.

    ``name`` and ``email`` come from the signing side and are trusted as it is
    (the blog's login, a provider's verified address, a mailed link that was
    opened). ``keep_name``: an existing account keeps its name (mailed links).
    """
    subject = subject[:255]
    identity = db.session.scalar(
        select(ReaderIdentity).where(ReaderIdentity.provider == provider, ReaderIdentity.subject == subject)
        .with_for_update()
    )
    now = utcnow()
    if identity is None:
        account = ReaderAccount(name=clean_name(name, (email or "").partition("@")[0]), email=email,
                                created_at=now, last_sign_in_at=now)
        db.session.add(account)
        db.session.flush()
        inserted = insert_ignore(ReaderIdentity.__table__, [{
            "account_id": account.id, "provider": provider, "subject": subject, "created_at": now}],
            returning=ReaderIdentity.__table__.c.id).first()
        if inserted is None:  # another request made it a moment ago: use that one
            db.session.rollback()
            return sign_in(provider, subject, name, email, keep_name=keep_name)
    else:
        account = db.session.get(ReaderAccount, identity.account_id)
        assert account is not None
        if name and not keep_name:
            account.name = clean_name(name, account.name)
        if email:
            account.email = email
        account.last_sign_in_at = now
    token = reader_sessions.start(account, provider)
    db.session.commit()
    return {"session": token, "reader": reader_json(account)}


def me() -> dict[str, Any]:
    """Return the signed-in reader's account (401 without a session)."""
    account = reader_sessions.current(required=True)
    counts = db.session.execute(
        select(func.count()).select_from(Comment).where(Comment.account_id == account.id,
                                                        Comment.status != CommentStatus.DELETED)
    ).scalar_one()
    providers = [identity.provider for identity in account.identities]
    return {"reader": reader_json(account), "providers": providers, "comments": counts,
            "created_at": iso(account.created_at)}


def update_me(data: dict[str, Any]) -> dict[str, Any]:
    """Change the signed-in reader's settings (reply mails); 422 for reply mails without a confirmed address."""
    account = reader_sessions.current(required=True)
    if "notify_replies" in data:
        if data["notify_replies"] and not account.email:
            raise invalid("notify_replies", "Reply mails need a confirmed address: sign in with a mailed link.")
        account.notify_replies = bool(data["notify_replies"])
    db.session.commit()
    return me()


def _likes(reader: str) -> dict[str, list[Any]]:
    posts = db.session.scalars(select(Post.slug).join(PostLike, PostLike.post_id == Post.id)
                               .where(PostLike.reader_hash == reader).order_by(Post.slug))
    comments = db.session.scalars(select(CommentLike.comment_id).where(CommentLike.reader_hash == reader)
                                  .order_by(CommentLike.comment_id))
    return {"posts": list(posts), "comments": list(comments)}


def export_me() -> dict[str, Any]:
    """Return everything stored about the signed-in reader: account, identities, sessions, comments, likes, mail."""
    account = reader_sessions.current(required=True)
    comments = list(db.session.scalars(select(Comment).where(Comment.account_id == account.id)
                                       .order_by(Comment.created_at, Comment.id)))
    return {
        "exported_at": iso(utcnow()),
        "account": {**reader_json(account), "created_at": iso(account.created_at),
                    "last_sign_in_at": iso(account.last_sign_in_at)},
        "identities": [{"provider": i.provider, "subject": i.subject, "created_at": iso(i.created_at)}
                       for i in account.identities],
        "sessions": [{"method": s.method, "created_at": iso(s.created_at), "expires_at": iso(s.expires_at)}
                     for s in reader_sessions.active_sessions(account.id)],
        "comments": [{"id": c.id, "post": c.post.slug, "parent_id": c.parent_id, "status": str(c.status.value),
                      "author": c.author, "email": c.email, "website": c.website, "body_source": c.body_source,
                      "body_html": c.body_html, "created_at": iso(c.created_at), "edited_at": iso(c.edited_at),
                      "like_count": c.like_count} for c in comments],
        "likes": _likes(auth.account_hash(account.id)),
        "mail": _shown(subscriptions.of_address(account.email)) if account.email else None,
    }


def _shown(value: Any) -> Any:
    """Return ``value`` with every time in it as ISO 8601 text."""
    if isinstance(value, dict):
        return {key: _shown(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_shown(item) for item in value]
    return iso(value) if isinstance(value, datetime) else value


def _drop_likes(reader: str) -> set[str]:
    """Delete a reader's likes and take them off the counts; return the slugs whose counts moved."""
    touched: set[str] = set()
    posts = db.session.execute(delete(PostLike).where(PostLike.reader_hash == reader)
                               .returning(PostLike.post_id)).scalars().all()
    for post_id in posts:
        slug = db.session.execute(update(Post).where(Post.id == post_id).values(like_count=Post.like_count - 1)
                                  .returning(Post.slug)).scalar_one()
        touched.add(slug)
    liked = db.session.execute(delete(CommentLike).where(CommentLike.reader_hash == reader)
                               .returning(CommentLike.comment_id)).scalars().all()
    for comment_id in liked:
        post_id = db.session.execute(update(Comment).where(Comment.id == comment_id)
                                     .values(like_count=Comment.like_count - 1).returning(Comment.post_id)).scalar_one()
        touched.add(db.session.scalar(select(Post.slug).where(Post.id == post_id)))
    return touched


def erase_me() -> dict[str, int]:
    """Erase the signed-in reader: comments (placeholders where replies hang on), likes, mail, sessions, account."""
    account = reader_sessions.current(required=True)
    actor = f"reader:{account.id}"
    reader = auth.account_hash(account.id)
    touched = _drop_likes(reader)
    liked_slugs = set(touched)
    public: dict[str, dict[int, bool]] = {}  # per post, the public comments erased: live pages drop them
    comments = list(db.session.scalars(select(Comment).where(Comment.account_id == account.id).order_by(Comment.id)))
    for comment in comments:
        if comment.status == CommentStatus.APPROVED:
            touched.add(comment.post.slug)
            public.setdefault(comment.post.slug, {})[comment.id] = True
        moderation.delete(comment, actor)
    ids = [c.id for c in comments]
    if ids:
        # Placeholders keep nothing that points at the person.
        db.session.execute(update(Comment).where(Comment.id.in_(ids)).values(
            ip_hash=None, reader_hash=None, spam_reasons=[], account_id=None))
    mail = subscriptions.erase_address(account.email) if account.email else 0
    db.session.add(ModerationEvent(comment_id=None, action="account_erase", actor=actor,
                                   details={"comments": len(ids), "subscriptions": mail}))
    db.session.delete(account)  # identities and sessions go with it
    db.session.commit()
    for slug in sorted(touched):
        kinds = (events.COMMENTS, events.LIKES) if slug in liked_slugs else (events.COMMENTS,)
        events.notify(slug, *kinds, comments=public.get(slug))
    return {"erased": len(ids), "subscriptions": mail}


class Author(NamedTuple):
    """Who a new comment is from: the signed-in account's name and address, or what the form says."""

    name: str
    email: str | None
    account_id: int | None
    notify: bool


def author_of(data: dict[str, Any]) -> Author:
    """Return a new comment's author: the account's fixed name (a typed one is ignored), or the typed one.

    401 when nobody is signed in and ANONYMOUS is off; 422 for an anonymous
    comment without a readable name. A signed-in reader's confirmed address
    (the sign-in proved it) takes reply mails at once when they ask for them
    (``notify``, or the account's ``notify_replies``).
    """
    account = reader_sessions.current()
    if account is None:
        if not current_app.config["ANONYMOUS"]:
            raise ApiError(401, "sign_in_required", "This blog takes comments from signed-in readers only: sign in.")
        if not data.get("author"):
            raise invalid("author", "Give your name, or sign in.")
        name = sanitize.plain_line(data["author"])
        if not name:
            raise invalid("author", "The name has no readable characters.")
        email = (data.get("email") or "").strip().lower() or None
        return Author(name, email, None, bool(data.get("notify")) and email is not None)
    email = account.email or (data.get("email") or "").strip().lower() or None
    notify = bool(data.get("notify") or account.notify_replies) and email is not None
    if notify and account.email:
        _confirm(account.email)
    return Author(account.name, email, account.id, notify)


def _confirm(email: str) -> None:
    # The sign-in proved the address: its owner asking for reply mails is the opt-in.
    insert_ignore(MailAddress.__table__, [{"email": email, "created_at": utcnow()}])
    db.session.execute(update(MailAddress).where(MailAddress.email == email, MailAddress.confirmed_at.is_(None),
                                                 MailAddress.unsubscribed_at.is_(None),
                                                 MailAddress.bounced_at.is_(None)).values(confirmed_at=utcnow()))
