"""Rate limits: 429 with a real Retry-After, per client address, shared through Redis, off when disabled."""
from __future__ import annotations

import pytest
import redis

from comments_service import ratelimit
from tests.conftest import REDIS_DB, REDIS_HOST, REDIS_PORT

BODY = {"author": "Ada", "body": "hello"}


def send(client, address="192.0.2.1", **headers):
    return client.post("/api/posts/p/comments", json=BODY, headers=headers, environ_base={"REMOTE_ADDR": address})


def test_comments_over_the_limit_get_429_with_retry_after(make_app):
    client = make_app(RATELIMIT_ENABLED=True, RATELIMIT_COMMENTS="2 per 10 seconds").test_client()
    assert [send(client).status_code for _ in range(2)] == [201, 201]
    refused = send(client)
    assert refused.status_code == 429
    assert refused.get_json() == {"error": {"code": "rate_limited", "message": "Too many requests; slow down."}}
    # The real wait for this window, not a fixed guess.
    assert 1 <= int(refused.headers["Retry-After"]) <= 10
    assert refused.headers["X-RateLimit-Limit"] == "2"
    assert send(client, "192.0.2.2").status_code == 201, "another address has its own budget"


def test_refused_posts_store_nothing(make_app, moderator):
    client = make_app(RATELIMIT_ENABLED=True, RATELIMIT_COMMENTS="1 per minute").test_client()
    send(client)
    send(client)
    assert len(client.get("/api/moderation/comments", headers=moderator).get_json()["comments"]) == 1


def test_limits_off_when_disabled(make_app):
    client = make_app(RATELIMIT_ENABLED=False, RATELIMIT_COMMENTS="1 per minute").test_client()
    assert [send(client).status_code for _ in range(3)] == [201, 201, 201]


def test_x_forwarded_for_is_ignored_without_trusted_proxies(make_app):
    client = make_app(RATELIMIT_ENABLED=True, RATELIMIT_COMMENTS="1 per minute", TRUSTED_PROXIES=0).test_client()
    assert send(client, **{"X-Forwarded-For": "203.0.113.1"}).status_code == 201
    assert send(client, **{"X-Forwarded-For": "203.0.113.2"}).status_code == 429


def test_x_forwarded_for_counts_behind_a_trusted_proxy(make_app):
    client = make_app(RATELIMIT_ENABLED=True, RATELIMIT_COMMENTS="1 per minute", TRUSTED_PROXIES=1).test_client()
    assert send(client, **{"X-Forwarded-For": "203.0.113.1"}).status_code == 201
    assert send(client, **{"X-Forwarded-For": "203.0.113.2"}).status_code == 201
    assert send(client, **{"X-Forwarded-For": "203.0.113.1"}).status_code == 429
    # Only the last hop is the trusted proxy's: a forged first entry does not reset the count.
    assert send(client, **{"X-Forwarded-For": "10.9.9.9, 203.0.113.1"}).status_code == 429


def test_counts_are_kept_in_redis_without_addresses(make_app):
    apps = [make_app(RATELIMIT_ENABLED=True, RATELIMIT_COMMENTS="2 per minute") for _ in range(2)]
    assert send(apps[0].test_client(), "198.51.100.23").status_code == 201
    assert send(apps[1].test_client(), "198.51.100.23").status_code == 201
    assert send(apps[0].test_client(), "198.51.100.23").status_code == 429, "two workers share one count"
    keys = [key.decode() for key in redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB).keys("*")]
    assert keys and any("ratelimit_comments" in key for key in keys)
    assert not any("198.51.100.23" in key for key in keys)


@pytest.mark.parametrize("redis_url", [None, "redis://127.0.0.1:1/0"], ids=["no redis", "redis down"])
def test_limits_hold_in_memory_without_redis(make_app, redis_url):
    client = make_app(RATELIMIT_ENABLED=True, RATELIMIT_COMMENTS="1 per minute", REDIS_URL=redis_url).test_client()
    assert send(client).status_code == 201
    assert send(client).status_code == 429


def test_likes_limit_attaches_with_one_decorator(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_LIKES="2 per minute")

    @ratelimit.limited("RATELIMIT_LIKES")
    def like_post(slug: str) -> dict[str, str]:
        return {"liked": slug}

    @ratelimit.limited("RATELIMIT_LIKES")
    def like_comment(comment_id: int) -> dict[str, int]:
        return {"liked": comment_id}

    app.add_url_rule("/api/test-like/<slug>", view_func=like_post, methods=["POST"])
    app.add_url_rule("/api/test-like-comment/<int:comment_id>", view_func=like_comment, methods=["POST"])
    client = app.test_client()
    assert client.post("/api/test-like/a").status_code == 200
    assert client.post("/api/test-like-comment/1").status_code == 200
    refused = client.post("/api/test-like/b")
    assert refused.status_code == 429 and refused.headers["Retry-After"]
    assert refused.get_json()["error"]["code"] == "rate_limited"


def test_unknown_limit_settings_are_refused(make_app):
    with pytest.raises(ValueError):
        ratelimit.limited("RATELIMIT_EVERYTHING")
    with pytest.raises(RuntimeError, match="RATELIMIT_COMMENTS"):
        make_app(RATELIMIT_COMMENTS="5 per fortnight")
