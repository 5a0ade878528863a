"""The comment service: create_app() builds the Flask application."""
from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, Response
from werkzeug.middleware.proxy_fix import ProxyFix

from config import Config

from . import api, cache, cors, database, links, live, notifications, ratelimit, redis_client, web
from .cli import register_commands
from .errors import register_errorhandlers
from .extensions import db, migrate

MIGRATIONS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations")


class ServiceFlask(Flask):
    """Flask that remembers which of its functions are synchronous, and answers again after a dead connection."""

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - one app per process; the cache is bounded
    def _sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        return super().ensure_sync(func)

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """Return ``func`` as a synchronous callable, as Flask does, remembered per function.

        Flask asks ``inspect`` again for every hook and view of every request,
        about ten times per request here: a measurable share of a cached read.
        """
        try:
            return self._sync(func)
        except TypeError:  # an unhashable callable
            return super().ensure_sync(func)

    def make_default_options_response(self) -> Response:
        """Answer OPTIONS (a CORS preflight, mostly) with 204 and the Allow header: no HTML page of nothing."""
        response = super().make_default_options_response()
        response.status_code = 204
        response.headers.remove("Content-Type")
        return response

    def dispatch_request(self) -> Any:
        """Dispatch as Flask does, through the database layer's answer-again rule (database.dispatch)."""
        return database.dispatch(super().dispatch_request)


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
    if app.config["TRUSTED_PROXIES"] > 0:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    register_extensions(app)
    api.register_blueprints(app)
    web.register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    """Bind the host check, database, migrations, Redis, cache, live events, CORS, rate limits; check mail, webhooks."""
    links.init_app(app)
    database.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS, render_as_batch=True)
    redis_client.init_app(app)
    cache.init_app(app)
    live.init_app(app)
    # Only the blog origins listed may call the API from a browser; others get no CORS headers.
    cors.init_app(app)
    ratelimit.init_app(app)
    notifications.init_app(app)
