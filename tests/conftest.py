"""Test set-up: a throwaway PostgreSQL database per run, a flushed Redis index per test.

The database is created on the PostgreSQL server named by TEST_PG_ADMIN_URL
(the machine's server by default), built with the real migrations, emptied
between tests and dropped at the end. TEST_REDIS_DB picks the Redis index.
With TEST_VIA_PGBOUNCER=1 every test reaches that database through a private
PgBouncer in transaction pooling mode (deploy/pgbouncer.ini), as a fleet does.
"""
from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import flask_migrate
import psycopg
import pytest
import redis
from flask import Flask
from sqlalchemy import event, text
from werkzeug.serving import make_server

from comments_service import create_app
from comments_service.auth import create_api_token
from comments_service.extensions import db
from comments_service.models import Role
from tests.servers import PgBouncer, SmtpServer

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_HOST = os.environ.get("TEST_REDIS_HOST", "127.0.0.1")
REDIS_PORT = int(os.environ.get("TEST_REDIS_PORT", "6379"))
REDIS_DB = int(os.environ.get("TEST_REDIS_DB", "15"))
REDIS_URL = f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}"
VIA_PGBOUNCER = os.environ.get("TEST_VIA_PGBOUNCER", "") == "1"
TABLES = ("comment_likes", "post_likes", "post_tags", "comments", "tags", "posts",
          "api_tokens", "desk_sessions", "users", "bans", "moderation_events", "jobs", "subscription_notices",
          "subscriptions", "mail_addresses", "reader_sessions", "reader_identities", "reader_accounts",
          "reader_sign_in_states", "reader_mail_links", "comment_reports", "comment_revisions")


@pytest.fixture(scope="session")
def direct_database_url() -> Iterator[str]:
    """Create a database for this run and drop it afterwards; its URL on the PostgreSQL server itself."""
    name = f"comments_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pgbouncer(direct_database_url: str) -> Iterator[PgBouncer]:
    """Run a PgBouncer (transaction pooling, as deploy/pgbouncer.ini) in front of the test server."""
    server = urlsplit(direct_database_url)
    bouncer = PgBouncer(server.hostname or "127.0.0.1", server.port or 5432).start()
    yield bouncer
    bouncer.stop()


@pytest.fixture(scope="session")
def database_url(request: pytest.FixtureRequest, direct_database_url: str) -> str:
    """Return the URL the service uses: the server itself, or PgBouncer with TEST_VIA_PGBOUNCER=1."""
    if not VIA_PGBOUNCER:
        return direct_database_url
    return request.getfixturevalue("pgbouncer").url(direct_database_url)


def base_config(database_url: str) -> dict[str, Any]:
    """Return the settings every test app starts from."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "SQLALCHEMY_DATABASE_URI": database_url.replace("postgresql://", "postgresql+psycopg://"),
        "REDIS_URL": REDIS_URL,
        "RATELIMIT_ENABLED": False,
        # Tests post the same text many times; the duplicate check is tested on its own.
        "DUPLICATE_WINDOW_SECONDS": 0,
        "MODERATION": "pre",
        "AUTO_CREATE_POSTS": True,
        # An event stream ends soon (a reader of the whole answer, such as schemathesis, gets it);
        # the live tests choose their own.
        "LIVE_STREAM_SECONDS": 0.2,
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
    made_before = len(_apps)
    yield
    # Apps made during a test keep their pooled connections until disposed: close them now, or a
    # long run holds more than PostgreSQL's max_connections. An app used again makes new ones.
    for other in _apps[made_before:]:
        if other is not app:
            with other.app_context():
                db.session.remove()
                db.engine.dispose()
    with app.app_context():
        db.session.remove()
        db.session.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
        db.session.commit()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """Start a private SMTP server that keeps what it receives (tests/servers.py)."""
    server = SmtpServer().start()
    yield server
    server.stop()


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


ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


class LiveServer:
    """A threaded WSGI server for an app, on a free loopback port."""

    def __init__(self, app: Flask) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture(scope="session")
def serve() -> Iterator[Callable[[Flask], LiveServer]]:
    """Return a function that serves an app over HTTP until the run ends."""
    servers: list[LiveServer] = []

    def start(app: Flask) -> LiveServer:
        server = LiveServer(app)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def live_server(app: Flask, serve: Callable[[Flask], LiveServer]) -> LiveServer:
    """Serve the default test app over HTTP."""
    return serve(app)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Launch Debian's Chromium through Playwright (no browser download)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """Open a fresh browser context and page; fail the test on a JavaScript error."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.js_errors = []
    page.on("pageerror", lambda error: page.js_errors.append(str(error)))
    yield page
    context.close()


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot under tests/artifacts and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
