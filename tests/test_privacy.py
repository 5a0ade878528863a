"""Private data never reaches a public answer, and raw identifiers are never stored."""
from __future__ import annotations

from sqlalchemy import select

from comments_service.extensions import db
from comments_service.models import Comment
from tests.helpers import approve

EMAIL = "secret.person@example.com"
TOKEN = "reader-secret-token-abcdef"
IP = "203.0.113.77"


def test_public_answers_hold_no_private_data(client, moderator, app):
    headers = {"X-Reader-Token": TOKEN}
    env = {"REMOTE_ADDR": IP}
    shown = client.post("/api/posts/p/comments", json={"author": "Pat", "email": EMAIL, "body": "visible"}, headers=headers, environ_base=env).get_json()
    approve(client, moderator, shown["id"])
    for status in ("pending", "rejected", "spam"):
        hidden = client.post("/api/posts/p/comments", json={"author": "Pat", "body": f"hidden-{status}"}, headers=headers, environ_base=env).get_json()
        if status != "pending":
            client.post(f"/api/moderation/comments/{hidden['id']}/{'reject' if status == 'rejected' else 'spam'}", headers=moderator)
    public = b"".join(
        client.get(url, headers=headers).data
        for url in ("/api/posts/p", "/api/posts/p/comments", "/api/posts/p/comments?sort=newest", "/api/counts?post=p")
    )
    for secret in (EMAIL, TOKEN, IP, "hidden-pending", "hidden-rejected", "hidden-spam", "ip_hash", "body_source"):
        assert secret.encode() not in public, secret
    assert b"visible" in public
    with app.app_context():
        rows = db.session.scalars(select(Comment)).all()
        stored = " ".join(f"{r.ip_hash} {r.reader_hash} {r.avatar}" for r in rows)
    assert IP not in stored and TOKEN not in stored
    assert all(len(r.ip_hash) == 64 and len(r.reader_hash) == 64 for r in rows)


def test_avatar_is_keyed_and_stable(client, moderator, make_app):
    reader = {"X-Reader-Token": "a-reader-token-0123456789"}
    one = client.post("/api/posts/p/comments", json={"author": "A", "email": EMAIL, "body": "x"}, headers=reader)
    two = client.post("/api/posts/p/comments", json={"author": "B", "email": EMAIL.upper(), "body": "y"}, headers=reader)
    assert one.get_json()["avatar"] == two.get_json()["avatar"]
    other_key = make_app(SECRET_KEY="another-secret-key-0123456789-abcdefgh").test_client()
    three = other_key.post("/api/posts/p/comments", json={"author": "A", "email": EMAIL, "body": "z"}, headers=reader)
    assert three.get_json()["avatar"] != one.get_json()["avatar"]


def test_remembered_reader_hashes_are_the_keyed_hash_of_their_own_app(make_app):
    from comments_service import auth

    token = {"X-Reader-Token": "a-reader-token-0123456789"}
    hashes = []
    for secret in ("first-secret-" + "x" * 40, "second-secret-" + "y" * 40):
        app = make_app(SECRET_KEY=secret)
        for _ in range(2):  # the second answer comes from the memo
            with app.test_request_context(headers=token):
                hashes.append(auth.reader_hash())
                assert hashes[-1] == auth.keyed_hash("reader", token["X-Reader-Token"])
    assert hashes[0] == hashes[1] != hashes[2] == hashes[3]
