"""The Redis cache of public reads: fresh after every write, shared by workers, soft when Redis fails.

Reads go through the default app; writes go through other app instances on
the same database and Redis, as another worker process would.
"""
from __future__ import annotations

import threading
import time
import types
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
import redis
from sqlalchemy import text, update

from comments_service import cache, cache_fill, events, widgets
from comments_service.extensions import db
from comments_service.models import Post
from tests.conftest import REDIS_URL
from tests.helpers import READER, approved_comment, post_comment, publish
from tests.servers import RedisServer

OTHER = {"X-Reader-Token": "another-reader-token-42"}

URLS: list[tuple[str, dict[str, str] | None]] = [
    ("/api/widgets/recent-comments", None),
    ("/api/widgets/recent-comments?limit=2", None),
    ("/api/widgets/popular-tags", None),
    ("/api/widgets/popular-tags?limit=1", None),
    ("/api/widgets/recent-posts", None),
    ("/api/posts/a", None),
    ("/api/posts/a", READER),
    ("/api/posts/b", OTHER),
    ("/api/posts/a/comments", None),
    ("/api/posts/a/comments", READER),
    ("/api/posts/a/comments?sort=top", None),
    ("/api/posts/a/comments?sort=newest&limit=1", OTHER),
    ("/api/posts/b/comments", None),
    ("/api/counts?post=a&post=b&post=new", None),
    ("/api/posts/a/related", None),
    ("/api/posts/b/related", None),
]


def key(url: str, headers: dict[str, str] | None) -> str:
    return url + (f" as {headers['X-Reader-Token']}" if headers else "")


def read_all(client) -> dict[str, tuple[int, bytes]]:
    answers = {}
    for url, headers in URLS:
        response = client.get(url, headers=headers or {})
        answers[key(url, headers)] = (response.status_code, response.data)
    return answers


@pytest.fixture(scope="module")
def nocache(make_app):
    """The same service without Redis: what every read must equal."""
    return make_app(REDIS_URL=None).test_client()


@pytest.fixture(scope="module")
def writers(make_app):
    """Other workers on the same database and Redis, under each moderation mode."""
    return {"pre": make_app().test_client(), "post": make_app(MODERATION="post").test_client(),
            "likes create": make_app(AUTO_CREATE_POSTS_FOR_LIKES=True).test_client()}


@pytest.fixture
def site(client, editor, moderator):
    """Two published posts with tags, comments in every state, and likes."""
    publish(client, editor, "a", title="Post A", tags=["x", "y"], published_at="2024-05-01T10:00:00Z")
    publish(client, editor, "b", title="Post B", tags=["y", "z"], published_at="2024-05-02T10:00:00Z")
    c1 = approved_comment(client, moderator, "a", author="Ann", body="first words")
    c2 = approved_comment(client, moderator, "a", author="Ben", body="a reply", parent_id=c1["id"])
    c3 = approved_comment(client, moderator, "b", author="Cy", body="on b")
    pending = post_comment(client, "a", author="Dee", body="waiting").get_json()
    assert client.post("/api/posts/a/likes", headers=READER).status_code == 200
    assert client.post(f"/api/comments/{c1['id']}/likes", headers=OTHER).status_code == 200
    return {"c1": c1, "c2": c2, "c3": c3, "pending": pending, "editor": editor, "moderator": moderator}


def edit(client, comment, body):
    return client.patch(f"/api/comments/{comment['id']}", json={"body": body}, headers={"X-Edit-Token": comment["edit_token"]})


WIDGET_RC, WIDGET_TAGS, WIDGET_POSTS = "/api/widgets/recent-comments", "/api/widgets/popular-tags", "/api/widgets/recent-posts"
COUNTS = "/api/counts?post=a&post=b&post=new"

# name: (write done through another worker, reads that must show it)
WRITES = {
    "comment approved": (
        lambda w, s: w["pre"].post(f"/api/moderation/comments/{s['pending']['id']}/approve", headers=s["moderator"]),
        [WIDGET_RC, WIDGET_POSTS, "/api/posts/a", "/api/posts/a/comments", COUNTS],
    ),
    "comment approved in bulk": (
        lambda w, s: w["pre"].post("/api/moderation/comments/bulk", json={"ids": [s["pending"]["id"]], "action": "approve"}, headers=s["moderator"]),
        [WIDGET_RC, WIDGET_POSTS, "/api/posts/a/comments", COUNTS],
    ),
    "comment rejected": (
        lambda w, s: w["pre"].post(f"/api/moderation/comments/{s['c3']['id']}/reject", headers=s["moderator"]),
        [WIDGET_RC, WIDGET_POSTS, "/api/posts/b/comments", COUNTS],
    ),
    "reply marked spam": (
        lambda w, s: w["pre"].post(f"/api/moderation/comments/{s['c2']['id']}/spam", headers=s["moderator"]),
        [WIDGET_RC, "/api/posts/a/comments", "/api/posts/a", COUNTS],
    ),
    "comment edited under pre-moderation": (
        lambda w, s: edit(w["pre"], s["c1"], "changed words"),
        [WIDGET_RC, "/api/posts/a/comments", COUNTS],
    ),
    "comment edited under post-moderation": (
        lambda w, s: edit(w["post"], s["c3"], "*changed* on b"),
        [WIDGET_RC, "/api/posts/b/comments"],
    ),
    "comment deleted by its author": (
        lambda w, s: w["pre"].delete(f"/api/comments/{s['c2']['id']}", headers={"X-Edit-Token": s["c2"]["edit_token"]}),
        [WIDGET_RC, "/api/posts/a/comments", COUNTS],
    ),
    "comment deleted by a moderator": (
        lambda w, s: w["pre"].delete(f"/api/moderation/comments/{s['c3']['id']}", headers=s["moderator"]),
        [WIDGET_RC, WIDGET_POSTS, "/api/posts/b/comments", COUNTS],
    ),
    "post liked": (
        lambda w, s: w["pre"].post("/api/posts/a/likes", headers=OTHER),
        [WIDGET_POSTS, "/api/posts/a", "/api/posts/a/comments", COUNTS],
    ),
    "post unliked": (
        lambda w, s: w["pre"].delete("/api/posts/a/likes", headers=READER),
        [WIDGET_POSTS, key("/api/posts/a", READER), key("/api/posts/a/comments", READER), COUNTS],
    ),
    "comment liked": (
        lambda w, s: w["pre"].post(f"/api/comments/{s['c1']['id']}/likes", headers=READER),
        ["/api/posts/a/comments", "/api/posts/a/comments?sort=top"],
    ),
    "comment unliked": (
        lambda w, s: w["pre"].delete(f"/api/comments/{s['c1']['id']}/likes", headers=OTHER),
        ["/api/posts/a/comments", key("/api/posts/a/comments?sort=newest&limit=1", OTHER)],
    ),
    "post retitled": (
        lambda w, s: publish(w["pre"], s["editor"], "a", title="Renamed A", tags=["x", "y"]),
        [WIDGET_RC, WIDGET_POSTS, "/api/posts/a", "/api/posts/a/comments", "/api/posts/b/related"],
    ),
    "tags changed": (
        lambda w, s: publish(w["pre"], s["editor"], "a", title="Post A", tags=["y", "z", "new tag"]),
        [WIDGET_TAGS, "/api/posts/a", "/api/posts/a/related", "/api/posts/b/related"],
    ),
    "post deleted": (
        lambda w, s: w["pre"].delete("/api/posts/a", headers=s["editor"]),
        [WIDGET_RC, WIDGET_TAGS, WIDGET_POSTS, "/api/posts/a", "/api/posts/a/comments", COUNTS, "/api/posts/b/related"],
    ),
    "post published": (
        lambda w, s: publish(w["pre"], s["editor"], "new", title="New", tags=["x", "z"], published_at="2024-06-01T00:00:00Z"),
        [WIDGET_TAGS, WIDGET_POSTS, "/api/posts/a/related", "/api/posts/b/related"],
    ),
    "unknown post liked, created for the like (AUTO_CREATE_POSTS_FOR_LIKES)": (
        lambda w, s: w["likes create"].post("/api/posts/new/likes", headers=READER),
        [COUNTS],
    ),
    "comment on an unknown post, published at once": (
        lambda w, s: post_comment(w["post"], "new", body="hello new"),
        [WIDGET_RC, COUNTS],
    ),
}


@pytest.mark.parametrize("write", list(WRITES))
def test_next_read_after_a_write_is_fresh(client, nocache, writers, site, count_queries, write):
    read_all(client)  # a group's first read makes its generation; the next one stores under it
    before = read_all(client)
    counter = count_queries()
    assert read_all(client) == before
    assert counter.statements == [], "a warm read went to the database"
    do, changed = WRITES[write]
    response = do(writers, site)
    assert response.status_code in (200, 201, 204), response.data
    after = read_all(client)
    assert after == read_all(nocache)
    for url in changed:
        assert after[url] != before[url], f"{url} did not change: the test is not testing anything"


def test_cached_reads_make_no_database_queries(client, site, count_queries):
    urls = [(url, headers) for url, headers in URLS] + [("/api/posts/a/comments", OTHER), ("/api/posts/a", OTHER)]
    first = [client.get(url, headers=headers or {}).data for url, headers in urls]
    counter = count_queries()
    again = [client.get(url, headers=headers or {}).data for url, headers in urls]
    assert counter.count == 0 and again == first


def test_liked_is_for_the_reader_who_asks_only(client, site):
    for _ in range(2):  # a miss, then a hit
        assert client.get("/api/posts/a", headers=READER).get_json()["liked"] is True
        assert client.get("/api/posts/a", headers=OTHER).get_json()["liked"] is False
        assert client.get("/api/posts/a").get_json()["liked"] is False
        assert client.get("/api/posts/a/comments", headers=READER).get_json()["post"]["liked"] is True
        assert client.get("/api/posts/a/comments", headers=OTHER).get_json()["post"]["liked"] is False
    stored = b"".join(v for k in redis.Redis.from_url(REDIS_URL).scan_iter("*") for v in _values(k))
    assert READER["X-Reader-Token"].encode() not in stored and b'"liked":true' not in stored


def _values(name: bytes) -> list[bytes]:
    client = redis.Redis.from_url(REDIS_URL)
    kind = client.type(name)
    if kind == b"hash":
        return [name, *client.hgetall(name).keys(), *client.hgetall(name).values()]
    return [name, client.get(name) or b""] if kind == b"string" else [name]


def answers_of(client) -> list[tuple[int, bytes]]:
    extra = [
        "/api/posts/a/comments?limit=1", "/api/posts/unknown", "/api/posts/unknown/comments", "/api/posts/bad.slug",
        "/api/widgets/recent-posts?limit=0", "/api/counts?post=bad.slug", "/api/posts/unknown/related",
    ]
    out = list(read_all(client).values())
    for url in extra:
        response = client.get(url, headers=READER)
        out.append((response.status_code, response.data))
    cursor = client.get("/api/posts/a/comments?limit=1").get_json()["next_cursor"]
    out.append((0, client.get(f"/api/posts/a/comments?limit=1&cursor={cursor}", headers=READER).data))
    return out


def test_answers_are_the_same_with_redis_dead_or_absent(client, make_app, site, approved_reply_on_a):
    cached_miss, cached_hit = answers_of(client), answers_of(client)
    dead_app = make_app(REDIS_URL="redis://127.0.0.1:1/0")
    dead = answers_of(dead_app.test_client())
    absent = answers_of(make_app(REDIS_URL=None).test_client())
    assert cached_miss == cached_hit == dead == absent
    assert {status for status, _ in dead} >= {200, 404, 422}
    assert dead_app.test_client().get("/healthz").get_json()["redis"] == "down"


@pytest.fixture
def approved_reply_on_a(client, site):
    """A second top-level comment on "a", so that its thread has a second page."""
    return approved_comment(client, site["moderator"], "a", author="Eve", body="second top-level")


@pytest.fixture
def own_redis():
    """A Redis server of this test's own, which the test may freeze (SIGSTOP) and thaw."""
    server = RedisServer().start()
    yield server
    server.stop()


def test_hung_redis_answers_from_the_database_then_replays_missed_invalidations(make_app, client, site, nocache, own_redis):
    reader_app, writer_app = make_app(REDIS_URL=own_redis.url), make_app(REDIS_URL=own_redis.url)
    reader, writer = reader_app.test_client(), writer_app.test_client()
    breaker = writer_app.extensions["redis_client"]
    breaker.breaker_seconds = 0.3
    assert read_all(reader) == read_all(writer) == read_all(nocache)  # both workers warm the shared cache

    own_redis.pause()  # Redis hangs: every call would time out
    approve = writer.post(f"/api/moderation/comments/{site['pending']['id']}/approve", headers=site["moderator"])
    assert approve.status_code == 200
    assert breaker.down_until > time.monotonic()  # one timeout opened the breaker
    assert writer_app.extensions["cache"].pending  # the invalidation is owed
    assert read_all(writer) == read_all(nocache)  # answers come from the database meanwhile
    assert read_all(reader) == read_all(nocache)  # a worker with warm copies no longer trusts them
    assert writer.get("/healthz").get_json() == {"status": "degraded", "db": "ok", "redis": "down", "streams": "process"}

    own_redis.resume()  # Redis is back, with the old values still in it
    time.sleep(breaker.breaker_seconds + 0.1)
    assert read_all(writer) == read_all(nocache)  # replayed before anything was read from Redis
    assert not writer_app.extensions["cache"].pending
    assert read_all(reader) == read_all(nocache)  # and every other worker sees it too
    assert "waiting" in reader.get("/api/widgets/recent-comments").get_data(as_text=True)


def test_warm_reads_skip_redis_and_still_see_the_next_write(app, client, writers, nocache, site, monkeypatch):
    state = app.extensions["cache"]
    read = state.read
    calls = []

    def counted(*args, **kwargs):
        calls.append(1)
        return read(*args, **kwargs)

    monkeypatch.setattr(state, "read", counted)
    before = read_all(client)
    for _ in range(100):  # once Redis has answered this process's ping, its copies serve
        calls.clear()
        if read_all(client) == before and not calls:
            break
        time.sleep(0.01)
    assert not calls, "warm reads kept asking Redis"
    approve = writers["pre"].post(f"/api/moderation/comments/{site['pending']['id']}/approve", headers=site["moderator"])
    assert approve.status_code == 200
    assert read_all(client) == read_all(nocache) != before


def test_killed_redis_drops_process_copies_at_once(make_app, client, nocache, site, own_redis):
    reader, writer = make_app(REDIS_URL=own_redis.url).test_client(), make_app(REDIS_URL=own_redis.url).test_client()
    for _ in range(3):
        warm = read_all(reader)
    own_redis.kill()
    assert writer.post(f"/api/moderation/comments/{site['pending']['id']}/approve", headers=site["moderator"]).status_code == 200
    after = read_all(reader)
    assert after == read_all(nocache) != warm


def test_one_request_rebuilds_a_missing_key_while_others_wait(app, site, monkeypatch):
    monkeypatch.setattr(cache_fill, "WAIT_SECONDS", 30.0)  # never give up waiting in this test
    builds = []
    build = widgets._popular_tags

    def slow_build(limit):
        builds.append(limit)
        time.sleep(0.2)  # a rebuild long enough for every thread to miss meanwhile
        return build(limit)

    monkeypatch.setattr(widgets, "_popular_tags", slow_build)
    threads = 24
    start = threading.Barrier(threads)

    def read(_):
        client = app.test_client()
        start.wait()
        return client.get("/api/widgets/popular-tags").data

    for _ in range(2):  # a cold key, then the same key after an invalidation
        builds.clear()
        with ThreadPoolExecutor(threads) as pool:
            answers = list(pool.map(read, range(threads)))
        assert builds == [20]
        assert len(set(answers)) == 1 and b'"name":"y"' in answers[0]
        with app.app_context():
            events.notify("a", events.TAGS)


def test_a_rebuild_that_read_before_a_write_never_hides_it(client, site, database_url, monkeypatch):
    build = widgets._popular_tags

    def build_then_a_write_lands(limit):
        old = build(limit)  # read before the write below commits...
        with psycopg.connect(database_url, autocommit=True) as other_worker:
            other_worker.execute("UPDATE tags SET post_count = post_count + 5 WHERE name = 'x'")
        events.notify("a", events.TAGS)  # ...which commits and invalidates before the old value is stored
        return old

    monkeypatch.setattr(widgets, "_popular_tags", build_then_a_write_lands)
    assert client.get("/api/widgets/popular-tags").get_json()["tags"][0] == {"name": "y", "count": 2}
    monkeypatch.setattr(widgets, "_popular_tags", build)
    assert client.get("/api/widgets/popular-tags").get_json()["tags"][0] == {"name": "x", "count": 6}


def test_a_stale_key_is_served_while_another_request_rebuilds_it(app, client, site, monkeypatch):
    first = client.get("/api/widgets/popular-tags").data
    with app.app_context():  # a change that bypasses the domain: only the TTL can catch it
        db.session.execute(text("UPDATE tags SET post_count = post_count + 5 WHERE name = 'x'"))
        db.session.commit()
    later = time.time() + cache.WIDGET_TTL + 1
    monkeypatch.setattr(cache, "time", types.SimpleNamespace(time=lambda: later, monotonic=time.monotonic, sleep=time.sleep))
    store = redis.Redis.from_url(REDIS_URL)
    [value_key] = [k for k in store.scan_iter(cache.PREFIX + "v:*") if k.endswith(b":w:popular-tags:20")]
    store.set(value_key + b":lock", "held by another request", px=10_000)
    assert client.get("/api/widgets/popular-tags").data == first  # the previous value, at once
    store.delete(value_key + b":lock")
    fresh = client.get("/api/widgets/popular-tags").get_json()
    assert fresh["tags"][0] == {"name": "x", "count": 6}


def test_a_failed_build_does_not_hold_others_back(client, monkeypatch):
    monkeypatch.setattr(cache_fill, "WAIT_SECONDS", 30.0)
    for _ in range(3):  # an unknown post is 404 at once each time, not after a wait for a lock
        assert client.get("/api/posts/nothing-here/comments").status_code == 404
    assert not [k for k in redis.Redis.from_url(REDIS_URL).scan_iter("*:lock")]


@pytest.mark.parametrize("slug, kind", [(None, events.COMMENTS), ("a", "a-kind-added-later")])
def test_changes_the_cache_cannot_place_drop_everything(app, client, site, slug, kind):
    before = client.get("/api/widgets/popular-tags").get_json()
    with app.app_context():
        db.session.execute(update(Post).values(title="Changed behind the cache"))
        db.session.execute(text("UPDATE tags SET post_count = 7"))
        db.session.commit()
    assert client.get("/api/widgets/popular-tags").get_json() == before  # cached
    with app.app_context():
        events.notify(slug, kind)
    assert {t["count"] for t in client.get("/api/widgets/popular-tags").get_json()["tags"]} == {7}
    assert client.get("/api/posts/b").get_json()["title"] == "Changed behind the cache"


def test_cache_rebuild_refills_from_the_database(app, client, runner, site, count_queries):
    client.get("/api/posts/a")
    with app.app_context():
        db.session.execute(update(Post).where(Post.slug == "a").values(title="Fixed by hand"))
        db.session.commit()
    result = runner.invoke(args=["cache", "rebuild"])
    assert result.exit_code == 0 and "2 posts" in result.output
    counter = count_queries()
    defaults = ["/api/widgets/recent-comments", "/api/widgets/popular-tags", "/api/widgets/recent-posts",
                "/api/posts/a", "/api/posts/a/comments", "/api/posts/b/comments", "/api/counts?post=a&post=b",
                "/api/posts/a/related"]
    answers = {url: client.get(url).get_json() for url in defaults}
    assert counter.count == 0  # every default read was filled by the rebuild
    assert answers["/api/posts/a"]["title"] == "Fixed by hand"
    assert answers["/api/widgets/recent-comments"]["comments"][0]["post"]["title"] in ("Fixed by hand", "Post B")


def test_cache_rebuild_without_redis_fails_clearly(make_app):
    for url in (None, "redis://127.0.0.1:1/0"):
        result = make_app(REDIS_URL=url).test_cli_runner().invoke(args=["cache", "rebuild"])
        assert result.exit_code != 0 and "Redis" in result.output


def test_a_process_drops_its_own_copies_when_it_writes_not_when_redis_says_so(app, client, site):
    near = app.extensions["cache"].near
    for _ in range(100):  # warm: this process holds copies of the post's group
        read_all(client)
        if near._groups:
            break
        time.sleep(0.01)
    held = set(near._groups)
    assert held
    with app.app_context():
        assert cache.invalidate(held)
    # Gone before any message from Redis was read: the process's next read cannot race it.
    assert not set(near._groups) & held
