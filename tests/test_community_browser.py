"""Community moderation in Chromium: a reader reports from the widget, the desk's Reported tab, dismiss; pin; a diff."""
from __future__ import annotations

import pytest

from comments_service import users
from comments_service.models import Role
from tests.conftest import screenshot
from tests.helpers import approved_comment, post_comment
from tests.test_widgets_browser import ALL_LOADED

PASSWORD = "correct horse battery staple"
SLUG = "trigger-point-injection"


@pytest.fixture
def moderator_login(app):
    with app.app_context():
        users.create_user("mia", PASSWORD, Role.MODERATOR)


@pytest.fixture
def demo(runner):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output


def log_in(page, base):
    page.goto(f"{base}/moderate/login")
    page.get_by_label("Username").fill("mia")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/moderate")


def open_demo(page, base):
    page.goto(f"{base}/demo")
    page.wait_for_function(ALL_LOADED, timeout=15000)


def thread_item(page, text):
    return page.locator('[data-widget="comments"] li.cs-comment', has_text=text).first


def report_as(client, comment_id, n, reason, note=None):
    body = {"reason": reason, **({"note": note} if note else {})}
    answer = client.post(f"/api/comments/{comment_id}/reports", json=body,
                         headers={"X-Reader-Token": f"another-reader-{n:06d}"})
    assert answer.status_code == 201, answer.get_json()


def test_a_reader_reports_and_a_moderator_dismisses(page, live_server, client, moderator, moderator_login, demo):
    base = live_server.url
    rude = approved_comment(client, moderator, SLUG, author="Rex", body="Only an idiot would get this injection.")
    offtopic = approved_comment(client, moderator, SLUG, author="Sam",
                                body="Does anyone know a good pizza place near the clinic?")
    open_demo(page, base)
    item = thread_item(page, "Only an idiot")
    item.get_by_role("button", name="Report").click()
    box = item.locator(".cs-report-box")
    box.get_by_label("Why?").select_option("abuse")
    box.get_by_label("Anything the moderators should know? (optional)").fill("Insults other readers <b>loudly</b>")
    box.get_by_role("button", name="Send report").click()
    assert item.locator(".cs-report-done").inner_text() == "Thank you. A moderator will look at it."
    assert item.locator("button.cs-report").inner_text() == "Reported"
    assert item.locator("button.cs-report").is_disabled()
    page.reload()
    page.wait_for_function(ALL_LOADED, timeout=15000)
    assert thread_item(page, "Only an idiot").locator("button.cs-report").is_disabled(), "remembered"

    report_as(client, rude["id"], 1, "abuse", "Name-calling")
    report_as(client, rude["id"], 2, "spam")  # the third reader: hidden until a moderator decides
    report_as(client, offtopic["id"], 3, "off-topic")
    open_demo(page, base)
    assert thread_item(page, "Only an idiot").count() == 0

    log_in(page, base)
    page.get_by_role("link", name="Reported").click()
    assert page.locator(".tabs a[aria-current=page]").inner_text().split() == ["Reported", "2"]
    items = page.locator("article.item")
    assert items.count() == 2
    first = items.nth(0)
    assert first.locator("h2").inner_text() == "Rex"
    assert first.locator(".reports-count").inner_text() == "3 reports"
    assert first.locator(".reason-report").all_inner_texts() == ["spam × 1", "abuse × 2"]
    assert "\u201cInsults other readers <b>loudly</b>\u201d" in first.locator(".report-notes").inner_text()
    assert first.locator(".report-notes b").count() == 0, "notes are text, never HTML"
    assert first.locator(".badge-status").inner_text().lower() == "pending"
    assert items.nth(1).locator("h2").inner_text() == "Sam"
    shot = screenshot(page, "reported-tab")
    assert shot.stat().st_size > 20_000
    first.get_by_role("button", name="Dismiss reports").click()
    assert page.locator(".flash-success").inner_text() == (
        f"Dismissed the reports of comment #{rude['id']} and published it again.")
    assert page.locator("article.item").count() == 1
    log = client.get(f"/api/moderation/log?comment_id={rude['id']}", headers=moderator).get_json()["events"]
    assert [e["action"] for e in log][:3] == ["approve", "reports_dismiss", "report_hold"]
    assert log[0]["actor"] == "user:mia"
    open_demo(page, base)
    assert thread_item(page, "Only an idiot").count() == 1
    assert page.js_errors == []


def test_a_moderator_pins_and_the_demo_page_shows_it_first(page, live_server, client, moderator, moderator_login,
                                                           demo):
    base = live_server.url
    doctor = approved_comment(client, moderator, SLUG, author="Dr. Patel",
                              body="As a pain physician: relief usually lasts **weeks to months**.")
    log_in(page, base)
    page.goto(f"{base}/moderate?status=approved&post={SLUG}")
    item = page.locator("article.item", has_text="As a pain physician")
    item.get_by_role("button", name="Pin to top").click()
    assert page.locator(".flash-success").inner_text() == f"Pinned comment #{doctor['id']}."
    assert page.locator("article.item", has_text="As a pain physician").locator(".badge-pin").inner_text() == "Pinned"
    open_demo(page, base)
    first = page.locator('[data-widget="comments"] .cs-list > li.cs-comment').first
    assert "As a pain physician" in first.inner_text()
    assert first.locator(".cs-pinned").inner_text() == "Pinned"
    top_level = '[data-widget="comments"] .cs-list > li.cs-comment > .cs-meta .cs-author'
    oldest = page.locator(top_level).all_inner_texts()
    with page.expect_response(lambda r: "sort=newest" in r.url):
        page.locator('[data-widget="comments"] select').select_option("newest")
    page.wait_for_function("""(second) => {
      const items = document.querySelectorAll('[data-widget=comments] .cs-list > li.cs-comment');
      return items.length > 1 && items[1].querySelector('.cs-author').textContent !== second;
    }""", arg=oldest[1])
    newest = page.locator(top_level).all_inner_texts()
    assert oldest[0] == newest[0] == "Dr. Patel", "pinned first in both sorts"
    assert newest[1:] == oldest[1:][::-1]
    screenshot(page, "pinned-demo")
    log_in(page, base)
    page.goto(f"{base}/moderate?status=approved&post={SLUG}")
    page.locator("article.item", has_text="As a pain physician").get_by_role("button", name="Unpin").click()
    open_demo(page, base)
    assert page.locator('[data-widget="comments"] .cs-pinned').count() == 0
    assert page.js_errors == []


def test_the_desk_shows_what_an_edit_changed(page, live_server, client, moderator_login):
    base = live_server.url
    created = post_comment(client, SLUG, author="Lena",
                           body="The injection hurt a bit. Relief came after two days and lasted a week.").get_json()
    for body in ("The injection hurt a bit. Relief came after three days and lasted a month. <script>x()</script>",
                 "The injection hardly hurt. Relief came after three days and lasted a month."):
        edited = client.patch(f"/api/comments/{created['id']}", json={"body": body},
                              headers={"X-Edit-Token": created["edit_token"]})
        assert edited.status_code == 200
    log_in(page, base)
    item = page.locator("article.item", has_text="hardly hurt")
    item.get_by_role("link", name="see changes").click()
    page.wait_for_url(f"{base}/moderate/comments/{created['id']}/revisions")
    assert page.locator("h1").inner_text() == f"Changes to comment #{created['id']} by Lena"
    edits = page.locator("section.revision")
    assert edits.count() == 2
    first = edits.nth(0)
    assert first.locator("del.diff-removed").all_inner_texts() == ["two", "week."]
    assert first.locator("ins.diff-added").all_inner_texts() == ["three", "month. <script>x()</script>"]
    second = edits.nth(1)
    assert [t.strip() for t in second.locator("del.diff-removed").all_inner_texts()] == [
        "hurt", "a bit.", "<script>x()</script>"]
    assert second.locator("ins.diff-added").all_inner_texts() == ["hardly", "hurt."]
    assert page.locator("script", has_text="x()").count() == 0, "typed text is escaped"
    shot = screenshot(page, "revision-diff")
    assert shot.stat().st_size > 15_000
    assert page.js_errors == []
