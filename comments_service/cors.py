"""Cross-origin reads and writes from the listed blogs' pages: flask-cors, asked only by browsers.

A blog page's script calls the API from another origin; the browser sends
``Origin`` and admits the answer only if it names that origin. flask-cors
decides the headers (the origin list, the preflight's methods, headers and
max-age). Bound to the app, its hook would run for every request, with or
without an ``Origin``, which costs a cached widget read a measurable share;
its decorator would work its options out again on every call. So the
extension is bound, as its documentation allows, to a blueprint of its own
that serves no route: the hook it registers there, options resolved once, is
kept and called only when a request under ``/api/`` carries an ``Origin``.
Every ``/api/`` answer says ``Vary: Origin`` either way, so that a shared
cache keeps each page's answer (and the answer to no page) apart.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Flask, Response, current_app, request
from flask_cors import CORS

# What a browser on a blog page may send and read across origins.
ALLOW_HEADERS = ["Content-Type", "X-Reader-Token", "X-Reader-Session", "X-Edit-Token", "Authorization",
                 "Last-Event-ID"]
EXPOSE_HEADERS = ["Retry-After"]
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
MAX_AGE = 600
API = "/api/"


class _HookHolder(Blueprint):
    """A blueprint with no route, that keeps the after-request hook an extension registers on it."""

    hook: Callable[[Response], Response] | None = None

    def after_request(self, f):  # type: ignore[no-untyped-def, override]
        """Keep ``f`` (flask-cors's hook) instead of running it for this blueprint's requests."""
        self.hook = f
        return f


def headers_for(origins: list[str]) -> Callable[[Response], Response]:
    """Return flask-cors's after-request hook for these origins, its options resolved once."""
    holder = _HookHolder("cors", __name__)
    CORS(
        holder, origins=origins, allow_headers=ALLOW_HEADERS, expose_headers=EXPOSE_HEADERS, methods=METHODS,
        max_age=MAX_AGE, always_send=False,
    )
    if holder.hook is None:
        raise RuntimeError("flask-cors registered no after-request hook")
    return holder.hook


def add_headers(response: Response) -> Response:
    """After every request: ``Vary: Origin`` on API answers, and CORS headers when a page asked."""
    if not request.path.startswith(API):
        return response
    if "HTTP_ORIGIN" in request.environ:
        cors = current_app.extensions.get("cors_headers")
        if cors is not None:
            response = cors(response)  # with several origins listed, this says Vary: Origin itself
    vary = ", ".join(response.headers.getlist("Vary"))  # the raw header: response.vary parses and rewrites it
    if not vary:
        response.headers["Vary"] = "Origin"
    elif "origin" not in vary.lower():
        response.headers["Vary"] = vary + ", Origin"
    return response


def init_app(app: Flask) -> None:
    """Answer the blog origins in CORS_ORIGINS; with none listed, no CORS header is ever sent."""
    origins = list(app.config["CORS_ORIGINS"])
    if origins:
        app.extensions["cors_headers"] = headers_for(origins)
    app.after_request(add_headers)
