"""The live desk in Chromium: a comment posted while the queue is open shows as a notice; nothing moves until "show"."""
from __future__ import annotations

import pytest

from comments_service import users
from comments_service.models import Role
from tests.conftest import screenshot
from tests.helpers import post_comment, publish

PASSWORD = "correct horse battery staple"
NOTICE = ".live-notice:not([hidden])"


@pytest.fixture
def desk(make_app, serve, editor):
    """An app whose streams last (the test app's end at once), served, with a moderator and two comments waiting."""
    app = make_app(LIVE_STREAM_SECONDS=120.0, LIVE_KEEPALIVE_SECONDS=5.0)
    app.url = serve(app).url
    app.client = app.test_client()
    with app.app_context():
        users.create_user("kai", PASSWORD, Role.MODERATOR)
    publish(app.client, editor, "knees", title="Knee pain after running")
    app.waiting = [post_comment(app.client, "knees", author=name, body=f"Comment from {name}.").get_json()["id"]
                   for name in ("Ana", "Ben")]
    return app


def log_in(page, base, path="/moderate"):
    page.goto(f"{base}{path}")
    page.get_by_label("Username").fill("kai")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}{path}")
    page.wait_for_selector("[data-desk-live][data-live=open]", state="attached", timeout=5000)


def in_hand(page):
    return page.evaluate("document.querySelector('article.item.kbd-current')?.dataset.comment || null")


def test_a_new_comment_shows_as_a_notice_and_show_lists_it_leaving_the_review_as_it_was(desk, page, moderator):
    log_in(page, desk.url)
    first, second = desk.waiting
    page.keyboard.press("j")
    page.keyboard.press("j")  # Ben in hand
    page.locator(f"#sel-{first}").check()  # Ana selected for a bulk action
    page.locator(f"article[data-comment='{second}']").focus()
    boxes = [page.locator(f"article[data-comment='{i}']").bounding_box() for i in desk.waiting]

    made = post_comment(desk.client, "knees", author="Cleo", body="Posted while the desk was open.").get_json()
    assert made["status"] == "pending"
    page.wait_for_selector(NOTICE, timeout=5000)
    notice = page.locator(".live-notice")
    assert notice.inner_text() == "1 new comment - show"
    # Nothing moved: the same items at the same places, the one in hand and the selection kept, focus too.
    assert [page.locator(f"article[data-comment='{i}']").bounding_box() for i in desk.waiting] == boxes
    assert in_hand(page) == str(second)
    assert page.evaluate("document.activeElement.dataset.comment") == str(second)
    assert page.locator(f"#sel-{first}").is_checked()
    assert page.locator(f"article[data-comment='{made['id']}']").count() == 0
    # In the desk's style: the accent colour, white text, a pill over the queue.
    style = notice.evaluate("n => [getComputedStyle(n).backgroundColor, getComputedStyle(n).color]")
    assert style == ["rgb(47, 91, 211)", "rgb(255, 255, 255)"]
    screenshot(page, "desk-live-notice")

    # A second one counts up; one that another moderator took away counts down.
    other = post_comment(desk.client, "knees", author="Dev", body="Another one.").get_json()
    page.wait_for_function("() => document.querySelector('.live-notice').textContent === '2 new comments - show'",
                           timeout=5000)
    answer = desk.client.post(f"/api/moderation/comments/{other['id']}/reject", headers=moderator)
    assert answer.status_code == 200
    page.wait_for_function("() => document.querySelector('.live-notice').textContent === '1 new comment - show'",
                           timeout=5000)

    notice.click()
    page.wait_for_selector(f"article[data-comment='{made['id']}']", timeout=5000)
    assert page.locator(".live-notice").is_hidden()
    assert [a.get_attribute("data-comment") for a in page.locator("article.item").all()] == [
        str(first), str(second), str(made["id"])]
    assert page.locator(".tabs [aria-current=page] .count").inner_text() == "3"
    assert in_hand(page) == str(second) and page.locator(f"#sel-{first}").is_checked()
    assert page.evaluate("document.activeElement.dataset.comment") == str(second)  # focus back where it was
    assert page.locator("[data-selected-count]").inner_text() == "1 of 3 selected"
    # The new item works as the others: j takes it in hand, a approves it (its own button, its version).
    page.keyboard.press("j")
    assert in_hand(page) == str(made["id"])
    with page.expect_navigation():
        page.keyboard.press("a")
    assert page.locator(".flash-success").inner_text() == f"Approved comment #{made['id']}."
    assert page.js_errors == []


def test_another_list_and_a_search_take_no_notice(desk, page):
    log_in(page, desk.url, "/moderate?status=spam")
    post_comment(desk.client, "knees", author="Eve", body="A pending one, not for the Spam tab.")
    page.wait_for_timeout(1000)
    assert page.locator(NOTICE).count() == 0
    page.goto(f"{desk.url}/moderate?q=Comment")
    assert page.locator("[data-desk-live]").count() == 0
    assert page.js_errors == []


def test_an_empty_queue_shows_the_notice_and_show_loads_the_queue(desk, page, moderator):
    for comment_id in desk.waiting:
        assert desk.client.post(f"/api/moderation/comments/{comment_id}/approve", headers=moderator).status_code == 200
    log_in(page, desk.url)
    assert page.locator(".empty").is_visible()
    made = post_comment(desk.client, "knees", author="Fay", body="The first of the day.").get_json()
    page.wait_for_selector(NOTICE, timeout=5000)
    assert page.locator(".live-notice").inner_text() == "1 new comment - show"
    screenshot(page, "desk-live-notice-empty")
    with page.expect_navigation():
        page.locator(".live-notice").click()
    assert page.locator(f"article[data-comment='{made['id']}']").is_visible()
    assert page.js_errors == []


def test_a_hidden_tab_closes_its_stream_and_catches_up_when_shown(desk, page):
    log_in(page, desk.url)
    hide = "h => { Object.defineProperty(document, 'hidden', {configurable: true, get: () => h});" \
           " document.dispatchEvent(new Event('visibilitychange')); }"
    page.evaluate(hide, True)
    assert page.locator("[data-desk-live]").get_attribute("data-live") == "closed"
    made = post_comment(desk.client, "knees", author="Gus", body="Came while nobody looked.").get_json()
    page.wait_for_timeout(500)
    assert page.locator(NOTICE).count() == 0
    page.evaluate(hide, False)
    page.wait_for_selector(NOTICE, timeout=5000)  # replayed from the last event id
    assert page.locator(".live-notice").inner_text() == "1 new comment - show"
    page.locator(".live-notice").click()
    page.wait_for_selector(f"article[data-comment='{made['id']}']", timeout=5000)
    assert page.js_errors == []
