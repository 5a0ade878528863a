"""The URL rule as Chromium reads it: what the service accepts stays on the site or is http(s), and embed.js agrees."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from comments_service import urls
from tests.test_widgets_browser import HostPage
from tests.url_cases import CASES, generated

# Each variant through the browser's own URL parser (and an <a>'s, which a click follows) and through embed.js.
RESOLVE = """(list) => list.map((u) => {
  let parsed = null;
  try { const r = new URL(u, location.href); parsed = {origin: r.origin, protocol: r.protocol, hostname: r.hostname}; }
  catch (e) { parsed = null; }
  const a = document.createElement("a");
  a.href = u;
  return {safe: window.CommentWidgets.safeUrl(u) !== null, parsed: parsed, anchor: a.origin};
})"""

# Refused by the rule, and off to evil.example in a real browser: the cases are not hypothetical.
LEAVING = ["/\\evil.example/phish", "\\\\evil.example/phish", "\\/evil.example", "/\t/evil.example",
           "/\n/evil.example", "//evil.example/phish", "\t/\\evil.example", "https:/\\evil.example",
           "https:\\\\evil.example", "https://blog.example@evil.example/", "https:///evil.example",
           "https://evil.example\\@blog.example/"]


@pytest.fixture
def blog_page(page, live_server):
    host = HostPage()
    host.embed(live_server.url, widgets="<p>A blog page with the widget script and no widget.</p>")
    page.goto(host.url + "/2024/a-post")
    page.wait_for_function("() => !!(window.CommentWidgets && window.CommentWidgets.safeUrl)")
    yield page
    host.stop()


def _judged(page, variants):
    return dict(zip(variants, page.evaluate(RESOLVE, variants), strict=True))


def _stays_or_is_http(url, seen, origin):
    if url.startswith("/"):
        return seen["parsed"] is not None and seen["parsed"]["origin"] == origin and seen["anchor"] == origin
    parsed = seen["parsed"]
    # The host the service reads is the one the browser goes to.
    return (parsed is not None and parsed["protocol"] in ("http:", "https:")
            and parsed["hostname"] == urlsplit(url).hostname and seen["anchor"] == parsed["origin"])


def test_the_table_is_read_alike_by_the_service_embed_js_and_chromium(blog_page):
    origin = blog_page.evaluate("location.origin")
    judged = _judged(blog_page, [url for url, _ in CASES])
    for url, accepted in CASES:
        seen = judged[url]
        assert urls.is_safe_url(url) is accepted, url
        assert seen["safe"] is accepted, f"embed.js safeUrl disagrees on {url!r}"
        if accepted:
            assert _stays_or_is_http(url, seen, origin), (url, seen)
    assert blog_page.js_errors == []


def test_the_refused_variants_do_leave_the_site_in_chromium(blog_page):
    judged = _judged(blog_page, LEAVING)
    for url in LEAVING:
        assert not urls.is_safe_url(url) and not judged[url]["safe"], url
        assert judged[url]["parsed"]["hostname"] == "evil.example", (url, judged[url])


def test_generated_variants_are_read_alike_by_the_service_embed_js_and_chromium(blog_page):
    origin = blog_page.evaluate("location.origin")
    variants = generated()
    judged = _judged(blog_page, variants)
    disagree = [url for url in variants if judged[url]["safe"] is not urls.is_safe_url(url)]
    assert disagree == []
    leaving = [(url, judged[url]) for url in variants
               if urls.is_safe_url(url) and not _stays_or_is_http(url, judged[url], origin)]
    assert leaving == []
    assert sum(map(urls.is_safe_url, variants)) > 100  # the generated set does hold accepted URLs
