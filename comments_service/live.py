"""Live updates: what a committed change tells the pages that have a post's stream (or the site's) open.

The domain announces each committed change (``events.notify``, with the
comments whose public version it may have altered and whether each was
public before). Here, after that commit, one statement reads those comments
and the post's counts (nothing, when the change's own statement returned the
counts: a new like), and the events go to the store (:mod:`live_store`):

- a comment that became public: ``comment`` on the post's stream (the comment
  as the thread shows it, ``shapes.COMMENT``) and on the site's (the
  recent-comments item, ``shapes.RECENT_COMMENT``);
- a public comment that changed: ``comment-updated``, the same shapes;
- a public comment that is no longer public: ``comment-removed`` ``{"id"}``;
- any change of its comments or likes: ``counts`` of the post
  (``{"comment_count", "like_count"}``; on the site's stream with ``post``).

Pending, rejected and spam comments never reach a stream: only a comment read
back as approved is shown, and of one that left, only its id.

The moderation desk has a stream of its own, scope ``desk:queue`` (not a slug,
nor ``site``: no reader's route can name it): a ``queued`` event
``{"id", "post", "status", "reported"}`` for each comment that took a place in
the desk's lists (``events.notify``'s ``queued``), built without reading
anything and sent in the same round trip as the change's public events. No
text: the desk reads the comment itself.
"""
from __future__ import annotations

import functools
import logging
from collections.abc import Iterator, Mapping
from typing import Any

import orjson
from flask import Flask, current_app, has_app_context
from sqlalchemy import Select, and_, bindparam, select

from . import events, slugs
from .database import read_first, read_together, standalone_statements, transactions_again
from .errors import not_found
from .live_hub import Hub, Settings
from .live_store import LocalLog, RedisLog
from .models import Comment, CommentStatus, Post
from .shapes import COMMENT, RECENT_COMMENT

log = logging.getLogger(__name__)

SITE = "site"
DESK = "desk:queue"
_P = Post.__table__.c


def _columns() -> list[Any]:
    found: dict[str, Any] = {}
    for column in (*COMMENT.columns(), *RECENT_COMMENT.columns()):
        found.setdefault(column.name, column)
    found.setdefault("status", Comment.__table__.c.status.label("status"))
    return [*found.values(), _P.comment_count.label("post_comment_count"), _P.like_count.label("post_like_count")]


def init_app(app: Flask) -> None:
    """Give the app its event store (Redis when configured, else this process) and its hub; follow the changes."""
    client = app.extensions["redis_client"]
    store = RedisLog(client) if client.enabled else LocalLog()
    settings = Settings(keepalive=float(app.config["LIVE_KEEPALIVE_SECONDS"]),
                        lifetime=float(app.config["LIVE_STREAM_SECONDS"]),
                        counts_every=float(app.config["LIVE_COUNTS_SECONDS"]))
    app.extensions["live"] = Hub(store, settings)
    events.changed.connect(_on_changed)


def hub() -> Hub:
    """Return the current app's hub."""
    return current_app.extensions["live"]


def post_stream(slug: str, last_event_id: str | None, with_site: bool = False) -> Iterator[bytes]:
    """Return the event stream of one post (404 for a slug that can name no post).

    ``with_site`` adds the site's events, named ``site-comment`` and so on: one stream for a whole page.
    """
    if not slugs.is_slug(slug):
        raise not_found("Post")
    return hub().stream((slug, SITE) if with_site else (slug,), last_event_id)


def site_stream(last_event_id: str | None) -> Iterator[bytes]:
    """Return the event stream of the whole site (the sidebar widgets)."""
    return hub().stream((SITE,), last_event_id)


def desk_stream(last_event_id: str | None) -> Iterator[bytes]:
    """Return the moderation desk's event stream (only for a desk session: its route checks)."""
    return hub().stream((DESK,), last_event_id)


def desk_since() -> str:
    """Return the id of the desk's newest event: a desk page opens its stream from there (nothing falls between)."""
    return hub().store.tail(DESK)


def _on_changed(sender: Any, post_slug: str | None = None, kinds: frozenset[str] = frozenset(),
                comments: Mapping[int, bool] | None = None, queued: Mapping[int, events.Placed] | None = None,
                counts: Mapping[str, int] | None = None, shown: Mapping[int, Any] | None = None,
                **_: Any) -> None:
    if post_slug is None or not has_app_context() or "live" not in current_app.extensions:
        return
    found = desk_events(post_slug, queued or {})
    if counts is not None and set(comments or {}) <= set(shown or {}):  # the change knows all: nothing to read
        found = written(post_slug, dict(comments or {}), dict(shown or {}), counts) + found
    elif kinds & {events.COMMENTS, events.LIKES} or comments:
        try:
            found = publish(post_slug, dict(comments or {})) + found
        except Exception:  # the change is committed: a stream that misses it must not fail the request
            log.exception("live events: could not publish the change of %s", post_slug)
    if found and not hub().store.append(found):
        log.warning("live events: Redis is unavailable; %d event(s) of %s were not sent", len(found), post_slug)


def publish(slug: str, comments: dict[int, bool]) -> list[tuple[str, str, str]]:
    """Return the events of a committed change of ``slug``: read its comments and counts in one statement.

    Straight to the driver where it can (``database.read_together``), and on
    its own (no transaction): the change is committed, this only reads.
    """
    ids = sorted(comments)
    standalone_statements()
    try:
        if ids:
            params = {"slug": slug, **{f"comment_{i}": value for i, value in enumerate(ids)}}
            rows = read_together((_read(len(ids)), params))[0]
        else:
            row = read_first(_COUNTS, {"slug": slug})
            rows = [] if row is None else [row]
    finally:
        transactions_again()  # whatever the caller does next runs in a transaction again
    if not rows:
        return []  # the post is gone (deleted with its comments): nothing to show
    shown = {row.id: row for row in rows if ids and row.id is not None and row.status == CommentStatus.APPROVED}
    return written(slug, comments, shown, {"comment_count": rows[0].post_comment_count,
                                           "like_count": rows[0].post_like_count})


def written(slug: str, comments: dict[int, bool], shown: Mapping[int, Any],
            counts: Mapping[str, int]) -> list[tuple[str, str, str]]:
    """Return the events of ``comments`` (each with whether it was public) given the public ones, as ``shown``.

    ``shown`` holds what the shapes read of each public comment (its columns,
    and its post's ``slug``, ``title`` and ``url``); a comment not in it is no
    longer public.
    """
    out: list[tuple[str, str, str]] = []
    for comment_id in sorted(comments):
        was, row = comments[comment_id], shown.get(comment_id)
        if row is not None:
            name = "comment-updated" if was else "comment"
            out.append((slug, name, _json(COMMENT.dump(row))))
            out.append((SITE, name, _json(RECENT_COMMENT.dump(row))))
        elif was:
            gone = _json({"id": comment_id})
            out += [(slug, "comment-removed", gone), (SITE, "comment-removed", gone)]
    return out + count_events(slug, counts)


def count_events(slug: str, counts: Mapping[str, int]) -> list[tuple[str, str, str]]:
    """Return the ``counts`` events of the post's stream and the site's, from ``comment_count`` and ``like_count``."""
    shown = {"comment_count": counts["comment_count"], "like_count": counts["like_count"]}
    return [(slug, "counts", _json(shown)), (SITE, "counts", _json({"post": slug, **shown}))]


def desk_events(slug: str, queued: Mapping[int, events.Placed]) -> list[tuple[str, str, str]]:
    """Return the desk's events for comments of ``slug`` that took a place in its lists (nothing is read)."""
    return [(DESK, "queued", _json({"id": comment_id, "post": slug, "status": place.status,
                                    "reported": place.reported}))
            for comment_id, place in sorted(queued.items())]


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


_COLUMNS = _columns()
_COUNTS = select(_P.comment_count.label("post_comment_count"), _P.like_count.label("post_like_count")).where(
    _P.slug == bindparam("slug"))


@functools.lru_cache(maxsize=32)
def _read(count: int) -> Select[Any]:
    # A post's counts and ``count`` of its comments (parameters comment_0, ...): compiled once per count.
    ids = [bindparam(f"comment_{i}") for i in range(count)]
    on = and_(Comment.post_id == Post.id, Comment.id.in_(ids))
    return select(*_COLUMNS).select_from(Post).outerjoin(Comment, on).where(_P.slug == bindparam("slug"))
