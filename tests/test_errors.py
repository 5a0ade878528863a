"""Every bad request under /api/ gets the JSON error shape with the right status."""
from __future__ import annotations

import pytest

from tests.helpers import READER, approved_comment, post_comment


def assert_error(response, status, code=None):
    assert response.status_code == status, response.data[:300]
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert isinstance(error["message"], str) and error["message"]
    if code:
        assert error["code"] == code
    return error


def test_malformed_json_is_400(client):
    response = client.post("/api/posts/p/comments", data="{not json", content_type="application/json")
    assert_error(response, 400, "malformed_json")


def test_invalid_utf8_is_400(client):
    response = client.post("/api/posts/p/comments", data=b'{"author": "\xff\xfe"}', content_type="application/json")
    assert_error(response, 400)


def test_form_body_is_415(client):
    response = client.post("/api/posts/p/comments", data={"author": "a", "body": "b"})
    assert_error(response, 415, "unsupported_media_type")


def test_body_over_64k_is_413(client):
    response = client.post("/api/posts/p/comments", json={"author": "a", "body": "x" * (65 * 1024)})
    assert_error(response, 413)


def test_unknown_api_path_is_json_404(client):
    assert_error(client.get("/api/nope"), 404, "not_found")
    assert_error(client.get("/api/posts/a/b/c/d"), 404)


def test_wrong_method_is_json_405_with_allow(client):
    response = client.patch("/api/counts")
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]


def test_unknown_post_is_404(client):
    assert_error(client.get("/api/posts/never-seen"), 404, "not_found")
    assert_error(client.get("/api/posts/never-seen/comments"), 404)
    assert_error(client.get("/api/posts/bad.slug"), 404)


@pytest.mark.parametrize(
    "query, field",
    [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=1000", "limit"),
        ("limit=abc", "limit"),
        ("sort=best", "sort"),
        ("sort=", "sort"),
    ],
)
def test_out_of_range_query_is_422(client, moderator, query, field):
    approved_comment(client, moderator, "p")
    error = assert_error(client.get(f"/api/posts/p/comments?{query}"), 422, "validation_error")
    assert field in error["fields"]


@pytest.mark.parametrize("cursor", ["garbage", "eyJ4IjoxfQ", "a" * 400])
def test_forged_cursor_is_400(client, moderator, cursor):
    approved_comment(client, moderator, "p")
    assert_error(client.get(f"/api/posts/p/comments?cursor={cursor}"), 400, "invalid_cursor")


def test_cursor_of_another_sort_is_refused(client, moderator):
    for _ in range(3):
        approved_comment(client, moderator, "p")
    cursor = client.get("/api/posts/p/comments?limit=1&sort=newest").get_json()["next_cursor"]
    assert cursor
    assert_error(client.get(f"/api/posts/p/comments?limit=1&sort=top&cursor={cursor}"), 400, "invalid_cursor")


@pytest.mark.parametrize(
    "body, field",
    [
        ({"body": "text"}, "author"),
        ({"author": "a"}, "body"),
        ({"author": "", "body": "text"}, "author"),
        ({"author": "   ", "body": "text"}, "author"),
        ({"author": "a" * 81, "body": "text"}, "author"),
        ({"author": 5, "body": "text"}, "author"),
        ({"author": "a", "body": ""}, "body"),
        ({"author": "a", "body": "   \n "}, "body"),
        ({"author": "a", "body": "x" * 10001}, "body"),
        ({"author": "a", "body": ["list"]}, "body"),
        ({"author": "a", "body": "t", "email": "not-an-email"}, "email"),
        ({"author": "a", "body": "t", "website": "javascript:alert(1)"}, "website"),
        ({"author": "a", "body": "t", "website": "ftp://example.com"}, "website"),
        ({"author": "a", "body": "t", "website": "data:text/html,x"}, "website"),
        ({"author": "a", "body": "t", "parent_id": "1"}, "parent_id"),
        ({"author": "a", "body": "t", "parent_id": 999999}, "parent_id"),
        ({"author": "a", "body": "t", "parent_id": -1}, "parent_id"),
        ({"author": "a", "body": "t", "extra": 1}, "extra"),
        ({"author": "a", "body": "<img src=x onerror=alert(1)>"}, "body"),
    ],
)
def test_bad_comment_is_422_and_stores_nothing(client, moderator, body, field):
    response = client.post("/api/posts/p/comments", json=body)
    error = assert_error(response, 422, "validation_error")
    assert field in error["fields"], error
    queue = client.get("/api/moderation/comments?status=pending", headers=moderator).get_json()
    assert queue["comments"] == []


@pytest.mark.parametrize("payload", ['"a string"', "[1, 2]", "null", "42"])
def test_non_object_json_is_422(client, payload):
    response = client.post("/api/posts/p/comments", data=payload, content_type="application/json")
    assert_error(response, 422)


def test_reply_to_pending_or_foreign_comment_is_422(client, moderator):
    pending = post_comment(client, "p").get_json()
    other = approved_comment(client, moderator, "q")
    for parent in (pending["id"], other["id"]):
        error = assert_error(post_comment(client, "p", parent_id=parent), 422)
        assert "parent_id" in error["fields"]


def test_invalid_slug_for_writing_is_422(client):
    error = assert_error(post_comment(client, "bad.slug"), 422)
    assert "slug" in error["fields"]
    assert_error(post_comment(client, "x" * 201), 422)


@pytest.mark.parametrize("token", ["short", "x" * 129, "tab\tinside-token-123"])
def test_malformed_reader_token_is_400(client, token):
    response = client.post("/api/posts/p/comments", json={"author": "a", "body": "b"}, headers={"X-Reader-Token": token})
    assert_error(response, 400, "invalid_reader_token")


def test_counts_query_is_validated(client):
    assert_error(client.get("/api/counts"), 422)
    assert_error(client.get("/api/counts?post=bad.slug"), 422)
    many = "&".join(f"post=p{i}" for i in range(101))
    assert_error(client.get(f"/api/counts?{many}"), 422)


def test_reader_header_accepted(client):
    assert post_comment(client, "p").status_code == 201
    response = client.get("/api/posts/p", headers=READER)
    assert response.status_code == 200


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("post", "/api/moderation/comments/99999999999999/approve", None),
        ("patch", "/api/comments/99999999999999", {"body": "x"}),
        ("post", "/api/moderation/comments/bulk", {"ids": [99999999999999], "action": "approve"}),
        ("get", "/api/moderation/log?comment_id=99999999999999", None),
        ("post", "/api/posts/p/comments", {"author": "a", "body": "b", "parent_id": 99999999999999}),
    ],
)
def test_ids_beyond_the_database_range_are_not_server_errors(client, moderator, method, path, body):
    headers = {**moderator, "X-Edit-Token": "t"}
    response = getattr(client, method)(path, json=body, headers=headers)
    assert response.status_code in (404, 422), response.get_json()
    assert response.get_json()["error"]["code"] in ("not_found", "validation_error")


@pytest.mark.parametrize("body", ["[" * 50000, '{"a":' * 10000 + "1" + "}" * 10000])
def test_deeply_nested_json_is_malformed_not_a_server_error(client, moderator, body):
    for path in ("/api/posts/p/comments", "/api/moderation/comments/bulk"):
        response = client.post(path, data=body, content_type="application/json", headers=moderator)
        assert_error(response, 400, "malformed_json")
