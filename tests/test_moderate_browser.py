"""A moderator's session in Chromium: log in, work the queue, and the public thread follows."""
from __future__ import annotations

from datetime import timedelta

import pytest

from comments_service import users
from comments_service.extensions import db
from comments_service.models import Comment, Role
from tests.conftest import screenshot
from tests.helpers import post_comment, publish

PASSWORD = "correct horse battery staple"
SLUG = "trigger-point-injection"


@pytest.fixture
def queue_of_comments(app, client, editor):
    """A moderator account and a realistic queue: three comments on one post, one on another, one spam."""
    with app.app_context():
        users.create_user("mia", PASSWORD, Role.MODERATOR)
    publish(client, editor, SLUG, title="Trigger point injections: what to expect")
    publish(client, editor, "lumbar-stretches", title="Five stretches for the lower back")
    made = [
        post_comment(
            client, SLUG, author="Maria Gonzales", email="maria@example.com", website="https://maria.example",
            body="Thank you for this clear overview! **How long** does the relief usually last after the first injection?",
        ),
        post_comment(
            client, SLUG, author="Tom", email="tom@example.com",
            body="I had one last year <script>alert('hi')</script> and it helped *a lot*.\n\n> the needle is very thin\n\nCan confirm.",
        ),
        post_comment(
            client, SLUG, author="Best Deals", email="deals@offers.example",
            body="Cheap meds here https://a.com https://b.com https://c.com and https://d.com",
        ),
        post_comment(client, "lumbar-stretches", author="Priya", body="Stretch number three made a real difference for me."),
        post_comment(client, "lumbar-stretches", author="bot", body="hello", website_confirm="http://bot.example"),
    ]
    assert all(response.status_code == 201 for response in made)
    return [response.get_json()["id"] for response in made]


def test_moderator_works_the_queue_in_a_browser(page, live_server, queue_of_comments):
    maria, _tom, _deals, priya, _bot = queue_of_comments
    base = live_server.url

    page.goto(f"{base}/moderate")
    assert page.url.startswith(f"{base}/moderate/login")
    page.get_by_label("Username").fill("mia")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_role("alert").inner_text() == "Wrong username or password."

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/moderate")
    items = page.locator("article.item")
    assert items.count() == 4
    assert page.locator(".tabs a[aria-current=page]").inner_text().split() == ["Pending", "4"]
    assert page.locator(".tabs").inner_text().split() == ["Pending", "4", "Approved", "0", "Rejected", "0", "Spam", "1",
                                                         "Reported", "0"]
    first = items.nth(0)
    assert first.locator("h2").inner_text() == "Maria Gonzales"
    assert "maria@example.com" in first.inner_text() and "Trigger point injections: what to expect" in first.inner_text()
    assert first.locator(".rendered strong").inner_text() == "How long"
    tom_item = items.nth(1)
    assert tom_item.locator(".rendered script").count() == 0
    tom_item.locator("summary", has_text="Text as typed").click()
    assert "<script>alert('hi')</script>" in tom_item.locator(".source pre").inner_text()
    assert items.nth(2).locator(".reason").inner_text() == "Too many links"
    items.nth(1).get_by_role("checkbox").check()
    assert page.locator("[data-selected-count]").inner_text() == "1 of 4 selected"
    shot = screenshot(page, "moderation-queue")
    assert shot.stat().st_size > 20_000
    items.nth(1).get_by_role("checkbox").uncheck()

    first.get_by_role("button", name="Approve").click()
    assert page.locator(".flash-success").inner_text() == f"Approved comment #{maria}."
    assert items.count() == 3

    page.get_by_label("Post").fill(SLUG)
    page.get_by_role("button", name="Filter").click()
    assert items.count() == 2
    # The filter loaded a new page: let its script attach before the keyboard acts.
    page.wait_for_function("() => document.querySelector('[data-selected-count]').textContent !== ''")
    page.focus("#select-all")
    page.keyboard.press("Space")  # the keyboard reaches "select all on this page"
    assert page.locator("[data-selected-count]").inner_text() == "2 of 2 selected"
    page.get_by_role("button", name="Reject selected").click()
    assert page.locator(".flash-success").inner_text() == "Rejected 2 comments."
    assert page.locator(".empty").is_visible()

    public = page.request.get(f"{base}/api/posts/{SLUG}/comments").json()
    assert [c["id"] for c in public["comments"]] == [maria]
    assert public["post"]["comment_count"] == 1

    page.get_by_role("link", name="Audit log").click()
    rows = page.locator("tbody tr")
    assert rows.count() == 3
    assert all("user:mia" in rows.nth(i).inner_text() for i in range(3))
    assert sorted(rows.nth(i).locator(".badge").inner_text() for i in range(3)) == ["approve", "reject", "reject"]

    # A form post from anywhere without the page's CSRF token is refused, and changes nothing.
    forged = page.request.post(f"{base}/moderate/bulk", form={"ids": str(priya), "action": "approve"}, max_redirects=0)
    assert forged.status == 400
    forged = page.request.post(f"{base}/moderate/comments/{priya}/approve", form={"csrf_token": "guess"}, max_redirects=0)
    assert forged.status == 400
    assert page.request.get(f"{base}/api/posts/lumbar-stretches/comments").json()["comments"] == []

    page.get_by_role("button", name="Log out").click()
    assert page.get_by_text("You are logged out.").is_visible()
    page.goto(f"{base}/moderate")
    assert page.url.startswith(f"{base}/moderate/login")
    assert page.js_errors == []


def test_an_edit_after_the_queue_opened_is_shown_before_it_can_be_approved(page, live_server, app, client, editor):
    """The reader edits while the moderator reads: Approve refuses, the new text is shown, the next Approve counts."""
    with app.app_context():
        users.create_user("mia", PASSWORD, Role.MODERATOR)
    publish(client, editor, SLUG, title="Trigger point injections: what to expect")
    first = post_comment(client, SLUG, author="Sam", body="Did the *second* injection hurt less than the first?")
    other = post_comment(client, SLUG, author="Lee", body="Thanks, this calmed my nerves before my appointment.")
    comment, lee = first.get_json(), other.get_json()["id"]
    base = live_server.url

    page.goto(f"{base}/moderate")
    page.get_by_label("Username").fill("mia")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/moderate")
    item = page.locator("article.item", has=page.locator("h2", has_text="Sam"))
    assert item.locator(".rendered em").inner_text() == "second"

    new_text = "Great post! Book your injection cheaply at https://clinic-deals.example today."
    edited = client.patch(f"/api/comments/{comment['id']}", json={"body": new_text},
                          headers={"X-Edit-Token": comment["edit_token"]})
    assert edited.status_code == 200
    with app.app_context():
        # A minute back, so that the second edit below is a different second (times are compared to the second).
        row = db.session.get(Comment, comment["id"])
        row.edited_at -= timedelta(minutes=1)
        db.session.commit()

    # Each refusal shows the same message: wait for the new page, not the old page's flash.
    with page.expect_navigation():
        item.get_by_role("button", name="Approve").click()
    message = f"Comment #{comment['id']} was edited after you opened the page; read the new text before you decide."
    assert page.locator(".flash-error").inner_text() == message
    assert new_text in item.locator(".rendered").inner_text()
    assert "injection hurt less" not in page.locator("main").inner_text()
    assert page.locator("article.item").count() == 2
    shot = screenshot(page, "moderation-stale-approval")
    assert shot.stat().st_size > 20_000
    assert page.request.get(f"{base}/api/posts/{SLUG}/comments").json()["comments"] == []

    # The bulk bar refuses the same way while the page is old; after reloading, both go through.
    client.patch(f"/api/comments/{comment['id']}", json={"body": new_text + " Really."},
                 headers={"X-Edit-Token": comment["edit_token"]})
    page.locator("#select-all").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Approve selected").click()
    assert page.locator(".flash-error").first.inner_text() == message
    assert "None of the selected comments was changed." in page.locator(".flashes").inner_text()
    assert page.locator("article.item").count() == 2

    with page.expect_navigation():
        item.get_by_role("button", name="Approve").click()
    assert page.locator(".flash-success").inner_text() == f"Approved comment #{comment['id']}."
    assert page.locator("article.item").count() == 1
    public = page.request.get(f"{base}/api/posts/{SLUG}/comments").json()["comments"]
    assert [c["id"] for c in public] == [comment["id"]] and "Really." in public[0]["body_html"]
    assert lee not in [c["id"] for c in public]
    assert page.js_errors == []
