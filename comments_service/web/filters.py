"""Template filters of the moderation page: times, spam reasons, ban kinds, in words; links under the URL rule."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Flask

from .. import urls
from ..times import iso

BAN_KINDS = {"email": "e-mail", "reader": "reader token", "ip": "IP address"}
REASONS = {
    "banned": "Banned author",
    "honeypot": "Hidden field filled (a bot)",
    "too_many_links": "Too many links",
    "blocked_word": "Blocked word",
}


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def when(value: datetime | None) -> str:
    """Format a time as 'YYYY-MM-DD HH:MM UTC'."""
    if value is None:
        return ""
    # isoformat, not strftime: strftime writes year 1 as "1", not "0001".
    return _aware(value).astimezone(timezone.utc).isoformat(sep=" ", timespec="minutes")[:16] + " UTC"


def ago(value: datetime | None, now: datetime | None = None) -> str:
    """Say how long ago a time was, roughly ('just now', '5 min ago', '3 days ago')."""
    if value is None:
        return ""
    seconds = int(((now or datetime.now(timezone.utc)) - _aware(value)).total_seconds())
    if seconds < 60:
        return "just now"
    for size, unit in ((86400 * 365, "year"), (86400 * 30, "month"), (86400, "day"), (3600, "hour"), (60, "min")):
        if seconds >= size:
            count = seconds // size
            plural = "s" if count > 1 and unit != "min" else ""
            return f"{count} {unit}{plural} ago"
    return "just now"  # pragma: no cover - the loop always returns


def reason(code: str) -> str:
    """Put a spam reason code ('blocked_word:casino') in words."""
    name, _, detail = code.partition(":")
    text = REASONS.get(name, name.replace("_", " ").capitalize())
    return f"{text}: \u201c{detail}\u201d" if detail else text


def register(app: Flask) -> None:
    """Make the filters available to every template."""
    app.add_template_filter(when, "when")
    app.add_template_filter(ago, "ago")
    app.add_template_filter(reason, "reason")
    app.add_template_filter(iso, "iso")
    app.add_template_filter(urls.shown, "safe_url")
    app.add_template_filter(lambda kind: BAN_KINDS.get(kind, kind), "ban_kind")
