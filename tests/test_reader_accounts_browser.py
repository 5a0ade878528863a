"""Reader accounts in Chromium, from a blog page on another origin: the three sign-ins, the verified mark,
likes once per account across two browsers, export and erase."""
from __future__ import annotations

import html
import json
import threading
import urllib.request
from urllib.parse import parse_qs

import pytest
from werkzeug.serving import make_server

from tests.accounts_helpers import SSO_SECRET, sso_token
from tests.conftest import ARTIFACTS, screenshot
from tests.helpers import approved_comment
from tests.notify_helpers import link_to, release, run_jobs
from tests.oidc_helpers import provider, settings
from tests.servers import SmtpServer

SLUG = "hello-accounts"


class BlogServer:
    """The blog: its own origin (another port), a post page with the widgets and the service's script tag."""

    def __init__(self) -> None:
        self.api = ""
        self.server = make_server("127.0.0.1", 0, self.wsgi, threaded=True)
        self.origin = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wsgi(self, environ, start_response):
        query = parse_qs(environ.get("QUERY_STRING", ""))
        sso = query.get("sso", [""])[0]
        attribute = f' data-sso="{html.escape(sso)}"' if sso else ""
        page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>A blog post</title></head>
<body style="max-width:760px;margin:24px auto;font-family:sans-serif"><h1>Hello accounts</h1>
<div data-widget="like" data-post="{SLUG}" data-title="this post"></div>
<div data-widget="comments" data-post="{SLUG}"></div>
<script src="{self.api}/embed.js" data-api="{self.api}"{attribute} defer></script></body></html>"""
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [page.encode()]

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture(scope="module")
def issuer():
    with provider() as url:
        # The provider's account for "alice": her name and a verified address.
        claims = json.dumps({"name": "Alice Liddell", "email": "alice@example.org", "email_verified": True}).encode()
        request = urllib.request.Request(f"{url}/users/alice", data=claims, method="PUT",
                                         headers={"Content-Type": "application/json"})
        assert urllib.request.urlopen(request, timeout=10).status == 204
        yield url


@pytest.fixture(scope="module")
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def blog():
    server = BlogServer()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def site(make_app, serve, issuer, smtp, blog):
    app = make_app(**settings(issuer, blog.origin), SSO_SECRET=SSO_SECRET, MODERATION="post",
                   SMTP_URL=smtp.url, MAIL_FROM="Blog comments <comments@blog.example>")
    app.live = serve(app)
    app.config["PUBLIC_URL"] = app.live.url
    blog.api = app.live.url
    yield app
    release(app)


def new_page(browser):
    context = browser.new_context(viewport={"width": 1100, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.js_errors = []
    page.on("pageerror", lambda error: page.js_errors.append(str(error)))
    return context, page


def comment_as_signed_in(page, text):
    form = page.locator('[data-widget="comments"] form.cs-form').first
    assert form.locator('input[name="author"]').is_hidden(), "a signed-in reader types no name"
    form.locator('textarea[name="body"]').fill(text)
    form.locator('button[type="submit"]').click()
    item = page.locator(".cs-comment", has_text=text)
    item.wait_for(timeout=15000)
    return item


def test_oidc_in_a_popup_then_a_verified_comment(site, blog, browser):
    context, page = new_page(browser)
    try:
        page.goto(f"{blog.origin}/post")
        button = page.get_by_role("button", name="Sign in with Test ID")
        button.wait_for(timeout=15000)
        screenshot(page, "accounts-signed-out")
        with page.expect_popup() as opened:
            button.click()
        popup = opened.value
        popup.wait_for_load_state()
        assert popup.url.startswith(site.config["OIDC_PROVIDERS"].split('"issuer": "')[1].split('"')[0])
        popup.locator('input[name="sub"]').fill("alice")
        popup.locator('button[type="submit"]:not([value="deny"])').first.click()
        page.locator(".cs-signed-in", has_text="Signed in as Alice Liddell").wait_for(timeout=15000)
        if not popup.is_closed():  # it closes itself once it has handed the session over
            popup.wait_for_event("close", timeout=10000)
        assert popup.is_closed()
        session = page.evaluate("JSON.parse(localStorage.getItem('cs-session'))")
        assert session["token"].startswith("rs_") and session["reader"]["name"] == "Alice Liddell"
        assert page.context.cookies(site.live.url) == [], "no cookie of the comment service"
        item = comment_as_signed_in(page, "Signed in through OpenID Connect.")
        assert item.locator(".cs-author").inner_text() == "Alice Liddell"
        assert item.locator(".cs-verified").is_visible() and "verified" in item.locator(".cs-verified").inner_text()
        screenshot(page, "accounts-oidc-verified")
        # Signing out ends the session on the server: the old token is refused.
        page.get_by_role("button", name="Sign out").click()
        page.get_by_role("button", name="Sign in with Test ID").wait_for(timeout=15000)
        assert site.test_client().get("/api/me", headers={"X-Reader-Session": session["token"]}).status_code == 401
        assert page.js_errors == []
    finally:
        context.close()


def test_sso_likes_once_per_account_across_two_browsers(site, blog, browser, editor):
    # The blog registered the post (a like creates none).
    published = site.test_client().put(f"/api/posts/{SLUG}", json={"title": "Hello accounts", "url": f"{blog.origin}/post"},
                                       headers=editor)
    assert published.status_code == 201, published.get_json()
    first, page_a = new_page(browser)
    second, page_b = new_page(browser)
    try:
        # Browser A: the blog puts its token on the script tag.
        page_a.goto(f"{blog.origin}/post?sso={sso_token(sub='member-7', name='Grace Hopper')}")
        page_a.locator(".cs-signed-in", has_text="Signed in as Grace Hopper").wait_for(timeout=15000)
        like_a = page_a.locator(".cs-like-button")
        like_a.wait_for(timeout=15000)
        like_a.click()
        page_a.locator('.cs-like-button[aria-pressed="true"]', has_text="1 like").wait_for(timeout=10000)
        comment_as_signed_in(page_a, "Grace, signed in by the blog.")
        # Browser B: the blog calls CommentWidget.login(jwt) after its own login.
        page_b.goto(f"{blog.origin}/post")
        page_b.locator(".cs-like-button").wait_for(timeout=15000)
        page_b.evaluate("jwt => window.CommentWidget.login(jwt)", sso_token(sub="member-7", name="Grace Hopper"))
        page_b.locator(".cs-signed-in", has_text="Signed in as Grace Hopper").wait_for(timeout=15000)
        pressed = page_b.locator('.cs-like-button[aria-pressed="true"]', has_text="1 like")
        pressed.wait_for(timeout=10000)
        assert page_a.evaluate("localStorage.getItem('cs-reader-token')") != page_b.evaluate(
            "localStorage.getItem('cs-reader-token')"), "two browsers, two reader tokens"
        mine = page_b.locator(".cs-comment", has_text="Grace, signed in by the blog.")
        assert mine.locator(".cs-verified").is_visible()
        screenshot(page_b, "accounts-sso-second-browser")
        assert site.test_client().get(f"/api/posts/{SLUG}").get_json()["like_count"] == 1
        assert page_a.js_errors == [] and page_b.js_errors == []
    finally:
        first.close()
        second.close()


def test_a_mailed_link_signs_in_then_the_reader_exports_and_erases(site, blog, browser, smtp):
    smtp.messages.clear()
    context, page = new_page(browser)
    try:
        page.goto(f"{blog.origin}/post")
        box = page.locator('input[name="sign_in_email"]')
        box.wait_for(timeout=15000)
        box.fill("ada@example.com")
        page.get_by_role("button", name="Mail me a sign-in link").click()
        page.get_by_text("Check your mail").wait_for(timeout=10000)
        run_jobs(site)
        link = link_to(smtp.messages[-1].message, "/accounts/mail/")
        page.goto(link)
        button = page.get_by_role("button", name="Sign in")
        assert button.is_visible()
        screenshot(page, "accounts-mail-link-page")
        button.click()
        page.locator(".cs-signed-in", has_text="Signed in as ada").wait_for(timeout=15000)
        assert page.url == f"{blog.origin}/post", "back on the blog page, the token gone from the address"
        item = comment_as_signed_in(page, "Signed in by a mailed link.")
        assert item.locator(".cs-verified").is_visible()
        screenshot(page, "accounts-mail-verified")
        with page.expect_download() as downloaded:
            page.get_by_role("button", name="Download my data").click()
        data = json.loads(open(downloaded.value.path()).read())
        assert data["account"]["email"] == "ada@example.com"
        assert [c["body_source"] for c in data["comments"]] == ["Signed in by a mailed link."]
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name="Delete my account").click()
        page.get_by_text("Your account and its comments were deleted.").wait_for(timeout=15000)
        assert page.locator(".cs-comment", has_text="Signed in by a mailed link.").count() == 0
        assert page.evaluate("localStorage.getItem('cs-session')") == "null"
        screenshot(page, "accounts-erased")
        # The link is used: opening it again says so.
        page.goto(link)
        page.get_by_text("used already").wait_for(timeout=10000)
        assert page.get_by_role("button", name="Sign in").count() == 0
        assert page.js_errors == []
    finally:
        context.close()


def test_with_anonymous_off_the_widget_offers_sign_in_only(make_app, serve, browser, blog, site, client, moderator):
    earlier = approved_comment(client, moderator, SLUG, author="Earlier Reader", body="Written while anyone could")
    app = make_app(SSO_SECRET=SSO_SECRET, ANONYMOUS=False, CORS_ORIGINS=[blog.origin],
                   OIDC_PROVIDERS=site.config["OIDC_PROVIDERS"])
    live = serve(app)
    saved, blog.api = blog.api, live.url
    context, page = new_page(browser)
    try:
        page.goto(f"{blog.origin}/post")
        page.get_by_role("button", name="Sign in with Test ID").wait_for(timeout=15000)
        page.get_by_text("Sign in to comment.").wait_for(timeout=5000)
        assert page.locator('[data-widget="comments"] form.cs-form').first.is_hidden()
        shown = page.locator(f'.cs-comment[data-id="{earlier["id"]}"]')
        assert "Written while anyone could" in shown.inner_text()
        assert shown.locator(".cs-reply").count() == 1 and shown.locator(".cs-reply").is_hidden(), \
            "no Reply button for a reader who may not reply"
        ARTIFACTS.mkdir(exist_ok=True)
        screenshot(page, "accounts-anonymous-off")
        assert page.js_errors == []
    finally:
        blog.api = saved
        context.close()
        release(app)
