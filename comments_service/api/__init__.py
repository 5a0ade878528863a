"""The JSON API: thin blueprints that parse, call the domain, and dump."""
from __future__ import annotations

from flask import Flask, Response, request
from flask_smorest import Api

from ..errors import ApiError
from ..schemas.common import ErrorSchema

BODY_METHODS = {"POST", "PUT", "PATCH"}


class JsonApi(Api):
    """flask-smorest's Api with our error schema; errors.py renders every error."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self) -> None:
        # errors.register_errorhandlers installs the one handler for all errors.
        pass


api = JsonApi()


def require_json_body() -> None:
    """Refuse a request body that is not JSON with 415, before anything reads it."""
    if request.method not in BODY_METHODS or not request.path.startswith("/api/"):
        return
    has_body = bool(request.content_length) or request.headers.get("Transfer-Encoding") == "chunked"
    if has_body and not request.is_json:
        raise ApiError(415, "unsupported_media_type", "The request body must be JSON (Content-Type: application/json).")


def no_sniffing(response: Response) -> Response:
    """Tell browsers to trust our Content-Type (a JSON answer is never run as a script)."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response


def register_blueprints(app: Flask) -> None:
    """Bind the API and register its blueprints."""
    from . import (
        authors,
        comments,
        community,
        engagement,
        live,
        moderation,
        page,
        posts,
        preview,
        readers,
        widget_reads,
    )

    api.init_app(app)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    for module in (posts, comments, engagement, widget_reads, page, preview, moderation, authors, readers, community,
                   live):
        api.register_blueprint(module.blp)
    app.before_request(require_json_body)
    app.after_request(no_sniffing)
