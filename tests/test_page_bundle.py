"""The page bundle (GET /api/page): each part as its own endpoint answers it, from the same cache, with an ETag."""
from __future__ import annotations

import orjson
import pytest

from tests.helpers import READER, approved_comment

SLUG = "trigger-point-injection"
EVERYTHING = "thread,recent-comments,popular-tags,recent-posts"
WIDGETS = {
    "recent-comments": "/api/widgets/recent-comments",
    "popular-tags": "/api/widgets/popular-tags",
    "recent-posts": "/api/widgets/recent-posts",
}


@pytest.fixture
def demo(runner):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output


def thread_part(thread_body: bytes) -> bytes:
    """The thread endpoint's answer without its post: ``{"comments":...,"next_cursor":...}``."""
    head, _, _ = thread_body.partition(b',"post":')
    assert head.startswith(b'{"comments":') and b'"next_cursor":' in head
    return head + b"}"


def assert_parts_equal_endpoints(client, page: bytes, headers: dict[str, str], thread_query: str = "",
                                 widget_query: dict[str, str] | None = None) -> None:
    widget_query = widget_query or {}
    parsed = orjson.loads(page)
    post = client.get(f"/api/posts/{SLUG}", headers=headers)
    thread = client.get(f"/api/posts/{SLUG}/comments{thread_query}", headers=headers)
    assert post.status_code == thread.status_code == 200
    assert b'"post":' + post.data in page
    assert b'"thread":' + thread_part(thread.data) in page
    assert parsed["post"] == post.get_json()
    assert parsed["thread"] == {k: v for k, v in thread.get_json().items() if k != "post"}
    for name, path in WIDGETS.items():
        own = client.get(path + widget_query.get(name, ""), headers=headers)
        assert own.status_code == 200
        assert f'"{name}":'.encode() + own.data in page, name
        assert parsed[name] == own.get_json()
    assert set(parsed) == {"post", "thread", *WIDGETS}


@pytest.mark.parametrize("headers", [{}, READER], ids=["anonymous", "reader"])
def test_each_part_is_byte_equal_to_its_endpoint(client, demo, headers):
    client.post(f"/api/posts/{SLUG}/likes", headers=READER)
    response = client.get(f"/api/page?post={SLUG}&include={EVERYTHING}", headers=headers)
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert_parts_equal_endpoints(client, response.data, headers)
    assert response.get_json()["post"]["liked"] is (headers == READER)
    assert len(response.get_json()["thread"]["comments"]) == 3


def test_parts_cold_and_warm_are_equal_and_warm_reads_no_database(client, demo, count_queries):
    cold = client.get(f"/api/page?post={SLUG}&include={EVERYTHING}", headers=READER)  # builds every entry
    # The single endpoints fill nothing new: the bundle stored the very entries they read.
    counter = count_queries()
    assert_parts_equal_endpoints(client, cold.data, READER)
    warm = client.get(f"/api/page?post={SLUG}&include={EVERYTHING}", headers=READER)
    assert counter.count == 0, counter.statements
    assert warm.data == cold.data


def test_part_options_are_those_of_the_endpoints(client, demo):
    query = (f"/api/page?post={SLUG}&include={EVERYTHING}&thread.sort=newest&thread.limit=2"
             "&recent-comments.limit=2&popular-tags.limit=3&recent-posts.limit=1")
    page = client.get(query, headers=READER)
    assert page.status_code == 200
    widget_query = {"recent-comments": "?limit=2", "popular-tags": "?limit=3", "recent-posts": "?limit=1"}
    assert_parts_equal_endpoints(client, page.data, READER, "?sort=newest&limit=2", widget_query)
    data = page.get_json()
    assert len(data["thread"]["comments"]) == 2 and data["thread"]["next_cursor"]
    assert len(data["recent-comments"]["comments"]) == 2 and len(data["recent-posts"]["posts"]) == 1


def test_include_names_any_subset(client, demo):
    only_tags = client.get("/api/page?include=popular-tags")
    assert only_tags.status_code == 200
    assert only_tags.data == b'{"popular-tags":' + client.get("/api/widgets/popular-tags").data + b"}"
    post_only = client.get(f"/api/page?post={SLUG}&include=post", headers=READER)
    assert post_only.data == b'{"post":' + client.get(f"/api/posts/{SLUG}", headers=READER).data + b"}"
    thread = client.get(f"/api/page?post={SLUG}&include=thread,recent-posts").get_json()
    assert set(thread) == {"post", "thread", "recent-posts"}
    # Without include: every part (a post's only when a post is named).
    assert set(client.get(f"/api/page?post={SLUG}").get_json()) == {"post", "thread", *WIDGETS}
    assert set(client.get("/api/page").get_json()) == set(WIDGETS)


def test_etag_revalidates_and_changes_with_the_page(client, demo, moderator):
    url = f"/api/page?post={SLUG}&include={EVERYTHING}"
    first = client.get(url, headers=READER)
    etag = first.headers["ETag"]
    assert etag and first.headers["Cache-Control"] == "no-cache"
    assert "X-Reader-Token" in first.headers["Vary"] and "Origin" in first.headers["Vary"]
    again = client.get(url, headers={**READER, "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    # Another reader's answer differs (their like), so does its tag; a new comment changes every reader's.
    client.post(f"/api/posts/{SLUG}/likes", headers=READER)
    liked = client.get(url, headers={**READER, "If-None-Match": etag})
    assert liked.status_code == 200 and liked.get_json()["post"]["liked"] is True
    assert liked.headers["ETag"] != etag
    stranger = client.get(url, headers={"If-None-Match": liked.headers["ETag"]})
    assert stranger.status_code == 200 and stranger.get_json()["post"]["liked"] is False
    approved_comment(client, moderator, SLUG, author="Newcomer", body="Fresh words")
    fresh = client.get(url, headers={**READER, "If-None-Match": liked.headers["ETag"]})
    assert fresh.status_code == 200 and fresh.headers["ETag"] != liked.headers["ETag"]
    data = fresh.get_json()
    assert data["recent-comments"]["comments"][0]["author"] == "Newcomer"
    assert data["post"]["comment_count"] == 5
    assert any(c["author"] == "Newcomer" for c in data["thread"]["comments"])
    assert_parts_equal_endpoints(client, fresh.data, READER)


@pytest.mark.parametrize("query, status, field", [
    ("include=bogus", 422, "include"),
    ("include=thread,bogus", 422, "include"),
    ("include=", 422, "include"),
    ("include=thread,,recent-posts", 422, "include"),
    ("include=thread", 422, "post"),
    ("include=post", 422, "post"),
    ("post=not%20a%20slug", 422, "post"),
    ("post=" + "x" * 201, 422, "post"),
    (f"post={SLUG}&thread.sort=best", 422, "thread.sort"),
    (f"post={SLUG}&thread.limit=0", 422, "thread.limit"),
    (f"post={SLUG}&thread.limit=101", 422, "thread.limit"),
    ("recent-comments.limit=51", 422, "recent-comments.limit"),
    ("popular-tags.limit=x", 422, "popular-tags.limit"),
    ("recent-posts.limit=0", 422, "recent-posts.limit"),
    ("post=no-such-post&include=thread", 404, None),
    ("post=no-such-post&include=post,recent-posts", 404, None),
])
def test_bad_input_is_a_clear_json_error(client, demo, query, status, field):
    response = client.get(f"/api/page?{query}")
    assert response.status_code == status, response.data
    error = response.get_json()["error"]
    assert error["message"]
    if field is None:
        assert error["code"] == "not_found"
    else:
        assert error["code"] == "validation_error" and list(error["fields"]) == [field]


def test_bad_reader_token_is_refused_as_by_the_endpoints(client, demo):
    response = client.get(f"/api/page?post={SLUG}", headers={"X-Reader-Token": "short"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_reader_token"


def test_pending_comments_never_reach_the_bundle(client, demo):
    client.post(f"/api/posts/{SLUG}/comments", json={"author": "Waiting", "body": "pending words"})
    text = client.get(f"/api/page?post={SLUG}").get_data(as_text=True)
    assert "Waiting" not in text and "pending words" not in text


def test_without_redis_the_bundle_is_built_from_the_database(make_app, demo, client):
    bare = make_app(REDIS_URL=None).test_client()
    page = bare.get(f"/api/page?post={SLUG}&include={EVERYTHING}", headers=READER)
    assert page.status_code == 200
    assert page.get_json() == client.get(f"/api/page?post={SLUG}&include={EVERYTHING}", headers=READER).get_json()


def test_documented_in_openapi(client):
    spec = client.get("/api/openapi.json").get_json()
    path = spec["paths"]["/api/page"]
    operation = path["get"]
    names = {p["name"] for p in [*operation["parameters"], *path.get("parameters", [])]}
    assert {"post", "include", "thread.sort", "thread.limit", "recent-comments.limit", "popular-tags.limit",
            "recent-posts.limit", "X-Reader-Token"} <= names
    assert {"200", "304", "404", "422"} <= set(operation["responses"])
    assert "ETag" in operation["responses"]["200"]["headers"]
