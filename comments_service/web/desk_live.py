"""The desk's live stream (``/moderate/events``): which comments took a place in its lists, for a desk session only.

The same hub and store as the readers' streams, in a scope of its own
(``live.DESK``) that no reader's route can name. Each ``queued`` event holds a
comment's id, post, status and whether a report listed it: never its text,
which the page reads from the queue itself. Without a desk session the guard
answers as for every desk page (a redirect to the login form).
"""
from __future__ import annotations

from flask import Response, request

from .. import live
from .moderate import bp, login_required


@bp.get("/events")
@login_required
def desk_events() -> Response:
    """Follow the desk's lists: an event per comment that entered one (text/event-stream)."""
    last = request.headers.get("Last-Event-ID") or request.args.get("last_event_id") or None
    response = Response(live.desk_stream(last), mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-cache, no-store"  # pending comments' ids: never in a shared cache
    response.headers["X-Accel-Buffering"] = "no"  # a buffering proxy in front passes each event at once
    return response
