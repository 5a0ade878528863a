"""Finding comments by their words: full-text search on PostgreSQL, LIKE on SQLite.

The moderators' queue (``moderation.queue``) filters with :func:`matches`.
On PostgreSQL the words go through ``websearch_to_tsquery`` (plain words all
match, ``"a phrase"``, ``or``, ``-word``) against
``models.SEARCH_DOCUMENT``, the expression of the GIN index
``ix_comments_search``: the author's name and the text as typed, split into
words without stemming (``simple``), so that names and words of any language
match as typed. SQLite has no such index; there every word must appear in the
name or the text (LIKE, case-insensitive for ASCII, with ``%`` and ``_``
taken literally).
"""
from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, false, func, literal_column, or_

from . import paging
from .database import dialect_name
from .models import SEARCH_DOCUMENT, Comment

QUERY_MAX = 200
# At most this many words are matched on SQLite (each costs a LIKE per row).
LIKE_WORDS = 8

_DOCUMENT = literal_column(SEARCH_DOCUMENT)
_NO_INDEX_ORDER = literal_column("interval '0'")


def is_searchable(q: str) -> bool:
    """Tell whether ``q`` may be searched for: 1 to QUERY_MAX characters, no control character (the one rule)."""
    return 0 < len(q) <= QUERY_MAX and q.isprintable()


def key(q: str) -> str:
    """Return a short fingerprint of ``q``, so that a page's cursor serves only the search it came from."""
    return hashlib.sha256(q.encode()).hexdigest()[:16]


def _escaped(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def words(q: str) -> list[str]:
    """Split ``q`` into the words the LIKE fallback matches (quotes and a leading ``-`` dropped)."""
    found = [w.strip('"').lstrip("-") for w in q.split()]
    return [w for w in found if w and w.lower() != "or"][:LIKE_WORDS]


def matches(q: str) -> ColumnElement[bool]:
    """Return the condition 'this comment's author or text matches ``q``' for the session's database."""
    if dialect_name() == "postgresql":
        query = func.websearch_to_tsquery(literal_column("'simple'"), bindparam("search_q", q))
        return _DOCUMENT.bool_op("@@")(query)
    found = words(q)
    if not found:  # nothing to look for, as websearch_to_tsquery finds in '!!' or '""'
        return false()
    return and_(*(
        or_(Comment.author.like(f"%{_escaped(w)}%", escape="\\"), Comment.body_source.like(f"%{_escaped(w)}%",
                                                                                          escape="\\"))
        for w in found
    ))


def order_by(keys: list[paging.SortKey]) -> list[Any]:
    """Return the ORDER BY of a search in the order of ``keys`` (a time first): the same order, planned apart.

    On PostgreSQL the first key is written as ``created_at + interval '0'``,
    which no btree index gives in order. Otherwise the planner may walk the
    queue's date index and compute every comment's words until a page is
    full: quick for a word it rightly guesses common, seconds for words that
    are common alone but never together. This way the matches always come
    from the GIN index and are sorted, at a cost that grows with their number.
    """
    clauses = paging.order_by(keys)
    if dialect_name() != "postgresql":
        return clauses
    column, desc = keys[0]
    first = column + _NO_INDEX_ORDER
    return [first.desc() if desc else first.asc(), *clauses[1:]]
