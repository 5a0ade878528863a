"""Disqus: the XML export (Admin > Community > Export), per its published schema.

Threads come first, then posts (comments) that name their thread and parent
by ``dsq:id``. Messages are HTML. Disqus marks deleted and spam comments;
the export carries no votes, so imported Disqus comments start with no likes.
"""
from __future__ import annotations

import html
import re
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit
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
    is_true,
    parse_time,
    post_time,
    slug_from_url,
    slugify,
)
from .xmlstream import XmlStream, text

NS = "{http://disqus.com}"
DSQ_ID = "{http://disqus.com/disqus-internals}id"
ROOT = NS + "disqus"

_DISQUS_REDIRECT = re.compile(r'href="(https?://disq\.us/(?:url)?\?[^"]*)"')
_LINK_HASH = re.compile(r":[A-Za-z0-9_-]{8,}$")


def _unwrap(match: re.Match[str]) -> str:
    # Disqus rewrites every outbound link through its redirector, with a tracking hash after a colon.
    query = parse_qs(urlsplit(html.unescape(match.group(1))).query)
    target = _LINK_HASH.sub("", (query.get("url") or [""])[0])
    if clean_url(target) is None:
        return match.group(0)
    return f'href="{html.escape(target, quote=True)}"'


def unwrap_links(message: str) -> str:
    """Point links at their real targets instead of Disqus's redirector."""
    return _DISQUS_REDIRECT.sub(_unwrap, message)


def read(path: str, on_bytes: Callable[[int], None] | None = None, whole_path: bool = False) -> Source:
    """Read a Disqus export into a Source."""
    source = Source("disqus")
    stream = XmlStream(path, on_bytes)
    identifiers: dict[str, str] = {}
    for elem in stream.elements(1):
        if stream.root_tag != ROOT:
            raise TransferError(f"{path}: not a Disqus export (the root element is {stream.root_tag}, not <disqus>)")
        if elem.tag == NS + "thread":
            _thread(elem, source, identifiers, whole_path)
        elif elem.tag == NS + "post":
            _post(elem, source, identifiers)
    if stream.root_tag != ROOT:
        raise TransferError(f"{path}: not a Disqus export (no <disqus> root element)")
    return source


def _thread(elem: Element, source: Source, identifiers: dict[str, str], whole_path: bool) -> None:
    key = elem.get(DSQ_ID) or text(elem, NS + "id").strip()
    link = text(elem, NS + "link").strip()
    identifier = text(elem, NS + "id").strip()
    if not key:
        source.skip("a thread", "it has neither a dsq:id nor an id")
        return
    slug = slug_from_url(link, whole_path) if link else slugify(identifier)
    if not slug:
        source.skip(f"thread {key}", "it has neither a link nor an identifier to name its post")
        return
    if identifier:
        identifiers[identifier] = key
    source.posts[key] = PostRecord(
        key=key,
        slug=slug,
        title=clean_title(text(elem, NS + "title"), slug),
        url=clean_url(link),
        published_at=post_time(source, f"thread {key}", text(elem, NS + "createdAt")),
    )


def _post(elem: Element, source: Source, identifiers: dict[str, str]) -> None:
    key = elem.get(DSQ_ID) or text(elem, NS + "id").strip()
    if not key:
        source.skip("a post", "it has neither a dsq:id nor an id")
        return
    thread = elem.find(NS + "thread")
    thread_key = ""
    if thread is not None:
        # The published schema allows the thread by dsq:id or by its identifier.
        thread_key = thread.get(DSQ_ID) or identifiers.get(text(thread).strip(), text(thread).strip())
    parent = elem.find(NS + "parent")
    parent_key = (parent.get(DSQ_ID) or text(parent).strip()) if parent is not None else None
    created = parse_time(text(elem, NS + "createdAt"))
    if created is None:
        source.skip(f"post {key}", f"its createdAt is {BAD_TIME}")
        return
    if is_true(text(elem, NS + "isDeleted")):
        status = CommentStatus.DELETED
    elif is_true(text(elem, NS + "isSpam")):
        status = CommentStatus.SPAM
    elif text(elem, NS + "isApproved").strip().lower() == "false":
        status = CommentStatus.PENDING
    else:
        status = CommentStatus.APPROVED
    author = elem.find(NS + "author")
    ip = text(elem, NS + "ipAddress").strip()
    source.comments.append(
        CommentRecord(
            key=key,
            post_key=thread_key,
            parent_key=parent_key or None,
            status=status,
            author=clean_author(text(author, NS + "name") or text(author, NS + "username")),
            email=clean_email(text(author, NS + "email")),
            website=None,
            body=unwrap_links(text(elem, NS + "message")),
            body_format=BodyFormat.HTML,
            created_at=created,
            ip_hash=auth.ip_hash(ip) if ip else None,
        )
    )
