"""Absolute URLs of the service itself, never built from a Host header nobody checked.

A link made from the request's ``Host`` (or ``X-Forwarded-Host``) names
whatever host the client claimed: a feed, a page or a message could then
point readers and moderators at another site. So every absolute URL the
service builds comes from here, by one rule:

- ``PUBLIC_URL`` set: every link starts with it, whatever the request says.
- ``TRUSTED_HOSTS`` set: Flask has answered a request for any other host with
  400 before a view runs, so the request's host names this service.
- neither (development only: a production run refuses to start so): the
  request's host serves the answer to that same request, and nothing that
  leaves it (a webhook message, a mail), which someone else would open.
"""
from __future__ import annotations

from flask import Flask, current_app, has_request_context, request
from werkzeug.exceptions import SecurityError


def _configured() -> str | None:
    public_url = current_app.config.get("PUBLIC_URL")
    return public_url.rstrip("/") if public_url else None


def root_url() -> str:
    """Return the service's root URL, without a trailing slash, for the answer to the current request."""
    return _configured() or request.url_root.rstrip("/")


def external_url(path: str) -> str:
    """Return the absolute URL of one of the service's paths (``/feeds/comments.atom``) for this request's answer."""
    return root_url() + "/" + path.lstrip("/")


def message_url(path: str, stored_root: str | None = None) -> str | None:
    """Return the absolute URL of ``path`` for a message read elsewhere (webhook, mail); None with no safe root.

    ``stored_root``: what :func:`host_root` said in the request that caused the
    message, for a worker composing it later (used only without ``PUBLIC_URL``).
    """
    root = _configured() or host_root() or stored_root
    return None if root is None else root + "/" + path.lstrip("/")


def host_root() -> str | None:
    """Return the root of the request's host when messages may link to it (no PUBLIC_URL, TRUSTED_HOSTS checked it)."""
    if _configured() is None and has_request_context() and current_app.config.get("TRUSTED_HOSTS"):
        return request.url_root.rstrip("/")
    return None


def refuse_untrusted_host() -> None:
    """Raise Flask's 400 for a Host outside TRUSTED_HOSTS before any other hook looks at the request."""
    if isinstance(request.routing_exception, SecurityError):
        raise request.routing_exception


def init_app(app: Flask) -> None:
    """Check the Host first: registered before every other before-request hook of the app."""
    app.before_request(refuse_untrusted_host)
