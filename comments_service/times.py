"""Times as the service stores and shows them: aware UTC, shown as ISO 8601 with a ``Z``."""
from __future__ import annotations

from datetime import datetime, timezone


def utcnow() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(timezone.utc)


def aware(value: datetime) -> datetime:
    """Return ``value`` with a time zone: naive times are UTC (SQLite hands them back naive)."""
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


def iso(value: datetime | None) -> str | None:
    """Format a time as ISO 8601 UTC with a ``Z``, to the second (SQLite hands back naive UTC)."""
    if value is None:
        return None
    if value.tzinfo is not timezone.utc:
        value = value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
    # isoformat is a third faster than strftime; a thread page formats a hundred of these.
    return value.isoformat(timespec="seconds")[:19] + "Z"
