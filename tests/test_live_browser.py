"""Live updates in Chromium: two readers with the demo page open, one server (gunicorn as production runs it).

A reader posts on one page, a moderator approves, and the other page shows a
"new comment" notice without a reload, then the comment (a reply under its
parent); the sidebar takes it too. A like on one page moves the count on the
other. A server restarted mid-stream: the page reconnects from its last event
id and shows what was approved while the server was down.
"""
from __future__ import annotations

import pytest

import tests.faults
from tests.conftest import screenshot
from tests.faults import Gunicorn
from tests.helpers import approve
from tests.test_faults import service_env
from tests.test_widgets_browser import ALL_LOADED, SLUG

LIVE = {"LIVE_KEEPALIVE_SECONDS": "5", "LIVE_STREAM_SECONDS": "120", "MODERATION": "pre"}
NOTICE = ".cs-live-notice:not([hidden])"


@pytest.fixture
def server(database_url, runner):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    service = Gunicorn(service_env(database_url, **LIVE), workers=1)
    yield service
    service.stop()


@pytest.fixture
def two_pages(browser, server):
    contexts = [browser.new_context(viewport={"width": 1280, "height": 900}) for _ in range(2)]
    pages = []
    for context in contexts:
        page = context.new_page()
        page.js_errors = []
        page.on("pageerror", lambda error, page=page: page.js_errors.append(str(error)))
        page.goto(f"http://127.0.0.1:{server.port}/demo")
        page.wait_for_function(ALL_LOADED, timeout=15000)
        pages.append(page)
    # Both streams are open before anything happens.
    for page in pages:
        page.wait_for_selector("html[data-cs-live=open]", state="attached", timeout=5000)
    page.wait_for_timeout(300)
    yield pages
    for page in pages:
        assert page.js_errors == []
    for context in contexts:
        context.close()


def post_through_form(page, body, reply_to=None):
    if reply_to is not None:
        page.locator(f'.cs-comment[data-id="{reply_to}"] >> .cs-actions >> text=Reply').first.click()
        form = page.locator(".cs-reply-form")
    else:
        form = page.locator('[data-widget="comments"] > form.cs-form').first
    form.locator("input[name=author]").fill("Grace")
    form.locator("textarea[name=body]").fill(body)
    with page.expect_response(lambda r: r.url.endswith("/comments") and r.request.method == "POST") as answer:
        form.locator("button[type=submit]").click()
    return answer.value.json()


def test_an_approved_comment_appears_on_the_other_page_behind_a_notice(two_pages, client, moderator):
    writer, reader = two_pages
    top = reader.locator('[data-widget="comments"] .cs-list > .cs-comment').first
    parent_id = int(top.get_attribute("data-id"))
    before = reader.locator('[data-widget="comments"] .cs-comment').count()
    made = post_through_form(writer, "Live from the other tab")
    reply = post_through_form(writer, "A live reply", reply_to=parent_id)
    assert made["status"] == "pending" and reply["status"] == "pending"
    reader.wait_for_timeout(500)
    assert not reader.locator(".cs-live-notice").is_visible(), "nothing shows before a moderator approves"
    approve(client, moderator, made["id"])
    approve(client, moderator, reply["id"])
    reader.wait_for_selector(NOTICE, timeout=2000)
    reader.wait_for_function("() => document.querySelector('.cs-live-notice').textContent === '2 new comments - show'",
                             timeout=2000)
    # No text moved: the new comments wait until the reader asks for them.
    assert reader.locator('[data-widget="comments"] .cs-comment').count() == before
    assert "Live from the other tab" in reader.locator('[data-widget="recent-comments"]').inner_text()
    screenshot(reader, "live-notice")
    reader.locator(NOTICE).click()
    assert not reader.locator(".cs-live-notice").is_visible()
    shown = reader.locator(f'.cs-comment[data-id="{made["id"]}"]')
    assert "Live from the other tab" in shown.inner_text()
    nested = reader.locator(f'.cs-comment[data-id="{parent_id}"] > .cs-replies > .cs-comment[data-id="{reply["id"]}"]')
    assert nested.count() == 1 and "A live reply" in nested.inner_text()
    count = reader.locator('[data-widget="comments"] .cs-title').inner_text()
    assert str(before + 2) in count or count.endswith("comments")
    screenshot(reader, "live-shown")


def test_a_like_on_one_page_moves_the_count_on_the_other(two_pages):
    liker, watcher = two_pages
    shown = watcher.locator('[data-widget="like"] .cs-like-count').inner_text()
    liker.locator(".cs-like-button").click()
    liker.wait_for_selector('.cs-like-button[aria-pressed="true"]', timeout=5000)
    expected = liker.locator('[data-widget="like"] .cs-like-count').inner_text()
    assert expected != shown
    watcher.wait_for_function(
        "text => document.querySelector('[data-widget=\"like\"] .cs-like-count').textContent === text",
        arg=expected, timeout=2000)


def test_a_live_update_keeps_the_reply_the_reader_is_writing(two_pages, client, moderator):
    _, reader = two_pages
    top = reader.locator('[data-widget="comments"] .cs-list > .cs-comment').first
    comment_id = top.get_attribute("data-id")
    top.locator(":scope > .cs-actions >> text=Reply").first.click()
    reader.locator(".cs-reply-form textarea[name=body]").fill("Half a thought")
    pinned = client.post(f"/api/moderation/comments/{comment_id}/pin", headers=moderator)
    assert pinned.status_code == 200, pinned.get_json()
    shown = f'.cs-comment[data-id="{comment_id}"]'
    reader.wait_for_selector(f"{shown} .cs-pinned", timeout=3000)  # the update replaced the comment in place
    form = reader.locator(f"{shown} > .cs-reply-form")
    assert form.count() == 1, "the reply being written is still open under its comment"
    assert form.locator("textarea[name=body]").input_value() == "Half a thought"


def test_a_server_restart_mid_stream_loses_no_event(browser, server, database_url, client, moderator, monkeypatch):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"http://127.0.0.1:{server.port}/demo")
    page.wait_for_function(ALL_LOADED, timeout=15000)
    first = client.post(f"/api/posts/{SLUG}/comments", json={"author": "Ada", "body": "before the restart"}).get_json()
    approve(client, moderator, first["id"])
    page.wait_for_selector(NOTICE, timeout=3000)  # the page has seen an event: it holds its id
    server.stop()
    missed = client.post(f"/api/posts/{SLUG}/comments", json={"author": "Ada", "body": "while it was down"}).get_json()
    approve(client, moderator, missed["id"])  # through this process: into Redis, no stream open anywhere
    monkeypatch.setattr(tests.faults, "free_port", lambda: server.port)
    again = Gunicorn(service_env(database_url, **LIVE), workers=1)
    try:
        page.wait_for_function("() => document.querySelector('.cs-live-notice').textContent === '2 new comments - show'",
                               timeout=15000)
        page.locator(NOTICE).click()
        assert "while it was down" in page.locator(f'.cs-comment[data-id="{missed["id"]}"]').inner_text()
        screenshot(page, "live-after-restart")
    finally:
        context.close()
        again.stop()
