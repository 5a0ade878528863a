"""Two web servers behind one PgBouncer in transaction pooling mode and one Redis, as a fleet runs.

Each server is gunicorn with two workers, its DATABASE_URL pointing at the
pooler and no other setting. A server connection serves whichever client
asks next, so nothing may depend on a connection's session: a statement
prepared on one server connection would be missing on the next (the
"prepared statement does not exist" 500 of a like in ten).
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.faults import Gunicorn, request
from tests.servers import PgBouncer
from tests.test_faults import no_drift, service_env


@pytest.fixture
def bouncer(direct_database_url):
    server = PgBouncer().start()
    yield server
    server.stop()


@pytest.fixture
def fleet(bouncer, direct_database_url):
    env = service_env(bouncer.url(direct_database_url), MODERATION="pre")
    servers = [Gunicorn(env)]
    try:
        servers.append(Gunicorn(env))
        yield servers
    finally:
        for server in servers:
            server.stop()


def reader(n: int) -> dict[str, str]:
    return {"X-Reader-Token": f"fleet-reader-{n:04d}-abcdefgh"}


def test_what_one_server_writes_the_other_reads_at_once(fleet, editor, moderator):
    writer, other = (server.address for server in fleet)
    assert request(writer, "PUT", "/api/posts/fleet", {"title": "Fleet", "url": "https://b.example/fleet",
                                                       "tags": ["ops"]}, editor).status in (200, 201)
    stale: list[tuple[int, str, object]] = []
    shown: list[int] = []

    def expect(i: int, path: str, headers: dict[str, str] | None, wanted, seen) -> None:
        # Three reads, so that both workers of the reading server answer (and their copies are checked).
        for _ in range(3):
            answer = request(other, "GET", path, headers=headers)
            got = seen(answer.body) if answer.status == 200 else answer.status
            if got != wanted:
                stale.append((i, path, got))

    for i in range(10):
        created = request(writer, "POST", "/api/posts/fleet/comments", {"author": f"R{i}", "body": f"comment {i}"})
        assert created.status == 201, created.body
        comment_id = created.body["id"]
        expect(i, "/api/posts/fleet/comments?sort=newest", None, shown, lambda b: [c["id"] for c in b["comments"]])
        approved = request(writer, "POST", f"/api/moderation/comments/{comment_id}/approve", {"expected_edited_at": None},
                           moderator)
        assert approved.status == 200, approved.body
        shown.insert(0, comment_id)
        expect(i, "/api/posts/fleet/comments?sort=newest", None, shown, lambda b: [c["id"] for c in b["comments"]])
        expect(i, "/api/widgets/recent-comments", None, comment_id, lambda b: b["comments"][0]["id"])
        expect(i, "/api/counts?post=fleet", None, i + 1, lambda b: b["counts"]["fleet"]["comments"])
        liked = request(writer, "POST", "/api/posts/fleet/likes", headers=reader(i))
        assert liked.status == 200 and liked.body["like_count"] == i + 1, liked.body
        expect(i, "/api/posts/fleet", reader(i), (i + 1, True), lambda b: (b["like_count"], b["liked"]))
        expect(i, "/api/counts?post=fleet", None, i + 1, lambda b: b["counts"]["fleet"]["likes"])
        assert request(writer, "POST", f"/api/comments/{comment_id}/likes", headers=reader(i)).status == 200
        expect(i, "/api/posts/fleet/comments?sort=newest", None, 1, lambda b: b["comments"][0]["like_count"])
    retitled = request(writer, "PUT", "/api/posts/fleet", {"title": "Fleet, renamed", "url": "https://b.example/fleet",
                                                          "tags": ["ops", "scale"]}, editor)
    assert retitled.status == 200
    expect(10, "/api/posts/fleet", None, "Fleet, renamed", lambda b: b["title"])
    expect(10, "/api/widgets/popular-tags", None, {"ops", "scale"}, lambda b: {t["name"] for t in b["tags"]})
    assert stale == []


def test_200_concurrent_likes_on_two_servers_through_pgbouncer_are_exact(fleet, editor, client, app):
    servers = [server.address for server in fleet]
    assert request(servers[0], "PUT", "/api/posts/hot", {"title": "Hot", "url": "https://b.example/hot",
                                                         "tags": []}, editor).status in (200, 201)

    def like(n: int):
        return request(servers[n % 2], "POST", "/api/posts/hot/likes", headers=reader(n))

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(like, range(200)))
    assert [(r.status, r.body) for r in results if r.status != 200] == []
    assert sorted(r.body["like_count"] for r in results) == list(range(1, 201))  # each like counted once
    for server in servers:
        assert request(server, "GET", "/api/posts/hot").body["like_count"] == 200
    assert client.get("/api/posts/hot").get_json()["like_count"] == 200
    assert no_drift(app) == []


def test_repeated_likes_comment_likes_and_unlikes_on_two_servers_stay_exact(fleet, moderator, client, app):
    servers = [server.address for server in fleet]
    created = request(servers[0], "POST", "/api/posts/mixed/comments", {"author": "Ada", "body": "like me"})
    assert request(servers[1], "POST", f"/api/moderation/comments/{created.body['id']}/approve", None,
                   moderator).status == 200
    comment = f"/api/comments/{created.body['id']}/likes"
    # Forty readers like the comment three times each, on either server; one reader likes
    # the post forty times; readers 0-19 like the post and then take it back.
    calls = [("POST", comment, reader(n % 40)) for n in range(120)]
    calls += [("POST", "/api/posts/mixed/likes", reader(999))] * 40
    calls += [("POST", "/api/posts/mixed/likes", reader(500 + n)) for n in range(20)]

    def run(call: tuple[int, tuple[str, str, dict[str, str]]]):
        n, (method, path, headers) = call
        return request(servers[n % 2], method, path, headers=headers)

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(run, enumerate(calls)))
        unlikes = list(pool.map(run, enumerate([("DELETE", "/api/posts/mixed/likes", reader(500 + n))
                                                for n in range(20)])))
    assert [(r.status, r.body) for r in results + unlikes if r.status != 200] == []
    for server in servers:
        thread = request(server, "GET", "/api/posts/mixed/comments").body
        assert thread["comments"][0]["like_count"] == 40
        assert request(server, "GET", "/api/posts/mixed").body["like_count"] == 1
    assert client.get("/api/posts/mixed").get_json()["like_count"] == 1
    assert no_drift(app) == []
