"""The audit log of moderation: one row per action, whoever took it and through whatever door."""
from __future__ import annotations

from typing import Any

from .extensions import db
from .models import ModerationEvent


def record(
    action: str,
    actor: str,
    *,
    comment_id: int | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Add an audit event to the session; it is committed with the change it describes."""
    db.session.add(
        ModerationEvent(
            comment_id=comment_id,
            action=action,
            actor=actor,
            from_status=from_status,
            to_status=to_status,
            details=details or {},
        )
    )
