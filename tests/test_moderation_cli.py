"""Commands for moderation: ``users create|list|remove`` and ``purge --spam-older-than``."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from comments_service import users
from comments_service.credentials import User
from comments_service.extensions import db
from comments_service.models import Comment, Role
from tests.helpers import approved_comment, post_comment

PASSWORD = "a long enough password"


def test_users_create_reads_the_password_from_stdin(runner, app):
    result = runner.invoke(args=["users", "create", "--username", "mia", "--role", "moderator", "--password-stdin"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "mia"))
        assert user.role == Role.MODERATOR
        assert user.password_hash.startswith("scrypt:") and PASSWORD not in user.password_hash
        assert users.check_login("mia", PASSWORD) is not None
        assert users.check_login("mia", PASSWORD + "x") is None


def test_users_create_prompts_twice(runner, app):
    result = runner.invoke(args=["users", "create", "--username", "root", "--role", "admin"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert users.check_login("root", PASSWORD).role == Role.ADMIN


@pytest.mark.parametrize(
    "args, stdin, message",
    [
        (["--username", "x", "--role", "editor"], PASSWORD, "Invalid value for '--role'"),
        (["--username", "x", "--role", "moderator"], "short", "at least 10 characters"),
        (["--username", "bad name", "--role", "moderator"], PASSWORD, "letters, digits"),
        (["--username", "taken", "--role", "moderator"], PASSWORD, "already a user named 'taken'"),
    ],
)
def test_users_create_refuses(runner, app, args, stdin, message):
    with app.app_context():
        users.create_user("taken", PASSWORD, Role.MODERATOR)
    result = runner.invoke(args=["users", "create", *args, "--password-stdin"], input=stdin + "\n")
    assert result.exit_code != 0
    assert message in result.output
    with app.app_context():
        assert len(users.list_users()) == 1


def test_users_list_and_remove(runner, app):
    with app.app_context():
        users.create_user("mia", PASSWORD, Role.MODERATOR)
    assert "moderator\tmia" in runner.invoke(args=["users", "list"]).output
    assert runner.invoke(args=["users", "remove", "mia"]).exit_code == 0
    assert runner.invoke(args=["users", "remove", "mia"]).exit_code != 0
    assert runner.invoke(args=["users", "list"]).output == ""


def backdate(app, comment_id, days):
    with app.app_context():
        when = datetime.now(timezone.utc) - timedelta(days=days)
        db.session.execute(update(Comment).where(Comment.id == comment_id).values(created_at=when))
        db.session.commit()


def test_purge_removes_old_spam_and_rejected_only(runner, client, moderator, app):
    made = {}
    for name, action in (("old_spam", "spam"), ("old_rejected", "reject"), ("new_spam", "spam"), ("old_pending", None), ("old_approved", "approve")):
        made[name] = post_comment(client, "p", body=name).get_json()["id"]
        if action:
            client.post(f"/api/moderation/comments/{made[name]}/{action}", headers=moderator)
        if name.startswith("old"):
            backdate(app, made[name], 40)
    result = runner.invoke(args=["purge", "--spam-older-than", "30"])
    assert result.exit_code == 0, result.output
    assert "purged 2 spam and rejected comments older than 30 days" in result.output
    with app.app_context():
        left = set(db.session.scalars(select(Comment.id)))
    assert left == {made["new_spam"], made["old_pending"], made["old_approved"]}
    events = client.get("/api/moderation/log", headers=moderator).get_json()["events"]
    purges = [(e["comment_id"], e["from_status"]) for e in events if e["action"] == "purge"]
    assert sorted(purges) == sorted([(made["old_spam"], "spam"), (made["old_rejected"], "rejected")])
    assert all(e["actor"] == "cli:purge" for e in events if e["action"] == "purge")
    assert client.get("/api/posts/p").get_json()["comment_count"] == 1


def test_purge_keeps_a_placeholder_for_replies(runner, client, moderator, app):
    parent = approved_comment(client, moderator, "p", body="parent")
    reply = approved_comment(client, moderator, "p", body="reply", parent_id=parent["id"])
    client.post(f"/api/moderation/comments/{parent['id']}/reject", headers=moderator)
    backdate(app, parent["id"], 10)
    assert "purged 1" in runner.invoke(args=["purge", "--spam-older-than", "7"]).output
    thread = client.get("/api/posts/p/comments").get_json()["comments"]
    assert thread[0]["deleted"] is True and thread[0]["body_html"] == ""
    assert thread[0]["replies"][0]["id"] == reply["id"]
    assert "purged 0" in runner.invoke(args=["purge", "--spam-older-than", "7"]).output


def test_purge_needs_a_number_of_days(runner, client, moderator):
    created = post_comment(client, "p").get_json()
    client.post(f"/api/moderation/comments/{created['id']}/spam", headers=moderator)
    assert runner.invoke(args=["purge"]).exit_code != 0
    assert runner.invoke(args=["purge", "--spam-older-than", "-1"]).exit_code != 0
    assert "purged 0" in runner.invoke(args=["purge", "--spam-older-than", "1"]).output
    assert "purged 1" in runner.invoke(args=["purge", "--spam-older-than", "0"]).output
