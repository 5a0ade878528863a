"""Isso: its SQLite database, read directly (read-only; Isso has no export).

Isso keeps one ``threads`` row per page path and ``comments`` with a mode:
1 published, 2 waiting for moderation, 4 deleted but kept because replies
hang on it. Text is the Markdown the reader typed, any HTML in it shown as text, as
Isso shows it by default; author, e-mail and
website were HTML-escaped by Isso on the way in and are unescaped here.
Isso counts likes and dislikes: likes become the comment's like count,
dislikes have no equivalent and are dropped.
"""
from __future__ import annotations

import html
import os
import sqlite3
from collections.abc import Callable

from ..models import CommentStatus
from .records import (
    BAD_TIME,
    BodyFormat,
    CommentRecord,
    PostRecord,
    Source,
    TransferError,
    clean_author,
    clean_email,
    clean_title,
    clean_url,
    from_epoch,
    slug_from_url,
)

MODES = {1: CommentStatus.APPROVED, 2: CommentStatus.PENDING, 4: CommentStatus.DELETED}
NEEDED = {"threads": {"id", "uri", "title"}, "comments": {"id", "tid", "parent", "created", "mode", "text"}}


def _unescape(value: str | None) -> str:
    return html.unescape(value or "")


def _connect(path: str) -> sqlite3.Connection:
    name = os.path.basename(path)
    if not os.path.isfile(path):
        raise TransferError(f"{name}: no such file")
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        tables = {
            table: {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}
            for table in NEEDED
        }
    except sqlite3.DatabaseError as error:
        raise TransferError(f"{name}: not a readable SQLite database: {error}") from None
    for table, columns in NEEDED.items():
        if not columns <= tables[table]:
            connection.close()
            raise TransferError(f"{name}: not an Isso database (no {table} table with {', '.join(sorted(columns))})")
    return connection


def read(
    path: str,
    on_bytes: Callable[[int], None] | None = None,
    whole_path: bool = False,
    base_url: str | None = None,
) -> Source:
    """Read an Isso database into a Source; ``base_url`` turns thread paths into post URLs."""
    source = Source("isso")
    connection = _connect(path)
    try:
        for tid, uri, title in connection.execute("SELECT id, uri, title FROM threads ORDER BY id"):
            uri = uri or ""
            slug = slug_from_url(uri, whole_path)
            url = clean_url(uri)
            if url is None and base_url:
                url = clean_url(base_url.rstrip("/") + "/" + uri.lstrip("/"))
            source.posts[str(tid)] = PostRecord(key=str(tid), slug=slug, title=clean_title(title, slug), url=url)
        columns = "id, tid, parent, created, modified, mode, text, author, email, website, likes"
        for row in connection.execute(f"SELECT {columns} FROM comments ORDER BY id"):
            _comment(row, source)
    except sqlite3.DatabaseError as error:
        raise TransferError(f"{os.path.basename(path)}: cannot read it: {error}") from None
    finally:
        connection.close()
    if on_bytes:
        on_bytes(os.path.getsize(path))
    return source


def _comment(row: tuple, source: Source) -> None:
    key, tid, parent, created, modified, mode, text, author, email, website, likes = row
    what = f"comment {key}"
    created_at = from_epoch(created)
    if created_at is None:
        source.skip(what, f"its created time is {BAD_TIME}")
        return
    status = MODES.get(mode)
    if status is None:
        source.notes.append(f"{what}: unknown mode {mode!r}, kept as pending")
        status = CommentStatus.PENDING
    source.comments.append(
        CommentRecord(
            key=str(key),
            post_key=str(tid),
            parent_key=str(parent) if parent not in (None, 0, "") else None,
            status=status,
            author=clean_author(_unescape(author)),
            email=clean_email(_unescape(email)),
            website=clean_url(_unescape(website)),
            body=text or "",
            # Isso's default renderer escapes typed HTML, so its readers saw "<div>" as text.
            body_format=BodyFormat.MARKDOWN_TEXT,
            created_at=created_at,
            edited_at=from_epoch(modified) if modified else None,
            like_count=_count(likes),
        )
    )


def _count(value: object) -> int:
    try:
        return max(int(value or 0), 0)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return 0
