"""Health, OpenAPI, the command line, migrations and configuration safety."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from comments_service import create_app
from config import DEV_SECRET_KEY

ROOT = Path(__file__).resolve().parent.parent
DEAD_PG = "postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=1"
DEAD_REDIS = "redis://127.0.0.1:1/0"


def test_health_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "db": "ok", "redis": "ok", "streams": "shared"}


def test_health_without_redis_configured(make_app):
    response = make_app(REDIS_URL=None).test_client().get("/healthz")
    assert response.get_json() == {"status": "ok", "db": "ok", "redis": "disabled", "streams": "process"}


def test_health_with_redis_down(make_app):
    response = make_app(REDIS_URL=DEAD_REDIS).test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "degraded", "db": "ok", "redis": "down", "streams": "process"}


def test_database_down_gives_503_with_retry_after(make_app):
    client = make_app(SQLALCHEMY_DATABASE_URI=DEAD_PG).test_client()
    health = client.get("/healthz")
    assert health.status_code == 503 and health.get_json()["db"] == "down"
    for response in (client.get("/api/posts/p"), client.get("/api/posts/p/comments"), client.post("/api/posts/p/comments", json={"author": "a", "body": "b"})):
        assert response.status_code == 503
        assert response.headers["Retry-After"]
        assert response.get_json()["error"]["code"] == "storage_unavailable"


def test_openapi_documents_every_api_endpoint(client, app):
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    documented = {(path, method.upper()) for path, ops in spec["paths"].items() for method in ops if method != "parameters"}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") and rule.rule != "/api/openapi.json":
            path = re.sub(r"<(?:[^:<>]+:)?([^<>:]+)>", r"{\1}", rule.rule)
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (path, method) in documented, (path, method)
    schemas = spec["components"]["schemas"]
    assert {"CommentCreate", "Comment", "Post", "Error"} <= set(schemas)
    assert schemas["CommentCreate"]["properties"]["author"]["maxLength"] == 80


def test_tokens_create_prints_token_last(runner, client):
    result = runner.invoke(args=["tokens", "create", "--role", "editor", "--name", "blog"])
    assert result.exit_code == 0
    token = result.output.strip().splitlines()[-1]
    response = client.put("/api/posts/p", json={"title": "T", "url": "https://b.example/p"}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201


def test_tokens_create_rejects_unknown_role(runner):
    assert runner.invoke(args=["tokens", "create", "--role", "root", "--name", "x"]).exit_code != 0


def flask_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=120,
    )


def test_migrations_run_on_sqlite(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}", "REDIS_URL": "", "APP_ENV": "development"}
    upgrade = flask_cli("db", "upgrade", env=env)
    assert upgrade.returncode == 0, upgrade.stderr
    token = flask_cli("tokens", "create", "--role", "admin", "--name", "smoke", env=env)
    assert token.returncode == 0, token.stderr
    app = create_app({"SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"], "REDIS_URL": None, "TESTING": True})
    client = app.test_client()
    created = client.post("/api/posts/s/comments", json={"author": "a", "body": "on sqlite"})
    assert created.status_code == 201
    bearer = {"Authorization": f"Bearer {token.stdout.strip().splitlines()[-1]}"}
    assert client.post(f"/api/moderation/comments/{created.get_json()['id']}/approve", headers=bearer).status_code == 200
    thread = client.get("/api/posts/s/comments").get_json()
    assert thread["comments"][0]["body_html"] == "<p>on sqlite</p>" and thread["post"]["comment_count"] == 1
    # The one-statement thread read (a window function, a UNION) works on SQLite too, later pages included.
    first_id = created.get_json()["id"]
    for body, parent in [("a reply", first_id), ("second", None)]:
        made = client.post("/api/posts/s/comments", json={"author": "b", "body": body, "parent_id": parent})
        assert client.post(f"/api/moderation/comments/{made.get_json()['id']}/approve", headers=bearer).status_code == 200
    for sort in ("oldest", "newest", "top"):
        page = client.get(f"/api/posts/s/comments?sort={sort}&limit=1").get_json()
        rest = client.get(f"/api/posts/s/comments?sort={sort}&limit=1&cursor={page['next_cursor']}").get_json()
        tops = [c["body_html"] for c in page["comments"] + rest["comments"]]
        assert sorted(tops) == ["<p>on sqlite</p>", "<p>second</p>"] and rest["next_cursor"] is None
        first = next(c for c in page["comments"] + rest["comments"] if c["id"] == first_id)
        assert [r["body_html"] for r in first["replies"]] == ["<p>a reply</p>"]
    assert client.get("/api/posts/s/comments?sort=newest").get_json()["comments"][0]["body_html"] == "<p>second</p>"


def test_default_database_is_sqlite_in_instance_folder(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"TESTING": True})
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith(os.path.join("instance", "comments.db"))


@pytest.mark.parametrize("secret", [None, DEV_SECRET_KEY, "short"])
def test_production_refuses_weak_secret(monkeypatch, secret):
    monkeypatch.setenv("APP_ENV", "production")
    if secret is None:
        monkeypatch.delenv("SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("SECRET_KEY", secret)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


def test_production_starts_with_a_real_secret(monkeypatch, database_url):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("PUBLIC_URL", "https://comments.example")
    assert create_app().config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")


def test_demo_load_is_idempotent(runner, client):
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0 and "4 new posts" in first.output
    assert "0 new posts" in runner.invoke(args=["demo", "load"]).output
    thread = client.get("/api/posts/trigger-point-injection/comments").get_json()
    assert thread["post"]["comment_count"] == 4 and len(thread["comments"]) == 3
    assert thread["comments"][0]["replies"][0]["author"] == "Dr. Patel"
    assert thread["post"]["tags"] == ["back pain", "injections", "spine", "trigger points"]
