"""The blog's widgets: recent comments, popular tags, recent and related posts.

Each returns its JSON bytes from the cache, built here from the database on a
miss. Only approved comments and published posts are shown.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func, select

from . import cache, sanitize
from .errors import not_found
from .extensions import db
from .models import Comment, CommentStatus, Post, Tag, post_tags
from .posts import counts_json, is_slug, post_json
from .schemas import (
    PopularTagsArgsSchema,
    PopularTagsSchema,
    RecentCommentsArgsSchema,
    RecentCommentsSchema,
    RecentPostsArgsSchema,
    RecentPostsSchema,
    RelatedArgsSchema,
    RelatedPostsSchema,
    ThreadQueryArgsSchema,
    dumps,
)

RECENT_COMMENTS_SCHEMA = RecentCommentsSchema()
POPULAR_TAGS_SCHEMA = PopularTagsSchema()
RECENT_POSTS_SCHEMA = RecentPostsSchema()
RELATED_POSTS_SCHEMA = RelatedPostsSchema()


def recent_comments(limit: int) -> bytes:
    """Return the newest approved comments, site-wide, with a plain-text excerpt."""
    return cache.fetch(cache.widget_entry(cache.RECENT_COMMENTS, str(limit), lambda: _recent_comments(limit)))[0]


def popular_tags(limit: int) -> bytes:
    """Return the tags on the most posts, ties by name; tags on no post are left out."""
    return cache.fetch(cache.widget_entry(cache.POPULAR_TAGS, str(limit), lambda: _popular_tags(limit)))[0]


def recent_posts(limit: int) -> bytes:
    """Return the newest published posts with their comment and like counts."""
    return cache.fetch(cache.widget_entry(cache.RECENT_POSTS, str(limit), lambda: _recent_posts(limit)))[0]


def related_posts(slug: str, limit: int) -> bytes:
    """Return other published posts, most shared tags first, then newest; 404 if the post is unknown."""
    if not is_slug(slug):
        raise not_found("Post")
    return cache.fetch(cache.widget_entry(cache.RELATED, f"{slug}:{limit}", lambda: _related(slug, limit)))[0]


def refill_caches() -> int | None:
    """Drop every cached value, then fill the widgets and each post's cached reads; return the post count.

    None when Redis is absent or unreachable. Only the default queries are
    filled; others fill on their first read.
    """
    if not cache.drop_all():
        return None
    from .comments import thread_json  # comments imports posts; widgets stays below both

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
        select(Comment.id, Comment.author, Comment.body_html, Comment.created_at, Post.slug, Post.title, Post.url)
        .join(Post, Post.id == Comment.post_id)
        .where(Comment.status == CommentStatus.APPROVED)
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .limit(limit)
    )
    comments = [
        {
            "id": row.id,
            "post": {"slug": row.slug, "title": row.title, "url": row.url},
            "author": row.author,
            "excerpt": sanitize.excerpt(row.body_html),
            "created_at": row.created_at,
        }
        for row in rows
    ]
    return dumps(RECENT_COMMENTS_SCHEMA, {"comments": comments})


def _popular_tags(limit: int) -> bytes:
    rows = db.session.execute(
        select(Tag.name, Tag.post_count)
        .where(Tag.post_count > 0)
        .order_by(Tag.post_count.desc(), Tag.name)
        .limit(limit)
    )
    return dumps(POPULAR_TAGS_SCHEMA, {"tags": [{"name": row.name, "count": row.post_count} for row in rows]})


def _recent_posts(limit: int) -> bytes:
    rows = db.session.execute(
        select(Post.slug, Post.title, Post.url, Post.published_at, Post.comment_count, Post.like_count)
        .where(Post.published_at.is_not(None))
        .order_by(Post.published_at.desc(), Post.id.desc())
        .limit(limit)
    )
    return dumps(RECENT_POSTS_SCHEMA, {"posts": [row._asdict() for row in rows]})


def _related(slug: str, limit: int) -> bytes:
    post_id = db.session.scalar(select(Post.id).where(Post.slug == slug))
    if post_id is None:
        raise not_found("Post")
    its_tags = select(post_tags.c.tag_id).where(post_tags.c.post_id == post_id)
    shared = func.count(post_tags.c.tag_id).label("shared_tags")
    rows = db.session.execute(
        select(Post.slug, Post.title, Post.url, Post.published_at, shared)
        .outerjoin(post_tags, and_(post_tags.c.post_id == Post.id, post_tags.c.tag_id.in_(its_tags)))
        .where(Post.id != post_id, Post.published_at.is_not(None))
        .group_by(Post.id)
        .order_by(shared.desc(), Post.published_at.desc(), Post.id.desc())
        .limit(limit)
    )
    return dumps(RELATED_POSTS_SCHEMA, {"posts": [row._asdict() for row in rows]})
