"""The publishing system registers posts and tags with an editor token."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from comments_service.extensions import db
from comments_service.models import Tag
from tests.helpers import approved_comment, publish


def tag_counts(app):
    with app.app_context():
        return {t.name: t.post_count for t in db.session.scalars(select(Tag)) if t.post_count}


def test_put_creates_then_updates(client, editor):
    response = publish(client, editor, "my-post", title="My Post", tags=["  Spine ", "BACK pain", "spine"], published_at="2024-05-01T10:00:00Z")
    assert response.status_code == 201
    data = response.get_json()
    assert data == {
        "slug": "my-post", "title": "My Post", "url": "https://blog.example/my-post",
        "tags": ["back pain", "spine"], "published_at": "2024-05-01T10:00:00Z",
        "comment_count": 0, "like_count": 0, "liked": False,
    }
    again = publish(client, editor, "my-post", title="Renamed", tags=["spine"])
    assert again.status_code == 200 and again.get_json()["title"] == "Renamed"
    assert again.get_json()["published_at"] == "2024-05-01T10:00:00Z"
    assert client.get("/api/posts/my-post").get_json()["tags"] == ["spine"]


def test_tag_counts_follow_create_retag_and_delete(client, editor, app):
    publish(client, editor, "a", tags=["x", "y"])
    publish(client, editor, "b", tags=["y", "z"])
    assert tag_counts(app) == {"x": 1, "y": 2, "z": 1}
    publish(client, editor, "a", tags=["z"])
    assert tag_counts(app) == {"y": 1, "z": 2}
    assert client.delete("/api/posts/b", headers=editor).status_code == 204
    assert tag_counts(app) == {"z": 1}


def test_delete_post_removes_comments(client, editor, moderator):
    publish(client, editor, "a")
    approved_comment(client, moderator, "a")
    assert client.delete("/api/posts/a", headers=editor).status_code == 204
    assert client.get("/api/posts/a").status_code == 404
    assert client.get("/api/moderation/comments?status=approved", headers=moderator).get_json()["comments"] == []
    assert client.delete("/api/posts/a", headers=editor).status_code == 404


def test_auto_created_post_can_be_registered_later(client, editor, moderator):
    approved_comment(client, moderator, "later")
    assert client.get("/api/posts/later").get_json()["title"] == "later"
    response = publish(client, editor, "later", title="Later")
    assert response.status_code == 200
    assert response.get_json()["comment_count"] == 1


@pytest.mark.parametrize(
    "body, field",
    [
        ({"url": "https://b.example/p"}, "title"),
        ({"title": "T"}, "url"),
        ({"title": "T", "url": "javascript:alert(1)"}, "url"),
        ({"title": "", "url": "https://b.example/p"}, "title"),
        ({"title": "T", "url": "https://b.example/p", "tags": ["t"] * 21}, "tags"),
        ({"title": "T", "url": "https://b.example/p", "tags": ["  "]}, "tags.0"),
        ({"title": "T", "url": "https://b.example/p", "tags": ["x" * 51]}, "tags.0"),
        ({"title": "T", "url": "https://b.example/p", "tags": "spine"}, "tags"),
        ({"title": "T", "url": "https://b.example/p", "published_at": "yesterday"}, "published_at"),
    ],
)
def test_bad_post_is_422(client, editor, body, field):
    response = client.put("/api/posts/p", json=body, headers=editor)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    assert client.get("/api/posts/p").status_code == 404


def test_bad_slug_is_422(client, editor):
    response = client.put("/api/posts/bad.slug", json={"title": "T", "url": "https://b.example/p"}, headers=editor)
    assert response.status_code == 422


@pytest.mark.parametrize("method", ["put", "delete"])
def test_publishing_needs_an_editor_or_admin_token(client, tokens, method):
    call = getattr(client, method)
    body = {"title": "T", "url": "https://b.example/p"}
    assert call("/api/posts/p", json=body).status_code == 401
    assert "Bearer" in call("/api/posts/p", json=body).headers["WWW-Authenticate"]
    assert call("/api/posts/p", json=body, headers={"Authorization": "Bearer nope"}).status_code == 401
    assert call("/api/posts/p", json=body, headers={"Authorization": f"Bearer {tokens['moderator']}"}).status_code == 403
    expected = 201 if method == "put" else 404
    assert call("/api/posts/p", json=body, headers={"Authorization": f"Bearer {tokens['admin']}"}).status_code == expected


def test_revoked_token_is_refused(client, runner, tokens):
    token_list = runner.invoke(args=["tokens", "list"]).output
    editor_id = next(line.split("\t")[0] for line in token_list.splitlines() if "test-editor" in line)
    assert runner.invoke(args=["tokens", "revoke", editor_id]).exit_code == 0
    response = client.put("/api/posts/p", json={"title": "T", "url": "https://b.example/p"}, headers={"Authorization": f"Bearer {tokens['editor']}"})
    assert response.status_code == 401
