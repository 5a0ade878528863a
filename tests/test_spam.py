"""Spam checks on new comments: each one's reason, the status it leads to, and what the poster sees."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from comments_service import spam
from comments_service.extensions import db
from comments_service.models import Comment
from tests.helpers import READER, approve, post_comment

LINKS = "see https://a.com https://b.com [c](https://c.com) and <https://d.com>"


def moderation_item(client, moderator, comment_id):
    for status in ("pending", "approved", "spam", "rejected"):
        found = client.get(f"/api/moderation/comments?status={status}", headers=moderator).get_json()["comments"]
        for item in found:
            if item["id"] == comment_id:
                return item
    raise AssertionError(f"comment {comment_id} not found")


def answer_shape(response):
    data = response.get_json()
    return response.status_code, sorted(data), data["status"]


def test_honeypot_filled_is_stored_as_spam_and_answered_as_usual(client, moderator):
    normal = post_comment(client, "p", body="hello from a person")
    trapped = post_comment(client, "p", body="buy things", website_confirm="http://bot.example")
    assert answer_shape(trapped) == answer_shape(normal) == (201, sorted(normal.get_json()), "pending")
    item = moderation_item(client, moderator, trapped.get_json()["id"])
    assert item["status"] == "spam" and item["spam_reasons"] == ["honeypot"]
    assert moderation_item(client, moderator, normal.get_json()["id"])["spam_reasons"] == []


def test_honeypot_spam_stays_unpublished_under_post_moderation(make_app, moderator):
    client = make_app(MODERATION="post").test_client()
    trapped = post_comment(client, "p", website_confirm="x")
    assert trapped.status_code == 201 and trapped.get_json()["status"] == "pending"
    assert client.get("/api/posts/p/comments").get_json()["comments"] == []
    assert client.get("/api/posts/p").get_json()["comment_count"] == 0


def test_blank_honeypot_is_ignored(client, moderator):
    created = post_comment(client, "p", website_confirm="   ").get_json()
    assert moderation_item(client, moderator, created["id"])["status"] == "pending"


@pytest.mark.parametrize("moderation, status", [("pre", "pending"), ("post", "pending")])
def test_too_many_links_are_held_for_a_moderator(make_app, moderator, moderation, status):
    client = make_app(MODERATION=moderation, MAX_LINKS=3).test_client()
    held = post_comment(client, "p", body=LINKS).get_json()
    assert held["status"] == status
    item = moderation_item(client, moderator, held["id"])
    assert item["status"] == "pending" and item["spam_reasons"] == ["too_many_links"]


def test_links_up_to_the_limit_pass(make_app, moderator):
    client = make_app(MODERATION="post", MAX_LINKS=3).test_client()
    created = post_comment(client, "p", body="[one](https://a.com) https://b.com <https://c.com>").get_json()
    assert created["status"] == "approved"


@pytest.mark.parametrize(
    "fields, word",
    [
        ({"body": "Cheap CASINO bonus"}, "casino"),
        ({"author": "casino king"}, "casino"),
        ({"website": "https://pills.example/casino"}, "casino"),
        ({"email": "x@viagra.example"}, "viagra"),
    ],
)
def test_blocked_words_send_a_comment_to_spam(make_app, moderator, fields, word):
    client = make_app(BLOCKED_WORDS=["casino", "viagra"], MODERATION="post").test_client()
    created = post_comment(client, "p", **fields)
    assert created.status_code == 201 and created.get_json()["status"] == "pending"
    item = moderation_item(client, moderator, created.get_json()["id"])
    assert item["status"] == "spam" and item["spam_reasons"] == [f"blocked_word:{word}"]


def test_blocked_words_match_whole_words_only(make_app, moderator):
    client = make_app(BLOCKED_WORDS=["ass"], MODERATION="post").test_client()
    assert post_comment(client, "p", body="a classic assessment").get_json()["status"] == "approved"


def test_reasons_add_up_and_spam_wins(make_app, moderator):
    client = make_app(BLOCKED_WORDS=["casino"]).test_client()
    created = post_comment(client, "p", body=f"casino {LINKS}", website_confirm="filled").get_json()
    item = moderation_item(client, moderator, created["id"])
    assert item["status"] == "spam"
    assert item["spam_reasons"] == ["honeypot", "blocked_word:casino", "too_many_links"]


@pytest.mark.parametrize(
    "first, second",
    [
        ({"headers": READER, "environ_base": {"REMOTE_ADDR": "10.0.0.1"}}, {"headers": READER, "environ_base": {"REMOTE_ADDR": "10.0.0.2"}}),
        ({"environ_base": {"REMOTE_ADDR": "10.0.0.3"}}, {"environ_base": {"REMOTE_ADDR": "10.0.0.3"}}),
        ({"email": "same@example.com", "environ_base": {"REMOTE_ADDR": "10.0.0.4"}}, {"email": "Same@Example.com", "environ_base": {"REMOTE_ADDR": "10.0.0.5"}}),
    ],
    ids=["same reader token", "same address", "same e-mail"],
)
def test_same_text_from_the_same_author_is_refused(make_app, moderator, first, second):
    client = make_app(DUPLICATE_WINDOW_SECONDS=600).test_client()

    def send(options, slug):
        options = dict(options)
        body = {"author": "Ada", "body": "First!"}
        if "email" in options:
            body["email"] = options.pop("email")
        return client.post(f"/api/posts/{slug}/comments", json=body, **options)

    assert send(first, "p").status_code == 201
    repeat = send(second, "q")
    assert repeat.status_code == 409
    assert repeat.get_json()["error"]["code"] == "duplicate_comment"
    assert len(client.get("/api/moderation/comments", headers=moderator).get_json()["comments"]) == 1


def test_same_text_from_someone_else_or_other_text_is_fine(make_app):
    client = make_app(DUPLICATE_WINDOW_SECONDS=600).test_client()

    def send(body, address):
        return client.post("/api/posts/p/comments", json={"author": "Ada", "body": body}, environ_base={"REMOTE_ADDR": address})

    assert send("Great post", "10.0.1.1").status_code == 201
    assert send("Great post", "10.0.1.2").status_code == 201
    assert send("Great post, really", "10.0.1.1").status_code == 201


def test_same_text_after_the_window_is_fine(make_app, app):
    client = make_app(DUPLICATE_WINDOW_SECONDS=600).test_client()
    first = post_comment(client, "p", body="Again").get_json()
    with app.app_context():
        db.session.execute(update(Comment).where(Comment.id == first["id"]).values(created_at=Comment.created_at - timedelta(seconds=601)))
        db.session.commit()
    assert post_comment(client, "p", body="Again").status_code == 201


def test_known_authors_are_approved_at_once_when_trusted(make_app, moderator):
    client = make_app(AUTO_APPROVE_KNOWN_AUTHORS=True).test_client()
    client.environ_base["HTTP_X_READER_TOKEN"] = READER["X-Reader-Token"]  # the same browser each time
    first = post_comment(client, "p", email="ada@example.com").get_json()
    assert first["status"] == "pending"
    assert post_comment(client, "p", email="ada@example.com", body="second").get_json()["status"] == "pending"
    approve(client, moderator, first["id"])
    third = post_comment(client, "p", email="ADA@example.com", body="third").get_json()
    assert third["status"] == "approved"
    assert [c["id"] for c in client.get("/api/posts/p/comments").get_json()["comments"]] == [first["id"], third["id"]]
    assert post_comment(client, "p", email="bob@example.com", body="new here").get_json()["status"] == "pending"
    assert post_comment(client, "p", email="ada@example.com", body=LINKS).get_json()["status"] == "pending"


def test_known_authors_wait_when_trust_is_off(client, moderator):
    first = post_comment(client, "p", email="ada@example.com").get_json()
    approve(client, moderator, first["id"])
    assert post_comment(client, "p", email="ada@example.com", body="again").get_json()["status"] == "pending"


def test_an_edit_goes_through_the_text_checks(make_app, moderator):
    client = make_app(MODERATION="post", BLOCKED_WORDS=["casino"]).test_client()
    created = post_comment(client, "p", body="clean").get_json()
    assert created["status"] == "approved"
    edited = client.patch(f"/api/comments/{created['id']}", json={"body": LINKS}, headers={"X-Edit-Token": created["edit_token"]})
    assert edited.status_code == 200
    item = moderation_item(client, moderator, created["id"])
    assert item["status"] == "pending" and item["spam_reasons"] == ["too_many_links"]
    assert client.get("/api/posts/p/comments").get_json()["comments"] == []
    client.patch(f"/api/comments/{created['id']}", json={"body": "casino"}, headers={"X-Edit-Token": created["edit_token"]})
    item = moderation_item(client, moderator, created["id"])
    assert item["status"] == "spam" and item["spam_reasons"] == ["blocked_word:casino"]


def test_honeypot_is_documented_in_the_openapi(client):
    schema = client.get("/api/openapi.json").get_json()["components"]["schemas"]["CommentCreate"]
    assert "website_confirm" in schema["properties"] and "website_confirm" not in schema.get("required", [])


def test_the_widget_form_carries_the_honeypot_the_api_reads(client):
    script = client.get("/embed.js").get_data(as_text=True)
    assert f'name: "{spam.HONEYPOT_FIELD}"' in script
    assert f"body.{spam.HONEYPOT_FIELD} = value" in script
