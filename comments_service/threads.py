"""Reading a post's thread: pages of approved top-level comments, each with its visible replies nested.

Threads are read as plain rows of the columns the Comment shape shows and
dumped by it with orjson: no ORM objects and no marshmallow on the busiest
path. First pages come from the cache.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from sqlalchemy import Select, String, bindparam, func, literal, or_, select, type_coerce, union_all

from . import cache, paging, slugs
from .database import read_together
from .errors import not_found
from .extensions import db
from .models import Comment, CommentStatus, Post
from .post_reads import cached_post, post_from_rows, post_query, read_post
from .shapes import COMMENT
from .shaping import to_json

VISIBLE = (CommentStatus.APPROVED, CommentStatus.DELETED)

_C = Comment.__table__.c
_SHOWN_COLUMNS = COMMENT.columns()

# Pinned comments first in every sort: the flag is the first sort key, so that keyset paging over
# pinned and unpinned alike shows each comment once (ix_comments_pinned_oldest / _newest give both orders).
_PINNED: paging.SortKey = (_C.pinned, True)
SORTS: dict[str, list[paging.SortKey]] = {
    "oldest": [_PINNED, (_C.created_at, False), (_C.id, False)],
    "newest": [_PINNED, (_C.created_at, True), (_C.id, True)],
    "top": [_PINNED, (_C.like_count, True), (_C.created_at, False), (_C.id, False)],
}


def thread_json(slug: str, sort: str, limit: int, cursor: str | None, reader: str | None) -> bytes:
    """Return a page of the thread as JSON for this reader; first pages come from the cache."""
    if cursor is not None:
        return to_json(list_thread(slug, sort, limit, cursor, reader))
    if not slugs.is_slug(slug):
        raise not_found("Post")
    known: dict[str, Any] = {}
    comments, next_cursor, load = first_page_entries(slug, sort, limit, reader, known)
    post, (shown, after) = cached_post(slug, reader, comments, next_cursor, known=known, load=load)
    return to_json({**first_page_part(shown, after), "post": post})


def first_page_entries(
    slug: str, sort: str, limit: int, reader: str | None, known: dict[str, Any]
) -> tuple[cache.Entry, cache.Entry, Callable[[], Any]]:
    """Return the cache entries of a thread's first page (comments, next cursor) and the load that builds them.

    ``load`` reads the post into ``known["post"]`` with the page (404 if the
    post is unknown); pass both to :func:`post_reads.cached_post`, which
    fetches them with the post in one round trip.
    """

    def load() -> dict[str, Any]:
        # A change to the thread makes both the post (its count) and the page stale: read them together.
        if "page" not in known:
            post_rows, page_rows = read_together(
                post_query(slug, reader), (_FIRST_PAGES[sort], {"slug": slug, "limit": limit, "fetch": limit + 1})
            )
            known["post"] = post_from_rows(post_rows, reader)
            if known["post"] is None:
                raise not_found("Post")
            known["page"] = _thread(page_rows, sort, limit)
        return known["page"]

    comments = cache.thread_entry(slug, sort, limit, lambda: to_json(load()["comments"]))
    next_cursor = cache.thread_cursor_entry(slug, sort, limit, lambda: to_json(load()["next_cursor"]))
    return comments, next_cursor, load


def first_page_part(comments: bytes, next_cursor: bytes) -> dict[str, Any]:
    """The thread's ``{comments, next_cursor}`` from the cached bytes, as fragments (never parsed again)."""
    return {"comments": orjson.Fragment(comments), "next_cursor": orjson.Fragment(next_cursor)}


def list_thread(slug: str, sort: str, limit: int, cursor: str | None, reader: str | None) -> dict[str, Any]:
    """Return a page of top-level approved comments, each with its visible replies nested.

    Two queries whatever the page size and depth: the post (with its tags and
    the reader's like), and the page with every reply of its threads.
    """
    post = read_post(slug, reader)
    if post is None:
        raise not_found("Post")
    keys = SORTS[sort]
    after = paging.decode(f"thread:{sort}", cursor, len(keys)) if cursor else None
    statement = _page_statement(sort, after) if after is not None else _FIRST_PAGES[sort]
    rows = list(db.session.execute(statement, {"slug": slug, "limit": limit, "fetch": limit + 1}))
    return {"post": post.for_reader(), **_thread(rows, sort, limit)}


def _thread(rows: list[Any], sort: str, limit: int) -> dict[str, Any]:
    """Return ``{comments, next_cursor}`` from a page statement's rows."""
    top_rows, next_cursor = paging.page([row for row in rows if row.kind == 0], limit, f"thread:{sort}", SORTS[sort])
    top = [COMMENT.dump(row) for row in top_rows]
    replies = [COMMENT.dump(row) for row in rows if row.kind == 1]
    return {"comments": build_tree(top, replies), "next_cursor": next_cursor}


# The statuses a reader's thread shows, compared as plain text so that the
# driver takes them as they are (database.read_together sends no bind processing).
_SHOWN = or_(*(type_coerce(_C.status, String) == status.value for status in VISIBLE))


def _page_statement(sort: str, after: list[Any] | None) -> Select[Any]:
    """The top-level page of a post's thread (numbered in its order) and, through
    ``root_id``, every visible reply of the comments on it: one statement."""
    keys = SORTS[sort]
    order = paging.order_by(keys)
    post_id = select(Post.__table__.c.id).where(Post.__table__.c.slug == bindparam("slug")).scalar_subquery()
    page = select(*_SHOWN_COLUMNS, literal(0).label("kind"), func.row_number().over(order_by=order).label("pos")).where(
        _C.post_id == post_id, _C.parent_id.is_(None), _SHOWN
    )
    if after is not None:
        page = page.where(paging.after(keys, after))
    page_cte = page.order_by(*order).limit(bindparam("fetch")).cte("page")
    replies = select(*_SHOWN_COLUMNS, literal(1), literal(None)).where(
        _C.root_id.in_(select(page_cte.c.id).where(page_cte.c.pos <= bindparam("limit"))), _SHOWN
    )
    both = union_all(select(page_cte), replies).subquery()
    return select(both).order_by(both.c.kind, both.c.pos, both.c.created_at, both.c.id)


# First pages are the busiest reads: their statements are built once.
_FIRST_PAGES = {sort: _page_statement(sort, None) for sort in SORTS}

# Replies deeper than this are shown under their ancestor at this depth (their
# parent_id stays true): a thread stays readable on a phone, and no reader can
# build a chain deep enough to exhaust the recursion of nesting and dumping.
MAX_DEPTH = 8

Node = dict[str, Any]


def _depths(top: list[Node], nodes: dict[int, Node]) -> dict[int, int]:
    # Iterative, so a long chain costs no stack; -1 marks a reply cut off from its thread.
    depth = {c["id"]: 0 for c in top}
    for start in nodes.values():
        chain: list[Node] = []
        seen: set[int] = set()
        node: Node | None = start
        while node is not None and node["id"] not in depth and node["id"] not in seen:
            chain.append(node)
            seen.add(node["id"])
            node = nodes.get(node["parent_id"])
        level = depth[node["id"]] if node is not None and node["id"] in depth else -1
        for link in reversed(chain):
            level = level + 1 if level >= 0 else -1
            depth[link["id"]] = level
    return depth


def build_tree(top: list[Node], replies: list[Node]) -> list[Node]:
    """Nest replies under their parents (at most MAX_DEPTH deep); drop placeholders with nothing visible below."""
    nodes = {c["id"]: c for c in [*top, *replies]}
    depth = _depths(top, nodes)
    for reply in replies:
        if depth[reply["id"]] < 0:
            continue
        parent = nodes[reply["parent_id"]]
        while depth[parent["id"]] >= MAX_DEPTH:
            parent = nodes[parent["parent_id"]]
        parent["replies"].append(reply)

    def keep(comment: Node) -> bool:
        comment["replies"] = [r for r in comment["replies"] if keep(r)]
        return not comment["deleted"] or bool(comment["replies"])

    return [c for c in top if keep(c)]
