"""Checks that a fragment of HTML cannot run anything, by parsing it."""
from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

from comments_service.sanitize import ALLOWED_ATTRIBUTES, ALLOWED_PROTOCOLS, ALLOWED_TAGS
from comments_service.urls import is_safe_link


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.links: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag <{tag}>")
        allowed = ALLOWED_ATTRIBUTES.get(tag, [])
        for name, value in attrs:
            if name not in allowed:
                self.problems.append(f"attribute {name} on <{tag}>")
            if name == "href" and value is not None:
                scheme = urlsplit(value.strip()).scheme.lower()
                if scheme and scheme not in ALLOWED_PROTOCOLS:
                    self.problems.append(f"href scheme {scheme!r}")
                if not is_safe_link(value):
                    self.problems.append(f"href {value!r} breaks the URL rule")
        if tag == "a":
            self.links.append(dict(attrs))


def problems(fragment: str) -> list[str]:
    """Return what in ``fragment`` could run or restyle the page (empty when inert)."""
    collector = _Collector()
    collector.feed(fragment)
    collector.close()
    # Text may mention "javascript:"; only a raw tag would be a problem.
    if "<script" in fragment.lower() or "<style" in fragment.lower():
        collector.problems.append("raw script or style tag")
    return collector.problems


def links(fragment: str) -> list[dict[str, str | None]]:
    """Return the attributes of every link in ``fragment``."""
    collector = _Collector()
    collector.feed(fragment)
    return collector.links
