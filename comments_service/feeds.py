"""Atom feeds of approved comments, site-wide and per post.

Built with ElementTree, which escapes every text and attribute; characters
that XML 1.0 cannot carry at all are dropped first. No e-mail, IP or reader
token is ever put in a feed.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from . import links, urls
from .errors import not_found
from .extensions import db
from .models import Comment, CommentStatus, Post
from .posts import find_post
from .times import iso, utcnow

ATOM = "http://www.w3.org/2005/Atom"
FEED_SIZE = 50
# Tag URIs (RFC 4151) stay the same when a post's URL changes, unlike permalinks.
TAG_DATE = "2024"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")

ET.register_namespace("", ATOM)


def site_feed() -> bytes:
    """Return the Atom feed of the newest approved comments on every post."""
    comments = _approved(None)
    return _feed("feeds/comments.atom", "comments", "Recent comments", None, comments)


def post_feed(slug: str) -> bytes:
    """Return the Atom feed of the newest approved comments on one post; 404 if unknown."""
    post = find_post(slug)
    if post is None:
        raise not_found("Post")
    comments = _approved(post.id)
    title = f"Comments on {post.title}"
    return _feed(f"feeds/posts/{slug}/comments.atom", f"post:{slug}:comments", title, post, comments)


def _approved(post_id: int | None) -> list[Comment]:
    query = (
        select(Comment)
        .join(Post, Post.id == Comment.post_id)
        .options(contains_eager(Comment.post))
        .where(Comment.status == CommentStatus.APPROVED)
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .limit(FEED_SIZE)
    )
    if post_id is not None:
        query = query.where(Comment.post_id == post_id)
    return list(db.session.scalars(query))


def _text(value: str | None) -> str:
    return _NOT_XML.sub("", value or "")


def _add(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", {k: _text(v) for k, v in attributes.items()})
    if text is not None:
        element.text = _text(text)
    return element


def _feed(path: str, name: str, title: str, post: Post | None, comments: list[Comment]) -> bytes:
    # Links and ids name the service as links.py allows, never an unchecked Host header.
    host = urlsplit(links.root_url()).hostname or "localhost"
    feed = ET.Element(f"{{{ATOM}}}feed")
    _add(feed, "id", f"tag:{host},{TAG_DATE}:{name}")
    _add(feed, "title", title)
    newest: datetime | None = max((c.edited_at or c.created_at for c in comments), default=None)
    _add(feed, "updated", iso(newest or (post.updated_at if post else None) or utcnow()))
    _add(feed, "link", rel="self", type="application/atom+xml", href=links.external_url(path))
    if post is not None and urls.shown(post.url):
        _add(feed, "link", rel="alternate", type="text/html", href=post.url)
    _add(feed, "generator", "comment service")
    for comment in comments:
        entry = _add(feed, "entry")
        _add(entry, "id", f"tag:{host},{TAG_DATE}:comment:{comment.id}")
        _add(entry, "title", f"{comment.author} on {comment.post.title}")
        _add(entry, "published", iso(comment.created_at))
        _add(entry, "updated", iso(comment.edited_at or comment.created_at))
        author = _add(entry, "author")
        _add(author, "name", comment.author or "anonymous")
        if urls.shown(comment.website):
            _add(author, "uri", comment.website)
        if urls.shown(comment.post.url):
            _add(entry, "link", rel="alternate", type="text/html", href=f"{comment.post.url}#comment-{comment.id}")
        _add(entry, "content", comment.body_html, type="html")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
