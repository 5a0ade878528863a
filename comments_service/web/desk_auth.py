"""Who sits at the desk: logging in and out, and the guard that checks the server-side session of every request.

The signed cookie holds the session's random id (and the CSRF token and
flash messages); whether the session still holds is the database's answer
(desk_sessions.py), asked on every request, so that a session ended on one
process is ended on all of them.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import flash, g, redirect, render_template, request, session, url_for

from .. import desk_sessions, ratelimit, users
from .desk import bp, load, safe_next
from .forms import LoginFormSchema

F = TypeVar("F", bound=Callable[..., Any])

SESSION_KEY = "sid"


def login_required(view: F) -> F:
    """Let the holder of a live desk session through; send others to the login form, changing nothing."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        user = desk_sessions.resolve(session.get(SESSION_KEY))
        if user is None:
            session.pop(SESSION_KEY, None)
            target = request.full_path.rstrip("?") if request.method == "GET" else None
            return redirect(url_for("moderate.login", next=target), 303)
        g.user = user
        g.actor = f"user:{user.username}"
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


@bp.get("/login")
def login() -> Any:
    """Show the login form."""
    return render_template("moderate/login.html", next=safe_next(request.args.get("next")))


@bp.post("/login")
@ratelimit.limited("RATELIMIT_LOGIN")
def login_post() -> Any:
    """Log a moderator in: a new server-side session, and a fresh cookie (new CSRF token) for it."""
    form = load(LoginFormSchema(), request.form)
    user = users.check_login(form["username"], form["password"])
    if user is None:
        page = render_template(
            "moderate/login.html", error="Wrong username or password.", username=form["username"],
            next=safe_next(request.form.get("next")),
        )
        return page, 401
    # A session this browser held before ends; a token planted before login is worth nothing after.
    desk_sessions.end(session.get(SESSION_KEY))
    session.clear()
    session[SESSION_KEY] = desk_sessions.start(user)
    return redirect(safe_next(request.form.get("next")), 303)


@bp.post("/logout")
def logout() -> Any:
    """Log out: end the session on the server (every copy of the cookie with it) and forget the cookie."""
    desk_sessions.end(session.get(SESSION_KEY))
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("moderate.login"), 303)
