"""The moderation page through Flask's test client: login, CSRF, headers, queue, actions, bans, log."""
from __future__ import annotations

import re

import pytest

from comments_service import users
from comments_service.models import Role
from tests.helpers import post_comment

PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def mia(app):
    with app.app_context():
        users.create_user("mia", PASSWORD, Role.MODERATOR)
    return "mia"


def csrf(client, path="/moderate/login"):
    return CSRF.search(client.get(path).get_data(as_text=True)).group(1)


def login(client, username="mia", password=PASSWORD):
    return client.post("/moderate/login", data={"username": username, "password": password, "csrf_token": csrf(client)})


@pytest.fixture
def desk(client, mia):
    """A test client logged in as a moderator."""
    assert login(client).status_code == 303
    return client


def session_cookie(response):
    return next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))


def test_queue_needs_login(client):
    response = client.get("/moderate?status=spam")
    assert response.status_code == 303
    assert response.headers["Location"] == "/moderate/login?next=/moderate?status%3Dspam"


def test_wrong_password_and_unknown_user_are_refused_alike(client, mia):
    for name, password in (("mia", "wrong password!"), ("nobody", PASSWORD)):
        response = login(client, name, password)
        assert response.status_code == 401
        assert "Wrong username or password." in response.get_data(as_text=True)
    assert client.get("/moderate").status_code == 303


def test_login_sets_a_fresh_hardened_session(client, mia):
    before = csrf(client)
    response = login(client)
    assert response.status_code == 303 and response.headers["Location"] == "/moderate"
    cookie = session_cookie(response)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/moderate" in cookie
    assert "Secure" not in cookie
    page = client.get("/moderate")
    assert page.status_code == 200
    after = CSRF.search(page.get_data(as_text=True)).group(1)
    assert after != before, "login must rotate the session and its CSRF token"


def test_session_cookie_is_secure_over_https(client, mia):
    token = CSRF.search(client.get("/moderate/login", base_url="https://localhost").get_data(as_text=True)).group(1)
    response = client.post(
        "/moderate/login", data={"username": "mia", "password": PASSWORD, "csrf_token": token}, base_url="https://localhost"
    )
    assert response.status_code == 303
    assert "Secure" in session_cookie(response)


def test_login_redirects_only_within_the_page(client, mia):
    for target, expected in (("/moderate?status=spam", "/moderate?status=spam"), ("https://evil.example/", "/moderate"), ("//evil.example", "/moderate")):
        client.post("/moderate/logout", data={"csrf_token": csrf(client)})
        token = csrf(client)
        response = client.post("/moderate/login", data={"username": "mia", "password": PASSWORD, "csrf_token": token, "next": target})
        assert response.headers["Location"] == expected


def test_logout_ends_the_session(desk):
    token = csrf(desk, "/moderate")
    response = desk.post("/moderate/logout", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"] == "/moderate/login"
    assert desk.get("/moderate").status_code == 303


def test_removed_user_loses_the_session(desk, app):
    with app.app_context():
        users.remove_user("mia")
    assert desk.get("/moderate").status_code == 303


@pytest.mark.parametrize(
    "path, data",
    [
        ("/moderate/login", {"username": "mia", "password": PASSWORD}),
        ("/moderate/logout", {}),
        ("/moderate/bulk", {"ids": "1", "action": "approve"}),
        ("/moderate/comments/1/approve", {}),
        ("/moderate/bans", {"kind": "email", "value": "x@example.com"}),
        ("/moderate/bans/1/lift", {}),
        ("/moderate/jobs/1/retry", {}),
    ],
)
def test_posts_without_the_csrf_token_are_refused(desk, path, data):
    for token in (None, "forged-token"):
        form = dict(data, **({"csrf_token": token} if token else {}))
        response = desk.post(path, data=form)
        assert response.status_code == 400, path
        assert "Location" not in response.headers
        assert "did not come from this page" in response.get_data(as_text=True)


def test_refused_form_changes_nothing(desk, client):
    created = post_comment(client, "p").get_json()
    assert desk.post("/moderate/bulk", data={"ids": str(created["id"]), "action": "approve"}).status_code == 400
    assert desk.post(f"/moderate/comments/{created['id']}/approve", headers={"X-CSRF-Token": "nope"}).status_code == 400
    assert client.get("/api/posts/p/comments").get_json()["comments"] == []


def test_csrf_header_is_accepted_for_scripts(desk, client):
    created = post_comment(client, "p").get_json()
    token = csrf(desk, "/moderate")
    response = desk.post(f"/moderate/comments/{created['id']}/approve", headers={"X-CSRF-Token": token})
    assert response.status_code == 303
    assert len(client.get("/api/posts/p/comments").get_json()["comments"]) == 1


@pytest.mark.parametrize("path", ["/moderate/login", "/moderate", "/moderate/bans", "/moderate/log", "/moderate/jobs"])
def test_security_headers(desk, path):
    response = desk.get(path)
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert "<script>" not in response.get_data(as_text=True), "no inline script: the policy forbids it"


def test_queue_shows_the_comment_rendered_safely_and_as_typed(desk, client, editor):
    client.put("/api/posts/spine", json={"title": "Spine & back", "url": "https://blog.example/spine"}, headers=editor)
    body = 'Thanks <script>alert("x")</script> **great** <img src=x onerror=alert(1)>'
    post_comment(client, "spine", author="<b>Eve</b>", email="eve@example.com", website="https://eve.example", body=body)
    html = desk.get("/moderate").get_data(as_text=True)
    assert "&lt;b&gt;Eve&lt;/b&gt;" in html and "<b>Eve</b>" not in html
    assert "eve@example.com" in html and "https://eve.example" in html and "Spine &amp; back" in html
    assert "<strong>great</strong>" in html, "the sanitized rendering is shown as HTML"
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html, "the text as typed is shown escaped"
    assert "<script>alert" not in html and "onerror" not in html.replace("onerror=alert(1)&gt;", "")
    assert re.search(r'<span class="count">1</span>', html)


def test_queue_filters_counts_and_pages(desk, client, moderator):
    words = ["alpha", "bravo", "charlie"]
    made = [post_comment(client, "p", body=f"text {word}").get_json()["id"] for word in words]
    post_comment(client, "other", body="text elsewhere")
    client.post(f"/api/moderation/comments/{made[0]}/spam", headers=moderator)
    html = desk.get("/moderate?post=p&limit=1").get_data(as_text=True)
    assert "text bravo" in html and "text charlie" not in html and "text elsewhere" not in html
    counts = dict(re.findall(r">(Pending|Approved|Rejected|Spam) <span class=\"count\">(\d+)<", html))
    assert counts == {"Pending": "3", "Approved": "0", "Rejected": "0", "Spam": "1"}
    cursor = re.search(r'href="/moderate\?[^"]*cursor=([^"&]+)', html).group(1)
    second = desk.get(f"/moderate?post=p&limit=1&cursor={cursor}").get_data(as_text=True)
    assert "text charlie" in second and "text bravo" not in second
    assert "text alpha" in desk.get("/moderate?status=spam").get_data(as_text=True)


@pytest.mark.parametrize("query", ["status=deleted", "limit=0", "post=bad.slug", "cursor=forged"])
def test_queue_refuses_bad_queries_with_a_page(desk, query):
    response = desk.get(f"/moderate?{query}")
    assert response.status_code in (400, 422)
    assert response.mimetype == "text/html"


def test_one_action_goes_through_the_domain_and_the_log(desk, client):
    created = post_comment(client, "p").get_json()
    token = csrf(desk, "/moderate")
    response = desk.post(f"/moderate/comments/{created['id']}/approve", data={"csrf_token": token, "next": "/moderate?status=pending"})
    assert response.status_code == 303 and response.headers["Location"] == "/moderate?status=pending"
    assert f"Approved comment #{created['id']}." in desk.get("/moderate").get_data(as_text=True)
    assert client.get("/api/posts/p").get_json()["comment_count"] == 1
    log = desk.get("/moderate/log").get_data(as_text=True)
    assert "user:mia" in log and "approve" in log and f"#{created['id']}" in log


def test_bulk_actions(desk, client):
    made = [post_comment(client, "p", body=f"c{i}").get_json()["id"] for i in range(3)]
    token = csrf(desk, "/moderate")
    response = desk.post("/moderate/bulk", data={"csrf_token": token, "action": "reject", "ids": [str(i) for i in made[:2]]})
    assert response.status_code == 303
    assert "Rejected 2 comments." in desk.get("/moderate").get_data(as_text=True)
    assert "c2" in desk.get("/moderate").get_data(as_text=True)
    rejected = desk.get("/moderate?status=rejected").get_data(as_text=True)
    assert "c0" in rejected and "c1" in rejected


def test_bulk_without_selection_says_so(desk):
    token = csrf(desk, "/moderate")
    response = desk.post("/moderate/bulk", data={"csrf_token": token, "action": "approve"})
    assert response.status_code == 303
    assert "Select at least one comment" in desk.get("/moderate").get_data(as_text=True)


def test_acting_on_a_deleted_comment_is_explained(desk, client, moderator):
    created = post_comment(client, "p").get_json()
    client.delete(f"/api/moderation/comments/{created['id']}", headers=moderator)
    token = csrf(desk, "/moderate")
    desk.post(f"/moderate/comments/{created['id']}/approve", data={"csrf_token": token})
    assert "Comment not found." in desk.get("/moderate").get_data(as_text=True)


def test_ban_from_a_queue_item_then_lift(desk, client, moderator):
    created = post_comment(client, "p", email="troll@example.com").get_json()
    token = csrf(desk, "/moderate")
    response = desk.post("/moderate/bans", data={"csrf_token": token, "comment_id": str(created["id"]), "kind": "email", "until": "2999-01-01", "reason": "abuse"})
    assert response.status_code == 303
    page = desk.get("/moderate/bans").get_data(as_text=True)
    assert "troll@example.com" in page and "2999-01-01 00:00 UTC" in page and "abuse" in page
    again = post_comment(client, "p", email="troll@example.com", body="more trolling").get_json()
    assert again["status"] == "pending"
    assert [c["id"] for c in client.get("/api/moderation/comments?status=spam", headers=moderator).get_json()["comments"]] == [again["id"]]
    ban_id = client.get("/api/moderation/bans", headers=moderator).get_json()["bans"][0]["id"]
    desk.post(f"/moderate/bans/{ban_id}/lift", data={"csrf_token": token})
    assert "No bans in force." in desk.get("/moderate/bans").get_data(as_text=True)
    assert post_comment(client, "p", email="troll@example.com", body="hello again").get_json()["status"] == "pending"
    assert len(client.get("/api/moderation/comments?status=spam", headers=moderator).get_json()["comments"]) == 1


def test_ban_form_errors_are_shown(desk):
    token = csrf(desk, "/moderate/bans")
    desk.post("/moderate/bans", data={"csrf_token": token, "kind": "ip", "value": "1.2.3.4", "next": "/moderate/bans"})
    assert "64 hex digits" in desk.get("/moderate/bans").get_data(as_text=True)


def test_login_is_rate_limited(make_app, mia):
    client = make_app(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="2 per minute").test_client()
    token = csrf(client)
    for _ in range(2):
        assert client.post("/moderate/login", data={"username": "mia", "password": "nope", "csrf_token": token}).status_code == 401
    response = client.post("/moderate/login", data={"username": "mia", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert "Too many attempts" in response.get_data(as_text=True)
