"""The moderators' page (``/moderate``): log in, work the queue, ban, read the audit log.

Server-rendered forms that call the same domain functions as the API, so
every action lands in the audit log as ``user:<name>``. Only ``body_html``
(sanitized when stored) is rendered as HTML; everything else is escaped.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, Flask, flash, g, redirect, render_template, request, session, url_for
from marshmallow import Schema, ValidationError
from werkzeug.wrappers import Response

from .. import bans, moderation, ratelimit, slugs, users
from ..errors import ApiError, flatten_messages
from ..schemas.moderation import LogQueryArgsSchema, ModerationQueryArgsSchema
from . import filters, security
from .forms import ActFormSchema, BanFormSchema, BulkFormSchema, LoginFormSchema, act_fields, bulk_fields

F = TypeVar("F", bound=Callable[..., Any])

bp = Blueprint(
    "moderate", __name__, url_prefix="/moderate", template_folder="templates", static_folder="static"
)
bp.before_request(security.check_csrf)
bp.after_request(security.add_headers)

DONE = {"approve": "Approved", "reject": "Rejected", "spam": "Marked as spam", "delete": "Deleted"}
CHANGED = "Comment #{} was edited after you opened the page; read the new text before you decide."


@bp.context_processor
def _template_globals() -> dict[str, Any]:
    return {"csrf_token": security.csrf_token, "user": g.get("user"), "csrf_field": security.CSRF_FIELD,
            "slug_pattern": slugs.PATTERN}


def _load(schema: Schema, data: Mapping[str, Any]) -> dict[str, Any]:
    try:
        return schema.load(data)  # type: ignore[no-any-return]
    except ValidationError as error:
        fields = flatten_messages(error.messages)
        raise ApiError(422, "validation_error", "The form did not validate.", fields) from None


def _safe_next(target: str | None) -> str:
    # Only back into this page: never an open redirect to another site.
    if target and target.startswith("/moderate") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("moderate.queue")


def _back() -> Response:
    return redirect(_safe_next(request.form.get("next")), 303)


def login_required(view: F) -> F:
    """Let a logged-in moderator or admin through; send others to the login form."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        user = users.user_for_session(session.get("user_id"), session.get("stamp"))
        if user is None:
            target = request.full_path.rstrip("?") if request.method == "GET" else None
            return redirect(url_for("moderate.login", next=target), 303)
        g.user = user
        g.actor = f"user:{user.username}"
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


@bp.get("/login")
def login() -> Any:
    """Show the login form."""
    return render_template("moderate/login.html", next=_safe_next(request.args.get("next")))


@bp.post("/login")
@ratelimit.limited("RATELIMIT_LOGIN")
def login_post() -> Any:
    """Log a moderator in: a fresh session (new CSRF token) on success."""
    form = _load(LoginFormSchema(), request.form)
    user = users.check_login(form["username"], form["password"])
    if user is None:
        page = render_template(
            "moderate/login.html", error="Wrong username or password.", username=form["username"],
            next=_safe_next(request.form.get("next")),
        )
        return page, 401
    # A new session on login, so that a token planted before it is worth nothing after.
    session.clear()
    session["user_id"] = user.id
    session["stamp"] = users.session_stamp(user)
    return redirect(_safe_next(request.form.get("next")), 303)


@bp.post("/logout")
def logout() -> Any:
    """Log out: forget the whole session."""
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("moderate.login"), 303)


@bp.get("")
@login_required
def queue() -> Any:
    """Show comments of one status, oldest first, with the counts per status."""
    args = _load(ModerationQueryArgsSchema(), request.args)
    data = moderation.desk(args["status"], args["post"], args["limit"], args["cursor"])
    return render_template("moderate/queue.html", args=args, **data)


@bp.post("/comments/<int:comment_id>/<any(approve, reject, spam, delete):action>")
@login_required
def act(comment_id: int, action: str) -> Any:
    """Approve, reject, mark as spam or delete one comment, as the page showed it."""
    form = _load(ActFormSchema(), act_fields(request.form, comment_id))
    try:
        moderation.act(comment_id, action, g.actor, form["seen"].get(comment_id, moderation.UNCHECKED))
    except moderation.CommentChanged as changed:
        return _changed(changed)
    flash(f"{DONE[action]} comment #{comment_id}.", "success")
    return _back()


@bp.post("/bulk")
@login_required
def bulk() -> Any:
    """Apply one action to the checked comments."""
    form = _load(BulkFormSchema(), bulk_fields(request.form))
    try:
        updated = moderation.bulk(form["ids"], form["action"], g.actor, form["seen"])
    except moderation.CommentChanged as changed:
        return _changed(changed, "None of the selected comments was changed.")
    flash(f"{DONE[form['action']]} {updated} comment{'s' if updated != 1 else ''}.", "success")
    return _back()


def _changed(changed: moderation.CommentChanged, *more: str) -> Response:
    # Back to the queue, which now shows the new text.
    for comment_id in changed.ids:
        flash(CHANGED.format(comment_id), "error")
    for message in more:
        flash(message, "error")
    return _back()


@bp.get("/bans")
@login_required
def ban_list() -> Any:
    """Show the bans in force, with a form for a new one."""
    return render_template("moderate/bans.html", bans=bans.list_bans())


@bp.post("/bans")
@login_required
def ban_create() -> Any:
    """Ban an author, from a queue item or by value."""
    ban = bans.create_ban(_load(BanFormSchema(), request.form.to_dict()), g.actor)
    flash(f"Banned by {filters.BAN_KINDS[ban.kind]}: new comments from this author go to spam.", "success")
    return _back()


@bp.post("/bans/<int:ban_id>/lift")
@login_required
def ban_lift(ban_id: int) -> Any:
    """Lift a ban."""
    bans.lift_ban(ban_id, g.actor)
    flash("Ban lifted.", "success")
    return _back()


@bp.get("/log")
@login_required
def audit_log() -> Any:
    """Show the audit log, newest first."""
    args = _load(LogQueryArgsSchema(), request.args)
    return render_template("moderate/log.html", args=args, **moderation.log(args["limit"], args["cursor"]))


@bp.errorhandler(ratelimit.RateLimited)
def _rate_limited(error: ratelimit.RateLimited) -> Any:
    message = f"Too many attempts. Try again in {error.retry_after} seconds."
    page = render_template("moderate/login.html", error=message, next=url_for("moderate.queue"))
    return page, 429, {"Retry-After": str(error.retry_after)}


@bp.errorhandler(ApiError)
def _api_error(error: ApiError) -> Any:
    message = error.message
    if error.fields:
        message += " " + " ".join(" ".join(texts) for texts in error.fields.values())
    if request.method == "POST" and error.status in (404, 409, 422):
        flash(message, "error")
        return _back()
    return render_template("moderate/error.html", status=error.status, message=message), error.status


@bp.errorhandler(security.CsrfError)
def _csrf_error(error: security.CsrfError) -> Any:
    return render_template("moderate/error.html", status=400, message=error.description), 400


def init_app(app: Flask) -> None:
    """Register the page, its session cookie and its template filters."""
    app.session_interface = security.SessionInterface()
    filters.register(app)
    app.register_blueprint(bp)
