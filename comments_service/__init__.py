"""The comment service: create_app() builds the Flask application."""
from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any

from flask import Flask, request
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError
from werkzeug.middleware.proxy_fix import ProxyFix

from config import Config

from . import cache, ratelimit, redis_client, webhook
from .api import register_blueprints
from .cli import register_commands
from .errors import register_errorhandlers
from .extensions import cors, db, may_answer_again, migrate, note_writes, ping_outside_requests, release_session

MIGRATIONS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations")


class ServiceFlask(Flask):
    """Flask that remembers which of its functions are synchronous.

    Flask asks ``inspect`` again for every hook and view of every request,
    about ten times per request here: a measurable share of a cached read.
    """

    SYNC_MEMO_SIZE = 4096

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sync: dict[Callable[..., Any], Callable[..., Any]] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """Return ``func`` as a synchronous callable, as Flask does, remembered per function."""
        try:
            return self._sync[func]
        except KeyError:
            pass
        except TypeError:  # an unhashable callable
            return super().ensure_sync(func)
        if len(self._sync) >= self.SYNC_MEMO_SIZE:
            self._sync.clear()
        found = self._sync[func] = super().ensure_sync(func)
        return found

    def dispatch_request(self) -> Any:
        """Dispatch as Flask does; a request whose pooled connection was dead runs once more on a new one.

        Requests take pooled connections without a ping (ping_outside_requests).
        One that finds its connection dead before it sent anything that may
        change data is answered again: the failed statement made SQLAlchemy
        drop every connection as old as that one, so the second try connects
        afresh, and answers 503 only if the database itself is down. One that
        had sent a write is not (the write may have run): it answers 503.
        """
        try:
            return super().dispatch_request()
        except DBAPIError as error:
            if not error.connection_invalidated or not may_answer_again():
                raise
            release_session(None)
            return super().dispatch_request()


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Create the app from the environment, overridden by ``test_config``."""
    app = ServiceFlask(__name__, instance_relative_config=True)
    config = Config()
    app.config.from_object(config)
    if test_config:
        app.config.update(test_config)
    Config.check_mapping(app.config)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        os.makedirs(app.instance_path, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(app.instance_path, "comments.db")
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # A database that accepts TCP but never answers must not hold a worker forever.
        options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        options.setdefault("connect_args", {}).setdefault("connect_timeout", 5)
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    if app.config["TRUSTED_PROXIES"] > 0:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    """Bind the database, migrations, Redis, the cache, rate limits and the moderation webhook to the app."""
    db.init_app(app)
    # Registered after Flask-SQLAlchemy's teardown, so it runs before it.
    app.teardown_appcontext(release_session)
    migrate.init_app(app, db, directory=MIGRATIONS, render_as_batch=True)
    redis_client.init_app(app)
    cache.init_app(app)
    # Only the blog origins listed may call the API from a browser; others get no CORS headers.
    cors.init_app(
        app,
        resources={r"/api/*": {"origins": list(app.config["CORS_ORIGINS"])}},
        allow_headers=["Content-Type", "X-Reader-Token", "X-Edit-Token", "Authorization"],
        expose_headers=["Retry-After"],
        methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        max_age=600,
        # CORS is a browser's question, asked with an Origin header; without one there is nothing to answer.
        always_send=False,
    )
    _cors_only_when_asked(app)
    ratelimit.init_app(app)
    webhook.init_app(app)
    with app.app_context():
        event.listen(db.engine, "checkout", ping_outside_requests(db.engine.dialect))
        event.listen(db.engine, "before_cursor_execute", note_writes)
        if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
            event.listen(db.engine, "connect", _sqlite_pragmas)


def _cors_only_when_asked(app: Flask) -> None:
    # With always_send off, flask-cors adds nothing to an answer whose request
    # had no Origin, yet matches its resource patterns for it on every request:
    # skip it then, as it would have done nothing.
    after = app.after_request_funcs.get(None, [])
    for index, hook in enumerate(after):
        if getattr(hook, "__name__", "") == "cors_after_request":
            after[index] = _with_origin_only(hook)


def _with_origin_only(hook: Callable[[Any], Any]) -> Callable[[Any], Any]:
    @wraps(hook)
    def run(response: Any) -> Any:
        return hook(response) if "Origin" in request.headers else response

    return run


def _sqlite_pragmas(connection: Any, record: Any) -> None:
    # SQLite leaves foreign keys off unless asked; WAL lets readers run during a write.
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()
