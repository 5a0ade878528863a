"""The widget's languages (and right-to-left), the form's Markdown preview, and counts-only index pages, in Chromium."""
from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest

from tests.accounts_helpers import SSO_SECRET, session, sign_in, sso_token
from tests.conftest import screenshot
from tests.helpers import approve
from tests.notify_helpers import release
from tests.oidc_helpers import provider, providers_setting
from tests.servers import SmtpServer
from tests.test_a11y_browser import violations
from tests.test_widgets_browser import SLUG, HostPage, open_page

STATIC = Path(__file__).resolve().parent.parent / "comments_service/web/static"
README = Path(__file__).resolve().parent.parent / "README.md"
TRANSLATED = (
    "loadingComments loadingPosts loadingTags loadingLike failed retry network tooFast unavailable count0 count1 countN "
    "sort oldest newest top more leave replyTo name email website comment hint submit sending reply cancel edit save "
    "del confirmDelete deleted pending pendingNotice posted editPending likeQ likeN like1 likeComment noComments noTags "
    "noPosts on edited honeypot notify notifyNeedsEmail notifyConfirm notifyActive preview previewEmpty"
).split()
SHIPPED = ["ar", "de", "es", "fa", "fr", "he", "it", "ja", "nl", "pt", "ru", "zh"]
WIDGETS = f"""<div data-widget="like" data-post="{SLUG}"></div>
<div data-widget="comments" data-post="{SLUG}"></div>
<div data-widget="recent-comments"></div><div data-widget="popular-tags"></div><div data-widget="recent-posts"></div>"""


@pytest.fixture
def demo(runner):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0


@pytest.fixture
def blog(browser, make_app, serve):
    """Return a function that serves a blog page (its own origin) and opens it in Chromium."""
    hosts, contexts = [], []

    def open_blog(body: str, lang: str = "en", script_attrs: str = "", scheme: str = "light", wait: bool = True,
                  script: str = "embed.js", **settings):
        host = HostPage()
        hosts.append(host)
        app = make_app(CORS_ORIGINS=[host.url], **settings)
        api = serve(app).url
        host.html = f"""<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>A blog</title>
<meta name="color-scheme" content="light dark">
<style>@media (prefers-color-scheme: dark) {{ body {{ background: #101418; color: #e8e8e8; }} }}</style></head>
<body><main><h1>A blog</h1><h2>The post</h2>{body}</main>
<script src="{api}/{script}" data-api="{api}" {script_attrs} defer></script></body></html>""".encode()
        context = browser.new_context(viewport={"width": 1000, "height": 900}, color_scheme=scheme)
        contexts.append(context)
        page = context.new_page()
        page.js_errors = []
        page.on("pageerror", lambda e: page.js_errors.append(str(e)))
        page.requests = []
        page.on("request", lambda r: page.requests.append(r.url))
        page.api = api
        if wait:
            return open_page(page, host.url)
        page.goto(host.url)
        return page

    yield open_blog
    for context in contexts:
        context.close()
    for host in hosts:
        host.stop()


def test_data_lang_chooses_a_shipped_language(blog, demo):
    page = blog(WIDGETS, lang="en", script_attrs='data-lang="de"')
    thread = page.locator('[data-widget="comments"]')
    assert thread.get_attribute("lang") == "de" and thread.get_attribute("dir") is None
    assert "4 Kommentare" in thread.locator(".cs-title").inner_text()
    assert thread.get_by_role("button", name="Kommentar senden").count() == 1
    assert "Gefällt Ihnen" in page.locator('[data-widget="like"]').inner_text()
    assert page.js_errors == []


@pytest.mark.parametrize("lang", ["ar", "he", "fa"])
def test_right_to_left_languages_are_laid_out_right_to_left(blog, demo, lang):
    page = blog(WIDGETS, lang=lang)
    for node in page.locator("[data-widget]").all():
        assert node.get_attribute("dir") == "rtl" and node.get_attribute("lang") == lang
    reply = page.locator(".cs-replies .cs-comment").first
    # The reply's rule is on its start side: the right.
    assert reply.evaluate("e => getComputedStyle(e).borderRightWidth") == "2px"
    assert reply.evaluate("e => getComputedStyle(e).borderLeftWidth") == "0px"
    box = page.locator(".cs-title").bounding_box()
    thread = page.locator('[data-widget="comments"]').bounding_box()
    assert box["x"] + box["width"] > thread["x"] + thread["width"] - 5  # the heading starts at the right edge
    if lang == "ar":
        screenshot(page, "widget-rtl-ar")
    assert violations(page) == []
    assert page.js_errors == []


def test_the_page_lang_picks_each_shipped_language(blog, demo):
    page = blog(WIDGETS, lang="pt-BR")
    assert page.locator('[data-widget="comments"] button[type=submit]').inner_text() == "Publicar comentário"
    assert page.locator('[data-widget="comments"]').get_attribute("lang") == "pt"
    # Every shipped language has each of these texts (the widget's own, as of the languages' making).
    shipped = page.evaluate("Object.fromEntries(Object.entries(CommentWidgets.languages).map(([k, v]) => [k, Object.keys(v)]))")
    assert sorted(shipped) == SHIPPED
    for lang, keys in shipped.items():
        assert set(TRANSLATED) <= set(keys), (lang, sorted(set(TRANSLATED) - set(keys)))
    unknown = blog(WIDGETS, lang="xx")
    assert unknown.locator('[data-widget="comments"] button[type=submit]').inner_text() == "Post comment"
    assert unknown.locator('[data-widget="comments"]').get_attribute("lang") is None



def placeholders(text: str) -> list[str]:
    return sorted(re.findall(r"\{(\w+)\}", text))


def test_every_shipped_language_has_every_string_the_widget_shows(blog, demo):
    page = blog(WIDGETS, lang="en")
    english = page.evaluate("Object.assign({}, CommentWidgets.strings)")
    # Every key the script passes to t("...") is one of its English strings (wherever in the file it is defined).
    used = set(re.findall(r'\bt\("(\w+)"', (STATIC / "embed.js").read_text()))
    assert used and used <= set(english), sorted(used - set(english))
    shipped = page.evaluate("CommentWidgets.languages")
    assert sorted(shipped) == SHIPPED
    problems = {}
    for lang, strings in shipped.items():
        missing = sorted(set(english) - set(strings))
        unknown = sorted(set(strings) - set(english))
        changed = sorted(key for key in set(english) & set(strings)
                         if placeholders(strings[key]) != placeholders(english[key]))
        if missing or unknown or changed:
            problems[lang] = {"missing": missing, "unknown": unknown, "placeholders differ": changed}
    assert problems == {}



# Every element a widget draws stays inside the widget: nothing sticks out at either side (nor into the other);
# the honeypot field is off-screen on purpose.
OVERFLOW = """() => [...document.querySelectorAll('[data-widget]')].flatMap(root => {
  const box = root.getBoundingClientRect();
  return [...root.querySelectorAll('*')].filter(e => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && !e.closest('.cs-hp') && (r.left < box.left - 1 || r.right > box.right + 1);
  }).map(e => root.dataset.widget + ' ' + e.tagName + '.' + e.className + ': ' + (e.textContent || '').slice(0, 40));
})"""


@pytest.mark.parametrize("lang", ["de", "ar"])
def test_the_report_box_sign_in_and_live_notice_speak_the_pages_language(blog, demo, make_app, client, moderator, lang):
    accounts = make_app(SSO_SECRET=SSO_SECRET).test_client()
    reader = sign_in(accounts, sub="u-7", name="Ada Lovelace")
    top = client.get(f"/api/posts/{SLUG}/comments").get_json()["comments"][0]["id"]
    assert client.post(f"/api/moderation/comments/{top}/pin", headers=moderator).status_code == 200
    signed = accounts.post(f"/api/posts/{SLUG}/comments", json={"body": "Signed in"}, headers=session(reader)).get_json()
    approve(client, moderator, signed["id"])
    smtp = SmtpServer().start()
    try:
        with provider() as issuer:
            page = blog(WIDGETS, script_attrs=f'data-lang="{lang}"', OIDC_PROVIDERS=providers_setting(issuer),
                        SSO_SECRET=SSO_SECRET, SMTP_URL=smtp.url, MAIL_FROM="comments@blog.example",
                        PUBLIC_URL="https://comments.example")
            english = page.evaluate("CommentWidgets.languages." + lang)
            text = page.evaluate("Object.assign({}, CommentWidgets.strings)")
            # The page's language wins over every English table of the script, wherever in the file it is.
            assert {key: text[key] for key in english} == english
            thread = page.locator('[data-widget="comments"]')
            assert thread.locator(".cs-pinned").first.inner_text() == text["pinned"]
            assert text["verified"] in thread.locator(".cs-verified").first.inner_text()
            thread.get_by_role("button", name=text["signInWith"].replace("{name}", "Test ID")).wait_for()
            assert thread.locator(".cs-account-title").inner_text() == text["signInOptional"]
            thread.get_by_placeholder(text["emailForLink"]).fill("ada@example.org")
            thread.get_by_role("button", name=text["signInMail"]).click()
            sent = text["signInMailSent"].replace("{email}", "ada@example.org")
            thread.locator(".cs-account-status", has_text=sent).wait_for()
            thread.locator(".cs-report").first.click()
            box = thread.locator(".cs-report-box")
            assert box.locator("option").all_inner_texts() == [
                text[k] for k in ("reasonSpam", "reasonAbuse", "reasonOffTopic", "reasonOther")]
            assert box.get_by_role("button", name=text["reportSend"]).count() == 1
            page.wait_for_selector("html[data-cs-live=open]", state="attached", timeout=5000)
            for body in ("live one", "live two"):
                made = client.post(f"/api/posts/{SLUG}/comments", json={"author": "Grace", "body": body}).get_json()
                approve(client, moderator, made["id"])
            notice = thread.locator(".cs-live-notice")
            notice.filter(has_text=text["liveNewN"].replace("{n}", "2")).wait_for(timeout=5000)
            screenshot(page, f"widget-{lang}-report-sign-in-live")
            assert page.evaluate(OVERFLOW) == []
            page.set_viewport_size({"width": 360, "height": 800})
            screenshot(page, f"widget-{lang}-narrow")
            assert page.evaluate(OVERFLOW) == []
            assert violations(page) == []
            page.set_viewport_size({"width": 1000, "height": 900})
            page.evaluate("token => CommentWidget.login(token)", sso_token(sub="u-8", name="Grace", email="grace@example.org"))
            bar = thread.locator(".cs-signed-in")
            bar.filter(has_text=text["signedInAs"].replace("{name}", "Grace")).wait_for(timeout=5000)
            for key in ("signOut", "myData", "eraseMe"):
                assert thread.get_by_role("button", name=text[key]).count() == 1
            assert thread.get_by_label(text["replyMails"]).count() == 1
            screenshot(page, f"widget-{lang}-signed-in")
            assert page.evaluate(OVERFLOW) == []
            assert page.js_errors == []
    finally:
        smtp.stop()
        release(accounts.application)


def test_markdown_preview_is_the_servers_sanitized_rendering(blog, demo):
    page = blog(f'<div data-widget="comments" data-post="{SLUG}"></div>')
    form = page.locator("form.cs-form").first
    form.get_by_label("Comment").fill("It **really** helped <img src=x onerror=window.__xss=1> [x](javascript:window.__xss=2)")
    toggle = form.get_by_role("button", name="Preview")
    assert toggle.get_attribute("aria-expanded") == "false"
    toggle.click()
    preview = form.get_by_role("region", name="Preview")
    preview.locator("strong").wait_for()
    assert preview.locator("strong").inner_text() == "really"
    assert preview.locator("img, script, [onerror], a[href^=javascript]").count() == 0
    assert toggle.get_attribute("aria-expanded") == "true"
    form.get_by_label("Comment").fill("Now _changed_")
    preview.locator("em", has_text="changed").wait_for(timeout=5000)
    screenshot(page, "widget-preview-open")
    assert violations(page) == []
    form.get_by_label("Comment").fill("")
    toggle.click()
    toggle.click()
    assert "Nothing to preview yet." in preview.inner_text()
    toggle.click()
    assert preview.is_hidden()
    assert page.evaluate("window.__xss") is None and page.js_errors == []
    assert any(url.endswith("/api/preview") for url in page.requests)
    assert "4 comments" in page.locator(".cs-title").inner_text()  # previewing posted nothing


def test_preview_says_when_it_is_refused(blog, demo):
    page = blog(f'<div data-widget="comments" data-post="{SLUG}"></div>', RATELIMIT_ENABLED=True,
                RATELIMIT_PREVIEWS="1 per minute")
    form = page.locator("form.cs-form").first
    form.get_by_label("Comment").fill("first")
    form.get_by_role("button", name="Preview").click()
    form.locator(".cs-preview p", has_text="first").wait_for()
    form.get_by_label("Comment").fill("second")
    form.locator(".cs-preview .cs-error", has_text="too fast").wait_for(timeout=5000)


def test_dark_mode_and_preview_pass_the_audit_in_a_right_to_left_language(blog, demo):
    page = blog(WIDGETS, lang="he", scheme="dark")
    form = page.locator("form.cs-form").first
    form.get_by_label(re.compile("תגובה")).first.fill("**שלום** עולם")
    form.locator(".cs-preview-toggle").click()
    form.locator(".cs-preview strong").wait_for()
    screenshot(page, "widget-rtl-he-dark-preview")
    assert violations(page) == []


def test_counts_only_index_page(blog, demo, client, moderator):
    created = client.post(f"/api/posts/{SLUG}/comments", json={"author": "Ann", "body": "one more"}).get_json()
    approve(client, moderator, created["id"])
    spans = (f'<p>Post A: <span data-count="{SLUG}">-</span></p><p>Post B: <span data-count="posture-at-your-desk" '
             'data-one="un commentaire" data-many="{n} commentaires">-</span></p>'
             '<p>Bad: <span data-count="not a slug">?</span></p><p>New: <span data-count="never-used">-</span></p>')
    page = blog(spans, wait=False, script="count.js")
    page.wait_for_function(f"() => document.querySelector('[data-count=\"{SLUG}\"]').textContent !== '-'")
    assert page.locator(f'[data-count="{SLUG}"]').inner_text() == "5 comments"
    assert page.locator('[data-count="posture-at-your-desk"]').inner_text() == "un commentaire"
    assert page.locator('[data-count="not a slug"]').inner_text() == "?"
    assert page.locator('[data-count="never-used"]').inner_text() == "0 comments"
    api_calls = [url for url in page.requests if "/api/" in url]
    assert len(api_calls) == 1 and "/api/counts?post=" in api_calls[0]
    assert not any("embed.js" in url for url in page.requests)
    assert page.js_errors == []


def test_embed_js_fills_counts_on_its_page_in_its_language(blog, demo):
    page = blog(f'<div data-widget="recent-posts"></div><span data-count="{SLUG}">-</span>', lang="fr")
    page.wait_for_function(f"() => document.querySelector('[data-count=\"{SLUG}\"]').textContent !== '-'")
    assert page.locator(f'[data-count="{SLUG}"]').inner_text() == "4 commentaires"


def test_what_an_index_page_loads_is_under_one_kilobyte_gzipped(client):
    served = client.get("/count.js")
    assert served.status_code == 200 and served.mimetype == "text/javascript"
    assert "max-age" in served.headers["Cache-Control"] and served.headers["ETag"]
    assert len(gzip.compress(served.data, 9)) < 1024


def test_readme_states_the_current_gzipped_size_of_embed_js():
    size = len(gzip.compress((STATIC / "embed.js").read_bytes(), 9)) / 1024
    found = re.search(r"`embed\.js` is ([\d.]+) KB gzipped", README.read_text())
    assert found, "the README states embed.js's gzipped size"
    stated = float(found.group(1))
    assert abs(stated - size) / size <= 0.05, f"README says {stated} KB, it is {size:.1f} KB gzipped"
