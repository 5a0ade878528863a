"""Revisions: every edit keeps the text it replaces; moderators read them oldest first; an author's data has them."""
from __future__ import annotations

from tests.helpers import approved_comment, post_comment


def edit(client, created, body):
    answer = client.patch(f"/api/comments/{created['id']}", json={"body": body},
                          headers={"X-Edit-Token": created["edit_token"]})
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def test_every_edit_keeps_the_previous_text_oldest_first(client, moderator):
    created = post_comment(client, body="First **draft**").get_json()
    path = f"/api/moderation/comments/{created['id']}/revisions"
    assert client.get(path, headers=moderator).get_json() == {"revisions": []}
    first_edit = edit(client, created, "Second draft")
    edit(client, created, "Final text")
    revisions = client.get(path, headers=moderator).get_json()["revisions"]
    assert [r["body_source"] for r in revisions] == ["First **draft**", "Second draft"]
    assert revisions[0]["body_html"] == "<p>First <strong>draft</strong></p>"
    assert revisions[0]["at"] == created["created_at"]
    assert revisions[1]["at"] == first_edit["edited_at"]
    assert revisions[0]["replaced_at"] <= revisions[1]["replaced_at"]
    queued = client.get("/api/moderation/comments", headers=moderator).get_json()["comments"][0]
    assert queued["body_source"] == "Final text"


def test_revisions_are_for_moderators_and_known_comments(client, moderator, tokens):
    created = post_comment(client).get_json()
    path = f"/api/moderation/comments/{created['id']}/revisions"
    assert client.get(path).status_code == 401
    assert client.get(path, headers={"Authorization": f"Bearer {tokens['editor']}"}).status_code == 403
    assert client.get("/api/moderation/comments/999999/revisions", headers=moderator).status_code == 404


def test_a_refused_edit_keeps_no_revision(client, moderator):
    created = post_comment(client, body="kept").get_json()
    bad = client.patch(f"/api/comments/{created['id']}", json={"body": "<script></script>"},
                       headers={"X-Edit-Token": created["edit_token"]})
    assert bad.status_code == 422
    path = f"/api/moderation/comments/{created['id']}/revisions"
    assert client.get(path, headers=moderator).get_json() == {"revisions": []}


def test_the_export_carries_revisions_and_the_erase_removes_them(client, moderator, tokens):
    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    created = post_comment(client, body="said first", email="ada@example.org").get_json()
    edit(client, created, "said again")
    kept = approved_comment(client, moderator, body="someone else", email="bob@example.org")
    other = client.patch(f"/api/comments/{kept['id']}", json={"body": "bob edits"},
                         headers={"X-Edit-Token": kept["edit_token"]})
    assert other.status_code == 200
    exported = client.post("/api/moderation/authors/export", json={"email": "ada@example.org"}, headers=admin)
    assert exported.status_code == 200, exported.get_json()
    assert [(r["comment_id"], r["body_source"]) for r in exported.get_json()["revisions"]] == [
        (created["id"], "said first")]
    erased = client.post("/api/moderation/authors/erase", json={"email": "ada@example.org"}, headers=admin)
    assert erased.status_code == 200 and erased.get_json()["revisions"] == 1
    assert client.get(f"/api/moderation/comments/{created['id']}/revisions", headers=moderator).status_code == 404
    bob = client.get(f"/api/moderation/comments/{kept['id']}/revisions", headers=moderator).get_json()
    assert [r["body_source"] for r in bob["revisions"]] == ["someone else"]
