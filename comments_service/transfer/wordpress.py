"""WordPress: the WXR file of Tools > Export (WXR 1.0 to 1.2).

Each ``<item>`` is a post, page or attachment with its ``<wp:comment>``s.
Comment text is what the commenter typed: HTML where blank lines are
paragraphs and single newlines are line breaks, as WordPress shows it.
Pingbacks and trackbacks are not readers' comments and are left out.
"""
from __future__ import annotations

import html
import re
from collections.abc import Callable
from urllib.parse import unquote
from xml.etree.ElementTree import Element

from .. import auth
from ..models import CommentStatus
from .records import (
    BAD_TIME,
    BodyFormat,
    CommentRecord,
    PostRecord,
    Source,
    TransferError,
    clean_author,
    clean_email,
    clean_title,
    clean_url,
    parse_time,
    post_time,
    slug_from_url,
    slugify,
)
from .xmlstream import XmlStream, text

WP_NS = re.compile(r"^\{http://wordpress\.org/export/1\.\d+/\}")
STATUSES = {
    "1": CommentStatus.APPROVED,
    "approve": CommentStatus.APPROVED,
    "0": CommentStatus.PENDING,
    "hold": CommentStatus.PENDING,
    "spam": CommentStatus.SPAM,
    "trash": CommentStatus.DELETED,
    "post-trashed": CommentStatus.DELETED,
}
NOT_COMMENTS = ("pingback", "trackback")
_BLOCK = re.compile(r"^\s*<(p|div|blockquote|ul|ol|pre|h[1-6]|table|hr)\b", re.IGNORECASE)
_PARAGRAPHS = re.compile(r"\n\s*\n")


def paragraphs(content: str) -> str:
    """Turn WordPress comment text into HTML paragraphs, as WordPress's wpautop shows it."""
    content = content.replace("\r\n", "\n").strip()
    blocks = []
    for block in _PARAGRAPHS.split(content):
        block = block.strip()
        if not block:
            continue
        if _BLOCK.match(block):
            blocks.append(block)
        else:
            blocks.append("<p>" + block.replace("\n", "<br>\n") + "</p>")
    return "\n".join(blocks)


def _wp_children(elem: Element) -> dict[str, list[Element]]:
    found: dict[str, list[Element]] = {}
    for child in elem:
        match = WP_NS.match(child.tag)
        if match:
            found.setdefault(child.tag[match.end():], []).append(child)
    return found


def _one(found: dict[str, list[Element]], name: str) -> str:
    elems = found.get(name)
    return text(elems[0]) if elems else ""


def read(path: str, on_bytes: Callable[[int], None] | None = None, whole_path: bool = False) -> Source:
    """Read a WordPress WXR file into a Source."""
    source = Source("wordpress")
    stream = XmlStream(path, on_bytes)
    for elem in stream.elements(2):
        if stream.root_tag != "rss":
            raise TransferError(f"{path}: not a WordPress export (the root element is {stream.root_tag}, not <rss>)")
        if elem.tag == "item":
            _item(elem, source, whole_path)
    if stream.root_tag != "rss":
        raise TransferError(f"{path}: not a WordPress export (no <rss> root element)")
    return source


def _item(elem: Element, source: Source, whole_path: bool) -> None:
    wp = _wp_children(elem)
    key = _one(wp, "post_id").strip()
    comments = wp.get("comment", [])
    if not key:
        if comments:
            source.skip(f"item {text(elem, 'title')!r}", "it has no wp:post_id; its comments are left out")
        return
    link = text(elem, "link").strip()
    slug = slugify(_unquoted(_one(wp, "post_name"))) or (slug_from_url(link, whole_path) if link else "")
    if not slug or slug == "index":
        slug = f"post-{slugify(key)}"
    post_type, status = _one(wp, "post_type").strip(), _one(wp, "status").strip()
    source.posts[key] = PostRecord(
        key=key,
        slug=slug,
        # WXR writes titles HTML-escaped ("Back &amp; Neck"), even inside CDATA.
        title=clean_title(html.unescape(text(elem, "title")), slug),
        url=clean_url(link),
        # Drafts carry a post_date_gmt of 0000-00-00 00:00:00: then the local post_date.
        published_at=parse_time(_one(wp, "post_date_gmt")) or post_time(source, f"post {key}", _one(wp, "post_date")),
        tags=[text(c).strip() for c in elem.findall("category") if c.get("domain") == "post_tag" and text(c).strip()],
        keep_without_comments=post_type in ("post", "page") and status == "publish",
    )
    for comment in comments:
        _comment(comment, key, source)


def _unquoted(value: str) -> str:
    return unquote(value.strip())


def _comment(elem: Element, post_key: str, source: Source) -> None:
    wp = _wp_children(elem)
    key = _one(wp, "comment_id").strip()
    if not key:
        source.skip(f"a comment of post {post_key}", "it has no wp:comment_id")
        return
    what = f"comment {key}"
    kind = _one(wp, "comment_type").strip().lower()
    if kind in NOT_COMMENTS:
        source.skip(what, f"a {kind}, not a reader's comment")
        return
    created = parse_time(_one(wp, "comment_date_gmt")) or parse_time(_one(wp, "comment_date"))
    if created is None:
        source.skip(what, f"its comment_date is {BAD_TIME}")
        return
    approved = _one(wp, "comment_approved").strip().lower()
    status = STATUSES.get(approved)
    if status is None:
        source.notes.append(f"{what}: unknown comment_approved {approved!r}, kept as pending")
        status = CommentStatus.PENDING
    parent = _one(wp, "comment_parent").strip()
    ip = _one(wp, "comment_author_IP").strip()
    source.comments.append(
        CommentRecord(
            key=key,
            post_key=post_key,
            parent_key=parent if parent not in ("", "0") else None,
            status=status,
            author=clean_author(_one(wp, "comment_author")),
            email=clean_email(_one(wp, "comment_author_email")),
            website=clean_url(_one(wp, "comment_author_url")),
            body=_one(wp, "comment_content"),
            body_format=BodyFormat.HTML_PARAGRAPHS,
            created_at=created,
            ip_hash=auth.ip_hash(ip) if ip else None,
        )
    )
