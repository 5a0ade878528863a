"""Likes: one per reader token, idempotent, exact under real concurrency."""
from __future__ import annotations

import json
import threading
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from sqlalchemy import func, select

from comments_service.extensions import db
from comments_service.models import CommentLike, Post, PostLike
from tests.conftest import REDIS_DB, REDIS_HOST, REDIS_PORT
from tests.helpers import READER, approved_comment, post_comment, publish

OTHER = {"X-Reader-Token": "another-reader-token-42"}


def reader(n: int) -> dict[str, str]:
    return {"X-Reader-Token": f"reader-{n:04d}-abcdefghijkl"}


def test_like_and_unlike_a_post(client, editor):
    publish(client, editor, "p")
    first = client.post("/api/posts/p/likes", headers=READER)
    assert first.status_code == 200 and first.get_json() == {"like_count": 1, "liked": True}
    assert client.post("/api/posts/p/likes", headers=READER).get_json() == {"like_count": 1, "liked": True}
    assert client.post("/api/posts/p/likes", headers=OTHER).get_json() == {"like_count": 2, "liked": True}
    assert client.get("/api/posts/p", headers=READER).get_json()["liked"] is True
    assert client.get("/api/posts/p").get_json()["liked"] is False
    assert client.get("/api/counts?post=p").get_json()["counts"]["p"]["likes"] == 2
    assert client.delete("/api/posts/p/likes", headers=READER).get_json() == {"like_count": 1, "liked": False}
    assert client.delete("/api/posts/p/likes", headers=READER).get_json() == {"like_count": 1, "liked": False}
    post = client.get("/api/posts/p", headers=READER).get_json()
    assert post["liked"] is False and post["like_count"] == 1


def post_row(app, slug: str) -> tuple:
    with app.app_context():
        post = db.session.scalar(select(Post).where(Post.slug == slug))
        db.session.rollback()
        return post.like_count, post.updated_at


def test_a_new_like_is_counted_and_stamps_the_post_once(app, client, editor):
    # One statement writes the like, its count and the post's updated_at; a repeat writes nothing.
    publish(client, editor, "stamped")
    _, published = post_row(app, "stamped")
    assert client.post("/api/posts/stamped/likes", headers=READER).get_json() == {"like_count": 1, "liked": True}
    count, liked_at = post_row(app, "stamped")
    assert count == 1 and liked_at > published
    assert client.post("/api/posts/stamped/likes", headers=READER).get_json() == {"like_count": 1, "liked": True}
    assert post_row(app, "stamped") == (1, liked_at)
    with app.app_context():
        rows = db.session.execute(select(PostLike.reader_hash, PostLike.created_at).join(Post)
                                  .where(Post.slug == "stamped")).all()
    assert len(rows) == 1 and rows[0].created_at == liked_at


UNKNOWN_SLUGS = ["fresh", "never-written-post", "x" * 200, "Mixed_Case-123"]


def stored_posts(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Post))


@pytest.mark.parametrize("slug", UNKNOWN_SLUGS)
def test_liking_an_unknown_post_is_404_and_stores_nothing(client, app, slug):
    store = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB)
    for headers in (READER, OTHER, reader(7)):
        response = client.post(f"/api/posts/{slug}/likes", headers=headers)
        assert response.status_code == 404
        assert response.get_json() == {"error": {"code": "not_found", "message": "Post not found."}}
    assert client.get(f"/api/posts/{slug}").status_code == 404
    assert stored_posts(app) == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PostLike)) == 0
    assert store.dbsize() == 0, sorted(store.scan_iter())


def test_a_like_on_an_unknown_post_leaves_no_key_but_the_address_count(make_app):
    client = make_app(RATELIMIT_ENABLED=True).test_client()
    for n in range(5):
        assert client.post(f"/api/posts/made-up-{n}/likes", headers=reader(n)).status_code == 404
    keys = [k.decode() for k in redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB).scan_iter()]
    # The address's like count (it expires with its minute); nothing per post, nothing cached.
    assert len(keys) == 1 and "ratelimit_likes/" in keys[0], keys


@pytest.mark.parametrize("slug", ["bad.slug", "has space", "x" * 201])
def test_liking_a_slug_that_cannot_exist_is_422_and_stores_nothing(client, app, slug):
    assert client.post(f"/api/posts/{slug}/likes", headers=READER).status_code == 422
    assert stored_posts(app) == 0


def test_comments_still_create_posts_when_likes_do_not(client):
    assert client.post("/api/posts/fresh/likes", headers=READER).status_code == 404
    assert post_comment(client, "fresh").status_code == 201
    assert client.post("/api/posts/fresh/likes", headers=READER).get_json() == {"like_count": 1, "liked": True}


def test_with_auto_create_for_likes_liking_an_unknown_post_creates_it(make_app):
    client = make_app(AUTO_CREATE_POSTS_FOR_LIKES=True).test_client()
    assert client.post("/api/posts/fresh/likes", headers=READER).get_json() == {"like_count": 1, "liked": True}
    assert client.get("/api/posts/fresh").get_json()["like_count"] == 1


@pytest.mark.parametrize("for_likes", [False, True])
def test_without_auto_create_an_unknown_post_is_404(make_app, app, for_likes):
    client = make_app(AUTO_CREATE_POSTS=False, AUTO_CREATE_POSTS_FOR_LIKES=for_likes).test_client()
    assert client.post("/api/posts/fresh/likes", headers=READER).status_code == 404
    assert client.get("/api/posts/fresh").status_code == 404
    assert stored_posts(app) == 0


def test_unliking_an_unknown_post_is_404_and_creates_nothing(client):
    assert client.delete("/api/posts/nobody/likes", headers=READER).status_code == 404
    assert client.get("/api/posts/nobody").status_code == 404


@pytest.mark.parametrize("method", ["post", "delete"])
@pytest.mark.parametrize("headers, code", [({}, "reader_token_required"), ({"X-Reader-Token": "short"}, "invalid_reader_token")])
def test_likes_need_a_reader_token(client, moderator, method, headers, code):
    comment = approved_comment(client, moderator, "p")
    for url in ("/api/posts/p/likes", f"/api/comments/{comment['id']}/likes"):
        response = getattr(client, method)(url, headers=headers)
        assert response.status_code == 400 and response.get_json()["error"]["code"] == code
    assert client.get("/api/posts/p").get_json()["like_count"] == 0


def test_like_and_unlike_a_comment(client, moderator, app):
    comment = approved_comment(client, moderator, "p")
    url = f"/api/comments/{comment['id']}/likes"
    assert client.post(url, headers=READER).get_json() == {"like_count": 1, "liked": True}
    assert client.post(url, headers=READER).get_json() == {"like_count": 1, "liked": True}
    assert client.post(url, headers=OTHER).get_json() == {"like_count": 2, "liked": True}
    assert client.get("/api/posts/p/comments").get_json()["comments"][0]["like_count"] == 2
    assert client.delete(url, headers=OTHER).get_json() == {"like_count": 1, "liked": False}
    assert client.delete(url, headers=OTHER).get_json() == {"like_count": 1, "liked": False}
    assert client.get("/api/posts/p/comments").get_json()["comments"][0]["like_count"] == 1
    assert client.get("/api/posts/p").get_json()["like_count"] == 0  # a comment's like is not the post's
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CommentLike)) == 1


@pytest.mark.parametrize("action", ["pending", "reject", "spam", "delete", "unknown", "beyond any id"])
def test_a_comment_that_is_not_public_is_unknown_to_likers(client, moderator, action):
    if action == "pending":
        comment_id = post_comment(client, "p").get_json()["id"]
    elif action == "unknown":
        comment_id = 99999
    elif action == "beyond any id":
        comment_id = 2**31
    else:
        comment_id = approved_comment(client, moderator, "p")["id"]
        if action == "delete":
            client.delete(f"/api/moderation/comments/{comment_id}", headers=moderator)
        else:
            client.post(f"/api/moderation/comments/{comment_id}/{action}", headers=moderator)
    for method in ("post", "delete"):
        response = getattr(client, method)(f"/api/comments/{comment_id}/likes", headers=READER)
        assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def test_top_sort_follows_likes(client, moderator):
    first = approved_comment(client, moderator, "p")
    second = approved_comment(client, moderator, "p")
    top = lambda: [c["id"] for c in client.get("/api/posts/p/comments?sort=top").get_json()["comments"]]  # noqa: E731
    assert top() == [first["id"], second["id"]]
    client.post(f"/api/comments/{second['id']}/likes", headers=READER)
    assert top() == [second["id"], first["id"]]
    client.delete(f"/api/comments/{second['id']}/likes", headers=READER)
    assert top() == [first["id"], second["id"]]


def test_deleting_a_post_removes_its_likes(client, editor, app):
    publish(client, editor, "p")
    client.post("/api/posts/p/likes", headers=READER)
    assert client.delete("/api/posts/p", headers=editor).status_code == 204
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PostLike)) == 0
    publish(client, editor, "p")
    assert client.get("/api/posts/p", headers=READER).get_json()["liked"] is False


def _http(method: str, url: str, headers: dict[str, str]) -> dict:
    request = urllib.request.Request(url, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 200
        return json.loads(response.read())


def _concurrently(calls: list, threads: int) -> list[dict]:
    start = threading.Barrier(threads)

    def run(call):
        if call[0] < threads:
            start.wait()  # the first wave leaves together
        return call[1]()

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(run, enumerate(calls)))


def test_300_concurrent_likes_from_distinct_readers_count_300(live_server, client, editor, app):
    publish(client, editor, "hot")
    url = f"{live_server.url}/api/posts/hot/likes"
    calls = [lambda n=n: _http("POST", url, reader(n)) for n in range(300)]
    results = _concurrently(calls, threads=50)
    assert all(r["liked"] for r in results)
    assert sorted(r["like_count"] for r in results) == list(range(1, 301))  # each like counted exactly once
    assert client.get("/api/posts/hot").get_json()["like_count"] == 300
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PostLike)) == 300


def test_50_concurrent_likes_from_one_reader_count_1(live_server, client, editor, app):
    publish(client, editor, "hot")
    url = f"{live_server.url}/api/posts/hot/likes"
    results = _concurrently([lambda: _http("POST", url, READER)] * 50, threads=50)
    assert results == [{"like_count": 1, "liked": True}] * 50
    assert client.get("/api/posts/hot").get_json()["like_count"] == 1
    unlikes = _concurrently([lambda: _http("DELETE", url, READER)] * 50, threads=50)
    assert unlikes == [{"like_count": 0, "liked": False}] * 50
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PostLike)) == 0


def test_concurrent_comment_likes_are_exact(live_server, client, moderator):
    comment = approved_comment(client, moderator, "p")
    url = f"{live_server.url}/api/comments/{comment['id']}/likes"
    calls = [lambda n=n: _http("POST", url, reader(n % 40)) for n in range(120)]  # each reader three times
    _concurrently(calls, threads=40)
    assert client.get("/api/posts/p/comments").get_json()["comments"][0]["like_count"] == 40


def test_likes_and_unlikes_share_a_rate_limit_per_address(make_app, moderator, client):
    comment = approved_comment(client, moderator, "p")
    limited = make_app(RATELIMIT_ENABLED=True, RATELIMIT_LIKES="3 per minute").test_client()
    calls = [
        lambda: limited.post("/api/posts/p/likes", headers=reader(1)),
        lambda: limited.delete("/api/posts/p/likes", headers=reader(1)),
        lambda: limited.post(f"/api/comments/{comment['id']}/likes", headers=reader(2)),
    ]
    assert [call().status_code for call in calls] == [200, 200, 200]
    refused = limited.post("/api/posts/p/likes", headers=reader(3))
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert refused.get_json()["error"]["code"] == "rate_limited"
    assert client.get("/api/posts/p").get_json()["like_count"] == 0  # the refused like was not stored
    other = limited.post("/api/posts/p/likes", headers=reader(3), environ_base={"REMOTE_ADDR": "192.0.2.99"})
    assert other.status_code == 200 and other.get_json()["like_count"] == 1
