"""Bans through the API: create by value or from a comment, list, lift, expiry, and their effect."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import update

from comments_service import spam
from comments_service.extensions import db
from comments_service.moderation_models import Ban
from tests.helpers import READER, post_comment

BANS = "/api/moderation/bans"


def spam_ids(client, moderator):
    return [c["id"] for c in client.get("/api/moderation/comments?status=spam", headers=moderator).get_json()["comments"]]


def ban(client, moderator, **body):
    response = client.post(BANS, json=body, headers=moderator)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_ban_by_email_sends_new_comments_to_spam_silently(client, moderator):
    created = ban(client, moderator, kind="email", value=" Troll@Example.com ", reason="insults")
    assert created["kind"] == "email" and created["value"] == "troll@example.com" and created["until"] is None
    assert created["reason"] == "insults" and created["created_by"] == "token:test-moderator"
    answer = post_comment(client, "p", email="troll@example.com", body="you are all wrong")
    assert answer.status_code == 201 and answer.get_json()["status"] == "pending"
    assert spam_ids(client, moderator) == [answer.get_json()["id"]]
    item = client.get("/api/moderation/comments?status=spam", headers=moderator).get_json()["comments"][0]
    assert item["spam_reasons"] == ["banned"]
    assert post_comment(client, "p", email="friend@example.com").get_json()["status"] == "pending"
    assert spam_ids(client, moderator) == [answer.get_json()["id"]]


@pytest.mark.parametrize("kind, mark", [("reader", "reader_hash"), ("ip", "ip_hash"), ("email", "email")])
def test_ban_from_a_queue_item(client, moderator, kind, mark):
    first = client.post(
        "/api/posts/p/comments", json={"author": "T", "email": "t@example.com", "body": "one"}, headers=READER,
        environ_base={"REMOTE_ADDR": "198.51.100.7"},
    ).get_json()
    item = client.get("/api/moderation/comments", headers=moderator).get_json()["comments"][0]
    created = ban(client, moderator, kind=kind, comment_id=first["id"])
    assert created["value"] == item[mark]
    # Only the banned mark is shared with the next comment.
    options = {
        "reader": {"headers": READER, "environ_base": {"REMOTE_ADDR": "198.51.100.8"}, "json": {"author": "T", "body": "two"}},
        "ip": {"environ_base": {"REMOTE_ADDR": "198.51.100.7"}, "json": {"author": "T", "body": "two"}},
        "email": {"environ_base": {"REMOTE_ADDR": "198.51.100.9"}, "json": {"author": "T", "body": "two", "email": "t@example.com"}},
    }[kind]
    second = client.post("/api/posts/p/comments", **options).get_json()
    assert spam_ids(client, moderator) == [second["id"]]


def test_ban_from_a_comment_without_that_mark_is_refused(client, moderator):
    created = post_comment(client, "p").get_json()
    response = client.post(BANS, json={"kind": "email", "comment_id": created["id"]}, headers=moderator)
    assert response.status_code == 422 and "kind" in response.get_json()["error"]["fields"]
    assert client.post(BANS, json={"kind": "ip", "comment_id": 999999}, headers=moderator).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "email"},
        {"kind": "email", "value": "a@b.example", "comment_id": 1},
        {"kind": "name", "value": "x"},
        {"kind": "email", "value": "not an email"},
        {"kind": "ip", "value": "203.0.113.9"},
        {"kind": "reader", "value": "z" * 64},
        {"kind": "email", "value": "a@b.example", "until": "2001-01-01T00:00:00Z"},
        {"kind": "email", "value": "a@b.example", "until": "soon"},
        {"kind": "email", "value": "a@b.example", "reason": "x" * 501},
    ],
)
def test_bad_bans_are_refused(client, moderator, body):
    response = client.post(BANS, json=body, headers=moderator)
    assert response.status_code == 422, body
    assert client.get(BANS, headers=moderator).get_json() == {"bans": []}


def test_a_second_identical_ban_conflicts(client, moderator):
    ban(client, moderator, kind="email", value="a@b.example")
    again = client.post(BANS, json={"kind": "email", "value": "A@B.example"}, headers=moderator)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_banned"


def test_list_and_lift(client, moderator):
    first = ban(client, moderator, kind="email", value="a@b.example")
    until = (datetime.now(timezone.utc) + timedelta(days=7)).replace(microsecond=0)
    second = ban(client, moderator, kind="ip", value="a" * 64, until=until.isoformat())
    assert second["until"] == until.strftime("%Y-%m-%dT%H:%M:%SZ")
    listed = client.get(BANS, headers=moderator).get_json()["bans"]
    assert [b["id"] for b in listed] == [second["id"], first["id"]]
    assert client.delete(f"{BANS}/{first['id']}", headers=moderator).status_code == 204
    assert [b["id"] for b in client.get(BANS, headers=moderator).get_json()["bans"]] == [second["id"]]
    assert client.delete(f"{BANS}/{first['id']}", headers=moderator).status_code == 404
    post_comment(client, "p", email="a@b.example")
    assert spam_ids(client, moderator) == []


def test_an_expired_ban_no_longer_applies(client, moderator, app):
    created = ban(client, moderator, kind="email", value="a@b.example", until=(datetime.now(timezone.utc) + timedelta(hours=1)).isoformat())
    with app.app_context():
        db.session.execute(update(Ban).where(Ban.id == created["id"]).values(until=datetime.now(timezone.utc) - timedelta(seconds=1)))
        db.session.commit()
    post_comment(client, "p", email="a@b.example")
    assert spam_ids(client, moderator) == []
    assert client.get(BANS, headers=moderator).get_json() == {"bans": []}


def test_bans_are_in_the_audit_log_without_the_value(client, moderator):
    created = post_comment(client, "p", email="t@example.com").get_json()
    made = ban(client, moderator, kind="email", comment_id=created["id"])
    client.delete(f"{BANS}/{made['id']}", headers=moderator)
    events = client.get("/api/moderation/log", headers=moderator).get_json()["events"]
    assert [(e["action"], e["comment_id"], e["details"]["ban"]) for e in events] == [("unban", None, made["id"]), ("ban", created["id"], made["id"])]
    assert all(e["actor"] == "token:test-moderator" for e in events)
    assert "t@example.com" not in str(events)


@pytest.mark.parametrize("method, path", [("get", BANS), ("post", BANS), ("delete", f"{BANS}/1")])
def test_bans_need_a_moderator(client, tokens, method, path):
    call = getattr(client, method)
    assert call(path).status_code == 401
    assert call(path, headers={"Authorization": f"Bearer {tokens['editor']}"}).status_code == 403


def test_bans_are_documented(client):
    spec = client.get("/api/openapi.json").get_json()
    assert {"get", "post"} <= set(spec["paths"][BANS])
    assert "delete" in spec["paths"][BANS + "/{ban_id}"]
    assert {"Ban", "BanCreate", "BanList"} <= set(spec["components"]["schemas"])
    assert spec["components"]["schemas"]["BanCreate"]["properties"]["kind"]["enum"] == ["email", "reader", "ip"]


@pytest.mark.parametrize("html, links", [("<p>none</p>", 0), ('<p><a href="https://a.com" rel="x">a</a> <A HREF="x">b</A></p>', 2)])
def test_count_links(html, links):
    assert spam.count_links(html) == links
