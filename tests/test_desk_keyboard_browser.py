"""The desk in Chromium: a keyboard-only review, the search box, the dashboard's charts in light and dark."""
from __future__ import annotations

import random
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from comments_service import users
from comments_service.extensions import db
from comments_service.models import Comment, CommentStatus, Role
from tests.conftest import ARTIFACTS, screenshot
from tests.helpers import post_comment, publish

PASSWORD = "correct horse battery staple"


def log_in(page, base):
    page.goto(f"{base}/moderate")
    page.get_by_label("Username").fill("kai")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/moderate")


@pytest.fixture
def moderator_login(app):
    with app.app_context():
        users.create_user("kai", PASSWORD, Role.MODERATOR)


def statuses(app, ids):
    with app.app_context():
        found = {c.id: c.status for c in db.session.scalars(select(Comment).where(Comment.id.in_(ids)))}
        db.session.rollback()
    return [found[i] for i in ids]


def focused_comment(page):
    return page.evaluate("document.activeElement.closest('article.item')?.dataset.comment || null")


def test_a_keyboard_only_review_of_five_comments(app, client, page, live_server, moderator_login, editor):
    publish(client, editor, "knees", title="Knee pain after running")
    made = [post_comment(client, "knees", author=name, body=f"Comment from {name}.").get_json()
            for name in ("Ana", "Ben", "Cleo", "Dev", "Eli")]
    ids = [c["id"] for c in made]
    log_in(page, live_server.url)

    page.keyboard.press("j")
    assert focused_comment(page) == str(ids[0])
    assert page.locator("article.item.kbd-current").count() == 1
    # Focus is visible: the outline the stylesheet gives the item in hand.
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
    with page.expect_navigation():
        page.keyboard.press("a")  # Ana approved
    assert page.locator(".flash-success").inner_text() == f"Approved comment #{ids[0]}."
    assert focused_comment(page) == str(ids[1])  # the next one is in hand after the page comes back
    with page.expect_navigation():
        page.keyboard.press("r")  # Ben rejected
    with page.expect_navigation():
        page.keyboard.press("s")  # Cleo spam
    assert focused_comment(page) == str(ids[3])
    page.keyboard.press("j")
    assert focused_comment(page) == str(ids[4])
    with page.expect_navigation():
        page.keyboard.press("a")  # Eli approved
    page.keyboard.press("k")
    assert focused_comment(page) == str(ids[3])

    # Typing in the search box is typing, not shortcuts.
    page.get_by_label("Search", exact=True).click()
    page.keyboard.type("ras")
    assert page.get_by_label("Search", exact=True).input_value() == "ras"
    assert page.url.endswith("/moderate")

    # The help overlay: ? opens it, Esc closes it, and keys do nothing while it is open.
    page.locator(f"article[data-comment='{ids[3]}']").focus()
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    assert dialog.is_visible() and "Mark it as spam" in dialog.inner_text()
    screenshot(page, "desk-keyboard-help")
    page.keyboard.press("a")
    assert dialog.is_visible() and page.url.endswith("/moderate")
    page.keyboard.press("Escape")
    assert not dialog.is_visible()
    assert focused_comment(page) == str(ids[3])

    # An edit after the page was loaded: the shortcut sends the version shown, and the desk refuses.
    edited = client.patch(f"/api/comments/{ids[3]}", json={"body": "Changed my mind."},
                          headers={"X-Edit-Token": made[3]["edit_token"]})
    assert edited.status_code == 200
    with page.expect_navigation():
        page.keyboard.press("r")
    assert "was edited after you opened the page" in page.locator(".flash-error").first.inner_text()
    assert statuses(app, ids)[3] == CommentStatus.PENDING
    with page.expect_navigation():
        page.keyboard.press("r")  # now it is the version shown: Dev rejected

    assert statuses(app, ids) == [CommentStatus.APPROVED, CommentStatus.REJECTED, CommentStatus.SPAM,
                                  CommentStatus.REJECTED, CommentStatus.APPROVED]
    assert page.js_errors == []


SLUGS = [("knee-pain", "Knee pain after running"), ("lumbar-stretches", "Five stretches for the lower back"),
         ("trigger-points", "Trigger point injections: what to expect"), ("sleep", "Sleeping with a bad back")]


@pytest.fixture
def a_month_of_comments(app, client, editor):
    """About 300 comments over 30 days on four posts, most approved, some rejected and spam, a queue."""
    rng = random.Random(16)
    for slug, title in SLUGS:
        publish(client, editor, slug, title=title)
    rows, now = [], datetime.now(timezone.utc)
    for day in range(30):
        for _ in range(rng.randint(3, 8) + (6 if day % 7 in (1, 2) else 0)):
            slug = rng.choices([s for s, _ in SLUGS], weights=[5, 3, 2, 1])[0]
            roll = rng.random()
            fields = {"body": f"My back pain story, part {rng.randint(1, 10**6)}."}
            if roll < 0.08:
                fields["website_confirm"] = "http://bot.example"
            elif roll < 0.12:
                fields["body"] = " ".join(f"[{i}](https://{i}.example)" for i in "abcd")
            response = post_comment(client, slug, author=rng.choice(["Ana", "Ben", "Maria", "Tom"]), **fields)
            assert response.status_code == 201
            status = CommentStatus.SPAM if roll < 0.08 else (
                CommentStatus.PENDING if roll < 0.12 or day < 2 and roll < 0.5 else
                CommentStatus.REJECTED if roll < 0.18 else CommentStatus.APPROVED)
            rows.append((response.get_json()["id"], status, now - timedelta(days=day, minutes=rng.randint(0, 600))))
    with app.app_context():
        for comment_id, status, when in rows:
            db.session.execute(update(Comment).where(Comment.id == comment_id).values(status=status, created_at=when))
        db.session.commit()
    return rows


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_dashboard_draws_its_charts(page, live_server, moderator_login, a_month_of_comments, scheme):
    page.emulate_media(color_scheme=scheme)
    log_in(page, live_server.url)
    page.get_by_role("link", name="Dashboard").click()
    page.wait_for_url(f"{live_server.url}/moderate/dashboard")
    days = page.get_by_role("img", name="Comments per day by status, the last 30 days")
    assert days.locator("g.day").count() == 30
    assert days.locator("rect.bar-approved").count() >= 25
    pending = sum(1 for _, s, _ in a_month_of_comments if s == CommentStatus.PENDING)
    assert page.locator(".tile-queue .tile-value").inner_text() == str(pending)
    assert page.get_by_role("img", name="Spam check reasons, the last 30 days").locator("rect").count() == 2
    posts = page.get_by_role("list", name="Posts by comments published, the last 30 days")
    assert posts.get_by_role("listitem").count() == 4
    first = posts.get_by_role("link").first
    assert first.text_content().strip() == "Knee pain after running"
    assert first.get_attribute("href") == "https://blog.example/knee-pain"
    # Dark mode is the stylesheet's: the page and the bars change colour.
    background = page.evaluate("getComputedStyle(document.body.parentElement).backgroundColor")
    assert background == ("rgb(18, 22, 31)" if scheme == "dark" else "rgb(245, 246, 248)")
    shot = screenshot(page, f"dashboard-{scheme}")
    assert shot.stat().st_size > 40_000
    page.get_by_role("link", name="7 days").click()
    assert page.get_by_role("img", name="Comments per day by status, the last 7 days").locator("g.day").count() == 7
    assert page.js_errors == []


def test_the_search_box_finds_comments_in_every_status(page, live_server, moderator_login, a_month_of_comments,
                                                      client):
    spam_text = post_comment(client, "sleep", author="Nadia Petrova", body="Which mattress helps a bad back?")
    log_in(page, live_server.url)
    page.get_by_label("Search", exact=True).fill("mattress")
    page.get_by_label("Search", exact=True).press("Enter")
    page.wait_for_url(re.compile(r"/moderate\?q=mattress&status=$"))
    assert page.locator("h1").inner_text() == "Comments matching “mattress”"
    items = page.locator("article.item")
    assert items.count() == 1 and items.first.locator("h2").inner_text() == "Nadia Petrova"
    assert spam_text.status_code == 201
    page.get_by_label("Search", exact=True).fill("Maria")
    page.get_by_label("Search", exact=True).press("Enter")
    page.wait_for_url(re.compile(r"/moderate\?q=Maria&status=$"))
    assert page.locator("article.item").count() == 50 and page.get_by_role("link", name="Next page »").is_visible()
    assert {b.inner_text().lower() for b in page.locator(".status-badge").all()} >= {"approved", "pending"}
    page.get_by_label("Status", exact=True).select_option("spam")
    page.get_by_label("Search", exact=True).press("Enter")
    page.wait_for_url(re.compile(r"q=Maria&status=spam$"))
    assert {b.inner_text().lower() for b in page.locator(".status-badge").all()} == {"spam"}
    page.get_by_label("Search", exact=True).fill("Maria back")
    page.get_by_label("Status", exact=True).select_option("")
    page.get_by_label("Search", exact=True).press("Enter")
    page.wait_for_url(re.compile(r"q=Maria\+back&status=$"))
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "desk-search.png"))  # the first screenful: the page is 50 items long
    assert page.js_errors == []
