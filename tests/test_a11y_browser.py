"""Accessibility audited by axe-core (axe-playwright-python) in Chromium: the demo page in light and dark, the desk."""
from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from comments_service import users
from comments_service.models import Role
from tests.conftest import screenshot
from tests.helpers import approve, post_comment

SLUG = "trigger-point-injection"
PASSWORD = "correct horse battery staple"
ALL_LOADED = """() => {
  const nodes = [...document.querySelectorAll('[data-widget]')];
  return nodes.length > 0 && nodes.every(n => n.childElementCount > 0 && !n.querySelector('.cs-loading'));
}"""
AXE = Axe()
# Every rule of axe-core, WCAG 2.2 AA and best practices, and the experimental label-in-name check
# (WCAG 2.5.3: the like buttons' accessible name must contain what they show).
OPTIONS = {"resultTypes": ["violations"], "rules": {"label-content-name-mismatch": {"enabled": True}}}


def violations(page) -> list[str]:
    """Run axe over the page; return one line per violation and node (empty: none)."""
    results = AXE.run(page, options=OPTIONS)
    found = []
    for violation in results.response["violations"]:
        for node in violation["nodes"]:
            found.append(f"{violation['id']}: {node['target']} {node.get('failureSummary', '')[:300]}")
    return found


@pytest.fixture
def demo(runner, client, moderator):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    # A reply that is the reader's own (with its edit controls) and one awaiting moderation join the audit.
    created = post_comment(client, SLUG, author="Quinn", body="A **question** with `code`").get_json()
    approve(client, moderator, created["id"])


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_demo_page_has_no_violation(browser, live_server, demo, scheme):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    page.goto(live_server.url + "/demo")
    page.wait_for_function(ALL_LOADED, timeout=15000)
    found = violations(page)
    screenshot(page, f"a11y-demo-{scheme}")
    context.close()
    assert found == [], "\n".join(found)


def test_desk_with_a_queue_has_no_violation(browser, live_server, app, client):
    with app.app_context():
        users.create_user("mia", PASSWORD, Role.MODERATOR)
    for n in range(3):
        assert post_comment(client, SLUG, author=f"Reader {n}", email=f"r{n}@example.com",
                            body=f"Comment **{n}** waiting for a moderator").status_code == 201
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(live_server.url + "/moderate")
    page.get_by_label("Username").fill("mia")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server.url + "/moderate")
    assert page.locator("article.item").count() == 3
    found = violations(page)
    screenshot(page, "a11y-desk")
    page.context.close()
    assert found == [], "\n".join(found)
