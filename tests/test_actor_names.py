"""Who acted, as bans and the audit log keep it: the longest token and login names fit, longer ones are refused."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from comments_service import auth, users
from comments_service.credentials import ApiToken, User
from comments_service.errors import ApiError
from comments_service.extensions import db
from comments_service.models import ACTOR_MAX, NAME_MAX, Role
from comments_service.moderation_models import Ban
from tests.conftest import bearer
from tests.helpers import desk_csrf, desk_login

PASSWORD = "a long enough password"
LONGEST_USER = "u" * (NAME_MAX - 4) + ".@_-"
LONGEST_TOKENS = ["t" * NAME_MAX, "Ω" * NAME_MAX, "blog publisher " + "é" * (NAME_MAX - 15)]


def test_every_actor_a_name_makes_fits_its_columns():
    for prefix in ("token:", "user:"):
        assert len(prefix) + NAME_MAX <= ACTOR_MAX
    assert Ban.__table__.c.created_by.type.length == ACTOR_MAX  # and tests/test_migrations.py: so does the table


@pytest.mark.parametrize("name", LONGEST_TOKENS, ids=["ascii", "greek", "mixed"])
def test_a_token_with_the_longest_name_bans_and_is_in_the_log(runner, client, app, name):
    result = runner.invoke(args=["tokens", "create", "--role", "moderator", "--name", name])
    assert result.exit_code == 0, result.output
    headers = bearer(result.output.strip().splitlines()[-1])
    response = client.post("/api/moderation/bans", json={"kind": "email", "value": "troll@example.com"}, headers=headers)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["created_by"] == f"token:{name}"
    ban_id = response.get_json()["id"]
    assert client.delete(f"/api/moderation/bans/{ban_id}", headers=headers).status_code == 204
    events = client.get("/api/moderation/log", headers=headers).get_json()["events"]
    assert [(e["action"], e["actor"]) for e in events] == [("unban", f"token:{name}"), ("ban", f"token:{name}")]


def test_a_login_with_the_longest_name_bans_from_the_desk_and_is_in_the_log(client, app, tokens):
    with app.app_context():
        users.create_user(LONGEST_USER, PASSWORD, Role.MODERATOR)
    assert desk_login(client, LONGEST_USER, PASSWORD).status_code == 303
    token = desk_csrf(client, "/moderate/bans")
    response = client.post("/moderate/bans", data={"csrf_token": token, "kind": "email", "value": "troll@example.com",
                                                   "next": "/moderate/bans"})
    assert response.status_code == 303 and response.headers["Location"] == "/moderate/bans"
    page = client.get("/moderate/bans").get_data(as_text=True)
    assert "troll@example.com" in page and f"user:{LONGEST_USER}" in page
    assert f"user:{LONGEST_USER}" in client.get("/moderate/log").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Ban.created_by)) == f"user:{LONGEST_USER}"
    events = client.get("/api/moderation/log", headers=bearer(tokens["moderator"])).get_json()["events"]
    assert [(e["action"], e["actor"]) for e in events] == [("ban", f"user:{LONGEST_USER}")]


@pytest.mark.parametrize("name", ["t" * (NAME_MAX + 1), "Ω" * (NAME_MAX + 1), "", "   ", "two\nlines", "tab\there", "nul\x00"])
def test_a_token_name_that_does_not_fit_is_refused_at_creation(runner, app, name):
    result = runner.invoke(args=["tokens", "create", "--role", "moderator", "--name", name])
    assert result.exit_code != 0
    assert f"A token's name is 1-{NAME_MAX} printable characters." in result.output
    assert "Traceback" not in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0
        with pytest.raises(ApiError) as refused:
            auth.create_api_token(name, Role.MODERATOR)
        assert refused.value.status == 422 and "name" in refused.value.fields


@pytest.mark.parametrize("username", ["u" * (NAME_MAX + 1), "a" * 200])
def test_a_login_name_that_does_not_fit_is_refused_at_creation(runner, app, username):
    result = runner.invoke(args=["users", "create", "--username", username, "--role", "moderator", "--password-stdin"],
                           input=PASSWORD + "\n")
    assert result.exit_code != 0
    assert f"1-{NAME_MAX} letters, digits or . _ @ -" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0
