"""The desk's own error pages: every error under /moderate answers an HTML page, never the API's JSON.

A mistake a moderator can mend (nothing selected, a comment gone or changed
meanwhile, a bad ban value) is a message on the page the form came from.
Anything else, raised here or anywhere under /moderate (an unknown path, an
id beyond any id, a forged or unreadable form, the database away), is the
desk's error page with the fitting 4xx or 503 status.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, flash, render_template, request, url_for
from werkzeug.wrappers import Response

from .. import ratelimit
from ..errors import ApiError, add_error_pages, in_words
from . import security
from .desk import PREFIX, back, bp

# Answered on the page the form came from, as a message.
MENDABLE = (404, 409, 422)


def error_page(status: int, message: str, headers: Mapping[str, str]) -> Response:
    """Render the desk's error page."""
    response = Response(render_template("moderate/error.html", status=status, message=message), status,
                        headers=dict(headers), mimetype="text/html")
    return security.add_headers(response)


@bp.errorhandler(ratelimit.RateLimited)
def _rate_limited(error: ratelimit.RateLimited) -> Any:
    message = f"Too many attempts. Try again in {error.retry_after} seconds."
    page = render_template("moderate/login.html", error=message, next=url_for("moderate.queue"))
    return page, 429, {"Retry-After": str(error.retry_after)}


@bp.errorhandler(ApiError)
def _api_error(error: ApiError) -> Any:
    message = in_words(error.message, error.fields)
    if request.method == "POST" and error.status in MENDABLE:
        flash(message, "error")
        return back()
    return error_page(error.status, message, error.headers)


def init_app(app: Flask) -> None:
    """Answer every error under the desk's path with its page."""
    add_error_pages(app, PREFIX, error_page)
