"""Markdown to safe HTML, and plain-text excerpts: the only module that imports bleach.

Readers write Markdown (raw HTML allowed, as most comment systems do); the
rendered HTML then goes through one bleach allow-list. Whatever the Markdown
renderer lets through, only the tags, attributes and URL schemes listed here
survive, every link gets ``rel="nofollow ugc noopener"``, and a link whose
address breaks the service's URL rule (:mod:`comments_service.urls`) is
dropped, its text kept.

Sanitizing is idempotent: ``clean_html(clean_html(x)) == clean_html(x)``.
"""
from __future__ import annotations

import html
import re
import threading
from functools import partial

import bleach
from bleach.html5lib_shim import Filter
from bleach.linkifier import LinkifyFilter
from markdown_it import MarkdownIt

from . import urls

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "hr", "i",
        "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "ul",
    }
)
ALLOWED_ATTRIBUTES = {"a": ["href", "title", "rel"], "abbr": ["title"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"
EXCERPT_LENGTH = 160

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_SPACE = re.compile(r"\s+")
# A parser drops the newline right after <pre>; write it twice so that a second
# pass over our own output reads the same text (sanitizing stays idempotent).
_PRE_NEWLINE = re.compile(r"<pre>\n")


def _link_attributes(attrs: dict, new: bool = False) -> dict | None:
    # Called by bleach for every link, typed or linkified: no referrer juice, no opener.
    # The value still holds its entities ("/&#92;evil"): the rule judges what a browser decodes.
    href = attrs.get((None, "href"))
    if href is not None and not urls.is_safe_link(html.unescape(href)):
        return None  # bleach keeps the link's text without the link
    attrs[(None, "rel")] = LINK_REL
    attrs.pop((None, "target"), None)
    return attrs


class _QuotesAsEntities(Filter):
    """Write each ``"`` inside an attribute value as ``&quot;``.

    bleach keeps the entities of attribute values as typed and escapes bare
    ``&`` only in values the serializer quotes with ``"``; a value holding a
    ``"`` would be quoted with ``'`` and get ``&amp;`` added on every pass
    (``'"&amp;'`` becomes ``'"&amp;amp;'``). With no ``"`` left in any value,
    every value is quoted with ``"`` and a second pass changes nothing.
    """

    def __iter__(self):  # type: ignore[no-untyped-def]
        for token in super().__iter__():
            if token["type"] in ("StartTag", "EmptyTag") and token["data"]:
                token["data"] = {name: value.replace('"', "&quot;") for name, value in token["data"].items()}
            yield token


_local = threading.local()


def _tools() -> tuple[MarkdownIt, bleach.Cleaner, bleach.Cleaner, MarkdownIt]:
    # Built once per thread: neither html5lib's parser nor the renderer is thread-safe.
    tools = getattr(_local, "tools", None)
    if tools is None:
        markdown = MarkdownIt("commonmark", {"html": True, "breaks": True, "typographer": False})
        markdown.enable("strikethrough").disable("image")
        markdown_text = MarkdownIt("commonmark", {"html": False, "breaks": True, "typographer": False})
        markdown_text.enable("strikethrough").disable("image")
        cleaner = bleach.Cleaner(
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            protocols=ALLOWED_PROTOCOLS,
            strip=True,
            strip_comments=True,
            filters=[
                partial(LinkifyFilter, callbacks=[_link_attributes], skip_tags={"pre", "code"}),
                _QuotesAsEntities,
            ],
        )
        text_only = bleach.Cleaner(tags=set(), attributes={}, strip=True, strip_comments=True)
        tools = _local.tools = (markdown, cleaner, text_only, markdown_text)
    return tools


def _clean(fragment: str) -> str:
    cleaner = _tools()[1]
    return _PRE_NEWLINE.sub("<pre>\n\n", cleaner.clean(fragment)).strip()


def render_markdown(source: str, raw_html: bool = True) -> str:
    """Render a reader's Markdown to sanitized HTML; without ``raw_html``, typed tags show as text."""
    markdown, _, _, markdown_text = _tools()
    renderer = markdown if raw_html else markdown_text
    return _clean(renderer.render(clean_text_block(source)))


def clean_html(fragment: str) -> str:
    """Sanitize HTML from elsewhere (imports) with the same allow-list."""
    return _clean(clean_text_block(fragment))


def html_to_text(fragment: str) -> str:
    """Return the text of an HTML fragment, entities decoded, spaces collapsed."""
    _, _, text_only, _ = _tools()
    return _SPACE.sub(" ", html.unescape(text_only.clean(fragment))).strip()


# A tag as the sanitizer writes it: every attribute value quoted, "<" in values
# escaped; in text, "<" and ">" are always entities.
_TAG = re.compile(r"""<[^<>"']*(?:(?:"[^"]*"|'[^']*')[^<>"']*)*>""")


def is_readable(fragment: str) -> bool:
    """Tell whether sanitized HTML still shows something: text or a link."""
    if "<a " in fragment:
        return True
    # Cheap first: the text between the tags. It may only say yes, and only when
    # every "<" and ">" was taken as a tag; the text-only cleaner has the last word.
    between = _TAG.sub("", fragment)
    if "<" not in between and ">" not in between and _SPACE.sub(" ", html.unescape(between)).strip():
        return True
    return bool(html_to_text(fragment))


def excerpt(fragment: str, length: int = EXCERPT_LENGTH) -> str:
    """Return a plain-text excerpt of sanitized HTML, cut at a word boundary."""
    text = html_to_text(fragment)
    if len(text) <= length:
        return text
    cut = text[: length - 1]
    if " " in cut[length // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,.;:") + "\u2026"


def clean_text_block(value: str) -> str:
    """Drop control and bidi-override characters, keep newlines and tabs."""
    return _CONTROL.sub("", value.replace("\r\n", "\n"))


def plain_line(value: str) -> str:
    """Normalize a one-line plain-text field (an author name): no controls, single spaces."""
    return _SPACE.sub(" ", _CONTROL.sub("", value)).strip()
