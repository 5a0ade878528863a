"""embed.js loads a page's widgets with one request to /api/page, revalidated by its ETag on a reload."""
from __future__ import annotations

import pytest

from tests.helpers import approve
from tests.test_widgets_browser import SLUG, HostPage, open_page, widget_text

SINGLE = ("/api/posts/", "/api/widgets/")


@pytest.fixture
def demo(runner):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output


def api_requests(page):
    seen = []
    page.on("request", lambda request: seen.append(request.url) if "/api/" in request.url else None)
    return seen


def test_demo_page_makes_one_request_for_every_widget(page, live_server, demo):
    seen = api_requests(page)
    open_page(page, live_server.url + "/demo")
    assert page.js_errors == []
    bundles = [url for url in seen if "/api/page?" in url]
    assert len(bundles) == 1, seen
    assert f"post={SLUG}" in bundles[0] and "include=post,thread,recent-posts,recent-comments,popular-tags" in bundles[0]
    assert "recent-comments.limit=5" in bundles[0]
    streams = [url for url in seen if "/events" in url]
    assert len(streams) == 1 and f"/api/posts/{SLUG}/events?site=1" in streams[0], seen  # one live stream, not a read
    assert [url for url in seen if any(single in url for single in SINGLE) and url not in streams] == []
    assert "Do you like SpineOne?" in widget_text(page, "like")
    assert "4 comments" in page.locator(".cs-title").inner_text()
    assert page.locator('[data-widget="comments"] .cs-list > .cs-comment').count() == 3
    assert "Maria K." in widget_text(page, "recent-comments")
    assert page.locator('[data-widget="recent-comments"] li').count() == 5
    assert "Five Posture Fixes" in widget_text(page, "recent-posts")
    assert "back pain" in widget_text(page, "popular-tags")


class Recorder:
    """WSGI middleware that keeps the status and If-None-Match of each /api/page request."""

    def __init__(self, app):
        self.app, self.seen = app, []

    def __call__(self, environ, start_response):
        if environ["PATH_INFO"] != "/api/page":
            return self.app(environ, start_response)
        sent = environ.get("HTTP_IF_NONE_MATCH")

        def record(status, headers, *args):
            self.seen.append((int(status.split()[0]), sent))
            return start_response(status, headers, *args)

        return self.app(environ, record)


def test_a_reload_revalidates_and_shows_changes(page, make_app, serve, demo, client, moderator):
    app = make_app()
    recorder = app.wsgi_app = Recorder(app.wsgi_app)
    url = serve(app).url + "/demo"
    open_page(page, url)
    open_page(page, url)
    assert [status for status, _ in recorder.seen] == [200, 304]
    assert recorder.seen[0][1] is None and recorder.seen[1][1]  # the reload sent the ETag back
    assert "4 comments" in page.locator(".cs-title").inner_text()
    created = client.post(f"/api/posts/{SLUG}/comments", json={"author": "Late Reader", "body": "New words"}).get_json()
    approve(client, moderator, created["id"])
    open_page(page, url)
    assert recorder.seen[-1][0] == 200
    assert "Late Reader" in widget_text(page, "comments") and "Late Reader" in widget_text(page, "recent-comments")
    assert "5 comments" in page.locator(".cs-title").inner_text()
    assert page.js_errors == []


def test_a_post_nobody_has_used_yet_and_other_posts_widgets(browser, make_app, serve, runner):
    runner.invoke(args=["demo", "load"])
    host = HostPage()
    try:
        url = serve(make_app(CORS_ORIGINS=[host.url])).url
        host.embed(url, """<div data-widget="like" data-post="brand-new"></div>
<div data-widget="comments" data-post="brand-new"></div>
<div data-widget="like" data-post="trigger-point-injection"></div>
<div data-widget="recent-comments" data-limit="2"></div><div data-widget="popular-tags"></div>""")
        page = browser.new_context().new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        seen = api_requests(page)
        open_page(page, host.url)
        assert errors == []
        assert "No comments yet" in page.locator('[data-widget="comments"]').inner_text()
        assert "0 likes" in page.locator('[data-widget="like"]').first.inner_text()
        assert "Do you like How Trigger Point" in page.locator('[data-widget="like"]').nth(1).inner_text()
        assert page.locator('[data-widget="recent-comments"] li').count() == 2
        assert "back pain" in widget_text(page, "popular-tags")
        # The unknown post's page answers 404: its sidebar widgets then ask on their own.
        assert any("/api/page?post=brand-new" in u for u in seen)
        assert any("/api/widgets/recent-comments?limit=2" in u for u in seen)
        page.context.close()
    finally:
        host.stop()
