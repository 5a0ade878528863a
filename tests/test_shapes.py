"""Every path that shows a public object shows exactly the fields its shape declares.

A field declared in shapes.py must reach the thread (first page, later pages,
a cache hit), the 201 answer, an edit's answer, the moderation queue, the
widgets and the OpenAPI document; nothing undeclared may appear. This is the
check behind docs/architecture.md's recipe for adding a public field.
"""
from __future__ import annotations

from marshmallow import fields

from comments_service import shapes
from comments_service.shaping import Field, signature
from tests.helpers import READER, approve, approved_comment, post_comment, publish, walk


def test_every_path_shows_the_declared_comment_and_post_fields(client, editor, moderator, count_queries):
    publish(client, editor, "shape", tags=["a"])
    first = approved_comment(client, moderator, "shape", body="first", website="https://ada.example")
    approved_comment(client, moderator, "shape", body="reply", parent_id=first["id"])
    approved_comment(client, moderator, "shape", body="second")
    created = post_comment(client, "shape", body="waiting", email="w@example.org")
    assert set(created.get_json()) == shapes.COMMENT_CREATED.names

    page = client.get("/api/posts/shape/comments?limit=1", headers=READER).get_json()
    cached = count_queries()
    again = client.get("/api/posts/shape/comments?limit=1", headers=READER).get_json()
    assert cached.count == 0, "the second read is a cache hit"
    later = client.get(f"/api/posts/shape/comments?limit=1&cursor={page['next_cursor']}", headers=READER).get_json()
    for answer in (page, again, later):
        assert set(answer) == {"post", "comments", "next_cursor"}
        assert set(answer["post"]) == shapes.POST.names
        assert answer["comments"]
        for comment in walk(answer["comments"]):
            assert set(comment) == shapes.COMMENT.names
    assert set(client.get("/api/posts/shape", headers=READER).get_json()) == shapes.POST.names

    edited = client.patch(f"/api/comments/{created.get_json()['id']}", json={"body": "changed"},
                          headers={"X-Edit-Token": created.get_json()["edit_token"]})
    assert set(edited.get_json()) == shapes.COMMENT_STATUS.names

    queue = client.get("/api/moderation/comments", headers=moderator).get_json()["comments"]
    assert queue and all(set(item) == shapes.MODERATION_COMMENT.names for item in queue)
    assert set(queue[0]["post"]) == shapes.POST_REF.names
    assert set(approve(client, moderator, queue[0]["id"]).get_json()) == shapes.MODERATION_COMMENT.names


def test_every_widget_shows_its_declared_item_fields(client, editor, moderator):
    publish(client, editor, "one", tags=["x", "y"], published_at="2024-01-01T00:00:00Z")
    publish(client, editor, "two", tags=["x"], published_at="2024-01-02T00:00:00Z")
    approved_comment(client, moderator, "one")
    for url, key, shape in [
        ("/api/widgets/recent-comments", "comments", shapes.RECENT_COMMENT),
        ("/api/widgets/popular-tags", "tags", shapes.TAG_COUNT),
        ("/api/widgets/recent-posts", "posts", shapes.RECENT_POST),
        ("/api/posts/one/related", "posts", shapes.RELATED_POST),
    ]:
        for _ in range(2):  # built, then from the cache
            items = client.get(url).get_json()[key]
            assert items and all(set(item) == shape.names for item in items), url
    recent = client.get("/api/widgets/recent-comments").get_json()["comments"][0]
    assert set(recent["post"]) == shapes.POST_REF.names


def test_the_openapi_document_describes_each_shape_with_its_declared_fields(client):
    schemas = client.get("/api/openapi.json").get_json()["components"]["schemas"]
    for shape in shapes.PUBLIC:
        assert set(schemas[shape.name]["properties"]) == shape.names, shape.name


def test_a_new_declared_field_changes_the_cache_version():
    grown = shapes.COMMENT.extend("Comment", Field("pinned", fields.Boolean, source="id", convert=bool))
    assert "pinned" in grown.names
    assert signature([grown]) != signature([shapes.COMMENT])
    assert signature(shapes.PUBLIC) == shapes.VERSION
