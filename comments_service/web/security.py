"""Browser safety for the moderation page: CSRF tokens, security headers, the session cookie.

The page is a classic form-post application. Every state-changing request
must carry the session's CSRF token (a form field, or a header for scripts);
without it the answer is 400, never a redirect. The session cookie is
HttpOnly and SameSite=Lax always, and Secure whenever the request came over
https (directly or through a trusted proxy).
"""
from __future__ import annotations

import hmac
import secrets

from flask import Flask, Request, Response, has_request_context, request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from werkzeug.exceptions import BadRequest

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# No inline script or style anywhere: the page's one script and one stylesheet are files; it connects only home.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",  # the desk's live stream (EventSource) and its queue reload (fetch)
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)


class CsrfError(BadRequest):
    """A state-changing request without this session's CSRF token."""

    description = "This form has expired or did not come from this page. Reload the page and try again."


def csrf_token() -> str:
    """Return this session's CSRF token, creating it on first use."""
    token = session.get("csrf")
    if not isinstance(token, str) or not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def check_csrf() -> None:
    """Refuse a state-changing request that lacks the session's CSRF token (400)."""
    if request.method in SAFE_METHODS:
        return
    sent = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    expected = session.get("csrf")
    if not isinstance(expected, str) or not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfError()


def add_headers(response: Response) -> Response:
    """Add the security headers every moderation page answers with."""
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    # Pages hold e-mails and unpublished text: never keep them in a shared cache.
    if response.mimetype == "text/html":
        response.headers["Cache-Control"] = "no-store"
    return response


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, marked Secure whenever the request is https."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """Start an empty session at no cost when no session cookie was sent, else read it.

        Flask builds the cookie signer on every request otherwise, and the API,
        read on every blog page view, never receives the cookie.
        """
        if request.path.startswith("/api/"):
            # The API is stateless (tokens in headers): it never reads or writes the desk's
            # cookie session, so a desk cookie cannot act through it, and it pays nothing for one.
            return None
        # Looking at the raw header first spares parsing an absent Cookie header.
        if app.secret_key and (
            "HTTP_COOKIE" not in request.environ or self.get_cookie_name(app) not in request.cookies
        ):
            return self.session_class()
        return super().open_session(app, request)

    def get_cookie_secure(self, app: Flask) -> bool:
        """Tell whether the cookie gets the Secure flag."""
        configured = bool(app.config["SESSION_COOKIE_SECURE"])
        return configured or (has_request_context() and request.is_secure)
