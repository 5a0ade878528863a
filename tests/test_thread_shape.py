"""The thread and post reads build their JSON from plain rows; it must be what the schemas document.

Each comment and post a reader gets is compared with marshmallow's dump of the
same row through the ORM (the shapes' marshmallow schemas), so that the fast path
and the OpenAPI document cannot drift apart.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from comments_service.extensions import db
from comments_service.models import Comment, Post
from comments_service.posts import find_post
from comments_service.shapes import COMMENT, POST
from comments_service.times import iso
from tests.helpers import READER, approved_comment, publish, walk


def schema_comment(comment_id: int) -> dict[str, Any]:
    dumped = COMMENT.schema().dump(db.session.get(Comment, comment_id))
    dumped.pop("replies", None)
    return dumped


def schema_post(slug: str, liked: bool) -> dict[str, Any]:
    post = find_post(slug)
    assert post is not None
    post.liked = liked  # type: ignore[attr-defined]
    return POST.schema().dump(post)


@pytest.fixture
def thread(client, moderator, editor, app) -> dict[str, int]:
    """A post with tags and likes; comments with and without websites, an edited one, a placeholder."""
    assert publish(client, editor, "shape", tags=["Zebra", "apple", "Back pain"],
                   published_at="2026-01-02T03:04:05Z").status_code in (200, 201)
    first = approved_comment(client, moderator, "shape", website="https://ada.example", email="ada@example.org")
    second = approved_comment(client, moderator, "shape", author="Bob", body="**bold** and <i>it</i>")
    reply = approved_comment(client, moderator, "shape", parent_id=first["id"], body="a reply")
    doomed = approved_comment(client, moderator, "shape", parent_id=second["id"], body="to delete")
    under = approved_comment(client, moderator, "shape", parent_id=doomed["id"], body="kept below a placeholder")
    assert client.post(f"/api/comments/{first['id']}/likes", headers=READER).status_code == 200
    assert client.post("/api/posts/shape/likes", headers=READER).status_code == 200
    assert client.delete(f"/api/moderation/comments/{doomed['id']}", headers=moderator).status_code in (200, 204)
    with app.app_context():
        edited = datetime(2026, 2, 3, 4, 5, 6, tzinfo=timezone.utc)
        db.session.execute(update(Comment).where(Comment.id == reply["id"]).values(edited_at=edited))
        db.session.commit()
    return {"first": first["id"], "reply": reply["id"], "doomed": doomed["id"], "under": under["id"]}


@pytest.mark.parametrize("sort", ["oldest", "newest", "top"])
@pytest.mark.parametrize("reader", [None, READER])
def test_thread_comments_and_post_match_the_schemas(client, app, thread, sort, reader):
    response = client.get(f"/api/posts/shape/comments?sort={sort}", headers=reader or {})
    assert response.status_code == 200
    data = response.get_json()
    seen = walk(data["comments"])
    assert len(seen) == 5
    with app.app_context():
        for comment in seen:
            assert {k: v for k, v in comment.items() if k != "replies"} == schema_comment(comment["id"])
        assert data["post"] == schema_post("shape", liked=reader is not None)
    placeholder = next(c for c in seen if c["id"] == thread["doomed"])
    assert placeholder["deleted"] is True and placeholder["body_html"] == ""
    assert [r["id"] for r in placeholder["replies"]] == [thread["under"]]
    assert next(c for c in seen if c["id"] == thread["reply"])["edited_at"] == "2026-02-03T04:05:06Z"
    assert data["post"]["tags"] == ["apple", "back pain", "zebra"]


def test_later_pages_and_the_post_read_match_the_schemas(client, app, thread):
    first = client.get("/api/posts/shape/comments?limit=1", headers=READER).get_json()
    later = client.get(f"/api/posts/shape/comments?limit=1&cursor={first['next_cursor']}", headers=READER)
    assert later.status_code == 200
    page = later.get_json()
    assert page["comments"] and page["comments"][0]["id"] != first["comments"][0]["id"]
    post = client.get("/api/posts/shape", headers=READER).get_json()
    with app.app_context():
        for comment in walk(page["comments"]):
            assert {k: v for k, v in comment.items() if k != "replies"} == schema_comment(comment["id"])
        assert page["post"] == post == schema_post("shape", liked=True)
        assert db.session.get(Post, find_post("shape").id).like_count == post["like_count"] == 1


@pytest.mark.parametrize("value", [
    datetime(2026, 3, 4, 5, 6, 7, 890123, tzinfo=timezone.utc),
    datetime(2026, 3, 4, 5, 6, 7, 890123),  # SQLite hands back naive UTC
    datetime(2026, 3, 4, 7, 6, 7, 890123, tzinfo=timezone(timedelta(hours=2))),
    datetime(2026, 3, 4, 5, 6, 7, 890123, tzinfo=ZoneInfo("Etc/UTC")),
])
def test_times_are_utc_to_the_second_with_a_z(value):
    assert iso(value) == "2026-03-04T05:06:07Z"
    assert iso(None) is None
