"""Desk sessions live on the server: a logout, a removed user or a new password ends them on every process."""
from __future__ import annotations

import hashlib
from datetime import timedelta

import flask_migrate
import pytest
from sqlalchemy import func, select, update

from comments_service import create_app, users
from comments_service.credentials import DeskSession
from comments_service.extensions import db
from comments_service.models import Comment, CommentStatus, ModerationEvent, Role
from comments_service.moderation_models import Ban
from comments_service.times import aware, utcnow
from tests.helpers import desk_csrf, desk_login, post_comment

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a brand new passphrase"
PAGES = ["/moderate", "/moderate?status=spam", "/moderate/bans", "/moderate/log"]


@pytest.fixture
def mia(app):
    with app.app_context():
        users.create_user("mia", PASSWORD, Role.MODERATOR)
        users.create_user("noor", PASSWORD, Role.ADMIN)
    return "mia"


def logged_in(app, username="mia", password=PASSWORD):
    client = app.test_client()
    assert desk_login(client, username, password).status_code == 303
    return client


def cookie(client):
    return client.get_cookie("session", path="/moderate").value


def replay(app, value):
    """A new browser that sends a copied cookie."""
    client = app.test_client()
    client.set_cookie("session", value, path="/moderate")
    return client


def cookie_data(app, value):
    return app.session_interface.get_signing_serializer(app).loads(value)


def sessions(app, **where):
    with app.app_context():
        query = select(DeskSession).filter_by(**where)
        return list(db.session.scalars(query))


def actions(comment_id, ban_id):
    """Every kind of desk form, as (path, fields)."""
    return [
        (f"/moderate/comments/{comment_id}/approve", {}),
        (f"/moderate/comments/{comment_id}/delete", {}),
        ("/moderate/bulk", {"ids": str(comment_id), "action": "spam"}),
        ("/moderate/bans", {"kind": "email", "value": "troll@example.com"}),
        (f"/moderate/bans/{ban_id}/lift", {}),
    ]


def assert_refused(app, value, comment_id, ban_id, db_app=None):
    """Every page and every action sent with this cookie (as it was) answers the login form, and nothing changes."""
    token = cookie_data(app, value)["csrf"]
    before = stored_state(db_app or app)
    for path in PAGES:
        response = replay(app, value).get(path)
        assert response.status_code == 303, path
        assert response.headers["Location"].startswith("/moderate/login?next="), path
    for path, fields in actions(comment_id, ban_id):
        response = replay(app, value).post(path, data={"csrf_token": token, **fields})
        assert response.status_code == 303, path
        assert response.headers["Location"] == "/moderate/login", path
    with (db_app or app).app_context():
        assert db.session.get(Comment, comment_id).status == CommentStatus.PENDING
        assert [b.value for b in db.session.scalars(select(Ban))] == ["kept@example.com"]
    assert stored_state(db_app or app) == before


def stored_state(app):
    """Every comment's status, every ban and every audit event."""
    with app.app_context():
        return (
            sorted(db.session.execute(select(Comment.id, Comment.status)).all()),
            sorted(db.session.scalars(select(Ban.id))),
            db.session.scalar(select(func.count()).select_from(ModerationEvent)),
        )


def browser(app, username="mia", password=PASSWORD):
    """Log in and open a page; return the client and its cookie (with the CSRF token)."""
    client = logged_in(app, username, password)
    desk_csrf(client, "/moderate")
    return client, cookie(client)


@pytest.fixture
def world(app, client, mia, tokens):
    """A pending comment and a ban in force, made before the sessions under test."""
    comment_id = post_comment(client, "p").get_json()["id"]
    ban = client.post("/api/moderation/bans", json={"kind": "email", "value": "kept@example.com"},
                      headers={"Authorization": f"Bearer {tokens['moderator']}"})
    assert ban.status_code == 201
    return comment_id, ban.get_json()["id"]


def test_an_active_session_works_across_requests_and_app_instances(app, make_app, world):
    comment_id, _ = world
    desk = logged_in(app)
    other_instance = replay(make_app(), cookie(desk))
    for client in (desk, other_instance):
        for path in PAGES:
            assert client.get(path).status_code == 200, path
    token = desk_csrf(other_instance, "/moderate")
    response = other_instance.post(f"/moderate/comments/{comment_id}/approve", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"] == "/moderate"
    with app.app_context():
        assert db.session.get(Comment, comment_id).status == CommentStatus.APPROVED


def test_the_cookie_carries_a_random_id_whose_hash_alone_is_stored(app, mia):
    first, second = logged_in(app), logged_in(app)
    data = cookie_data(app, cookie(first))
    assert set(data) == {"sid"}, "no user id, no password stamp: the server decides"
    assert data["sid"] != cookie_data(app, cookie(second))["sid"]
    stored = sessions(app)
    assert len(stored) == 2
    assert hashlib.sha256(data["sid"].encode()).hexdigest() in {s.token_hash for s in stored}
    assert all(data["sid"] not in (s.token_hash, str(s.id)) for s in stored)


def test_a_cookie_replayed_after_logout_is_refused(app, world):
    desk, copied = browser(app)
    assert replay(app, copied).get("/moderate/bans").status_code == 200
    response = desk.post("/moderate/logout", data={"csrf_token": cookie_data(app, copied)["csrf"]})
    assert response.status_code == 303 and response.headers["Location"] == "/moderate/login"
    assert sessions(app) == []
    assert_refused(app, copied, *world)


def test_logout_ends_only_that_session(app, world):
    leaving, staying, other_user = logged_in(app), logged_in(app), logged_in(app, "noor")
    leaving.post("/moderate/logout", data={"csrf_token": desk_csrf(leaving, "/moderate")})
    assert staying.get("/moderate").status_code == 200
    assert other_user.get("/moderate").status_code == 200
    assert len(sessions(app)) == 2


def test_a_logout_on_one_instance_ends_the_session_on_another(app, make_app, world):
    desk, copied = browser(app)
    second_instance = make_app()
    assert replay(second_instance, copied).get("/moderate").status_code == 200
    desk.post("/moderate/logout", data={"csrf_token": cookie_data(app, copied)["csrf"]})
    assert_refused(second_instance, copied, *world)


@pytest.mark.parametrize("how", ["function", "command"])
def test_removing_a_user_ends_every_session_of_theirs_everywhere(app, make_app, runner, world, how):
    copies = [browser(app)[1], browser(app)[1]]
    second_instance = make_app()
    noor, _ = browser(app, "noor")
    if how == "function":
        with app.app_context():
            assert users.remove_user("mia") == 2
    else:
        result = runner.invoke(args=["users", "remove", "mia"])
        assert result.exit_code == 0 and "2 desk sessions ended" in result.output
    for copied in copies:
        assert_refused(app, copied, *world)
        assert_refused(second_instance, copied, *world)
    assert noor.get("/moderate").status_code == 200
    assert len(sessions(app)) == 1


@pytest.mark.parametrize("how", ["function", "command"])
def test_a_new_password_ends_every_session_of_the_user_everywhere(app, make_app, runner, world, how):
    copies = [browser(app)[1], browser(app)[1]]
    second_instance = make_app()
    noor, _ = browser(app, "noor")
    if how == "function":
        with app.app_context():
            assert users.set_password("mia", NEW_PASSWORD) == 2
    else:
        result = runner.invoke(args=["users", "set-password", "mia", "--password-stdin"], input=NEW_PASSWORD + "\n")
        assert result.exit_code == 0 and "2 desk sessions ended" in result.output, result.output
    for copied in copies:
        assert_refused(app, copied, *world)
        assert_refused(second_instance, copied, *world)
    assert noor.get("/moderate").status_code == 200
    assert desk_login(app.test_client(), "mia", PASSWORD).status_code == 401
    assert logged_in(app, "mia", NEW_PASSWORD).get("/moderate").status_code == 200


@pytest.mark.parametrize("username, password, message", [
    ("mia", "short", "at least 10 characters"),
    ("nobody", NEW_PASSWORD, "No user named 'nobody'"),
])
def test_a_refused_password_change_ends_nothing(app, runner, mia, username, password, message):
    desk = logged_in(app)
    result = runner.invoke(args=["users", "set-password", username, "--password-stdin"], input=password + "\n")
    assert result.exit_code != 0 and message in result.output
    assert desk.get("/moderate").status_code == 200
    assert desk_login(app.test_client(), "mia", PASSWORD).status_code == 303


def test_flash_messages_never_extend_a_session_past_its_expiry(app, make_app, client, world):
    desk, _ = browser(app)
    (row,) = sessions(app)
    assert row.expires_at - row.created_at == app.config["PERMANENT_SESSION_LIFETIME"]
    others = [post_comment(client, "p", body=f"more {i}").get_json()["id"] for i in range(3)]
    token = cookie_data(app, cookie(desk))["csrf"]
    for other in others:
        before = cookie(desk)
        desk.post(f"/moderate/comments/{other}/reject", data={"csrf_token": token})
        assert cookie(desk) != before, "each flash message is a new, freshly signed cookie"
        assert "Rejected comment" in desk.get("/moderate").get_data(as_text=True)
    assert [(s.id, s.expires_at) for s in sessions(app)] == [(row.id, row.expires_at)]
    renewed = cookie(desk)
    # The login's lifetime runs out, while the cookie was signed again a moment ago.
    with app.app_context():
        db.session.execute(update(DeskSession).values(created_at=utcnow() - timedelta(hours=13),
                                                      expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert_refused(app, renewed, *world)
    assert_refused(make_app(), renewed, *world, db_app=app)


def test_expired_sessions_are_pruned_at_the_next_login(app, mia):
    logged_in(app), logged_in(app, "noor")
    with app.app_context():
        db.session.execute(update(DeskSession).values(expires_at=utcnow() - timedelta(minutes=5)))
        db.session.commit()
    logged_in(app, "noor")
    (left,) = sessions(app)
    assert left.expires_at > utcnow()


def test_a_new_login_ends_the_session_the_browser_held(app, mia):
    desk = logged_in(app)
    copied = cookie(desk)
    assert desk_login(desk, "noor", PASSWORD).status_code == 303
    assert replay(app, copied).get("/moderate").status_code == 303
    assert "noor" in desk.get("/moderate").get_data(as_text=True)
    assert len(sessions(app)) == 1


def test_last_seen_follows_use(app, mia):
    desk = logged_in(app)
    with app.app_context():
        long_ago = utcnow() - timedelta(minutes=30)
        db.session.execute(update(DeskSession).values(last_seen_at=long_ago))
        db.session.commit()
    assert desk.get("/moderate/log").status_code == 200
    (row,) = sessions(app)
    assert row.last_seen_at > long_ago + timedelta(minutes=25)


@pytest.mark.parametrize("sid", [None, "", 42, ["x"], {"a": 1}, "made-up-session-id", "x" * 5000])
def test_a_signed_cookie_with_a_session_id_the_server_never_made_is_refused(app, mia, sid):
    logged_in(app)
    forged = app.session_interface.get_signing_serializer(app).dumps({"sid": sid, "csrf": "t", "user_id": 1})
    client = replay(app, forged)
    response = client.get("/moderate")
    assert response.status_code == 303 and response.headers["Location"].startswith("/moderate/login")
    assert client.post("/moderate/bulk", data={"csrf_token": "t", "ids": "1", "action": "approve"}).status_code == 303


def test_desk_sessions_work_on_the_default_sqlite_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'c.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": None, "TESTING": True, "RATELIMIT_ENABLED": False})
    with app.app_context():
        flask_migrate.upgrade()
        users.create_user("mia", PASSWORD, Role.MODERATOR)
    desk, copied = browser(app)
    assert desk.get("/moderate").status_code == 200
    with app.app_context():
        db.session.execute(update(DeskSession).values(last_seen_at=utcnow() - timedelta(minutes=5)))
        db.session.commit()
    assert replay(app, copied).get("/moderate/log").status_code == 200
    assert aware(sessions(app)[0].last_seen_at) > utcnow() - timedelta(minutes=4)
    desk.post("/moderate/logout", data={"csrf_token": cookie_data(app, copied)["csrf"]})
    assert replay(app, copied).get("/moderate").status_code == 303
    expiring, _ = browser(app)
    with app.app_context():
        db.session.execute(update(DeskSession).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert expiring.get("/moderate").status_code == 303
    with app.app_context():
        db.engine.dispose()
