"""The page bundle: every widget of a blog page in one answer, from the same cached pieces as their own endpoints.

A blog page shows a post's like button and thread, and the sidebar's recent
comments, popular tags and recent posts. Each part here is what its own
endpoint answers (the thread without its post, which is a part of its own):
the same cache entries, fetched together in one round trip (or from this
process's copies), and composed with orjson fragments, so the cached bytes are
neither parsed again nor kept a second time.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from . import cache, slugs, threads, widgets
from .errors import not_found
from .post_reads import cached_post
from .schemas.page import PARTS, WIDGET_PARTS
from .shaping import to_json

WIDGET_ENTRIES: dict[str, Callable[[int], cache.Entry]] = {
    "recent-comments": widgets.recent_comments_entry,
    "popular-tags": widgets.popular_tags_entry,
    "recent-posts": widgets.recent_posts_entry,
}

assert set(WIDGET_ENTRIES) == set(WIDGET_PARTS)


def page_json(query: dict[str, Any], reader: str | None) -> bytes:
    """Return the page's parts as one JSON object; 404 if the post is named and unknown.

    ``query`` is what ``PageQueryArgsSchema`` loaded: ``post`` (or None),
    ``include`` (None: every part, a post's only with a post), and each part's options.
    """
    post = query["post"]
    parts = query["include"] or [name for name in PARTS if post is not None or name in WIDGET_ENTRIES]
    limits = {name: query[name.replace("-", "_") + "_limit"] for name in WIDGET_ENTRIES}
    widget_parts = [name for name in parts if name in WIDGET_ENTRIES]
    entries = [WIDGET_ENTRIES[name](limits[name]) for name in widget_parts]
    body: dict[str, Any] = {}
    if post is None:
        found = cache.fetch(*entries) if entries else []
    else:
        if not slugs.is_slug(post):
            raise not_found("Post")
        known: dict[str, Any] = {}
        load = None
        if "thread" in parts:
            comments, next_cursor, load = threads.first_page_entries(
                post, query["thread_sort"], query["thread_limit"], reader, known
            )
            entries = [comments, next_cursor, *entries]
        body["post"], found = cached_post(post, reader, *entries, known=known, load=load)
        if "thread" in parts:
            body["thread"] = threads.first_page_part(found[0], found[1])
            found = found[2:]
    for name, value in zip(widget_parts, found, strict=True):
        body[name] = orjson.Fragment(value)
    return to_json(body)
