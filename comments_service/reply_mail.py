"""Reply mails: the confirmation mail, and the notice of replies that became public, grouped per thread.

When a reply becomes public (posted approved, or approved later: told by
``events.announce_move`` inside that transaction), a ``reply-notice`` job is
added in the same transaction for every active subscription to the comment
it answers, except the replier's own (same address or same reader token).
With ``NOTIFY_GROUP_SECONDS`` > 0 the job has a key per subscription: the
first reply goes at once, replies that come while a job waits join it, and a
thread gets at most one mail per that many seconds. The job makes the mail
when it runs, from what is stored then: a reply no longer public, a stopped
thread, an address that stopped all mail or bounced, get nothing. Each reply
is mailed about once (``subscription_notices``).

Mails hold plain text and the same text escaped in HTML: excerpts of the
sanitized reply, never its HTML; links only to the post's own page (when it
is http or https) and to our confirm and stop pages; no images.
"""
from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from markupsafe import Markup, escape
from sqlalchemy import exists, or_, select

from . import events, jobs, mail, mail_links, sanitize
from .database import insert_ignore
from .extensions import db
from .mail_models import MailAddress, Subscription, SubscriptionNotice
from .models import Comment, CommentStatus, Post
from .times import aware, utcnow

NOTICE = "reply-notice"
EXCERPT_LENGTH = 600
MAX_REPLIES_SHOWN = 10


def post_link(post: Post) -> str | None:
    """Return the post's page, if it is a web address (nothing else is ever linked)."""
    url = post.url or ""
    return url if urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc else None


def _headers(stop_all: str) -> dict[str, str]:
    # RFC 8058: a mail client POSTs "List-Unsubscribe=One-Click" to the URL; no login, no further step.
    return {"List-Unsubscribe": f"<{stop_all}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def _html(blocks: list[Markup | str]) -> str:
    # Text becomes an escaped paragraph; Markup (made here, with its values escaped) is its own block.
    body = "\n".join(b if isinstance(b, Markup) else f"<p>{escape(b)}</p>" for b in blocks)
    return f'<!doctype html>\n<html><body style="font-family: sans-serif; line-height: 1.5">\n{body}\n</body></html>\n'


def _a(url: str, text: str) -> Markup:
    return Markup('<a href="{}">{}</a>').format(url, text)


def _p(inner: Markup) -> Markup:
    return Markup("<p>{}</p>").format(inner)


def queue_confirmation(address: MailAddress, post_id: int) -> None:
    """Queue the mail that asks an address's owner to confirm, in the caller's transaction."""
    post = db.session.get(Post, post_id)
    assert post is not None
    title = post.title or post.slug
    confirm = mail_links.url("confirm", mail_links.sign("confirm", address.id, address.email))
    stop_all = mail_links.url("all", mail_links.sign("all", address.id, address.email))
    link = post_link(post)
    on = f"\u201c{title}\u201d" + (f" ({link})" if link else "")
    text = (
        f"Someone, hopefully you, asked to be mailed when a comment written with this address on {on} "
        f"gets a reply.\n\nTo confirm, open this link and press the button:\n{confirm}\n\n"
        "If it was not you, ignore this mail: nothing is sent unless the address is confirmed.\n\n"
        f"Never mail this address again:\n{stop_all}\n"
    )
    html = _html([
        Markup("<p>Someone, hopefully you, asked to be mailed when a comment written with this address on "
               "{} gets a reply.</p>").format(_a(link, f"\u201c{title}\u201d") if link else f"\u201c{title}\u201d"),
        _p(_a(confirm, "Confirm reply notifications")),
        "If it was not you, ignore this mail: nothing is sent unless the address is confirmed.",
        _p(_a(stop_all, "Never mail this address again")),
    ])
    message = mail.compose(address.email, f"Confirm reply notifications for \u201c{title}\u201d", text, html,
                           headers=_headers(stop_all))
    mail.queue(message)


def group_seconds() -> int:
    """Return NOTIFY_GROUP_SECONDS: at most one mail per thread per that many seconds (0: one per reply, at once)."""
    return int(current_app.config["NOTIFY_GROUP_SECONDS"])


def _watchers(parent_id: int) -> Any:
    return (
        select(Subscription.id, Subscription.notified_at)
        .join(MailAddress, MailAddress.id == Subscription.address_id)
        .where(Subscription.comment_id == parent_id, Subscription.ended_at.is_(None),
               MailAddress.confirmed_at.is_not(None), MailAddress.unsubscribed_at.is_(None),
               MailAddress.bounced_at.is_(None))
    )


def _not_own(email: str | None, reader_hash: str | None) -> list[Any]:
    # The replier's own replies tell them nothing new.
    conditions = []
    if email:
        conditions.append(MailAddress.email != email)
    if reader_hash:
        conditions.append(or_(Subscription.reader_hash.is_(None), Subscription.reader_hash != reader_hash))
    return conditions


def reply_public(reply_id: int, parent_id: int | None, email: str | None, reader_hash: str | None) -> None:
    """Queue the notices of a reply that just became public, in the caller's transaction."""
    if parent_id is None:
        return
    group = group_seconds()
    now = utcnow()
    for subscription_id, notified_at in db.session.execute(_watchers(parent_id).where(*_not_own(email, reader_hash))):
        payload = {"subscription": subscription_id, "reply": reply_id,
                   "summary": f"reply notice: comment {reply_id}, subscription {subscription_id}"}
        if group <= 0:
            jobs.enqueue(NOTICE, payload)
            continue
        # The first reply goes at once; the next ones wait for the end of the thread's quiet time, together.
        wait = (aware(notified_at) + timedelta(seconds=group) - now).total_seconds() if notified_at else 0.0
        jobs.enqueue(NOTICE, {**payload, "reply": None}, delay_seconds=max(0.0, wait),
                     key=f"subscription:{subscription_id}")


def _on_moved(sender: Any, comment: Comment, old: CommentStatus | None, new: CommentStatus) -> None:
    # Told inside the transaction of the move (events.announce_move): the jobs are committed with it.
    if new == CommentStatus.APPROVED and old != CommentStatus.APPROVED and comment.parent_id and mail.enabled():
        reply_public(comment.id, comment.parent_id, comment.email, comment.reader_hash)


events.moved.connect(_on_moved)


def _new_replies(subscription: Subscription, only: int | None) -> list[Comment]:
    address = subscription.address
    noticed = exists().where(SubscriptionNotice.subscription_id == subscription.id,
                             SubscriptionNotice.comment_id == Comment.id)
    query = (
        select(Comment)
        .where(Comment.parent_id == subscription.comment_id, Comment.status == CommentStatus.APPROVED, ~noticed,
               or_(Comment.email.is_(None), Comment.email != address.email))
        .order_by(Comment.created_at, Comment.id)
    )
    if subscription.reader_hash:
        query = query.where(or_(Comment.reader_hash.is_(None), Comment.reader_hash != subscription.reader_hash))
    if only is not None:
        query = query.where(Comment.id == only)
    return list(db.session.scalars(query))


@jobs.handler(NOTICE)
def send_notice(payload: dict[str, Any]) -> None:
    """Mail a subscriber the replies not yet mailed about, if they are still public and still wanted; commit."""
    subscription = db.session.get(Subscription, payload["subscription"], with_for_update=True)
    if subscription is None or subscription.ended_at is not None or not subscription.address.active:
        db.session.rollback()
        return
    watched = db.session.get(Comment, subscription.comment_id)
    if watched is None or watched.status != CommentStatus.APPROVED:
        db.session.rollback()
        return
    group, now = group_seconds(), utcnow()
    if group > 0 and subscription.notified_at is not None:
        wait = (aware(subscription.notified_at) + timedelta(seconds=group) - now).total_seconds()
        if wait > 0:  # a mail of this thread went out a moment ago: this one waits, and takes what comes meanwhile
            jobs.enqueue(NOTICE, payload, delay_seconds=wait, key=f"subscription:{subscription.id}")
            db.session.commit()
            return
    replies = _new_replies(subscription, payload.get("reply") if group <= 0 else None)
    if not replies:
        db.session.rollback()
        return
    post = db.session.get(Post, subscription.post_id)
    assert post is not None
    if not mail_links.base_url():
        raise jobs.GiveUp("PUBLIC_URL is not set: the mail's stop links would not work")
    mail.queue(notice_message(subscription, post, replies))
    insert_ignore(SubscriptionNotice.__table__,
                  [{"subscription_id": subscription.id, "comment_id": r.id, "sent_at": now} for r in replies])
    subscription.notified_at = now
    db.session.commit()


def notice_message(subscription: Subscription, post: Post, replies: list[Comment]) -> EmailMessage:
    """Build the mail that tells a subscriber of new replies to their comment."""
    address = subscription.address
    stop_thread = mail_links.url("thread", mail_links.sign("thread", subscription.id, address.email))
    stop_all = mail_links.url("all", mail_links.sign("all", address.id, address.email))
    title = post.title or post.slug
    link = post_link(post)
    shown = replies[:MAX_REPLIES_SHOWN]
    count = len(replies)
    subject = (f"New reply to your comment on \u201c{title}\u201d" if count == 1
               else f"{count} new replies to your comment on \u201c{title}\u201d")
    text_parts, html_parts = [], []
    for reply in shown:
        said = sanitize.excerpt(reply.body_html, EXCERPT_LENGTH)
        text_parts.append(f"{reply.author} wrote:\n\n{said}")
        html_parts += [Markup("<p><strong>{}</strong> wrote:</p>").format(reply.author),
                       Markup('<blockquote style="margin: 0 0 0 1em; padding-left: 1em; border-left: 3px solid '
                              '#ccc">{}</blockquote>').format(said)]
    if count > len(shown):
        more = f"\u2026 and {count - len(shown)} more."
        text_parts.append(more)
        html_parts.append(more)
    read = f"Read the conversation: {link}" if link else ""
    text = (
        f"Your comment on \u201c{title}\u201d has {'a new reply' if count == 1 else f'{count} new replies'}.\n\n"
        + "\n\n---\n\n".join(text_parts) + "\n\n" + (read + "\n\n" if read else "")
        + f"-- \nStop mails about this thread: {stop_thread}\nStop all mail to this address: {stop_all}\n"
    )
    html = _html([
        f"Your comment on \u201c{title}\u201d has {'a new reply' if count == 1 else f'{count} new replies'}.",
        *html_parts,
        *([_p(_a(link, "Read the conversation"))] if link else []),
        Markup("<p>{} \u00b7 {}</p>").format(_a(stop_thread, "Stop mails about this thread"),
                                             _a(stop_all, "Stop all mail to this address")),
    ])
    return mail.compose(address.email, subject, text, html, headers=_headers(stop_all),
                        thread=f"subscription-{subscription.id}")
