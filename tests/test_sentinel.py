"""Redis through Sentinel: the primary dies, the replica is promoted, and the service follows it.

Each test runs a private primary, a replica and a sentinel (tests/servers.py)
and gunicorn with two workers configured with REDIS_SENTINELS only. After the
promotion every cached answer must equal the database's: the replica may
lack the last writes the primary acknowledged (replication is asynchronous),
and with them the invalidations that made old values unreachable.
"""
from __future__ import annotations

import threading
import time

import pytest

from comments_service import cache, create_app
from comments_service.redis_client import BREAKER_SECONDS
from tests.faults import Gunicorn, TcpProxy, request, run_load
from tests.helpers import post_comment
from tests.servers import RedisSentinel, RedisServer
from tests.test_faults import no_drift, service_env

READS = [
    "/api/widgets/recent-comments", "/api/widgets/popular-tags", "/api/widgets/recent-posts",
    "/api/posts/a/comments", "/api/posts/b/comments", "/api/posts/a", "/api/posts/b",
    "/api/counts?post=a&post=b", "/api/posts/a/related",
]


@pytest.fixture
def sentinel():
    servers = RedisSentinel()
    yield servers
    servers.stop()


def truth(make_app, secret_key: str) -> dict[str, object]:
    """Answers computed from the database alone (no Redis), signed with the servers' key."""
    client = make_app(REDIS_URL=None, SECRET_KEY=secret_key).test_client()
    return {path: client.get(path).get_json() for path in READS}


def served(server: Gunicorn) -> dict[str, object]:
    """What the service answers now, after reading everything twice so that both workers hold copies."""
    for path in READS * 3:
        request(server.address, "GET", path)
    return {path: request(server.address, "GET", path).body for path in READS}


def publish_posts(address, editor) -> None:
    for slug, tags in (("a", ["x", "y"]), ("b", ["y"])):
        answer = request(address, "PUT", f"/api/posts/{slug}",
                         {"title": slug.upper(), "url": f"https://b.example/{slug}", "tags": tags}, editor)
        assert answer.status in (200, 201), answer.body


def write_some(address, editor, label: str) -> None:
    """Comments on both posts, likes, a retitle and a retag: every cached read changes."""
    for slug in "ab":
        answer = request(address, "POST", f"/api/posts/{slug}/comments", {"author": label, "body": f"{label} on {slug}"})
        assert answer.status == 201, answer.body
        liked = request(address, "POST", f"/api/posts/{slug}/likes", headers={"X-Reader-Token": f"{label}-reader-0123456789"})
        assert liked.status == 200, liked.body
    answer = request(address, "PUT", "/api/posts/b", {"title": f"B ({label})", "url": "https://b.example/b",
                                                      "tags": ["y", label.lower()]}, editor)
    assert answer.status == 200, answer.body


def test_a_replica_promoted_without_the_last_writes_serves_nothing_cached_before_them(sentinel, database_url, make_app,
                                                                                      editor):
    # The replica follows the primary through a proxy; cut, it misses every write that follows.
    link = TcpProxy("127.0.0.1", sentinel.primary.port)
    sentinel.start(replicate_through=link.port)
    env = service_env(database_url, **sentinel.env)
    server = Gunicorn(env)
    try:
        publish_posts(server.address, editor)
        write_some(server.address, editor, "Before")
        before = served(server)
        assert sentinel.primary.client().wait(1, 2000) == 1  # the replica holds every value cached so far
        link.cut()
        write_some(server.address, editor, "Lost")  # invalidations the replica never gets
        assert served(server) == truth(make_app, env["SECRET_KEY"]) != before
        sentinel.primary.kill()
        took = sentinel.wait_for_failover()
        time.sleep(BREAKER_SECONDS + 0.5)  # past any breaker opened by the failover
        after = served(server)
        assert after == truth(make_app, env["SECRET_KEY"])
        assert "B (Lost)" in [p["title"] for p in after["/api/widgets/recent-posts"]["posts"]]
        # ... and from the new master's cache, not only from the database.
        promoted = sentinel.replica.client()
        assert list(promoted.scan_iter(cache.PREFIX + "v:*"))
        write_some(server.address, editor, "After")
        assert served(server) == truth(make_app, env["SECRET_KEY"])
    finally:
        output = server.stop()
        link.close()
    assert "every cached value dropped" in output
    assert no_drift(make_app(REDIS_URL=None)) == []
    print(f"\nsentinel promoted the replica {took:.2f} s after the primary was killed; nothing cached before it was served")


def test_primary_killed_under_load_no_error_and_every_cached_answer_equals_the_database(sentinel, database_url,
                                                                                        make_app, editor):
    sentinel.start()
    # Rate limits on (generous), so that their counts must follow the failover too.
    env = service_env(database_url, RATELIMIT_ENABLED="true", RATELIMIT_COMMENTS="10000 per minute",
                      RATELIMIT_LIKES="10000 per minute", RATELIMIT_LIKES_PER_POST="10000 per day",
                      **sentinel.env)
    server = Gunicorn(env)
    publish_posts(server.address, editor)
    marks: dict[str, float] = {}

    def step(worker: int, i: int):
        time.sleep(0.01)  # hundreds of requests, not thousands
        kind = (worker + i) % 6
        slug = "ab"[i % 2]
        if kind == 0:
            return request(server.address, "POST", f"/api/posts/{slug}/comments", {"author": f"w{worker}", "body": f"load {worker}-{i}"})
        if kind == 1:
            return request(server.address, "POST", f"/api/posts/{slug}/likes", headers={"X-Reader-Token": f"reader-{worker}-{i}-0123456789"})
        return request(server.address, "GET", READS[(worker * 7 + i) % len(READS)])

    def chaos() -> None:
        time.sleep(1.5)
        marks["kill"] = time.monotonic()
        sentinel.primary.kill()
        marks["failover"] = sentinel.wait_for_failover()

    try:
        thread = threading.Thread(target=chaos)
        thread.start()
        results = run_load(4, 5.0, step)
        thread.join()
        time.sleep(BREAKER_SECONDS + 0.5)
        health = request(server.address, "GET", "/healthz").body
        answers = served(server)
        expected = truth(make_app, env["SECRET_KEY"])
        write_some(server.address, editor, "Later")
        later = served(server)
        clients = sentinel.replica.client().client_list()
    finally:
        output = server.stop()
    errors = [(r.status, r.method, r.path, round(r.at - marks["kill"], 2)) for r in results if r.status >= 500 or r.status == 0]
    assert errors == [], output[-3000:]
    assert len(results) >= 100 and any(r.at > marks["kill"] + marks["failover"] for r in results)
    assert health["redis"] == "ok"
    assert answers == expected
    assert later == truth(make_app, env["SECRET_KEY"]) != answers
    promoted = sentinel.replica.client()
    assert list(promoted.scan_iter(cache.PREFIX + "v:*")), "nothing is cached on the new master"
    assert list(promoted.scan_iter("cs:rate*")), "rate limits are not counted on the new master"
    # Each worker's invalidation connection follows too (tracking in broadcast mode, subscribed).
    tracking = [c for c in clients if "t" in c["flags"] and "P" in c["flags"]]
    assert len(tracking) == 2, clients
    assert no_drift(make_app(REDIS_URL=None)) == []
    print(f"\nsentinel failover: the replica was master {marks['failover']:.2f} s after the primary was killed; "
          f"{len(results)} requests under load, 0 errors; cached answers equal the database's")


def test_a_redis_restarted_from_an_older_snapshot_serves_nothing_cached_before_it(make_app, tmp_path):
    # The same loss without Sentinel: a Redis with persistence crashes and comes back from its last snapshot.
    own = RedisServer(args=["--dir", str(tmp_path)]).start()
    try:
        writer = make_app(MODERATION="post", REDIS_URL=own.url).test_client()
        reader = make_app(REDIS_URL=own.url).test_client()
        truth_client = make_app(REDIS_URL=None).test_client()
        post_comment(writer, "a", body="before the snapshot")
        paths = [path for path in READS if "/b" not in path and "post=b" not in path]
        for _ in range(2):
            [reader.get(path) for path in paths]
        own.client().save()
        post_comment(writer, "a", body="after the snapshot")  # its invalidations die with the crash
        assert [reader.get(path).get_json() for path in paths] == [truth_client.get(path).get_json() for path in paths]
        own.kill()
        own.start()
        assert own.client().dbsize() > 0  # the snapshot's generations and values are back
        for client in (make_app(REDIS_URL=own.url).test_client(), make_app(REDIS_URL=own.url).test_client()):
            for _ in range(2):
                assert [client.get(path).get_json() for path in paths] == [truth_client.get(path).get_json() for path in paths]
    finally:
        own.kill()


@pytest.mark.parametrize("settings, message", [
    ({"REDIS_SENTINELS": ["127.0.0.1"], "REDIS_SENTINEL_MASTER": "m"}, "is not host:port"),
    ({"REDIS_SENTINELS": ["127.0.0.1:0"], "REDIS_SENTINEL_MASTER": "m"}, "is not host:port"),
    ({"REDIS_SENTINELS": ["127.0.0.1:26379", "sentinel-b:port"], "REDIS_SENTINEL_MASTER": "m"}, "is not host:port"),
    ({"REDIS_SENTINELS": ["127.0.0.1:26379"]}, "needs REDIS_SENTINEL_MASTER"),
    ({"REDIS_SENTINEL_MASTER": "m"}, "needs REDIS_SENTINELS"),
    ({"REDIS_SENTINELS": ["127.0.0.1:26379"], "REDIS_SENTINEL_MASTER": "m", "REDIS_URL": "redis://x"}, "not both"),
])
def test_sentinel_settings_that_cannot_work_are_refused_at_start(make_app, settings, message):
    with pytest.raises(RuntimeError, match=message):
        make_app(**{"REDIS_URL": None, **settings})


def test_sentinel_settings_from_the_environment(monkeypatch, make_app):
    monkeypatch.setenv("REDIS_SENTINELS", "127.0.0.1:1, [::1]:2")
    monkeypatch.setenv("REDIS_SENTINEL_MASTER", "fleet")
    monkeypatch.setenv("REDIS_SENTINEL_DB", "3")
    monkeypatch.delenv("REDIS_URL", raising=False)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    client = app.extensions["redis_client"]
    assert client.sentinel is not None and client.enabled
    assert client.redis.connection_pool.connection_kwargs["db"] == 3
    assert app.test_client().get("/healthz").get_json()["redis"] == "down"  # nothing answers there
