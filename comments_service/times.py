"""Times as the service takes, stores and shows them: aware UTC, a day inside Python's years, ISO 8601 with a ``Z``."""
from __future__ import annotations

from datetime import datetime, timezone

# Python's datetime holds years 1 to 9999 only; PostgreSQL holds far more, and a
# time stored beyond Python's years can never be read back (every read of its
# row fails). A time that comes in is kept a day inside them, so that no
# conversion (to UTC, to a database session's or a reader's zone, offsets being
# under a day) can leave them.
EARLIEST = datetime(1, 1, 2, tzinfo=timezone.utc)
LATEST = datetime(9999, 12, 30, 23, 59, 59, 999999, tzinfo=timezone.utc)
OUT_OF_RANGE = "A time between 0001-01-02 and 9999-12-30 (UTC)."


def utcnow() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(timezone.utc)


def aware(value: datetime) -> datetime:
    """Return ``value`` with a time zone: naive times are UTC (SQLite hands them back naive)."""
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


def storable(value: datetime) -> datetime:
    """Return a time that came in as aware UTC; ValueError if it is not between EARLIEST and LATEST.

    The one check of every time the service is given (API, moderation page,
    imports): naive means UTC, and what passes can be stored, read back,
    converted and shown as ISO 8601 anywhere.
    """
    try:
        utc = aware(value).astimezone(timezone.utc)
    except OverflowError:  # the offset moves it past year 1 or 9999
        raise ValueError(OUT_OF_RANGE) from None
    if not EARLIEST <= utc <= LATEST:
        raise ValueError(OUT_OF_RANGE)
    return utc


def iso(value: datetime | None) -> str | None:
    """Format a time as ISO 8601 UTC with a ``Z``, to the second (SQLite hands back naive UTC)."""
    if value is None:
        return None
    if value.tzinfo is not timezone.utc:
        value = value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
    # isoformat is a third faster than strftime; a thread page formats a hundred of these.
    return value.isoformat(timespec="seconds")[:19] + "Z"
