"""Who hears of a comment's status change: the moderation webhook and the moderators' mail, as jobs of its transaction.

``events.announce_move`` tells :func:`_on_moved` of every move before the
commit; the jobs added here are committed with the change or rolled back with
it. They are small: the event, the comment's id and the facts of the moment
(its status, its spam reasons); the worker composes the webhook's body and
the moderators' mail when it runs them, with their links
(:func:`links.message_url`: ``PUBLIC_URL``, or a checked host). ``comment``
is the ORM row or what a new comment's write knows of it (``id``,
``post_id``, ``parent_id``, ``email``, ``reader_hash``, ``spam_reasons``):
nothing is read for them.
"""
from __future__ import annotations

from typing import Any

from flask import Flask, current_app

from . import events, mail, moderator_mail, webhook
from .models import CommentStatus

moderators = moderator_mail.moderators


def wanted() -> bool:
    """Tell whether anyone hears of status changes (a webhook, or moderators with mail on)."""
    return bool(current_app.config.get("MODERATION_WEBHOOK_URL")) or (mail.enabled() and bool(moderators()))


def needs_transaction() -> bool:
    """Tell whether the listeners do more than add jobs: the moderators' digest locks its period's row to the commit.

    Otherwise a change and its jobs may be one statement (see ``comment_inserts``).
    """
    return mail.enabled() and bool(moderators()) and moderator_mail.digest_minutes() > 0


def _on_moved(sender: Any, comment: Any, old: CommentStatus | None, new: CommentStatus) -> None:
    # Small rows naming what happened: the worker composes the webhook's body and the mail (see the module's text).
    if not wanted():
        return
    if webhook.wanted(webhook.event_type(old, new)):
        webhook.enqueue(comment, old, new)
    if new == CommentStatus.PENDING and mail.enabled() and moderators():
        if moderator_mail.digest_minutes() > 0:
            moderator_mail.add_to_digest(comment)
        else:
            moderator_mail.enqueue(comment)


events.moved.connect(_on_moved)


def init_app(app: Flask) -> None:
    """Check the webhook and mail settings at start-up."""
    webhook.init_app(app)
    mail.init_app(app)
