"""Floods against gunicorn with two workers: the limits are one budget per address, held in Redis."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.faults import Gunicorn, request
from tests.helpers import publish
from tests.test_faults import service_env


@pytest.fixture
def limited_server(database_url):
    server = Gunicorn(service_env(database_url, RATELIMIT_ENABLED="true", RATELIMIT_COMMENTS="5 per minute",
                                  RATELIMIT_LIKES="8 per minute", RATELIMIT_EDITS="4 per minute",
                                  RATELIMIT_LIKES_PER_POST="5 per day", MODERATION="pre"))
    yield server
    server.stop()


def flood(server, count, make_request):
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(lambda i: make_request(server.address, i), range(count)))


def test_comment_flood_holds_across_workers_and_rotating_identities(limited_server):
    def post(address, i):
        headers = {"X-Reader-Token": f"rotating-reader-token-{i:04d}", "X-Forwarded-For": f"198.51.100.{i}"}
        return request(address, "POST", "/api/posts/flood/comments", {"author": f"bot{i}", "body": f"spam {i}"}, headers)

    results = flood(limited_server, 24, post)
    statuses = sorted(r.status for r in results)
    assert statuses.count(201) == 5, statuses
    assert statuses.count(429) == 19
    refused = [r for r in results if r.status == 429]
    assert all(int(r.headers["Retry-After"]) > 0 and r.body["error"]["code"] == "rate_limited" for r in refused)


def test_rotating_reader_tokens_cannot_pump_likes(limited_server, client, editor):
    publish(client, editor, "pumped")

    def like(address, i):
        headers = {"X-Reader-Token": f"pump-reader-token-{i:04d}", "X-Forwarded-For": f"203.0.113.{i}"}
        return request(address, "POST", "/api/posts/pumped/likes", headers=headers)

    results = flood(limited_server, 30, like)
    statuses = [r.status for r in results]
    assert statuses.count(200) == 5 and statuses.count(429) == 25, sorted(statuses)
    # The address's 8 a minute let 8 through to the post's 5 a day: 3 refused by the one, 22 by the other.
    limits = sorted(r.headers["X-RateLimit-Limit"] for r in results if r.status == 429)
    assert limits == ["5"] * 3 + ["8"] * 22, limits
    assert client.get("/api/posts/pumped").get_json()["like_count"] == 5
    assert max(r.body["like_count"] for r in results if r.status == 200) == 5


def test_edit_flood_holds_across_workers(limited_server, client, moderator):
    created = request(limited_server.address, "POST", "/api/posts/edited/comments", {"author": "Ada", "body": "original"})
    assert created.status == 201, created.body
    comment_id, token = created.body["id"], created.body["edit_token"]

    def edit(address, i):
        headers = {"X-Edit-Token": token, "X-Reader-Token": f"rotating-reader-token-{i:04d}",
                   "X-Forwarded-For": f"198.51.100.{i}"}
        return request(address, "PATCH", f"/api/comments/{comment_id}", {"body": f"edit {i} " + "word " * 1800}, headers)

    results = flood(limited_server, 20, edit)
    statuses = [r.status for r in results]
    assert statuses.count(200) == 4 and statuses.count(429) == 16, sorted(statuses)
    refused = [r for r in results if r.status == 429]
    assert all(int(r.headers["Retry-After"]) > 0 and r.body["error"]["code"] == "rate_limited" for r in refused)
    accepted = {r.body["body_html"].split()[1] for r in results if r.status == 200}
    deleting = request(limited_server.address, "DELETE", f"/api/comments/{comment_id}", headers={"X-Edit-Token": token})
    assert deleting.status == 429
    stored = client.get("/api/moderation/comments?status=pending", headers=moderator).get_json()["comments"]
    assert [c["id"] for c in stored] == [comment_id], "the refused delete kept the comment"
    assert stored[0]["body_source"].split()[1] in accepted, "the text is one of the accepted edits"
