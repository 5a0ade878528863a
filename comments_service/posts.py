"""Posts as other modules find them: by slug, and created on first use when readers write to an unknown one."""
from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import Row, Select, bindparam, select
from sqlalchemy.orm import lazyload

from . import slugs
from .database import insert_ignore, read_first
from .errors import invalid, not_found
from .extensions import db
from .models import Post
from .times import utcnow

_POSTS = Post.__table__.c


def require_slug(slug: str) -> str:
    """Return ``slug`` or raise 422 if it is not a valid slug."""
    if not slugs.is_slug(slug):
        raise invalid("slug", slugs.MESSAGE)
    return slug


def find_post(slug: str, with_tags: bool = True) -> Post | None:
    """Return the post with this slug, or None; without ``with_tags`` its tags load only if read."""
    if not slugs.is_slug(slug):
        return None
    query = select(Post).where(Post.slug == slug)
    if not with_tags:  # a reader's write never shows the tags: spare it the second query
        query = query.options(lazyload(Post.tags))
    return db.session.scalar(query)


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
    if slugs.is_slug(slug):
        row = read_first(statement, params)
        if row is not None:
            return row
    if not current_app.config["AUTO_CREATE_POSTS"]:
        require_slug(slug)
        raise not_found("Post")
    require_slug(slug)
    if not create:
        return None
    # Two first comments may race; the unique slug lets exactly one insert win.
    insert_ignore(Post.__table__, [new_post_row(slug, slug, None)])
    row = db.session.execute(statement, params).first()
    assert row is not None
    return row


def new_post_row(slug: str, title: str, url: str | None) -> dict[str, Any]:
    """Return the values of a new post's row."""
    now = utcnow()
    return {
        "slug": slug, "title": title, "url": url, "created_at": now, "updated_at": now,
        "comment_count": 0, "like_count": 0,
    }
