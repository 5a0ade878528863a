"""The widget reads, related posts and the Atom feeds: shapes, order, limits, privacy."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import update

from comments_service.extensions import db
from comments_service.models import Comment
from tests.helpers import READER, approved_comment, post_comment, publish

ATOM = "{http://www.w3.org/2005/Atom}"
EMAIL = "hidden.person@example.com"


def iso(days_ago: float) -> str:
    return (datetime.now(timezone.utc) - timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_recent_comments_shape_and_order(client, editor, moderator):
    publish(client, editor, "p", title="A <Post>", url="https://blog.example/p")
    older = approved_comment(client, moderator, "p", author="Ann", body="**Bold** and <b>html</b> & [a link](https://x.example)", email=EMAIL)
    newer = approved_comment(client, moderator, "q", author="Bob", body="second")
    post_comment(client, "p", author="Pending", body="not yet")
    data = client.get("/api/widgets/recent-comments").get_json()
    assert [c["id"] for c in data["comments"]] == [newer["id"], older["id"]]
    item = data["comments"][1]
    assert set(item) == {"id", "post", "author", "excerpt", "created_at"}
    assert item["post"] == {"slug": "p", "title": "A <Post>", "url": "https://blog.example/p"}
    assert item["author"] == "Ann" and item["created_at"].endswith("Z")
    assert item["excerpt"] == "Bold and html & a link"  # plain text, no markup
    assert EMAIL not in client.get("/api/widgets/recent-comments").get_data(as_text=True)


def test_recent_comments_excerpt_is_cut(client, moderator):
    approved_comment(client, moderator, "p", body="word " * 100)
    excerpt = client.get("/api/widgets/recent-comments").get_json()["comments"][0]["excerpt"]
    assert len(excerpt) <= 160 and excerpt.endswith("\u2026")


def test_recent_comments_ties_are_broken_by_id(client, moderator, app):
    made = [approved_comment(client, moderator, "p")["id"] for _ in range(3)]
    with app.app_context():
        db.session.execute(update(Comment).values(created_at=datetime(2024, 1, 1, tzinfo=timezone.utc)))
        db.session.commit()
    assert [c["id"] for c in client.get("/api/widgets/recent-comments").get_json()["comments"]] == made[::-1]


def test_popular_tags_count_posts_highest_first_ties_by_name(client, editor):
    publish(client, editor, "a", tags=["Spine", "zebra", "apple"])
    publish(client, editor, "b", tags=["spine", "apple"])
    publish(client, editor, "c", tags=["spine", "gone"])
    publish(client, editor, "c", tags=["spine"])  # "gone" now counts zero
    data = client.get("/api/widgets/popular-tags").get_json()
    assert data == {"tags": [{"name": "spine", "count": 3}, {"name": "apple", "count": 2}, {"name": "zebra", "count": 1}]}
    assert client.get("/api/widgets/popular-tags?limit=1").get_json() == {"tags": [{"name": "spine", "count": 3}]}


def test_recent_posts_newest_published_first_with_counts(client, editor, moderator):
    publish(client, editor, "old", published_at=iso(3))
    publish(client, editor, "new", published_at=iso(1), title="New one")
    approved_comment(client, moderator, "old")
    client.post("/api/posts/old/likes", headers=READER)
    approved_comment(client, moderator, "unpublished")  # created by a comment, never published
    data = client.get("/api/widgets/recent-posts").get_json()
    assert [p["slug"] for p in data["posts"]] == ["new", "old"]
    assert data["posts"][0] == {
        "slug": "new", "title": "New one", "url": "https://blog.example/new",
        "published_at": data["posts"][0]["published_at"], "comment_count": 0, "like_count": 0,
    }
    assert data["posts"][1]["comment_count"] == 1 and data["posts"][1]["like_count"] == 1


@pytest.mark.parametrize(
    "path, count, default",
    [("/api/widgets/recent-comments", 12, 10), ("/api/widgets/popular-tags", 22, 20), ("/api/widgets/recent-posts", 7, 5)],
)
def test_default_limits(client, editor, moderator, path, count, default):
    for n in range(count):
        if "comments" in path:
            approved_comment(client, moderator, "p")
        else:
            publish(client, editor, f"p{n}", tags=[f"t{n}"], published_at=iso(n))
    key = {"recent-comments": "comments", "popular-tags": "tags", "recent-posts": "posts"}[path.rsplit("/", 1)[1]]
    assert len(client.get(path).get_json()[key]) == default
    assert len(client.get(f"{path}?limit=3").get_json()[key]) == 3


@pytest.mark.parametrize(
    "url",
    [
        "/api/widgets/recent-comments?limit=0", "/api/widgets/recent-comments?limit=51",
        "/api/widgets/popular-tags?limit=0", "/api/widgets/popular-tags?limit=101",
        "/api/widgets/recent-posts?limit=0", "/api/widgets/recent-posts?limit=51",
        "/api/widgets/recent-posts?limit=many", "/api/posts/p/related?limit=0", "/api/posts/p/related?limit=51",
    ],
)
def test_limits_out_of_range_are_422(client, editor, url):
    publish(client, editor, "p")
    response = client.get(url)
    assert response.status_code == 422
    assert "limit" in response.get_json()["error"]["fields"]


def test_widgets_on_an_empty_site(client):
    assert client.get("/api/widgets/recent-comments").get_json() == {"comments": []}
    assert client.get("/api/widgets/popular-tags").get_json() == {"tags": []}
    assert client.get("/api/widgets/recent-posts").get_json() == {"posts": []}


def test_related_posts_rank_shared_tags_then_recency(client, editor):
    publish(client, editor, "me", tags=["a", "b", "c"], published_at=iso(10))
    publish(client, editor, "two-old", tags=["a", "b"], published_at=iso(9))
    publish(client, editor, "two-new", tags=["b", "c", "x"], published_at=iso(2))
    publish(client, editor, "one", tags=["c"], published_at=iso(1))
    publish(client, editor, "none", tags=["x"], published_at=iso(0))
    post_comment(client, "unpublished")  # created by a reader's comment, never published
    data = client.get("/api/posts/me/related").get_json()
    assert [(p["slug"], p["shared_tags"]) for p in data["posts"]] == [("two-new", 2), ("two-old", 2), ("one", 1), ("none", 0)]
    assert set(data["posts"][0]) == {"slug", "title", "url", "published_at", "shared_tags"}
    assert [p["slug"] for p in client.get("/api/posts/me/related?limit=2").get_json()["posts"]] == ["two-new", "two-old"]
    assert client.get("/api/posts/unknown/related").status_code == 404
    assert client.get("/api/posts/bad.slug/related").status_code == 404


def parse_feed(response) -> ET.Element:
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.data)
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{name}").text
    assert root.find(f"{ATOM}link[@rel='self']").get("href").startswith("http")
    for entry in root.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated", "published", "content"):
            assert entry.find(f"{ATOM}{name}").text, name
        assert entry.find(f"{ATOM}author/{ATOM}name").text
        datetime.fromisoformat(entry.find(f"{ATOM}updated").text.replace("Z", "+00:00"))
    ids = [e.find(f"{ATOM}id").text for e in root.findall(f"{ATOM}entry")]
    assert len(ids) == len(set(ids))
    return root


def test_site_feed_is_valid_atom_of_approved_comments(client, editor, moderator):
    hostile = "Evil </title><script>alert(1)</script> ]]> & \x01\x0b title"
    publish(client, editor, "p", title=hostile, url="https://blog.example/p")
    shown = approved_comment(client, moderator, "p", author="Ann <b>", body="**hi** & bye <script>x()</script>", email=EMAIL, website="https://ann.example")
    approved_comment(client, moderator, "q", body="on another post")
    hidden = post_comment(client, "p", body="still pending").get_json()
    rejected = approved_comment(client, moderator, "p", body="rejected later")
    client.post(f"/api/moderation/comments/{rejected['id']}/reject", headers=moderator)
    response = client.get("/feeds/comments.atom")
    root = parse_feed(response)
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 2
    mine = next(e for e in entries if e.find(f"{ATOM}id").text.endswith(f":comment:{shown['id']}"))
    assert mine.find(f"{ATOM}title").text == "Ann <b> on Evil </title><script>alert(1)</script> ]]> &  title"
    assert mine.find(f"{ATOM}author/{ATOM}uri").text == "https://ann.example"
    assert mine.find(f"{ATOM}content").get("type") == "html"
    assert "<strong>hi</strong>" in mine.find(f"{ATOM}content").text and "<script" not in mine.find(f"{ATOM}content").text
    assert mine.find(f"{ATOM}link[@rel='alternate']").get("href") == f"https://blog.example/p#comment-{shown['id']}"
    text = response.get_data(as_text=True)
    for secret in (EMAIL, "still pending", "rejected later", "ip_hash", "reader"):
        assert secret not in text, secret
    assert not [e for e in entries if e.find(f"{ATOM}id").text.endswith(f":comment:{hidden['id']}")]


def test_post_feed_has_only_that_posts_comments(client, editor, moderator):
    publish(client, editor, "p", title="Post P", url="https://blog.example/p")
    one = approved_comment(client, moderator, "p")
    approved_comment(client, moderator, "q")
    root = parse_feed(client.get("/feeds/posts/p/comments.atom"))
    assert root.find(f"{ATOM}title").text == "Comments on Post P"
    assert root.find(f"{ATOM}link[@rel='alternate']").get("href") == "https://blog.example/p"
    assert [e.find(f"{ATOM}id").text.rsplit(":", 1)[1] for e in root.findall(f"{ATOM}entry")] == [str(one["id"])]
    assert client.get("/feeds/posts/unknown/comments.atom").status_code == 404


def test_feeds_of_empty_site_and_post_are_valid(client, editor):
    publish(client, editor, "p")
    assert parse_feed(client.get("/feeds/comments.atom")).findall(f"{ATOM}entry") == []
    assert parse_feed(client.get("/feeds/posts/p/comments.atom")).findall(f"{ATOM}entry") == []


def test_feed_links_use_public_url_when_set(make_app, moderator):
    client = make_app(PUBLIC_URL="https://comments.example").test_client()
    root = parse_feed(client.get("/feeds/comments.atom"))
    assert root.find(f"{ATOM}link[@rel='self']").get("href") == "https://comments.example/feeds/comments.atom"
    assert root.find(f"{ATOM}id").text.startswith("tag:comments.example,")
