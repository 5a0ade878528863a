"""Which cached groups a change makes stale: one group per post, one per widget, one for everything.

Domain functions announce what kind of data changed (:mod:`events`); this
map turns that into the groups to invalidate. A new widget names here the
kinds of change that alter it.
"""
from __future__ import annotations

from collections.abc import Iterable

from . import events

EVERYTHING = "all"
RECENT_COMMENTS = "w:recent-comments"
POPULAR_TAGS = "w:popular-tags"
RECENT_POSTS = "w:recent-posts"
RELATED = "w:related"


def post_group(slug: str) -> str:
    """Name the group of everything cached about one post."""
    return f"post:{slug}"


_WIDGETS_CHANGED_BY: dict[str, frozenset[str]] = {
    events.COMMENTS: frozenset({RECENT_COMMENTS, RECENT_POSTS}),  # excerpts, and comment_count
    events.POST: frozenset({RECENT_COMMENTS, RECENT_POSTS, RELATED}),  # titles and urls shown beside comments
    events.TAGS: frozenset({POPULAR_TAGS, RELATED}),
    events.LIKES: frozenset({RECENT_POSTS}),  # like_count
    events.COMMENT_LIKES: frozenset(),  # only the post's own thread pages show them
}
KNOWN_KINDS = frozenset(_WIDGETS_CHANGED_BY)


def groups_for(post_slug: str | None, kinds: Iterable[str]) -> set[str]:
    """Return the groups that a change of ``kinds`` of data of ``post_slug`` makes stale."""
    kinds = set(kinds)
    if post_slug is None or kinds - KNOWN_KINDS:
        return {EVERYTHING}  # a change we cannot place: start over rather than guess
    groups = {post_group(post_slug)}
    for kind in kinds:
        groups |= _WIDGETS_CHANGED_BY[kind]
    return groups
