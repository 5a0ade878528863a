"""Redis stays bounded and correct: anonymous reads leave nothing behind, every key expires, eviction hides nothing.

Runs against a Redis server of its own (tests/servers.py), so that it may
count and evict every key.
"""
from __future__ import annotations

import pytest

from comments_service import cache
from tests.helpers import READER, approved_comment, post_comment, publish
from tests.servers import RedisServer

UNKNOWN = [f"never-written-{n}" for n in range(100)]
READS = [
    "/api/widgets/recent-comments", "/api/widgets/popular-tags", "/api/widgets/recent-posts",
    "/api/posts/a", "/api/posts/a/comments", "/api/posts/a/comments?sort=top", "/api/posts/b/comments",
    "/api/posts/a/related", "/api/counts?post=a&post=b&post=never-written",
]


@pytest.fixture
def own_redis():
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture
def apps(make_app, own_redis):
    """A reading worker and a writing worker on the private Redis, and a worker without Redis (the truth)."""
    overrides = {"REDIS_URL": own_redis.url}
    return {
        "reader": make_app(**overrides).test_client(),
        "writer": make_app(MODERATION="post", **overrides).test_client(),
        "limited": make_app(RATELIMIT_ENABLED=True, **overrides).test_client(),
        "truth": make_app(REDIS_URL=None).test_client(),
    }


def answers(client, headers=None) -> dict[str, tuple[int, bytes]]:
    return {url: (r.status_code, r.data) for url in READS for r in [client.get(url, headers=headers or {})]}


def test_anonymous_reads_of_unknown_posts_leave_nothing_in_redis(apps, own_redis):
    store = own_redis.client()
    for _ in range(3):
        for start in range(0, len(UNKNOWN), 50):
            query = "&".join(f"post={slug}" for slug in UNKNOWN[start:start + 50])
            answer = apps["reader"].get(f"/api/counts?{query}", headers=READER)
            assert answer.status_code == 200
            assert answer.get_json()["counts"][UNKNOWN[start]] == {"comments": 0, "likes": 0}
        for slug in UNKNOWN[:10]:
            for path in (f"/api/posts/{slug}", f"/api/posts/{slug}/comments", f"/api/posts/{slug}/related"):
                assert apps["reader"].get(path, headers=READER).status_code == 404
    assert store.dbsize() == 0, sorted(store.scan_iter())[:10]


def test_every_key_the_service_makes_expires(apps, own_redis, editor, moderator):
    writer, limited = apps["writer"], apps["limited"]
    publish(writer, editor, "a", tags=["x"])
    publish(writer, editor, "b", tags=["x", "y"])
    first = approved_comment(writer, moderator, "a")
    mine = post_comment(limited, "a", body="from a limited worker").get_json()
    edited = limited.patch(f"/api/comments/{mine['id']}", json={"body": "edited by a limited worker"},
                           headers={"X-Edit-Token": mine["edit_token"]})
    assert edited.status_code == 200
    assert limited.post("/api/posts/a/likes", headers=READER).status_code == 200
    assert limited.post(f"/api/comments/{first['id']}/likes", headers=READER).status_code == 200
    for _ in range(3):
        answers(apps["reader"], READER)
        answers(apps["reader"])
    store = own_redis.client()
    keys = list(store.scan_iter())
    assert len(keys) > 10, "the workload cached values, generations and rate limits"
    assert any(b"gen:" in k for k in keys) and any(b":v:" in k for k in keys)
    assert [k for k in keys if store.ttl(k) < 0] == []
    rate_keys = {setting for setting in (b"ratelimit_comments", b"ratelimit_edits", b"ratelimit_likes/",
                                         b"ratelimit_likes_per_post") if any(setting in k for k in keys)}
    assert len(rate_keys) == 4, "comments, edits, likes and a post's likes were counted"


def test_read_after_write_is_fresh_whichever_key_redis_evicted(apps, own_redis, editor, moderator):
    writer, reader, truth = apps["writer"], apps["reader"], apps["truth"]
    publish(writer, editor, "a", tags=["x"])
    publish(writer, editor, "b", tags=["y"])
    approved_comment(writer, moderator, "a", body="first")
    store = own_redis.client()
    kinds = {
        "generation of everything": lambda k: k.endswith(b"gen:all"),
        "generation of a post": lambda k: b"gen:post:" in k,
        "generation of a widget": lambda k: b"gen:w:" in k,
        "generation counter": lambda k: k.endswith(b"seq"),
        "a cached value": lambda k: b":v:" in k,
        "every key": lambda k: True,
    }
    for round_, (kind, chosen) in enumerate(kinds.items()):
        for _ in range(3):
            answers(reader)  # warm: generations made, values stored, copies kept
        response = writer.post("/api/posts/a/comments", json={"author": "W", "body": f"write {round_}"})
        assert response.status_code == 201
        evicted = [k for k in store.scan_iter() if chosen(k)]
        assert evicted, kind
        store.delete(*evicted)
        for _ in range(2):
            assert answers(reader) == answers(truth), f"after evicting {kind}"


def test_a_redis_that_evicts_at_random_under_load_serves_nothing_stale(make_app, editor, moderator):
    # Full at all times: every write Redis takes makes it evict a key, any key.
    server = RedisServer(args=["--maxmemory", "4mb", "--maxmemory-policy", "allkeys-random"]).start()
    try:
        filler = server.client()
        pipe = filler.pipeline(transaction=False)
        for n in range(3000):  # 6 MB asked of a 4 MB server: it is full, and stays so
            pipe.set(f"filler:{n}", "x" * 2000)
        pipe.execute()
        assert filler.info("stats")["evicted_keys"] > 0
        reader = make_app(REDIS_URL=server.url).test_client()
        writer = make_app(MODERATION="post", REDIS_URL=server.url).test_client()
        truth = make_app(REDIS_URL=None).test_client()
        publish(writer, editor, "a", tags=["x"])
        publish(writer, editor, "b", tags=["y"])
        for step in range(25):
            answers(reader)
            if step % 3 == 0:
                publish(writer, editor, "b", title=f"B {step}", tags=["y", f"t{step % 4}"])
            else:
                assert writer.post("/api/posts/a/comments", json={"author": "W", "body": f"step {step}"}).status_code == 201
            assert answers(reader) == answers(truth), f"step {step}"
        assert filler.info("stats")["evicted_keys"] > 0
    finally:
        server.stop()


def test_values_never_outlive_their_generation():
    longest = max(cache.WIDGET_TTL, cache.POST_TTL, cache.THREAD_TTL, cache.COUNTS_TTL, cache.LIKED_TTL)
    assert cache.GENERATION_TTL > longest + cache.GRACE_SECONDS
