"""Reply notifications in a real browser: the embed form's checkbox, then the confirmation link from the mail."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from comments_service.extensions import db
from comments_service.mail_models import MailAddress
from tests.conftest import ARTIFACTS, screenshot
from tests.notify_helpers import link_to, release, run_jobs
from tests.servers import SmtpServer

ADA = "ada@example.com"


@pytest.fixture(scope="module")
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def notify_app(make_app, smtp, serve):
    app = make_app(SMTP_URL=smtp.url, MAIL_FROM="Blog comments <comments@blog.example>")
    app.live = serve(app)
    app.config["PUBLIC_URL"] = app.live.url
    yield app
    release(app)


def test_a_reader_ticks_notify_then_confirms_from_the_mailed_link(page, notify_app, smtp):
    smtp.messages.clear()
    result = notify_app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    page.goto(notify_app.live.url + "/demo")
    form = page.locator('[data-widget="comments"] form.cs-form').first
    form.wait_for(timeout=15000)
    box = form.locator('input[name="notify"]')
    # No address typed: the box cannot be ticked, and says why.
    assert box.is_disabled()
    assert "Type your e-mail" in form.inner_text()
    form.locator('input[name="author"]').fill("Ada")
    form.locator('input[name="email"]').fill(ADA)
    assert box.is_enabled()
    box.check()
    form.locator('textarea[name="body"]').fill("Tell me when someone answers.")
    ARTIFACTS.mkdir(exist_ok=True)
    form.screenshot(path=str(ARTIFACTS / "embed-notify.png"))
    form.locator('button[type="submit"]').click()
    notice = page.locator('[data-widget="comments"] .cs-notice')
    notice.filter(has_text="Check your mail").wait_for(timeout=15000)
    assert "awaiting moderation" in notice.inner_text()
    # Clearing the address unticks and disables the box again.
    form.locator('input[name="email"]').fill("")
    assert box.is_disabled() and not box.is_checked()

    run_jobs(notify_app)
    assert len(smtp.messages) == 1 and smtp.messages[0].recipients == [ADA]
    confirm = link_to(smtp.messages[0].message, "/notifications/confirm/")
    page.goto(confirm)
    button = page.get_by_role("button", name="Yes, mail me replies")
    assert button.is_visible()
    assert "Reply notifications" in page.title() or "Confirm" in page.title()
    screenshot(page, "confirm-page")
    with notify_app.app_context():
        assert db.session.scalar(select(MailAddress.confirmed_at)) is None, "opening the page changes nothing"
    button.click()
    page.get_by_text("is confirmed").wait_for(timeout=10000)
    screenshot(page, "confirm-done")
    with notify_app.app_context():
        assert db.session.scalar(select(MailAddress.confirmed_at)) is not None
    assert page.js_errors == []
