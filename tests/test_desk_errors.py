"""The desk's own errors: everything under /moderate answers an HTML page (4xx for bad input), never JSON, never a 500."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DataError, OperationalError

from comments_service import users
from comments_service.extensions import db
from comments_service.models import Comment, ModerationEvent, Role
from comments_service.moderation_models import Ban
from comments_service.web.desk import is_safe_next
from tests.helpers import desk_csrf, desk_login, post_comment

PASSWORD = "correct horse battery staple"
HUGE_IDS = ["99999999999999999999", "2147483648", "9223372036854775808", "0", "-1", "1e3", "0x10", "abc", "١٢"]
BAD_NEXT = [
    "/moderate\n", "/moderate\nLocation: https://evil.example", "/moderate\r", "/moderate\r\nSet-Cookie: a=b",
    "/moderate?status=spam\n", "/moderate\t", "/moderate\x0b", "/moderate\x1b", "/moderate\x7f", "/moderate\x85",
    "/moderate\u2028", "/moderate\u2029", "/moderate\u200b", "/moderate\xa0", "/moderate\ufeff",
    "https://evil.example/", "//evil.example", "/\\evil.example", "/moderate\\..\\x", "/moderate//evil.example",
    "/moderatex", "moderate", "", "javascript:alert(1)", "/api/moderation/comments",
]
GOOD_NEXT = ["/moderate", "/moderate?status=spam", "/moderate/bans", "/moderate/log?cursor=abc.def", "/moderate?post=a-b_c&limit=5"]


@pytest.fixture
def desk(client, app):
    with app.app_context():
        users.create_user("mia", PASSWORD, Role.MODERATOR)
    assert desk_login(client, "mia", PASSWORD).status_code == 303
    return client


def token(client, path="/moderate"):
    return desk_csrf(client, path)


def assert_page(response, *statuses):
    """An HTML page of the desk with one of ``statuses``: not JSON, not a 500."""
    assert response.status_code in statuses, (response.status_code, response.get_data(as_text=True)[:300])
    assert response.mimetype == "text/html"
    assert not response.is_json
    body = response.get_data(as_text=True)
    assert '"error"' not in body and "Traceback" not in body
    assert "Content-Security-Policy" in response.headers
    return body


def stored(app):
    with app.app_context():
        return (
            sorted(db.session.execute(select(Comment.id, Comment.status)).all()),
            db.session.scalar(select(func.count()).select_from(Ban)),
            db.session.scalar(select(func.count()).select_from(ModerationEvent)),
        )


@pytest.mark.parametrize("target", GOOD_NEXT)
def test_the_next_rule_keeps_paths_of_the_desk(target):
    assert is_safe_next(target)


@pytest.mark.parametrize("target", [*BAD_NEXT, None, 42, ["/moderate"]])
def test_the_next_rule_refuses_everything_else(target):
    assert not is_safe_next(target)


@pytest.mark.parametrize("target", BAD_NEXT)
def test_a_bad_next_at_login_falls_back_to_the_queue(client, app, target):
    with app.app_context():
        users.create_user("mia", PASSWORD, Role.MODERATOR)
    form = assert_page(client.get("/moderate/login", query_string={"next": target}), 200)
    assert 'name="next" value="/moderate"' in form
    wrong = client.post("/moderate/login", data={"username": "mia", "password": "wrong password", "next": target,
                                                 "csrf_token": token(client, "/moderate/login")})
    assert 'name="next" value="/moderate"' in assert_page(wrong, 401)
    right = desk_login(client, "mia", PASSWORD, next=target)
    assert right.status_code == 303 and right.headers["Location"] == "/moderate"


@pytest.mark.parametrize("target", BAD_NEXT)
def test_a_bad_next_in_an_action_falls_back_to_the_queue(desk, client, app, target):
    first, second = (post_comment(client, "p", body=f"c{i}").get_json()["id"] for i in range(2))
    csrf = token(desk)
    forms = [
        (f"/moderate/comments/{first}/approve", {}),
        ("/moderate/bulk", {"ids": str(second), "action": "reject"}),
        ("/moderate/bulk", {"action": "reject"}),  # nothing selected: a message, and back
        (f"/moderate/comments/{first}/approve", {"seen_{first}": "2001-01-01T00:00:00Z"}),
        ("/moderate/bans", {"kind": "email", "value": "troll@example.com"}),
        ("/moderate/bans", {"kind": "ip", "value": "not a hash"}),
        ("/moderate/bans/12345/lift", {}),
    ]
    for path, fields in forms:
        response = desk.post(path, data={"csrf_token": csrf, "next": target, **fields})
        assert response.status_code == 303, (path, response.status_code)
        assert response.headers["Location"] == "/moderate", path
    assert_page(desk.get("/moderate"), 200)


@pytest.mark.parametrize("target", GOOD_NEXT)
def test_a_good_next_is_followed(desk, client, target):
    created = post_comment(client, "p").get_json()["id"]
    response = desk.post(f"/moderate/comments/{created}/spam", data={"csrf_token": token(desk), "next": target})
    assert response.status_code == 303 and response.headers["Location"] == target


@pytest.mark.parametrize("huge", HUGE_IDS)
def test_ids_no_comment_or_ban_can_have_in_paths_are_a_404_page(desk, client, app, huge):
    post_comment(client, "p")
    before = stored(app)
    csrf = token(desk)
    for path in (f"/moderate/comments/{huge}/approve", f"/moderate/comments/{huge}/delete", f"/moderate/bans/{huge}/lift"):
        assert_page(desk.post(path, data={"csrf_token": csrf}), 404)
        assert_page(desk.get(path), 404, 405)
    assert stored(app) == before


@pytest.mark.parametrize("huge", HUGE_IDS)
def test_ids_no_comment_can_have_in_form_fields_are_a_400_page(desk, client, app, huge):
    created = post_comment(client, "p", email="troll@example.com").get_json()["id"]
    before = stored(app)
    csrf = token(desk)
    forms = [
        ("/moderate/bulk", {"ids": huge, "action": "approve"}),
        ("/moderate/bulk", {"ids": [str(created), huge], "action": "approve"}),
        ("/moderate/bulk", {"ids": str(created), "action": "approve", f"seen_{huge}": ""}),
        ("/moderate/bans", {"kind": "email", "comment_id": huge}),
    ]
    for path, fields in forms:
        body = assert_page(desk.post(path, data={"csrf_token": csrf, **fields}), 400)
        assert "an id that the moderation page never shows" in body, (path, fields)
    assert stored(app) == before


def test_unknown_ids_are_explained_on_the_page_they_came_from(desk, client, app, moderator):
    created = post_comment(client, "p").get_json()["id"]
    client.delete(f"/api/moderation/comments/{created}", headers=moderator)
    before = stored(app)
    csrf = token(desk)
    for path, message in ((f"/moderate/comments/{created}/approve", "Comment not found."),
                          ("/moderate/comments/2147483647/reject", "Comment not found."),
                          ("/moderate/bans/2147483647/lift", "Ban not found.")):
        response = desk.post(path, data={"csrf_token": csrf, "next": "/moderate/bans"})
        assert response.status_code == 303 and response.headers["Location"] == "/moderate/bans"
        assert message in assert_page(desk.get("/moderate/bans"), 200)
    assert stored(app) == before


def every_form(comment_id):
    """Each desk form with every field it has, as (path, fields)."""
    return [
        ("/moderate/logout", {}),
        (f"/moderate/comments/{comment_id}/approve", {"next": "/moderate", f"seen_{comment_id}": ""}),
        ("/moderate/bulk", {"ids": str(comment_id), "action": "approve", "next": "/moderate", f"seen_{comment_id}": ""}),
        ("/moderate/bans", {"kind": "email", "comment_id": str(comment_id), "value": "", "until": "2999-01-01",
                            "reason": "abuse", "next": "/moderate/bans"}),
        ("/moderate/bans", {"kind": "email", "value": "troll@example.com", "until": "", "reason": "", "next": "/moderate"}),
        ("/moderate/bans/1/lift", {"next": "/moderate/bans"}),
    ]


def with_nul(value):
    return [value + "\x00", "\x00" + value, value[:1] + "\x00" + value[1:]]


def test_a_nul_in_any_field_of_any_desk_form_is_a_400_page(desk, client, app):
    created = post_comment(client, "p", email="troll@example.com").get_json()["id"]
    before = stored(app)
    csrf = token(desk)
    for path, fields in every_form(created):
        form = {"csrf_token": csrf, **fields}
        for name in form:
            for poisoned in with_nul(form[name] or "x"):
                body = assert_page(desk.post(path, data={**form, name: poisoned}), 400)
                assert "NUL" in body or "did not come from this page" in body, (path, name)
        assert_page(desk.post(path, data={**form, "extra\x00": "x"}), 400)
    assert stored(app) == before
    assert desk.get("/moderate").status_code == 200, "still logged in: nothing was acted on"


@pytest.mark.parametrize("field", ["username", "password", "next", "csrf_token"])
def test_a_nul_in_the_login_form_is_a_400_page(client, app, field):
    with app.app_context():
        users.create_user("mia", PASSWORD, Role.MODERATOR)
    form = {"username": "mia", "password": PASSWORD, "next": "/moderate", "csrf_token": token(client, "/moderate/login")}
    for poisoned in with_nul(form[field]):
        assert_page(client.post("/moderate/login", data={**form, field: poisoned}), 400)
    assert client.get("/moderate").status_code == 303, "not logged in"


@pytest.mark.parametrize("path", ["/moderate", "/moderate/log", "/moderate/bans", "/moderate/login"])
@pytest.mark.parametrize("name", ["status", "post", "limit", "cursor", "next", "comment_id"])
def test_a_nul_in_a_query_is_a_400_page(desk, path, name):
    for value in ("pending\x00", "\x00", "a\x00b"):
        assert_page(desk.get(path, query_string={name: value}), 400)


@pytest.mark.parametrize("path", ["/moderate/nothing", "/moderate/comments", "/moderate/comments/1", "/moderate/bans/1",
                                  "/moderate/comments/1/publish", "/moderate/%0A", "/moderate/comments/1%00/approve"])
def test_unknown_desk_paths_are_a_404_page(desk, path):
    assert_page(desk.get(path), 404)
    assert_page(desk.post(path, data={"csrf_token": token(desk)}), 404)


def test_a_wrong_method_is_a_405_page(desk):
    for path in ("/moderate/bulk", "/moderate/comments/1/approve", "/moderate/logout", "/moderate/bans/1/lift"):
        response = desk.get(path)
        assert_page(response, 405)
        assert "POST" in response.headers["Allow"]
    assert_page(desk.delete("/moderate", headers={"X-CSRF-Token": token(desk)}), 405)


@pytest.mark.parametrize("query", ["status=deleted", "limit=0", "limit=99999999999999999999", "post=bad.slug",
                                   "cursor=forged", "post=" + "a" * 300])
def test_bad_queries_are_a_4xx_page(desk, query):
    assert_page(desk.get(f"/moderate?{query}"), 400, 422)
    assert_page(desk.get(f"/moderate/log?{query}"), 200, 400, 422)


@pytest.fixture
def failing_app(make_app):
    """An app whose desk has a page that fails in each way the database or the code can fail."""
    app = make_app()
    failures = {
        "data": DataError("INSERT", {}, Exception("integer out of range")),
        "down": OperationalError("SELECT 1", {}, Exception("connection refused")),
        "bug": RuntimeError("a bug"),
    }

    def fail(kind):
        raise failures[kind]

    app.add_url_rule("/moderate/fail/<kind>", view_func=fail)
    app.add_url_rule("/api/fail/<kind>", endpoint="api_fail", view_func=fail)
    return app.test_client()


def test_database_and_code_failures_under_the_desk_are_pages_and_the_api_keeps_json(failing_app):
    assert_page(failing_app.get("/moderate/fail/data"), 422)
    down = failing_app.get("/moderate/fail/down")
    assert_page(down, 503)
    assert down.headers["Retry-After"] == "5"
    assert re.search(r"Storage is unavailable", down.get_data(as_text=True))
    assert_page(failing_app.get("/moderate/fail/bug"), 500)
    for kind, status in (("data", 422), ("down", 503), ("bug", 500)):
        response = failing_app.get(f"/api/fail/{kind}")
        assert response.status_code == status and response.is_json
