"""An author's data on request: list (moderator), export and erase (admin), all in the audit log."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from comments_service.extensions import db
from comments_service.moderation_models import Ban
from tests.conftest import bearer
from tests.helpers import approved_comment, post_comment

DISQUS = Path(__file__).resolve().parent / "data" / "disqus-export.xml"
ANN = "ann@example.com"


@pytest.fixture
def admin(tokens):
    return bearer(tokens["admin"])


@pytest.fixture
def ann(client, moderator):
    """Ann writes a thread starter others reply to, a lone comment, a pending one and a reply."""
    starter = approved_comment(client, moderator, "p", author="Ann", email="Ann@Example.com", body="starter")
    reply = approved_comment(client, moderator, "p", author="Bob", email="bob@example.com", body="reply to Ann",
                             parent_id=starter["id"])
    lone = approved_comment(client, moderator, "q", author="Ann", email=ANN, body="lone", website="https://ann.example")
    pending = post_comment(client, "p", author="Ann", email=ANN, body="still pending").get_json()
    answer = approved_comment(client, moderator, "p", author="Ann", email=ANN, body="answer to Bob",
                              parent_id=reply["id"])
    return {"starter": starter, "reply": reply, "lone": lone, "pending": pending, "answer": answer}


def listed(client, headers, query):
    response = client.get(f"/api/moderation/authors?{query}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_moderators_list_an_authors_comments_in_every_status(client, moderator, ann):
    data = listed(client, moderator, "email=ANN@example.com")
    assert data["email"] == ANN
    assert [c["id"] for c in data["comments"]] == [ann[k]["id"] for k in ("starter", "lone", "pending", "answer")]
    assert [c["status"] for c in data["comments"]] == ["approved", "approved", "pending", "approved"]
    assert data["comments"][1]["post"]["slug"] == "q" and data["comments"][1]["body_source"] == "lone"
    first = listed(client, moderator, "email=ann@example.com&limit=3")
    rest = listed(client, moderator, f"email=ann@example.com&limit=3&cursor={first['next_cursor']}")
    assert [c["id"] for c in first["comments"] + rest["comments"]] == [c["id"] for c in data["comments"]]
    assert ANN not in first["next_cursor"]
    assert listed(client, moderator, "email=nobody@example.com")["comments"] == []


@pytest.mark.parametrize("query", ["", "email=not-an-address", "email=a@example.com&limit=0"])
def test_the_list_query_is_validated(client, moderator, query):
    assert client.get(f"/api/moderation/authors?{query}", headers=moderator).status_code == 422


def test_only_admins_export_or_erase(client, tokens, ann):
    for path in ("/api/moderation/authors/export", "/api/moderation/authors/erase"):
        assert client.post(path, json={"email": ANN}).status_code == 401
        for role in ("editor", "moderator"):
            response = client.post(path, json={"email": ANN}, headers=bearer(tokens[role]))
            assert response.status_code == 403, (path, role)
    assert client.get(f"/api/moderation/authors?email={ANN}", headers=bearer(tokens["editor"])).status_code == 403
    assert len(listed(client, bearer(tokens["moderator"]), f"email={ANN}")["comments"]) == 4


def test_export_gives_everything_tied_to_the_address(client, admin, moderator, app, ann):
    with app.app_context():
        db.session.add(Ban(kind="email", value=ANN, reason="flooding", created_by="mod"))
        db.session.add(Ban(kind="email", value="other@example.com", reason="x", created_by="mod"))
        db.session.commit()
    response = client.post("/api/moderation/authors/export", json={"email": "Ann@Example.com"}, headers=admin)
    assert response.status_code == 200, response.get_json()
    data = response.get_json()
    assert data["email"] == ANN and data["exported_at"].endswith("Z")
    assert [c["body_source"] for c in data["comments"]] == ["starter", "lone", "still pending", "answer to Bob"]
    assert {c["email"] for c in data["comments"]} == {ANN}
    assert data["comments"][1]["website"] == "https://ann.example"
    assert [(b["kind"], b["reason"]) for b in data["bans"]] == [("email", "flooding")]
    [event] = client.get("/api/moderation/log", headers=moderator).get_json()["events"][:1]
    assert event["action"] == "author_export" and event["actor"] == "token:test-admin"
    assert event["details"]["comments"] == 4 and len(event["details"]["subject"]) == 32
    assert "ann@" not in json.dumps(event).lower()


def test_erase_keeps_placeholders_where_replies_hang(client, admin, moderator, ann):
    response = client.post("/api/moderation/authors/erase", json={"email": ANN}, headers=admin)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"email": ANN, "erased": 4, "placeholders": 1, "bans_kept": 0, "subscriptions": 0,
                                   "revisions": 0}
    thread = client.get("/api/posts/p/comments").get_json()
    [placeholder] = thread["comments"]
    assert placeholder["id"] == ann["starter"]["id"] and placeholder["deleted"] is True
    assert placeholder["author"] == "" and placeholder["body_html"] == "" and placeholder["avatar"] == ""
    [bob] = placeholder["replies"]
    assert bob["author"] == "Bob" and bob["replies"] == []
    assert thread["post"]["comment_count"] == 1
    assert client.get("/api/posts/q").get_json()["comment_count"] == 0
    assert listed(client, moderator, f"email={ANN}")["comments"] == []
    assert client.get("/api/moderation/comments?status=pending", headers=moderator).get_json()["comments"] == []
    events = client.get("/api/moderation/log", headers=moderator).get_json()["events"]
    assert events[0]["action"] == "author_erase" and events[0]["details"]["comments"] == 4
    deletes = [e for e in events if e["action"] == "delete" and e["actor"] == "token:test-admin"]
    assert sorted(e["comment_id"] for e in deletes) == sorted(ann[k]["id"] for k in ("starter", "lone", "pending", "answer"))
    assert "ann@" not in json.dumps(events).lower() and "starter" not in json.dumps(events)


def test_erasing_keeps_every_counter_true(client, admin, runner, ann):
    client.post("/api/moderation/authors/erase", json={"email": ANN}, headers=admin)
    check = runner.invoke(args=["check"])
    assert check.exit_code == 0 and "no drift" in check.output, check.output


def test_erased_imported_comments_are_not_brought_back_by_a_new_import(runner, client, admin):
    assert runner.invoke(args=["import", "disqus", str(DISQUS)]).exit_code == 0
    maria = client.post("/api/moderation/authors/erase", json={"email": "maria@example.com"}, headers=admin)
    assert maria.get_json()["placeholders"] == 1  # Dr. Patel's reply hangs on hers
    tom = client.post("/api/moderation/authors/erase", json={"email": "tom@example.com"}, headers=admin)
    assert tom.get_json()["placeholders"] == 0
    again = runner.invoke(args=["import", "disqus", str(DISQUS)])
    assert "comments: 0 new (none), 8 already imported" in again.output
    assert "comment 4401000003: it was deleted here after an earlier import" in again.output
    [placeholder, _] = client.get("/api/posts/trigger-point-injection/comments").get_json()["comments"]
    assert placeholder["deleted"] is True and placeholder["author"] == ""
    [patel] = placeholder["replies"]
    assert patel["author"] == "Dr. Patel" and patel["replies"] == []
