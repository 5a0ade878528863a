"""One JSON error shape for every error under ``/api/``, and error pages for the parts that have their own.

Domain code raises :class:`ApiError`; Flask, webargs and the database raise
their own exceptions. The handlers here turn each of them into
``{"error": {"code", "message", "fields"?}}`` with the fitting status, and
never show a stack trace. A part of the site made of HTML pages (the
moderation desk) registers how its error pages look (:func:`add_error_pages`),
and every error under its path is answered with one of them instead.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, Response, current_app, jsonify, request
from sqlalchemy.exc import DataError, DBAPIError, DisconnectionError, IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException, SecurityError

from .extensions import db

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = "5"

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}

MESSAGES = {
    400: "The request is malformed.",
    401: "Credentials are missing or invalid.",
    403: "These credentials do not allow this.",
    404: "Not found.",
    405: "This method is not allowed here.",
    413: "The request body is larger than 64 KiB.",
    415: "The request body must be JSON (Content-Type: application/json).",
    422: "The request did not validate.",
    429: "Too many requests; slow down.",
    500: "Something went wrong on our side.",
    503: "Storage is unavailable; try again shortly.",
}


class ApiError(Exception):
    """An error that a client can act on: a status, a machine code and a message."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        fields: Mapping[str, list[str]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = dict(fields) if fields else None
        self.headers = dict(headers or {})


def not_found(what: str) -> ApiError:
    """Build the 404 for an unknown thing."""
    return ApiError(404, "not_found", f"{what} not found.")


def invalid(field: str, message: str) -> ApiError:
    """Build a 422 naming one field."""
    return ApiError(422, "validation_error", "The request did not validate.", {field: [message]})


def error_response(
    status: int,
    code: str,
    message: str,
    fields: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """Return the JSON error response."""
    body: dict[str, Any] = {"code": code, "message": message}
    if fields is not None:
        body["fields"] = dict(fields)
    response = jsonify(error=body)
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


# How a part of the site shows an error: (status, message, headers) -> its HTML page.
ErrorPage = Callable[[int, str, Mapping[str, str]], Response]


def add_error_pages(app: Flask, prefix: str, render: ErrorPage) -> None:
    """Answer every error under the path ``prefix`` with ``render``'s page instead of JSON or werkzeug's page."""
    app.extensions.setdefault("error_pages", {})[prefix] = render


def _error_page(status: int, message: str, headers: Mapping[str, str] | None = None) -> Response | None:
    path = request.path
    for prefix, render in current_app.extensions.get("error_pages", {}).items():
        if path == prefix or path.startswith(prefix + "/"):
            return render(status, message, headers or {})  # type: ignore[no-any-return]
    return None


def in_words(message: str, fields: Mapping[str, list[str]] | None) -> str:
    """Put an error's message and its fields' messages in one sentence, for a page."""
    return " ".join([message, *(" ".join(texts) for texts in (fields or {}).values())])


def _answer(status: int, code: str, message: str, fields: Mapping[str, Any] | None = None,
            headers: Mapping[str, str] | None = None) -> Response:
    # A page where one is registered for the path, else the JSON error.
    page = None if wants_json() else _error_page(status, in_words(message, fields), headers)
    return page or error_response(status, code, message, fields, headers)


def wants_json() -> bool:
    """Tell whether this request gets JSON errors (the API and health checks)."""
    return request.path.startswith("/api/") or request.path in ("/api", "/healthz")


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Flatten webargs/marshmallow messages to ``{"field.sub": [text, ...]}``."""
    out: dict[str, list[str]] = {}
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            out.update(flatten_messages(value, name))
    elif isinstance(messages, (list, tuple)) and all(isinstance(m, str) for m in messages):
        out[prefix or "_body"] = list(messages)
    elif isinstance(messages, (list, tuple)):
        for index, value in enumerate(messages):
            out.update(flatten_messages(value, f"{prefix}.{index}" if prefix else str(index)))
    else:
        out[prefix or "_body"] = [str(messages)]
    return out


def _validation_fields(messages: Mapping[str, Any]) -> dict[str, list[str]]:
    # webargs nests messages under the request location ("json", "query").
    fields: dict[str, list[str]] = {}
    for location, inner in messages.items():
        if isinstance(inner, Mapping):
            fields.update(flatten_messages(inner))
        else:
            fields.update(flatten_messages(inner, location))
    return fields


def handle_http_exception(error: HTTPException) -> Response | HTTPException:
    """Render HTTP errors as JSON under /api/, as a registered page elsewhere; an untrusted Host as JSON everywhere."""
    if isinstance(error, SecurityError):
        return handle_untrusted_host(error)
    status = error.code or 500
    headers = {k: v for k, v in error.get_headers() if k.lower() not in ("content-type", "content-length")}
    if not wants_json():
        return _error_page(status, error.description or MESSAGES.get(status, ""), headers) or error
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    if status == 400 and messages and "json" in messages:
        return error_response(400, "malformed_json", "The request body is not valid JSON.")
    if status == 422 and messages:
        return error_response(422, "validation_error", MESSAGES[422], _validation_fields(messages), headers)
    if status == 429:
        headers.setdefault("Retry-After", "60")
        message = MESSAGES[429]
    else:
        message = data.get("message") or MESSAGES.get(status) or error.description or ""
    return error_response(status, CODES.get(status, "error"), message, None, headers)


def handle_untrusted_host(error: SecurityError) -> Response:
    """Answer a request for a host outside TRUSTED_HOSTS with 400, on every path, without echoing the host."""
    log.info("refused a request for an untrusted host: %s", error.description)
    return error_response(400, "untrusted_host", "This service does not answer for the host this request names.")


def handle_api_error(error: ApiError) -> Response:
    """Render a domain error."""
    return _answer(error.status, error.code, error.message, error.fields, error.headers)


def handle_integrity_error(error: IntegrityError) -> Response:
    """Answer a broken database rule with 409: the request conflicts with stored data."""
    db.session.rollback()
    log.info("integrity error: %s", error.orig)
    return _answer(409, "conflict", "The request conflicts with the stored data.")


def handle_data_error(error: DataError) -> Response:
    """Answer a value the database cannot hold (a number out of range) with 422, not 500."""
    db.session.rollback()
    log.info("data error: %s", error.orig)
    return _answer(422, "validation_error", "A value is out of the range the service accepts.")


def handle_storage_down(error: Exception) -> Response:
    """Answer 503 with Retry-After when the database cannot be reached."""
    try:
        db.session.rollback()
    except Exception:  # the connection is already gone; nothing to roll back
        pass
    # One line per failure: an outage produces many, and the SQL adds nothing.
    log.warning("database unavailable: %s", str(getattr(error, "orig", error)).strip().splitlines()[0])
    return _answer(503, "storage_unavailable", MESSAGES[503], headers={"Retry-After": RETRY_AFTER_SECONDS})


def handle_unexpected(error: Exception) -> Response:
    """Log an unexpected error and answer without details."""
    if isinstance(error, HTTPException):
        return handle_http_exception(error)  # type: ignore[return-value]
    if isinstance(error, ApiError):
        return handle_api_error(error)
    if isinstance(error, (OperationalError, DisconnectionError)) or (
        isinstance(error, DBAPIError) and error.connection_invalidated
    ):
        return handle_storage_down(error)
    log.exception("unhandled error on %s %s", request.method, request.path)
    if wants_json():
        return error_response(500, "internal_error", MESSAGES[500])
    return _error_page(500, MESSAGES[500]) or Response("Internal server error", status=500, mimetype="text/plain")


def register_errorhandlers(app: Flask) -> None:
    """Install the handlers; the API object's own HTTP handler delegates here."""
    app.register_error_handler(ApiError, handle_api_error)
    app.register_error_handler(IntegrityError, handle_integrity_error)
    app.register_error_handler(DataError, handle_data_error)
    app.register_error_handler(OperationalError, handle_storage_down)
    app.register_error_handler(DisconnectionError, handle_storage_down)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
