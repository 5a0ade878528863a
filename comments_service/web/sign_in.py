"""The pages of a reader's sign-in: an OIDC popup's start and callback, a mailed link's page, the session's handoff.

The last page hands the session token to the blog page by ``postMessage``
(to the opener, and only to the blog origin the sign-in started from, one of
CORS_ORIGINS), or, when it has no opener (a mailed link opened from a mail
client), by going back to the blog page with the token in the URL fragment.
A mailed link's GET only shows its button; the POST uses the link.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request
from werkzeug.wrappers import Response

from .. import mail_sign_in, oidc
from ..errors import ApiError
from . import security

bp = Blueprint("accounts", __name__, url_prefix="/accounts", template_folder="templates", static_folder="static")


@bp.after_request
def _headers(response: Response) -> Response:
    security.add_headers(response)
    # Tokens are in these pages and their addresses: never sent on, never kept.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def _handoff(origin: str, result: dict[str, Any], back: str) -> str:
    origin = oidc.allowed_origin(origin)  # still listed now, not only when the sign-in began
    handoff = {"origin": origin, "session": result["session"], "reader": result["reader"], "back": back}
    return render_template("accounts/handoff.html", handoff=handoff, result=result, back=back)


@bp.get("/oidc/<name>/start")
def oidc_start(name: str) -> Any:
    """Send the popup to the provider, the sign-in kept server-side by its state."""
    return redirect(oidc.start(name, request.args.get("origin", "")), code=303)


@bp.get(oidc.CALLBACK_PATH.removeprefix("/accounts"))
def oidc_callback() -> Any:
    """Finish the sign-in the provider sent back, and hand the session to the blog page."""
    origin, result = oidc.finish(request.args.get("state", ""), request.args.get("code"), request.args.get("error"))
    return _handoff(origin, result, origin + "/")


@bp.get("/mail/<token>")
def mail_page(token: str) -> Any:
    """Show the sign-in button of a mailed link (nothing changes yet)."""
    return render_template("accounts/mail.html", link=mail_sign_in.look(token))


@bp.post("/mail/<token>")
def mail_use(token: str) -> Any:
    """Use the mailed link once: sign in, and hand the session to the blog page."""
    link, result = mail_sign_in.use(token)
    return _handoff(link.origin, result, link.return_url)


@bp.errorhandler(ApiError)
def _api_error(error: ApiError) -> Any:
    return render_template("accounts/error.html", message=error.message), error.status
