"""The one URL rule: which links the service stores and shows, so that none leaves the site in disguise.

A browser reads a link more loosely than it looks: it turns ``\\`` into
``/`` (so ``/\\evil.example`` is ``//evil.example``, another site), drops tabs
and newlines anywhere (``java\\tscript:``), and trims spaces and control
characters at both ends. The rule therefore refuses, rather than repairs:

- any control character, space, Unicode space or invisible formatting
  character, and any backslash, typed or encoded as ``%5C``;
- anything but a site path or an http(s) URL: a site path starts with one
  ``/`` that is not followed by ``/``, ``\\`` or an encoded ``%2F``; an
  http(s) URL names a host (letters, digits, ``-``, ``_``, dots; or an IPv4
  address) and at most a port, with no user name.

embed.js's ``safeUrl`` applies the same two patterns (``URL_BAD`` and
``URL_SHAPE`` there), and tests/test_urls_browser.py checks that Chromium
agrees with both.
"""
from __future__ import annotations

import re

URL_MAX = 2000

# The same text as embed.js's URL_BAD and URL_SHAPE (matched ignoring ASCII case only).
BAD = (
    r"[\x00-\x20\x7f-\x9f\\\u00a0\u00ad\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\ufeff]|%5c"
)
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_HOST = rf"(?:(?:[a-z0-9_-]+\.)*[a-z_-][a-z0-9_-]*|{_OCTET}(?:\.{_OCTET}){{3}})"
_PORT = r"(?::(?:[0-9]{1,4}|[1-5][0-9]{4}))?"
SHAPE = rf"^(?:/(?![/\\]|%2f)|https?://{_HOST}{_PORT}(?=[/?#]|$))"

_BAD = re.compile(BAD, re.IGNORECASE | re.ASCII)
_SHAPE = re.compile(SHAPE, re.IGNORECASE | re.ASCII)
_ABSOLUTE = re.compile(r"^https?:", re.IGNORECASE | re.ASCII)
_MAILTO = re.compile(r"^mailto:[^/]", re.IGNORECASE | re.ASCII)

MESSAGE = "An http(s) URL, or a path on the site starting with a single /."
ABSOLUTE_MESSAGE = "An http(s) URL."


def is_safe_url(url: object) -> bool:
    """Tell whether ``url`` is a site path or an http(s) URL that every browser reads the same way."""
    return isinstance(url, str) and _BAD.search(url) is None and _SHAPE.match(url) is not None


def is_absolute(url: str) -> bool:
    """Tell whether a URL that passed :func:`is_safe_url` is an http(s) URL (not a site path)."""
    return _ABSOLUTE.match(url) is not None


def is_safe_link(url: object) -> bool:
    """Tell whether a link in a comment's text may stay: a safe URL, or a ``mailto:`` under the same rule."""
    if isinstance(url, str) and _MAILTO.match(url):
        return _BAD.search(url) is None
    return is_safe_url(url)


def shown(url: str | None) -> str | None:
    """Return a stored URL as it may be shown: itself if it passes the rule, else None (older rows)."""
    return url if url is None or is_safe_url(url) else None


def clean(url: str | None, relative: bool = False) -> str | None:
    """Return ``url`` if it passes the rule and fits 2000 characters (a site path only if ``relative``), else None."""
    if url is None or len(url) > URL_MAX or not is_safe_url(url):
        return None
    return url if relative or is_absolute(url) else None
