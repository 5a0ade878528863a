"""What a source file holds, in the service's terms, before anything is written."""
from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import StrEnum
from typing import Any
from urllib.parse import unquote, urlsplit

from .. import urls
from ..models import CommentStatus
from ..sanitize import plain_line
from ..times import OUT_OF_RANGE, storable

TITLE_MAX = 300
AUTHOR_MAX = 80
EMAIL_MAX = 254
KEY_MAX = 200
ANONYMOUS = "Anonymous"


class BodyFormat(StrEnum):
    """How a source stored the text, and so how it becomes safe HTML."""

    MARKDOWN = "markdown"  # rendered like a new comment
    MARKDOWN_TEXT = "markdown-text"  # Markdown whose typed HTML tags were shown as text (Isso)
    HTML = "html"  # sanitized with the same allow-list
    HTML_PARAGRAPHS = "html-paragraphs"  # WordPress: blank lines are paragraphs, newlines are breaks


@dataclass
class PostRecord:
    """A thread of the source: the post its comments belong to."""

    key: str
    slug: str
    title: str
    url: str | None
    published_at: datetime | None = None
    tags: list[str] = field(default_factory=list)
    like_count: int = 0
    # Posts without comments are still brought in only when the source says they are real posts.
    keep_without_comments: bool = False


@dataclass
class CommentRecord:
    """One comment of the source, with its thread and parent named by source ids."""

    key: str
    post_key: str
    parent_key: str | None
    status: CommentStatus
    author: str
    email: str | None
    website: str | None
    body: str
    body_format: BodyFormat
    created_at: datetime
    edited_at: datetime | None = None
    like_count: int = 0
    ip_hash: str | None = None
    reader_hash: str | None = None
    # The identicon seed it had (our own export), kept so that an author's identicon survives the move.
    avatar: str | None = None
    spam_reasons: list[str] = field(default_factory=list)
    # The stored import key when the source already had one (our own export).
    import_key: str | None = None
    # What the reader typed, when the source keeps it apart from the HTML (our own export).
    source_text: str | None = None
    # Shown first on page one (our own export; a top-level comment only).
    pinned: bool = False


@dataclass
class Skip:
    """An item that was not imported, and why."""

    what: str
    reason: str

    def __str__(self) -> str:
        return f"{self.what}: {self.reason}"


@dataclass
class Source:
    """Everything read from one file."""

    name: str
    posts: dict[str, PostRecord] = field(default_factory=dict)
    comments: list[CommentRecord] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Our own export also carries the audit log, earlier texts of comments and readers' reports (transfer.community).
    events: list[dict[str, Any]] = field(default_factory=list)
    revisions: list[dict[str, Any]] = field(default_factory=list)
    reports: list[dict[str, Any]] = field(default_factory=list)
    # Stored import keys are this prefix and the source's id ("disqus:123").
    prefix: str | None = None

    @property
    def key_prefix(self) -> str:
        """Return what goes before a source id in an import key."""
        return self.prefix or f"{self.name}:"

    def skip(self, what: str, reason: str) -> None:
        """Remember that ``what`` was left out because of ``reason``."""
        self.skipped.append(Skip(what, reason))


@dataclass
class Report:
    """What an import did: the summary printed at its end."""

    source: str
    posts_created: int = 0
    posts_existing: int = 0
    comments: Counter[str] = field(default_factory=Counter)
    already_imported: int = 0
    skipped: list[Skip] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    events: int = 0
    revisions: int = 0
    reports: int = 0
    touched: set[str] = field(default_factory=set)

    @property
    def comments_created(self) -> int:
        """Count the new comments, all statuses together."""
        return sum(self.comments.values())


class TransferError(Exception):
    """A file that cannot be imported safely; nothing was changed."""


def slugify(text: str) -> str:
    """Turn a path segment or title into a slug: ASCII letters, digits, '-' and '_'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    out, dash = [], False
    for char in ascii_text:
        if char.isalnum() or char == "_":
            out.append(char)
            dash = False
        elif not dash:
            out.append("-")
            dash = True
    return "".join(out).strip("-_")[:200].strip("-_")


PAGE_SUFFIXES = (".html", ".htm", ".php", ".aspx", ".shtml")


def slug_from_url(url: str, whole_path: bool = False) -> str:
    """Derive a post slug from a thread URL or path: its last segment, or all of it.

    ``/2019/05/my-post/`` gives ``my-post`` (``2019-05-my-post`` with
    ``whole_path``); the site root gives ``index``.
    """
    parts = urlsplit(url.strip())
    segments = [unquote(s) for s in parts.path.split("/") if s]
    if segments:
        last = segments[-1]
        for suffix in PAGE_SUFFIXES:
            if last.lower().endswith(suffix) and len(last) > len(suffix):
                segments[-1] = last[: -len(suffix)]
                break
        if segments[-1].lower() == "index" and len(segments) > 1:
            segments.pop()
    chosen = "-".join(segments) if whole_path else (segments[-1] if segments else "")
    slug = slugify(chosen)
    if not slug and parts.query:
        slug = slugify(parts.query)
    return slug or "index"


def clean_author(name: str | None) -> str:
    """Return a one-line author name of at most 80 characters; 'Anonymous' when blank."""
    name = plain_line(name or "")
    return name[:AUTHOR_MAX].rstrip() or ANONYMOUS


def clean_email(email: str | None) -> str | None:
    """Return a lower-cased e-mail address, or None when it is blank or not one."""
    email = (email or "").strip().lower()
    local, at, domain = email.partition("@")
    if not at or not local or "." not in domain or len(email) > EMAIL_MAX or any(c.isspace() for c in email):
        return None
    return email


def clean_url(url: str | None, relative: bool = False) -> str | None:
    """Return a URL that passes the URL rule (a site path only with ``relative``) and fits 2000 characters, or None."""
    return urls.clean((url or "").strip(), relative)


def clean_title(title: str | None, fallback: str) -> str:
    """Return a one-line title of at most 300 characters."""
    return plain_line(title or "")[:TITLE_MAX].rstrip() or fallback


# Why a comment's time was not taken, for the summary.
BAD_TIME = f"missing, not a time, or out of range ({OUT_OF_RANGE[:-1].lower()})"


def parse_time(value: str | None) -> datetime | None:
    """Read an ISO 8601 time in UTC (without a zone it is UTC); None unless it is one the service can keep."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return storable(datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "T", 1)))
    except ValueError:
        return None


def from_epoch(value: Any) -> datetime | None:
    """Read seconds since the epoch (Isso stores floats); None unless it is a time the service can keep."""
    try:
        return storable(datetime.fromtimestamp(float(value), tz=timezone.utc))
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def post_time(source: Source, what: str, value: str | None) -> datetime | None:
    """Read a post's publication time; one that is given but cannot be kept is left empty, with a note."""
    parsed = parse_time(value)
    if parsed is None and (value or "").strip():
        source.notes.append(f"{what}: its time {value.strip()[:40]!r} is {BAD_TIME}; left empty")
    return parsed


def is_true(value: str | None) -> bool:
    """Read an XML boolean."""
    return (value or "").strip().lower() in ("true", "1")
