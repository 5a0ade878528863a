"""Reading posts as readers see them: one post with its tags and the reader's like, and the counts of many."""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, NamedTuple

import orjson
from flask import g
from sqlalchemy import bindparam, exists, select

from . import cache, slugs
from .database import read_together
from .errors import invalid, not_found
from .extensions import db
from .models import Post, PostLike, Tag, post_tags
from .shapes import POST
from .shaping import to_json

_POSTS, _TAGS = Post.__table__.c, Tag.__table__.c
_WITH_TAGS = Post.__table__.outerjoin(post_tags, post_tags.c.post_id == _POSTS.id).outerjoin(
    Tag.__table__, Tag.__table__.c.id == post_tags.c.tag_id
)


class PostRead(NamedTuple):
    """A post as readers get it: its shape as every reader sees it (``liked`` false), its id, the reader's like.

    ``liked`` is None when the post was read for no reader.
    """

    id: int
    shown: dict[str, Any]
    liked: bool | None

    def for_reader(self) -> dict[str, Any]:
        """Return the post as this read's reader sees it."""
        return {**self.shown, "liked": bool(self.liked)}


class _Tagged:
    """The first row of a post read, with the names of every row's tag: what POST.dump reads."""

    __slots__ = ("row", "tag_names")

    def __init__(self, row: Any, tag_names: list[str]) -> None:
        self.row, self.tag_names = row, tag_names

    def __getattr__(self, name: str) -> Any:
        return getattr(self.row, name)


def _post_statement(with_reader: bool) -> Any:
    columns: list[Any] = [_POSTS.id.label("post_id"), *POST.columns(), _TAGS.name.label("tag_name")]
    if with_reader:
        columns.append(
            exists().where(PostLike.post_id == _POSTS.id, PostLike.reader_hash == bindparam("reader")).label("liked")
        )
    return select(*columns).select_from(_WITH_TAGS).where(_POSTS.slug == bindparam("slug")).order_by(_TAGS.name)


# Built once: a post is read on every cache miss of every widget that shows one.
_POST_STATEMENTS = {False: _post_statement(False), True: _post_statement(True)}


def post_query(slug: str, reader: str | None) -> tuple[Any, dict[str, Any]]:
    """The statement and values that read a post for readers (see :func:`post_from_rows`)."""
    return _POST_STATEMENTS[reader is not None], {"slug": slug, "reader": reader}


def post_from_rows(rows: list[Any], reader: str | None) -> PostRead | None:
    """Make the :class:`PostRead` of :func:`post_query`'s rows (one per tag); None if there are none."""
    if not rows:
        return None
    first = rows[0]
    shown = POST.dump(_Tagged(first, [row.tag_name for row in rows if row.tag_name is not None]))
    return PostRead(first.post_id, shown, bool(first.liked) if reader is not None else None)


def read_post(slug: str, reader: str | None = None) -> PostRead | None:
    """Read a post for readers in one statement (a row per tag); None if unknown."""
    if not slugs.is_slug(slug):
        return None
    return post_from_rows(read_together(post_query(slug, reader))[0], reader)


def shown_bytes(post: PostRead | None) -> bytes:
    """The JSON every reader gets for ``post`` (``liked`` false); 404 if there is no post."""
    if post is None:
        raise not_found("Post")
    return to_json(post.shown)


def liked_flag(slug: str, reader: str, known: dict[str, Any] | None = None) -> bytes:
    """Return b"1" if the reader likes the post, else b"0"; from ``known["post"]`` if it was read for them."""
    post = (known or {}).get("post")
    if post is not None and post.liked is not None:
        return b"1" if post.liked else b"0"
    found = db.session.scalar(
        select(PostLike.id)
        .join(Post, Post.id == PostLike.post_id)
        .where(Post.slug == slug, PostLike.reader_hash == reader)
        .limit(1)
    )
    return b"1" if found is not None else b"0"


def cached_post(
    slug: str, reader: str | None, *more: cache.Entry, known: dict[str, Any] | None = None,
    load: Callable[[], Any] | None = None,
) -> tuple[dict[str, Any], list[bytes]]:
    """Return the post as this reader sees it, from the cache when it can, and the values of ``more`` entries.

    The post and the reader's like are cached apart (every reader shares the
    first). On a miss the post is read into ``known["post"]``, by ``load`` if
    given (which reads it together with what ``more`` needs).
    """
    known = {} if known is None else known

    def build() -> bytes:
        if load is not None:
            load()
        elif "post" not in known:
            known["post"] = read_post(slug, reader)
        return shown_bytes(known.get("post"))

    entries = [cache.post_entry(slug, build), *more]
    if reader is not None:
        entries.append(cache.liked_entry(slug, reader, lambda: liked_flag(slug, reader, known)))
    found = cache.fetch(*entries)
    post = orjson.loads(found[0])
    post["liked"] = reader is not None and found[-1] == b"1"
    return post, found[1:1 + len(more)]


def post_json(slug: str, reader: str | None) -> bytes:
    """Return the post as JSON for this reader, from the cache when it can; 404 if unknown."""
    if not slugs.is_slug(slug):
        raise not_found("Post")
    return to_json(cached_post(slug, reader)[0])


def counts_json(post_slugs: list[str]) -> bytes:
    """Return ``{"counts": {slug: {comments, likes}}}`` as JSON, from the cache when it can."""
    wanted = tuple(sorted(set(post_slugs)))
    g.pop("post_counts", None)  # counts read for an earlier call are not reused
    members = cache.fetch(*_counts_entries(wanted))
    return to_json({"counts": dict(zip(wanted, map(orjson.Fragment, members), strict=True))})


@functools.lru_cache(maxsize=512)
def _counts_entries(wanted: tuple[str, ...]) -> tuple[cache.Entry, ...]:
    # A blog page asks for the same posts on every view: their entries are made once.
    _check_slugs(wanted)
    return tuple(cache.counts_entry(slug, functools.partial(_count_member, slug, wanted)) for slug in wanted)


def _count_member(slug: str, wanted: tuple[str, ...]) -> bytes:
    # One query for every slug of the request, at its first miss. An unknown
    # post counts zero, and leaves nothing in the cache: anyone can ask for any slug.
    if "post_counts" not in g:
        g.post_counts = _known_counts(list(wanted))
    found = g.post_counts.get(slug)
    return to_json(found) if found is not None else cache.Transient(to_json({"comments": 0, "likes": 0}))


def _check_slugs(post_slugs: tuple[str, ...] | list[str]) -> None:
    for slug in post_slugs:
        if not slugs.is_slug(slug):
            raise invalid("post", f"Not a valid post slug: {slug[:200]!r}.")


def _known_counts(post_slugs: list[str]) -> dict[str, dict[str, int]]:
    rows = db.session.execute(
        select(Post.slug, Post.comment_count, Post.like_count).where(Post.slug.in_(set(post_slugs)))
    )
    return {row.slug: {"comments": row.comment_count, "likes": row.like_count} for row in rows}

