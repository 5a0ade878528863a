"""The moderation API: queue, actions, bulk, audit log, roles."""
from __future__ import annotations

import pytest

from tests.helpers import approved_comment, post_comment


def queue(client, moderator, query=""):
    response = client.get(f"/api/moderation/comments?{query}", headers=moderator)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_queue_lists_pending_oldest_first_with_private_fields(client, moderator):
    first = post_comment(client, "p", email="A@Example.com", body="one <b>x</b>").get_json()
    second = post_comment(client, "q").get_json()
    data = queue(client, moderator)
    assert [c["id"] for c in data["comments"]] == [first["id"], second["id"]]
    item = data["comments"][0]
    assert item["status"] == "pending" and item["email"] == "a@example.com"
    assert item["post"] == {"slug": "p", "title": "p", "url": None}
    assert item["body_source"] == "one <b>x</b>" and item["body_html"] == "<p>one <b>x</b></p>"
    assert len(item["ip_hash"]) == 64 and item["spam_reasons"] == []


def test_queue_filters_and_pages(client, moderator):
    made = [post_comment(client, "p").get_json()["id"] for _ in range(5)]
    post_comment(client, "other")
    assert [c["id"] for c in queue(client, moderator, "post=p")["comments"]] == made
    page = queue(client, moderator, "post=p&limit=2")
    rest = queue(client, moderator, f"post=p&limit=10&cursor={page['next_cursor']}")
    assert [c["id"] for c in page["comments"] + rest["comments"]] == made
    assert queue(client, moderator, "status=approved")["comments"] == []


@pytest.mark.parametrize("query", ["status=deleted", "status=nope", "limit=0", "limit=101", "post=bad.slug"])
def test_queue_query_validated(client, moderator, query):
    assert client.get(f"/api/moderation/comments?{query}", headers=moderator).status_code == 422


@pytest.mark.parametrize("action, status", [("approve", "approved"), ("reject", "rejected"), ("spam", "spam")])
def test_actions(client, moderator, action, status):
    created = post_comment(client, "p").get_json()
    response = client.post(f"/api/moderation/comments/{created['id']}/{action}", headers=moderator)
    assert response.status_code == 200
    assert response.get_json()["status"] == status
    assert [c["id"] for c in queue(client, moderator, f"status={status}")["comments"]] == [created["id"]]
    public = client.get("/api/posts/p/comments").get_json()["comments"]
    assert [c["id"] for c in public] == ([created["id"]] if status == "approved" else [])


def test_reject_after_approve_updates_count(client, moderator):
    created = approved_comment(client, moderator, "p")
    assert client.get("/api/posts/p").get_json()["comment_count"] == 1
    client.post(f"/api/moderation/comments/{created['id']}/reject", headers=moderator)
    assert client.get("/api/posts/p").get_json()["comment_count"] == 0
    assert client.get("/api/posts/p/comments").get_json()["comments"] == []


def test_delete(client, moderator):
    created = approved_comment(client, moderator, "p")
    assert client.delete(f"/api/moderation/comments/{created['id']}", headers=moderator).status_code == 204
    assert client.get("/api/posts/p").get_json()["comment_count"] == 0
    assert client.delete(f"/api/moderation/comments/{created['id']}", headers=moderator).status_code == 404
    assert client.post("/api/moderation/comments/424242/approve", headers=moderator).status_code == 404


def test_bulk(client, moderator):
    made = [post_comment(client, "p").get_json()["id"] for _ in range(4)]
    response = client.post("/api/moderation/comments/bulk", json={"ids": made[:3] + [99999], "action": "approve"}, headers=moderator)
    assert response.get_json() == {"updated": 3}
    assert client.get("/api/posts/p").get_json()["comment_count"] == 3
    again = client.post("/api/moderation/comments/bulk", json={"ids": made, "action": "approve"}, headers=moderator)
    assert again.get_json() == {"updated": 1}
    gone = client.post("/api/moderation/comments/bulk", json={"ids": made[:2], "action": "delete"}, headers=moderator)
    assert gone.get_json() == {"updated": 2}
    assert client.get("/api/posts/p").get_json()["comment_count"] == 2


@pytest.mark.parametrize(
    "body",
    [{"ids": [], "action": "approve"}, {"ids": list(range(1, 502)), "action": "approve"}, {"ids": [1], "action": "nuke"}, {"ids": ["1"], "action": "approve"}, {"action": "approve"}],
)
def test_bulk_validation(client, moderator, body):
    assert client.post("/api/moderation/comments/bulk", json=body, headers=moderator).status_code == 422


def test_audit_log_records_every_action(client, moderator):
    created = post_comment(client, "p").get_json()
    client.post(f"/api/moderation/comments/{created['id']}/approve", headers=moderator)
    client.post(f"/api/moderation/comments/{created['id']}/spam", headers=moderator)
    client.delete(f"/api/moderation/comments/{created['id']}", headers=moderator)
    events = client.get("/api/moderation/log", headers=moderator).get_json()["events"]
    assert [(e["action"], e["from_status"], e["to_status"]) for e in events] == [
        ("delete", "spam", None), ("spam", "approved", "spam"), ("approve", "pending", "approved"),
    ]
    assert all(e["actor"] == "token:test-moderator" and e["comment_id"] == created["id"] for e in events)
    assert events[0]["details"] == {"post": "p"}


@pytest.mark.parametrize("path, method", [("/api/moderation/comments", "get"), ("/api/moderation/log", "get"), ("/api/moderation/comments/1/approve", "post"), ("/api/moderation/comments/bulk", "post")])
def test_moderation_needs_moderator_or_admin(client, tokens, path, method):
    call = getattr(client, method)
    assert call(path).status_code == 401
    assert call(path, headers={"Authorization": f"Bearer {tokens['editor']}"}).status_code == 403
    assert call(path, headers={"Authorization": f"Bearer {tokens['admin']}"}).status_code in (200, 404, 422)
