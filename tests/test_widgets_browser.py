"""The embed script in a real browser (Playwright driving Debian's Chromium)."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.conftest import screenshot
from tests.helpers import approve

SLUG = "trigger-point-injection"
ALL_LOADED = """() => {
  const nodes = [...document.querySelectorAll('[data-widget]')];
  return nodes.length > 0 && nodes.every(n => n.childElementCount > 0 && !n.querySelector('.cs-loading'));
}"""


@pytest.fixture
def demo(runner):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output


def open_page(page, url):
    page.goto(url)
    page.wait_for_function(ALL_LOADED, timeout=15000)
    return page


def widget_text(page, name):
    return page.locator(f'[data-widget="{name}"]').inner_text()


class HostPage:
    """A blog page on another origin that embeds the snippet of the README."""

    def __init__(self) -> None:
        page = self
        self.html = b""

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(page.html)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def embed(self, api_url: str, widgets: str | None = None) -> None:
        """Serve the snippet pointing at ``api_url`` (every widget, or the markup given)."""
        widgets = widgets or f"""<div data-widget="like" data-post="{SLUG}"></div>
<div data-widget="comments" data-post="{SLUG}"></div>
<div data-widget="recent-comments"></div>
<div data-widget="popular-tags"></div>
<div data-widget="recent-posts"></div>"""
        self.html = f"""<!doctype html><html><head><meta charset="utf-8"><title>Another blog</title></head><body>
<h1>Another blog</h1>
{widgets}
<script src="{api_url}/embed.js" data-api="{api_url}" defer></script>
</body></html>""".encode()

    def stop(self) -> None:
        self.server.shutdown()


def test_demo_page_shows_every_widget(page, live_server, demo):
    open_page(page, live_server.url + "/demo")
    assert page.js_errors == []
    body = page.locator("body").inner_text()
    assert "Loading" not in body
    assert "Do you like SpineOne?" in widget_text(page, "like")
    thread = page.locator('[data-widget="comments"]')
    assert thread.locator(".cs-list > .cs-comment").count() == 3
    assert thread.locator(".cs-replies .cs-comment .cs-author").first.inner_text() == "Dr. Patel"
    assert "4 comments" in thread.locator(".cs-title").inner_text()
    assert "Maria K." in widget_text(page, "recent-comments")
    assert "Five Posture Fixes" in widget_text(page, "recent-posts")
    tags = page.locator('[data-widget="popular-tags"] a')
    assert tags.first.inner_text() == "back pain"
    assert tags.first.get_attribute("href") == "/demo?tag=back%20pain"
    first_size = float(tags.first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))
    last_size = float(tags.last.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))
    assert first_size > last_size
    times = thread.locator("time").first
    assert times.get_attribute("title") and times.get_attribute("datetime").endswith("Z")
    # No way to sign in is configured and nobody is signed in: the account bar takes no room (no empty frame).
    assert thread.locator(".cs-account").evaluate_all("els => els.map(e => e.getBoundingClientRect().height)") == [0]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width, label", [(1280, "desktop"), (390, "phone")])
def test_demo_screenshots(browser, live_server, demo, scheme, width, label):
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    open_page(page, live_server.url + "/demo")
    path = screenshot(page, f"demo-{label}-{scheme}")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    background = page.locator('[data-widget="comments"] .cs-form').evaluate("e => getComputedStyle(e).backgroundColor")
    context.close()
    assert errors == [] and path.stat().st_size > 10000
    assert overflow <= 0, "the page scrolls sideways"
    dark = background in ("rgb(22, 27, 34)",)
    assert dark == (scheme == "dark")


def test_widgets_do_not_restyle_the_host_page(page, live_server, demo):
    page.goto(live_server.url + "/demo")
    before = page.locator("#host-button").evaluate("e => getComputedStyle(e).cssText || [getComputedStyle(e).color, getComputedStyle(e).borderStyle, getComputedStyle(e).fontFamily].join()")
    page.wait_for_function(ALL_LOADED)
    after = page.locator("#host-button").evaluate("e => getComputedStyle(e).cssText || [getComputedStyle(e).color, getComputedStyle(e).borderStyle, getComputedStyle(e).fontFamily].join()")
    assert before == after
    assert page.locator("h1").evaluate("e => getComputedStyle(e).fontFamily").startswith("Georgia")


def test_reader_comment_waits_for_moderation_then_shows(page, live_server, demo, client, moderator):
    open_page(page, live_server.url + "/demo")
    form = page.locator('[data-widget="comments"] form.cs-form').first
    form.get_by_label("Name").fill("Quinn Reader")
    form.get_by_label("Comment").fill("Does it help with **sciatica** too?")
    form.get_by_role("button", name="Post comment").click()
    notice = page.locator(".cs-notice")
    notice.wait_for(state="visible")
    assert "awaiting moderation" in notice.inner_text()
    mine = page.locator(".cs-comment", has_text="Quinn Reader")
    assert "Awaiting moderation" in mine.inner_text()
    # The pending comment stays visible to its author alone across a reload.
    open_page(page, live_server.url + "/demo")
    assert "Awaiting moderation" in page.locator(".cs-comment", has_text="Quinn Reader").inner_text()
    pending = client.get("/api/moderation/comments", headers=moderator).get_json()["comments"]
    assert [c["author"] for c in pending] == ["Quinn Reader"]
    approve(client, moderator, pending[0]["id"])
    open_page(page, live_server.url + "/demo")
    approved = page.locator(".cs-list > .cs-comment", has_text="Quinn Reader")
    assert approved.count() == 1 and approved.locator(".cs-badge").count() == 0
    assert approved.locator(".cs-body strong").inner_text() == "sciatica"
    assert "Quinn Reader" in widget_text(page, "recent-comments")
    assert "5 comments" in page.locator(".cs-title").inner_text()
    assert page.js_errors == []


def test_reply_nests_under_its_parent(page, live_server, demo, client, moderator):
    open_page(page, live_server.url + "/demo")
    parent = page.locator(".cs-list > .cs-comment", has_text="Tom")
    parent_id = parent.get_attribute("data-id")
    parent.locator(".cs-actions").get_by_role("button", name="Reply").click()
    reply_form = parent.locator("form.cs-reply-form")
    assert "Reply to Tom" in reply_form.inner_text()
    reply_form.get_by_label("Name").fill("Front Desk")
    reply_form.get_by_label("Comment").fill("Most plans do; call us to check yours.")
    reply_form.get_by_role("button", name="Post comment").click()
    page.locator(f'[data-id="{parent_id}"] > .cs-replies .cs-comment').wait_for()
    pending = client.get("/api/moderation/comments", headers=moderator).get_json()["comments"]
    assert pending[0]["parent_id"] == int(parent_id)
    approve(client, moderator, pending[0]["id"])
    open_page(page, live_server.url + "/demo")
    nested = page.locator(f'[data-id="{parent_id}"] > .cs-replies > .cs-comment')
    assert nested.count() == 1 and "Front Desk" in nested.inner_text()


def test_like_button_counts_persists_and_undoes(page, live_server, demo, client):
    open_page(page, live_server.url + "/demo")
    button = page.locator('[data-widget="like"] button')
    assert button.get_attribute("aria-pressed") == "false"
    assert "0 likes" in button.inner_text()
    button.click()
    page.wait_for_function("() => document.querySelector('[data-widget=like] button').getAttribute('aria-pressed') === 'true'")
    assert "1 like" in page.locator('[data-widget="like"] button').inner_text()
    assert client.get(f"/api/posts/{SLUG}").get_json()["like_count"] == 1
    open_page(page, live_server.url + "/demo")
    button = page.locator('[data-widget="like"] button')
    assert button.get_attribute("aria-pressed") == "true" and "1 like" in button.inner_text()
    button.click()
    page.wait_for_function("() => document.querySelector('[data-widget=like] button').getAttribute('aria-pressed') === 'false'")
    assert "0 likes" in page.locator('[data-widget="like"] button').inner_text()
    assert client.get(f"/api/posts/{SLUG}").get_json()["like_count"] == 0


def test_hostile_comments_run_no_script(page, live_server, demo, client, moderator):
    hostile = [
        ("<img src=x onerror=window.__xss=1>", "<img src=x onerror=\"window.__xss=2\"> hi"),
        ("<script>window.__xss=3</script>", "[click me](javascript:window.__xss=4)"),
        ("Eve\"><svg onload=window.__xss=5>", "<a href=\"javascript:window.__xss=6\">link</a> <iframe src=\"javascript:window.__xss=7\"></iframe>"),
    ]
    for author, body in hostile:
        created = client.post(f"/api/posts/{SLUG}/comments", json={"author": author, "body": body, "website": "https://eve.example/\"><script>window.__xss=8</script>"}).get_json()
        approve(client, moderator, created["id"])
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    open_page(page, live_server.url + "/demo")
    for link in page.locator(".cs-body a").all():
        link.click(no_wait_after=True, modifiers=["Control"])
    page.wait_for_timeout(300)
    assert page.evaluate("window.__xss") is None and dialogs == []
    authors = page.locator(".cs-author").all_inner_texts()
    assert "<img src=x onerror=window.__xss=1>" in authors and "<script>window.__xss=3</script>" in authors
    assert page.locator("[data-widget] script, [data-widget] iframe, [data-widget] img, [data-widget] [onerror]").count() == 0
    assert "<img src=x onerror=window.__xss=1>" in widget_text(page, "recent-comments")
    assert page.js_errors == []


def test_validation_errors_show_next_to_fields(page, live_server, demo):
    open_page(page, live_server.url + "/demo")
    form = page.locator("form.cs-form").first
    form.get_by_label("Name").fill("Val")
    form.get_by_label("E-mail (optional, never shown)").fill("not-an-email")
    form.get_by_label("Comment").fill("text")
    form.get_by_role("button", name="Post comment").click()
    error = form.locator("input[name=email] + .cs-field-error")
    error.wait_for()
    page.wait_for_function("() => document.querySelector('form.cs-form input[name=email]').getAttribute('aria-invalid') === 'true'")
    assert "email" in error.inner_text().lower()


def test_snippet_on_an_allowed_origin_works(browser, make_app, serve, runner, client, moderator):
    runner.invoke(args=["demo", "load"])
    host = HostPage()
    try:
        host.embed(serve(make_app(CORS_ORIGINS=[host.url])).url)
        context = browser.new_context()
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page = open_page(page, host.url)
        assert "Maria K." in widget_text(page, "comments") and "back pain" in widget_text(page, "popular-tags")
        page.locator('[data-widget="like"] button').click()
        page.wait_for_function("() => document.querySelector('[data-widget=like] button').getAttribute('aria-pressed') === 'true'")
        form = page.locator("form.cs-form").first
        form.get_by_label("Name").fill("Remote Reader")
        form.get_by_label("Comment").fill("Posted from another origin")
        form.get_by_role("button", name="Post comment").click()
        page.locator(".cs-notice", has_text="awaiting moderation").wait_for()
        context.close()
        assert errors == []
        pending = client.get("/api/moderation/comments", headers=moderator).get_json()["comments"]
        assert [c["author"] for c in pending] == ["Remote Reader"]
        assert client.get(f"/api/posts/{SLUG}").get_json()["like_count"] == 1
    finally:
        host.stop()


def test_snippet_on_an_unlisted_origin_gets_nothing(browser, make_app, serve, runner):
    runner.invoke(args=["demo", "load"])
    host = HostPage()
    host.embed(serve(make_app(CORS_ORIGINS=["https://the-real-blog.example"])).url)
    try:
        page = browser.new_context().new_page()
        page.goto(host.url)
        page.wait_for_function("() => document.querySelectorAll('[data-widget] .cs-error').length === 5", timeout=15000)
        text = page.locator("body").inner_text()
        assert "Maria K." not in text and "back pain" not in text
        assert "Could not reach the comment service" in text
    finally:
        host.stop()


@pytest.fixture
def comments_page(browser, make_app, serve):
    """Return a function that opens a blog page (its own origin) with just the comments widget."""
    hosts = []

    def open_with(slug="hello", **settings):
        host = HostPage()
        hosts.append(host)
        app = make_app(CORS_ORIGINS=[host.url], **settings)
        host.embed(serve(app).url, f'<div data-widget="comments" data-post="{slug}"></div>')
        page = browser.new_context().new_page()
        page.js_errors = []
        page.on("pageerror", lambda e: page.js_errors.append(str(e)))
        page.blog_url = host.url
        page.app = app
        return open_page(page, host.url)

    yield open_with
    for host in hosts:
        host.stop()


def test_author_edits_and_deletes_own_comment(comments_page):
    page = comments_page(MODERATION="post")
    form = page.locator("form.cs-form").first
    form.get_by_label("Name").fill("Edith")
    form.get_by_label("Comment").fill("First draft")
    form.get_by_role("button", name="Post comment").click()
    mine = page.locator(".cs-comment", has_text="Edith")
    mine.get_by_role("button", name="Edit").click()
    box = mine.locator(".cs-edit textarea")
    assert box.input_value() == "First draft"
    box.fill("Second *draft*")
    mine.get_by_role("button", name="Save").click()
    page.locator(".cs-comment .cs-body em", has_text="draft").wait_for()
    # After a reload the author still has the edit controls (tokens kept in localStorage).
    open_page(page, page.blog_url)
    mine = page.locator(".cs-comment", has_text="Edith")
    assert "edited" in mine.inner_text()
    page.once("dialog", lambda d: d.accept())
    mine.get_by_role("button", name="Delete").click()
    mine.wait_for(state="detached")
    open_page(page, page.blog_url)
    assert page.locator(".cs-comment", has_text="Edith").count() == 0
    assert page.js_errors == []


def test_load_more_and_sort(comments_page, make_app):
    client = make_app(MODERATION="post").test_client()
    for i in range(25):
        assert client.post("/api/posts/hello/comments", json={"author": f"Reader {i:02d}", "body": f"comment {i:02d}"}).status_code == 201
    page = comments_page()
    assert page.locator(".cs-list > .cs-comment").count() == 20
    page.get_by_role("button", name="Load more comments").click()
    page.wait_for_function("() => document.querySelectorAll('.cs-list > .cs-comment').length === 25")
    assert page.get_by_role("button", name="Load more comments").is_hidden()
    page.get_by_label("Sort").select_option("newest")
    page.wait_for_function("() => document.querySelector('.cs-list > .cs-comment .cs-author').textContent === 'Reader 24'")
    assert page.locator(".cs-list > .cs-comment").count() == 20


def test_rate_limited_reader_reads_a_plain_message(comments_page):
    page = comments_page(RATELIMIT_ENABLED=True, RATELIMIT_COMMENTS="1 per minute")
    form = page.locator("form.cs-form").first
    form.get_by_label("Name").fill("Hasty")
    for text in ("one", "two"):
        form.get_by_label("Comment").fill(text)
        form.get_by_role("button", name="Post comment").click()
        page.wait_for_timeout(300)
    status = form.locator(".cs-form-status.cs-error")
    status.wait_for()
    assert "posting too fast" in status.inner_text() and "seconds" in status.inner_text()


def test_keyboard_alone_posts_a_comment(comments_page):
    page = comments_page(MODERATION="post")
    page.get_by_label("Name").focus()
    page.keyboard.type("Keys Only")
    for _ in range(3):  # e-mail, website, comment
        page.keyboard.press("Tab")
    page.keyboard.type("Typed without a mouse")
    page.keyboard.press("Tab")  # the preview's button
    assert page.evaluate("document.activeElement.textContent") == "Preview"
    page.keyboard.press("Tab")  # to the submit button: the honeypot is out of the tab order
    page.keyboard.press("Enter")
    page.locator(".cs-comment", has_text="Keys Only").wait_for()
    assert "Typed without a mouse" in page.locator(".cs-comment", has_text="Keys Only").inner_text()
