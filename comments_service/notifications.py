"""Who hears of a comment's status change: the moderation webhook and the moderators' mail, as jobs of its transaction.

``events.announce_move`` tells :func:`_on_moved` of every move before the
commit; the jobs added here are committed with the change or rolled back with
it. Links come from :func:`links.message_url` (``PUBLIC_URL``, or a checked host).
"""
from __future__ import annotations

from typing import Any

from flask import Flask, current_app

from . import events, mail, moderator_mail, webhook
from .models import Comment, CommentStatus

moderators = moderator_mail.moderators
moderate_link = moderator_mail.moderate_link


def wanted() -> bool:
    """Tell whether anyone hears of status changes (a webhook, or moderators with mail on)."""
    return bool(current_app.config.get("MODERATION_WEBHOOK_URL")) or (mail.enabled() and bool(moderators()))


def _on_moved(sender: Any, comment: Comment, old: CommentStatus | None, new: CommentStatus) -> None:
    if not wanted():
        return
    kind = webhook.event_type(old, new)
    if webhook.wanted(kind):
        webhook.enqueue(webhook.payload(comment, old, new, moderate_link(comment, new)))
    addresses = moderators()
    if new == CommentStatus.PENDING and addresses and mail.enabled():
        if moderator_mail.digest_minutes() > 0:
            moderator_mail.add_to_digest(comment)
        else:
            mail.queue(moderator_mail.compose(comment, addresses, moderate_link(comment, new)))


events.moved.connect(_on_moved)


def init_app(app: Flask) -> None:
    """Check the webhook and mail settings at start-up."""
    webhook.init_app(app)
    mail.init_app(app)
