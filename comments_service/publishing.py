"""The blog's publishing system: posts created, changed and deleted, with their tags and the tags' counts."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update

from . import events
from .database import insert_ignore
from .errors import invalid, not_found
from .extensions import db
from .models import Post, Tag
from .posts import find_post, new_post_row, require_slug
from .times import storable, utcnow

MAX_TAGS = 20


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
    published_at = _published_at(data.get("published_at"))
    created = find_post(slug) is None
    if created:
        insert_ignore(Post.__table__, [new_post_row(slug, data["title"], data["url"])])
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
        post.published_at = utcnow()
    return post, created, bool(added or removed)


def _published_at(value: datetime | None) -> datetime | None:
    # Checked before anything is written: a time no read could turn back would break every read of the post.
    try:
        return None if value is None else storable(value)
    except ValueError as error:
        raise invalid("published_at", str(error)) from None


def delete_post(slug: str) -> None:
    """Delete a post with its comments and likes; its tags' counts follow."""
    post = find_post(slug)
    if post is None:
        raise not_found("Post")
    _shift_tag_counts([tag.id for tag in post.tags], -1)
    db.session.execute(delete(Post).where(Post.id == post.id))
    db.session.commit()
    events.notify(slug, events.POST, events.TAGS, events.COMMENTS, events.LIKES)
