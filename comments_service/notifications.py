"""Who hears of a comment's status change: the moderation webhook and the moderators' mail, as jobs of its transaction.

``events.announce_move`` tells :func:`_on_moved` of every move before the
commit; the jobs added here are committed with the change or rolled back with
it. Links point at ``PUBLIC_URL`` through :func:`link`, the one place that
builds them.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Flask, current_app

from . import events, mail, moderator_mail, webhook
from .models import Comment, CommentStatus


def link(path: str, fragment: str = "", **query: Any) -> str | None:
    """Return the public URL of a page of the service (None without PUBLIC_URL); None values are left out."""
    base = (current_app.config.get("PUBLIC_URL") or "").rstrip("/")
    if not base:
        return None
    params = urlencode({name: value for name, value in query.items() if value is not None})
    return f"{base}{path}{'?' + params if params else ''}{'#' + fragment if fragment else ''}"


def moderators() -> list[str]:
    """Return the addresses in MODERATOR_EMAILS."""
    found = current_app.config.get("MODERATOR_EMAILS") or []
    if isinstance(found, str):
        found = found.replace(",", " ").split()
    return [address for address in found if "@" in address]


def wanted() -> bool:
    """Tell whether anyone hears of status changes (a webhook, or moderators with mail on)."""
    return bool(current_app.config.get("MODERATION_WEBHOOK_URL")) or (mail.enabled() and bool(moderators()))


def moderate_link(comment: Comment, status: CommentStatus) -> str | None:
    """Link to a comment on the moderation desk, in the tab of ``status``."""
    shown = status.value if status != CommentStatus.DELETED else None
    return link("/moderate", fragment=f"c{comment.id}-title", status=shown, post=comment.post.slug)


def _on_moved(sender: Any, comment: Comment, old: CommentStatus | None, new: CommentStatus) -> None:
    if not wanted():
        return
    kind = webhook.event_type(old, new)
    if webhook.wanted(kind):
        webhook.enqueue(webhook.payload(comment, old, new, moderate_link(comment, new)))
    addresses = moderators()
    if new == CommentStatus.PENDING and addresses and mail.enabled():
        mail.queue(moderator_mail.compose(comment, addresses, moderate_link(comment, new)))


events.moved.connect(_on_moved)


def init_app(app: Flask) -> None:
    """Check the webhook and mail settings at start-up."""
    webhook.init_app(app)
    mail.init_app(app)
