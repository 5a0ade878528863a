"""The moderators' page (``/moderate``): work the queue, ban, read the audit log.

Server-rendered forms that call the same domain functions as the API, so
every action lands in the audit log as ``user:<name>``. Only ``body_html``
(sanitized when stored) is rendered as HTML; everything else is escaped.
Logging in and out is in ``desk_auth.py``, the error pages in ``desk_errors.py``.
"""
from __future__ import annotations

from typing import Any

from flask import Flask, flash, g, render_template, request
from werkzeug.wrappers import Response

from .. import bans, live, moderation, reports, stats
from ..schemas.moderation import LogQueryArgsSchema, ModerationQueryArgsSchema
from ..schemas.stats import StatsQueryArgsSchema
from . import charts, desk_errors, filters, security
from .desk import back, bp, load
from .desk_auth import login_required  # and with it the login views
from .forms import ActFormSchema, BanFormSchema, BulkFormSchema, act_fields, bulk_fields

DONE = {"approve": "Approved", "reject": "Rejected", "spam": "Marked as spam", "delete": "Deleted"}
CHANGED = "Comment #{} was edited after you opened the page; read the new text before you decide."


@bp.get("")
@login_required
def queue() -> Any:
    """Show comments of one status, a search's results, or the reported ones (most reported first), with the counts."""
    # The search form sends its untouched fields (post, status "any") blank: left out, not wrong.
    args = load(ModerationQueryArgsSchema(), {k: v for k, v in request.args.items() if v.strip()})
    data = reports.desk_page(args["status"], args["post"], args["limit"], args["cursor"], args["reported"], args["q"])
    # Where the desk's live stream stood as the page was read: the page follows it from there (a search does not).
    since = None if args["q"] else live.desk_since()
    return render_template("moderate/queue.html", args=args, live_since=since, **data)


@bp.get("/dashboard")
@login_required
def dashboard() -> Any:
    """Show how moderation goes: comments per day by status, the queue, spam reasons, the most discussed posts."""
    args = load(StatsQueryArgsSchema(), request.args)
    data = stats.stats(args["days"])
    return render_template("moderate/dashboard.html", args=args, stats=data, **charts.dashboard(data))


@bp.post("/comments/<row_id:comment_id>/<any(approve, reject, spam, delete):action>")
@login_required
def act(comment_id: int, action: str) -> Any:
    """Approve, reject, mark as spam or delete one comment, as the page showed it."""
    form = load(ActFormSchema(), act_fields(request.form, comment_id))
    try:
        moderation.act(comment_id, action, g.actor, form["seen"].get(comment_id, moderation.UNCHECKED))
    except moderation.CommentChanged as changed:
        return _changed(changed)
    flash(f"{DONE[action]} comment #{comment_id}.", "success")
    return back()


@bp.post("/bulk")
@login_required
def bulk() -> Any:
    """Apply one action to the checked comments."""
    form = load(BulkFormSchema(), bulk_fields(request.form))
    try:
        updated = moderation.bulk(form["ids"], form["action"], g.actor, form["seen"])
    except moderation.CommentChanged as changed:
        return _changed(changed, "None of the selected comments was changed.")
    flash(f"{DONE[form['action']]} {updated} comment{'s' if updated != 1 else ''}.", "success")
    return back()


def _changed(changed: moderation.CommentChanged, *more: str) -> Response:
    # Back to the queue, which now shows the new text.
    for comment_id in changed.ids:
        flash(CHANGED.format(comment_id), "error")
    for message in more:
        flash(message, "error")
    return back()


@bp.get("/bans")
@login_required
def ban_list() -> Any:
    """Show the bans in force, with a form for a new one."""
    return render_template("moderate/bans.html", bans=bans.list_bans())


@bp.post("/bans")
@login_required
def ban_create() -> Any:
    """Ban an author, from a queue item or by value."""
    ban = bans.create_ban(load(BanFormSchema(), request.form.to_dict()), g.actor)
    flash(f"Banned by {filters.BAN_KINDS[ban.kind]}: new comments from this author go to spam.", "success")
    return back()


@bp.post("/bans/<row_id:ban_id>/lift")
@login_required
def ban_lift(ban_id: int) -> Any:
    """Lift a ban."""
    bans.lift_ban(ban_id, g.actor)
    flash("Ban lifted.", "success")
    return back()


@bp.get("/log")
@login_required
def audit_log() -> Any:
    """Show the audit log, newest first."""
    args = load(LogQueryArgsSchema(), request.args)
    return render_template("moderate/log.html", args=args, **moderation.log(args["limit"], args["cursor"]))


def init_app(app: Flask) -> None:
    """Register the desk: its pages, its session cookie, its error pages and its template filters."""
    app.session_interface = security.SessionInterface()
    filters.register(app)
    desk_errors.init_app(app)
    app.register_blueprint(bp)
