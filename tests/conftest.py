"""Test set-up: a throwaway PostgreSQL database per run, a flushed Redis index per test.

The database is created on the PostgreSQL server named by TEST_PG_ADMIN_URL
(the machine's server by default), built with the real migrations, emptied
between tests and dropped at the end. TEST_REDIS_DB picks the Redis index.
"""
from __future__ import annotations

import os
import uuid
from typing import Any, Callable, Iterator

import flask_migrate
import psycopg
import pytest
import redis
from flask import Flask
from sqlalchemy import event, text

from comments_service import create_app
from comments_service.auth import create_api_token
from comments_service.extensions import db
from comments_service.models import Role

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_HOST = os.environ.get("TEST_REDIS_HOST", "127.0.0.1")
REDIS_PORT = int(os.environ.get("TEST_REDIS_PORT", "6379"))
REDIS_DB = int(os.environ.get("TEST_REDIS_DB", "15"))
REDIS_URL = f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}"
TABLES = ("comment_likes", "post_likes", "post_tags", "comments", "tags", "posts",
          "api_tokens", "users", "bans", "moderation_events")


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """Create a database for this run and drop it afterwards."""
    name = f"comments_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def base_config(database_url: str) -> dict[str, Any]:
    """Return the settings every test app starts from."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "SQLALCHEMY_DATABASE_URI": database_url.replace("postgresql://", "postgresql+psycopg://"),
        "REDIS_URL": REDIS_URL,
        "RATELIMIT_ENABLED": False,
        "MODERATION": "pre",
        "AUTO_CREATE_POSTS": True,
    }


_apps: list[Flask] = []


@pytest.fixture(scope="session")
def make_app(database_url: str) -> Iterator[Callable[..., Flask]]:
    """Return a factory of apps on the test database with some settings changed."""

    def factory(**overrides: Any) -> Flask:
        app = create_app({**base_config(database_url), **overrides})
        _apps.append(app)
        return app

    yield factory
    for app in _apps:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def app(make_app: Callable[..., Flask]) -> Flask:
    """Return the default test app, with the schema built by the migrations."""
    app = make_app()
    with app.app_context():
        flask_migrate.upgrade()
    return app


@pytest.fixture(autouse=True)
def clean_state(app: Flask) -> Iterator[None]:
    """Start every test with empty tables and an empty Redis index."""
    redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB).flushdb()
    yield
    with app.app_context():
        db.session.remove()
        db.session.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
        db.session.commit()


@pytest.fixture
def client(app: Flask) -> Any:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


@pytest.fixture
def tokens(app: Flask) -> dict[str, str]:
    """Create one API token per role."""
    with app.app_context():
        return {role.value: create_api_token(f"test-{role.value}", role) for role in Role}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def editor(tokens: dict[str, str]) -> dict[str, str]:
    return bearer(tokens["editor"])


@pytest.fixture
def moderator(tokens: dict[str, str]) -> dict[str, str]:
    return bearer(tokens["moderator"])


class QueryCounter:
    """Counts the SQL statements an engine runs."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app: Flask) -> Iterator[Callable[[], QueryCounter]]:
    """Return a function that starts counting the app's queries."""
    with app.app_context():
        engine = db.engine
    counters: list[QueryCounter] = []

    def start() -> QueryCounter:
        counter = QueryCounter()
        event.listen(engine, "before_cursor_execute", counter)
        counters.append(counter)
        return counter

    yield start
    for counter in counters:
        event.remove(engine, "before_cursor_execute", counter)
