"""The blog's widgets: recent comments, popular tags, recent and related posts.

Each returns its JSON bytes from the cache, built here from the database on a
miss. Only approved comments and published posts are shown.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func, select

from . import cache, slugs
from .cache_groups import POPULAR_TAGS, RECENT_COMMENTS, RECENT_POSTS, RELATED
from .errors import not_found
from .extensions import db
from .models import Comment, CommentStatus, Post, Tag, post_tags
from .post_reads import counts_json, post_json
from .schemas.comments import ThreadQueryArgsSchema
from .schemas.widgets import PopularTagsArgsSchema, RecentCommentsArgsSchema, RecentPostsArgsSchema, RelatedArgsSchema
from .shapes import RECENT_COMMENT, RECENT_POST, RELATED_POST, TAG_COUNT
from .shaping import to_json
from .threads import thread_json


def recent_comments(limit: int) -> bytes:
    """Return the newest approved comments, site-wide, with a plain-text excerpt."""
    return cache.fetch(recent_comments_entry(limit))[0]


def popular_tags(limit: int) -> bytes:
    """Return the tags on the most posts, ties by name; tags on no post are left out."""
    return cache.fetch(popular_tags_entry(limit))[0]


def recent_posts(limit: int) -> bytes:
    """Return the newest published posts with their comment and like counts."""
    return cache.fetch(recent_posts_entry(limit))[0]


def recent_comments_entry(limit: int) -> cache.Entry:
    """The cache entry of :func:`recent_comments` (to fetch with others in one round trip)."""
    return cache.widget_entry(RECENT_COMMENTS, str(limit), lambda: _recent_comments(limit))


def popular_tags_entry(limit: int) -> cache.Entry:
    """The cache entry of :func:`popular_tags`."""
    return cache.widget_entry(POPULAR_TAGS, str(limit), lambda: _popular_tags(limit))


def recent_posts_entry(limit: int) -> cache.Entry:
    """The cache entry of :func:`recent_posts`."""
    return cache.widget_entry(RECENT_POSTS, str(limit), lambda: _recent_posts(limit))


def related_posts(slug: str, limit: int) -> bytes:
    """Return other published posts, most shared tags first, then newest; 404 if the post is unknown."""
    if not slugs.is_slug(slug):
        raise not_found("Post")
    return cache.fetch(cache.widget_entry(RELATED, f"{slug}:{limit}", lambda: _related(slug, limit)))[0]


def refill_caches() -> int | None:
    """Drop every cached value, then fill the widgets and each post's cached reads; return the post count.

    None when Redis is absent or unreachable. Only the default queries are
    filled; others fill on their first read.
    """
    if not cache.drop_all():
        return None
    def default(schema: type, name: str = "limit") -> Any:
        return schema().fields[name].load_default

    recent_comments(default(RecentCommentsArgsSchema))
    popular_tags(default(PopularTagsArgsSchema))
    recent_posts(default(RecentPostsArgsSchema))
    sort, limit = default(ThreadQueryArgsSchema, "sort"), default(ThreadQueryArgsSchema)
    slugs = list(db.session.scalars(select(Post.slug).order_by(Post.id)))
    for start in range(0, len(slugs), 100):
        batch = slugs[start:start + 100]
        counts_json(batch)
        for slug in batch:
            post_json(slug, None)
            thread_json(slug, sort, limit, None, None)
            related_posts(slug, default(RelatedArgsSchema))
        db.session.expunge_all()  # keep memory flat on a large site
    return len(slugs)


def _recent_comments(limit: int) -> bytes:
    rows = db.session.execute(
        select(*RECENT_COMMENT.columns())
        .join(Post, Post.id == Comment.post_id)
        .where(Comment.status == CommentStatus.APPROVED)
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .limit(limit)
    )
    return to_json({"comments": [RECENT_COMMENT.dump(row) for row in rows]})


def _popular_tags(limit: int) -> bytes:
    rows = db.session.execute(
        select(*TAG_COUNT.columns())
        .where(Tag.post_count > 0)
        .order_by(Tag.post_count.desc(), Tag.name)
        .limit(limit)
    )
    return to_json({"tags": [TAG_COUNT.dump(row) for row in rows]})


def _recent_posts(limit: int) -> bytes:
    rows = db.session.execute(
        select(*RECENT_POST.columns())
        .where(Post.published_at.is_not(None))
        .order_by(Post.published_at.desc(), Post.id.desc())
        .limit(limit)
    )
    return to_json({"posts": [RECENT_POST.dump(row) for row in rows]})


def _related(slug: str, limit: int) -> bytes:
    post_id = db.session.scalar(select(Post.id).where(Post.slug == slug))
    if post_id is None:
        raise not_found("Post")
    its_tags = select(post_tags.c.tag_id).where(post_tags.c.post_id == post_id)
    shared = func.count(post_tags.c.tag_id).label("shared_tags")
    rows = db.session.execute(
        select(*RELATED_POST.columns(), shared)
        .outerjoin(post_tags, and_(post_tags.c.post_id == Post.id, post_tags.c.tag_id.in_(its_tags)))
        .where(Post.id != post_id, Post.published_at.is_not(None))
        .group_by(Post.id)
        .order_by(shared.desc(), Post.published_at.desc(), Post.id.desc())
        .limit(limit)
    )
    return to_json({"posts": [RELATED_POST.dump(row) for row in rows]})
