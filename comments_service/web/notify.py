"""The pages that links in reply mails open: confirm an address, stop one thread, stop all mail (RFC 8058).

A GET only shows the page and its button (mail scanners open links; they
must change nothing); the button's POST acts. The token in the link is the
proof, so the forms need no session and no CSRF token: nobody can make a
working form without having the mail. ``List-Unsubscribe-Post`` clients
POST ``List-Unsubscribe=One-Click`` to the stop-all URL: the same POST, no
login, no further step, 200.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from werkzeug.wrappers import Response

from .. import mail_links, subscriptions
from ..errors import ApiError
from . import security

bp = Blueprint("notify", __name__, url_prefix="/notifications", template_folder="templates",
               static_folder="static")

PREFIX = "/notifications"
RESUME = "/resume/<token>"


def _route(kind: str) -> str:
    return mail_links.PATHS[kind].removeprefix(PREFIX)


@bp.after_request
def _headers(response: Response) -> Response:
    security.add_headers(response)
    # The token is in the address: never send it on to a page this one links to.
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get(_route("confirm"))
def confirm_page(token: str) -> Any:
    """Show what confirming means, with the button (nothing changes yet)."""
    found = subscriptions.look("confirm", token)
    return render_template("notify/confirm.html", found=found, posts=subscriptions.open_posts(found.address))


@bp.post(_route("confirm"))
def confirm(token: str) -> Any:
    """Confirm the address: its subscriptions go live."""
    found = subscriptions.confirm(token)
    return render_template("notify/confirm.html", found=found, posts=[])


def _stop_page(found: subscriptions.Found, token: str, thread: bool) -> str:
    address = found.address
    all_token = mail_links.sign("all", address.id, address.email)
    return render_template(
        "notify/stop.html", found=found, thread=thread,
        stop_all=mail_links.url("all", all_token, ""), resume=PREFIX + RESUME.replace("<token>", all_token),
    )


@bp.get(_route("all"))
def stop_all_page(token: str) -> Any:
    """Show the button that stops every mail to the address."""
    return _stop_page(subscriptions.look("all", token), token, thread=False)


@bp.post(_route("all"))
def stop_all(token: str) -> Any:
    """Stop every mail to the address: the page's button, or a mail client's one-click POST."""
    return _stop_page(subscriptions.stop_all(token), token, thread=False)


@bp.post(RESUME)
def resume(token: str) -> Any:
    """Allow mail to the address again (its owner changed their mind)."""
    found = subscriptions.resume(token)
    return render_template("notify/confirm.html", found=found, posts=[])


@bp.get(_route("thread"))
def stop_thread_page(token: str) -> Any:
    """Show the button that stops the mails of one thread."""
    return _stop_page(subscriptions.look("thread", token), token, thread=True)


@bp.post(_route("thread"))
def stop_thread(token: str) -> Any:
    """Stop the mails of one thread."""
    return _stop_page(subscriptions.stop_thread(token), token, thread=True)


@bp.errorhandler(ApiError)
def _api_error(error: ApiError) -> Any:
    return render_template("notify/error.html", message=error.message), error.status
