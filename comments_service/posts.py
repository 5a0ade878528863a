"""Posts and their tags: lookup, creation on first use, publishing, counts."""
from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timezone
from functools import partial
from typing import Any, NamedTuple

import orjson
from flask import current_app, g
from sqlalchemy import Row, Select, bindparam, delete, exists, select, update
from sqlalchemy.orm import lazyload

from . import cache, events
from .errors import invalid, not_found
from .extensions import db
from .models import Post, PostLike, Tag, iso, post_tags
from .sql import insert_ignore, read_together

SLUG_RE = re.compile(r"[A-Za-z0-9_-]{1,200}")
MAX_TAGS = 20


def is_slug(slug: str) -> bool:
    """Tell whether ``slug`` is 1-200 letters, digits, '-' or '_'."""
    return SLUG_RE.fullmatch(slug) is not None


def require_slug(slug: str) -> str:
    """Return ``slug`` or raise 422 if it is not a valid slug."""
    if not is_slug(slug):
        raise invalid("slug", "1-200 characters of letters, digits, '-' and '_'.")
    return slug


def find_post(slug: str, with_tags: bool = True) -> Post | None:
    """Return the post with this slug, or None; without ``with_tags`` its tags load only if read."""
    if not is_slug(slug):
        return None
    query = select(Post).where(Post.slug == slug)
    if not with_tags:  # a reader's write never shows the tags: spare it the second query
        query = query.options(lazyload(Post.tags))
    return db.session.scalar(query)


def post_json(slug: str, reader: str | None) -> bytes:
    """Return the post as JSON for this reader, from the cache when it can; 404 if unknown."""
    if not is_slug(slug):
        raise not_found("Post")
    known: dict[str, Any] = {}
    entries = [cache.post_entry(slug, lambda: post_bytes(slug, known, reader))]
    if reader is not None:
        entries.append(cache.liked_entry(slug, reader, lambda: liked_flag(slug, reader, known)))
    found = cache.fetch(*entries)
    return with_liked(found[0], len(found) > 1 and found[1] == b"1")


# The columns a reader sees, read as plain rows: the read path builds no ORM objects.
_POSTS, _TAGS = Post.__table__.c, Tag.__table__.c
_READER_COLUMNS = (_POSTS.id, _POSTS.slug, _POSTS.title, _POSTS.url, _POSTS.published_at,
                   _POSTS.comment_count, _POSTS.like_count, _TAGS.name)
_WITH_TAGS = Post.__table__.outerjoin(post_tags, post_tags.c.post_id == _POSTS.id).outerjoin(
    Tag.__table__, Tag.__table__.c.id == post_tags.c.tag_id
)


class PostRead(NamedTuple):
    """A post as readers get it: PostSchema's dump (``liked`` false), its id, the reader's like.

    ``liked`` is None when the post was read for no reader.
    """

    id: int
    shown: dict[str, Any]
    liked: bool | None


def _post_statement(with_reader: bool) -> Any:
    columns: list[Any] = list(_READER_COLUMNS)
    if with_reader:
        columns.append(
            exists().where(PostLike.post_id == _POSTS.id, PostLike.reader_hash == bindparam("reader"))
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
    post_id, slug, title, url, published_at, comment_count, like_count = rows[0][:7]
    shown = {
        "comment_count": comment_count, "like_count": like_count, "liked": False,
        "published_at": iso(published_at), "slug": slug, "tags": [row[7] for row in rows if row[7] is not None],
        "title": title, "url": url,
    }
    return PostRead(post_id, shown, bool(rows[0][8]) if reader is not None else None)


def read_post(slug: str, reader: str | None = None) -> PostRead | None:
    """Read a post for readers in one statement (a row per tag); None if unknown."""
    if not is_slug(slug):
        return None
    return post_from_rows(read_together(post_query(slug, reader))[0], reader)


def post_bytes(slug: str, known: dict[str, Any] | None = None, reader: str | None = None) -> bytes:
    """Build the post's JSON as every reader sees it (``liked`` false).

    With ``known``, the :class:`PostRead` is left there (``known["post"]``);
    with ``reader`` too, it carries whether that reader likes the post, so
    that the liked flag costs no second query.
    """
    post = read_post(slug, reader)
    if known is not None:
        known["post"] = post
    return shown_bytes(post)


def shown_bytes(post: PostRead | None) -> bytes:
    """The JSON every reader gets for ``post`` (``liked`` false); 404 if there is no post."""
    if post is None:
        raise not_found("Post")
    return orjson.dumps(post.shown, option=orjson.OPT_SORT_KEYS)


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


def with_liked(post_json: bytes, liked: bool) -> bytes:
    """Turn the shared post JSON into this reader's.

    Safe as a byte replacement: keys are sorted, so the real ``liked`` key comes
    before any string field, and a quote inside a JSON string is always escaped.
    """
    return post_json.replace(b'"liked":false', b'"liked":true', 1) if liked else post_json


# A write needs the post's id and slug only: a plain row, not the ORM entity.
FOR_WRITE = select(_POSTS.id, _POSTS.slug).where(_POSTS.slug == bindparam("slug"))


def post_for_write(
    slug: str, statement: Select[Any] = FOR_WRITE, params: dict[str, Any] | None = None, create: bool = True,
) -> Row[Any] | None:
    """Return the row (``id``, ``slug``) of the post readers write to, creating the post when AUTO_CREATE_POSTS allows.

    ``statement`` may read more in the same round trip: it selects ``posts.id``
    and ``posts.slug`` first, from ``posts`` where the slug is the ``slug``
    parameter; ``params`` are its other parameters. Without ``create``, a
    post that would have been created is None instead.
    """
    params = {**(params or {}), "slug": slug}
    if is_slug(slug):
        row = db.session.execute(statement, params).first()
        if row is not None:
            return row
    if not current_app.config["AUTO_CREATE_POSTS"]:
        require_slug(slug)
        raise not_found("Post")
    require_slug(slug)
    if not create:
        return None
    # Two first comments may race; the unique slug lets exactly one insert win.
    insert_ignore(Post.__table__, [_new_post_row(slug, slug, None)])
    row = db.session.execute(statement, params).first()
    assert row is not None
    return row


def _new_post_row(slug: str, title: str, url: str | None) -> dict[str, Any]:
    now = datetime.now(timezone.utc)
    return {
        "slug": slug, "title": title, "url": url, "created_at": now, "updated_at": now,
        "comment_count": 0, "like_count": 0,
    }


def normalize_tags(names: Iterable[str]) -> list[str]:
    """Trim, lower-case and de-duplicate tag names; 422 for an empty or long one."""
    out: list[str] = []
    for index, raw in enumerate(names):
        name = " ".join(raw.split()).lower()
        if not 1 <= len(name) <= 50:
            raise invalid(f"tags.{index}", "A tag is 1-50 characters after trimming.")
        if name not in out:
            out.append(name)
    if len(out) > MAX_TAGS:
        raise invalid("tags", f"At most {MAX_TAGS} tags.")
    return out


def _tags_named(names: list[str]) -> list[Tag]:
    if not names:
        return []
    insert_ignore(Tag.__table__, [{"name": n, "post_count": 0} for n in names])
    return list(db.session.scalars(select(Tag).where(Tag.name.in_(names))))


def _shift_tag_counts(tag_ids: list[int], delta: int) -> None:
    if tag_ids:
        db.session.execute(
            update(Tag).where(Tag.id.in_(tag_ids)).values(post_count=Tag.post_count + delta)
        )


def put_post(slug: str, data: dict[str, Any]) -> tuple[Post, bool]:
    """Create or update a post from the publishing system; return it and whether it is new."""
    post, created, tags_changed = save_post(slug, data)
    db.session.commit()
    events.notify(slug, events.POST, *((events.TAGS,) if tags_changed else ()))
    db.session.refresh(post)
    return post, created


def save_post(slug: str, data: dict[str, Any]) -> tuple[Post, bool, bool]:
    """Create or update a post and its tag counts without committing.

    Returns the post, whether it is new, and whether its tags changed.
    """
    require_slug(slug)
    names = normalize_tags(data.get("tags", []))
    published_at = data.get("published_at")
    if published_at is not None and published_at.tzinfo is None:
        published_at = published_at.replace(tzinfo=timezone.utc)
    created = find_post(slug) is None
    if created:
        insert_ignore(Post.__table__, [_new_post_row(slug, data["title"], data["url"])])
    post = db.session.scalar(select(Post).where(Post.slug == slug).with_for_update())
    assert post is not None
    old = {tag.name: tag for tag in post.tags}
    added = [n for n in names if n not in old]
    removed = [tag.id for name, tag in old.items() if name not in names]
    new_tags = {tag.name: tag for tag in _tags_named(added)}
    _shift_tag_counts([t.id for t in new_tags.values()], +1)
    _shift_tag_counts(removed, -1)
    post.tags = [old.get(n) or new_tags[n] for n in names]
    post.title = data["title"]
    post.url = data["url"]
    if "published_at" in data:
        post.published_at = published_at
    elif post.published_at is None:
        post.published_at = datetime.now(timezone.utc)
    return post, created, bool(added or removed)


def delete_post(slug: str) -> None:
    """Delete a post with its comments and likes; its tags' counts follow."""
    post = find_post(slug)
    if post is None:
        raise not_found("Post")
    _shift_tag_counts([tag.id for tag in post.tags], -1)
    db.session.execute(delete(Post).where(Post.id == post.id))
    db.session.commit()
    events.notify(slug, events.POST, events.TAGS, events.COMMENTS, events.LIKES)


def counts_json(slugs: list[str]) -> bytes:
    """Return ``{"counts": {slug: {comments, likes}}}`` as JSON, from the cache when it can."""
    wanted = tuple(sorted(set(slugs)))
    entries = _COUNTS_ENTRIES.get(wanted)
    if entries is None:
        # A blog page asks for the same posts on every view: their entries are made once.
        _check_slugs(slugs)
        entries = tuple(cache.counts_entry(slug, partial(_count_member, slug, wanted)) for slug in wanted)
        if len(_COUNTS_ENTRIES) >= 512:
            _COUNTS_ENTRIES.clear()
        _COUNTS_ENTRIES[wanted] = entries
    g.pop("post_counts", None)  # counts read for an earlier call are not reused
    members = cache.fetch(*entries)
    return b'{"counts":{' + b",".join(members) + b"}}"


_COUNTS_ENTRIES: dict[tuple[str, ...], tuple[cache.Entry, ...]] = {}


def _count_member(slug: str, wanted: tuple[str, ...]) -> bytes:
    # One query for every slug of the request, at its first miss. The value is
    # the member of the answer's object, so that an answer is one join.
    found = g.setdefault("post_counts", {})
    if slug not in found:
        found.update(counts(list(wanted)))
    return orjson.dumps({slug: found[slug]}, option=orjson.OPT_SORT_KEYS)[1:-1]


def _check_slugs(slugs: list[str]) -> None:
    for index, slug in enumerate(slugs):
        if not is_slug(slug):
            raise invalid(f"post.{index}", "Not a valid post slug.")


def counts(slugs: list[str]) -> dict[str, dict[str, int]]:
    """Return approved-comment and like counts per slug; unknown slugs count zero."""
    _check_slugs(slugs)
    found = {
        row.slug: {"comments": row.comment_count, "likes": row.like_count}
        for row in db.session.execute(
            select(Post.slug, Post.comment_count, Post.like_count).where(Post.slug.in_(set(slugs)))
        )
    }
    return {slug: found.get(slug, {"comments": 0, "likes": 0}) for slug in slugs}

