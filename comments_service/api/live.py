"""Live updates: the event streams of a post and of the whole site (text/event-stream)."""
from __future__ import annotations

from collections.abc import Iterator

from flask import Response, request

from .. import live
from .blueprint import Blueprint

blp = Blueprint("live", __name__, url_prefix="/api", description="Live updates: server-sent events")

LAST_EVENT_ID = {
    "in": "header", "name": "Last-Event-ID", "required": False, "schema": {"type": "string", "maxLength": 64},
    "description": "The id of the last event received (EventSource sends it on reconnecting).",
}
LAST_EVENT_QUERY = {
    "in": "query", "name": "last_event_id", "required": False, "schema": {"type": "string", "maxLength": 64},
    "description": "The same, for a page that opens a new EventSource (which cannot set headers).",
}
WITH_SITE = {
    "in": "query", "name": "site", "required": False, "schema": {"type": "boolean"},
    "description": "Also the site's events (site-comment, site-comment-removed, site-counts): one stream per page.",
}
# Each event of the stream (what an EventSource dispatches): its data is JSON text.
EVENT = {"type": "object", "properties": {
    "id": {"type": "string"}, "retry": {"type": "integer"},
    "event": {"type": "string", "enum": ["comment", "comment-updated", "comment-removed", "counts", "reset",
                                         "site-comment", "site-comment-updated", "site-comment-removed",
                                         "site-counts", "message"]},
    "data": {"type": "string"},
}}
STREAM = {"200": {"description": "An endless text/event-stream: comment, comment-updated, comment-removed, counts, "
                                 "reset; a comment line at least every 15 s.",
                  "content": {"text/event-stream": {"schema": EVENT}}}}


def _last_event_id() -> str | None:
    return request.headers.get("Last-Event-ID") or request.args.get("last_event_id") or None


def _answer(frames: Iterator[bytes]) -> Response:
    response = Response(frames, mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-cache, no-store"
    response.headers["X-Accel-Buffering"] = "no"  # a buffering proxy in front passes each event at once
    return response


@blp.route("/posts/<slug>/events")
@blp.doc(parameters=[LAST_EVENT_ID, LAST_EVENT_QUERY, WITH_SITE], responses=STREAM)
def post_events(slug: str) -> Response:
    """Follow a post: its comments as they become public, change or go, and its counts."""
    with_site = request.args.get("site", "").lower() in ("1", "true", "yes")
    return _answer(live.post_stream(slug, _last_event_id(), with_site))


@blp.route("/events")
@blp.doc(parameters=[LAST_EVENT_ID, LAST_EVENT_QUERY], responses=STREAM)
def site_events() -> Response:
    """Follow the whole site: new and changed comments (recent-comments items) and every post's counts."""
    return _answer(live.site_stream(_last_event_id()))
