"""Floods against gunicorn with two workers: the limits are one budget per address, held in Redis."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.faults import Gunicorn, request
from tests.test_faults import service_env


@pytest.fixture
def limited_server(database_url):
    server = Gunicorn(service_env(database_url, RATELIMIT_ENABLED="true", RATELIMIT_COMMENTS="5 per minute",
                                  RATELIMIT_LIKES="8 per minute", MODERATION="pre"))
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


def test_rotating_reader_tokens_cannot_pump_likes(limited_server, client):
    def like(address, i):
        headers = {"X-Reader-Token": f"pump-reader-token-{i:04d}", "X-Forwarded-For": f"203.0.113.{i}"}
        return request(address, "POST", "/api/posts/pumped/likes", headers=headers)

    results = flood(limited_server, 30, like)
    statuses = [r.status for r in results]
    assert statuses.count(200) == 8 and statuses.count(429) == 22, sorted(statuses)
    assert client.get("/api/posts/pumped").get_json()["like_count"] == 8
    assert max(r.body["like_count"] for r in results if r.status == 200) == 8
