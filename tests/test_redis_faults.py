"""Redis dies under load and comes back: no 5xx, and nothing stale afterwards.

The test runs its own redis-server on a spare port (never the machine's shared
one), kills it with SIGKILL in the middle of a mixed load through gunicorn,
restarts it, and compares every cached answer with the database's truth.
"""
from __future__ import annotations

import threading
import time

import pytest

from comments_service.redis_client import BREAKER_SECONDS
from tests.faults import Gunicorn, request, run_load
from tests.servers import RedisServer
from tests.test_faults import no_drift, service_env

READS = [
    "/api/widgets/recent-comments", "/api/widgets/popular-tags", "/api/widgets/recent-posts",
    "/api/posts/a/comments", "/api/posts/b/comments", "/api/posts/a", "/api/counts?post=a&post=b",
]


@pytest.fixture
def private_redis():
    server = RedisServer().start()
    yield server
    server.kill()


def truth(make_app, secret_key):
    """Answers computed from the database alone (no Redis), signed with the server's key."""
    client = make_app(REDIS_URL=None, SECRET_KEY=secret_key).test_client()
    return {path: client.get(path).get_json() for path in READS}


@pytest.mark.parametrize("fault", ["killed", "paused"])
def test_redis_fault_under_load_serves_no_error_and_nothing_stale(fault, private_redis, database_url, make_app, editor, client):
    for slug, tags in (("a", ["x", "y"]), ("b", ["y"])):
        client.put(f"/api/posts/{slug}", json={"title": slug.upper(), "url": f"https://b.example/{slug}", "tags": tags}, headers=editor)
    env = service_env(database_url, REDIS_URL=private_redis.url)
    server = Gunicorn(env)
    marks: dict[str, float] = {}

    def step(worker: int, i: int):
        kind = (worker + i) % 5
        slug = "ab"[i % 2]
        if kind == 0:
            return request(server.address, "POST", f"/api/posts/{slug}/comments", {"author": f"w{worker}", "body": f"load {worker}-{i}"})
        if kind == 1:
            return request(server.address, "POST", f"/api/posts/{slug}/likes", headers={"X-Reader-Token": f"reader-{worker}-{i}-0123456789"})
        return request(server.address, "GET", READS[(worker * 7 + i) % len(READS)])

    def chaos() -> None:
        time.sleep(1.5)
        marks["fault"] = time.monotonic()
        private_redis.kill() if fault == "killed" else private_redis.pause()
        # A write while Redis is down: it must show once Redis is back.
        marks["during"] = request(server.address, "POST", "/api/posts/a/comments", {"author": "Outage", "body": "written while Redis was down"}).body["id"]
        request(server.address, "PUT", "/api/posts/b", {"title": "B renamed during outage", "url": "https://b.example/b", "tags": ["z"]}, editor)
        time.sleep(1.5)
        private_redis.start() if fault == "killed" else private_redis.resume()
        marks["back"] = time.monotonic()

    try:
        thread = threading.Thread(target=chaos)
        thread.start()
        results = run_load(6, 5.0, step)
        thread.join()
        # Past the breaker's pause, so that these reads are served from Redis again.
        time.sleep(BREAKER_SECONDS + 0.5)
        for path in READS * 2:  # warm both workers
            request(server.address, "GET", path)
        served = {path: request(server.address, "GET", path).body for path in READS}
    finally:
        output = server.stop()
    errors = [r for r in results if r.status >= 500 or r.status == 0]
    assert errors == [], output[-2000:]
    expected = truth(make_app, env["SECRET_KEY"])
    assert served == expected
    # What was written while Redis was down shows in the cached widgets now that it is back.
    assert "B renamed during outage" in [p["title"] for p in served["/api/widgets/recent-posts"]["posts"]]
    assert "z" in [t["name"] for t in served["/api/widgets/popular-tags"]["tags"]]
    assert no_drift(make_app(REDIS_URL=None)) == []
    print(f"\nredis {fault} under load: {len(results)} requests, 0 errors, answers equal the database after it came back")
