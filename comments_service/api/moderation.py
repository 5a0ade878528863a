"""Moderation API: queue, actions, bulk, bans, audit log (moderator or admin token)."""
from __future__ import annotations

from typing import Any

from .. import auth, bans, moderation, reports, stats
from ..models import Role
from ..schemas.common import ErrorSchema
from ..schemas.moderation import (
    BanCreateSchema,
    BanListSchema,
    BanSchema,
    BulkResultSchema,
    BulkSchema,
    LogQueryArgsSchema,
    ModerationActionSchema,
    ModerationLogSchema,
    ModerationPageSchema,
    ModerationQueryArgsSchema,
)
from ..schemas.stats import StatsQueryArgsSchema, StatsSchema
from ..shapes import MODERATION_COMMENT
from .blueprint import Blueprint
from .params import BEARER

blp = Blueprint("moderation", __name__, url_prefix="/api/moderation", description="Moderation")


@blp.route("/comments")
@auth.require_role(Role.MODERATOR)
@blp.doc(security=BEARER)
@blp.arguments(ModerationQueryArgsSchema, location="query")
@blp.response(200, ModerationPageSchema)
def queue(args: dict[str, Any]) -> Any:
    """List comments by status, oldest first; search them with `q`; with reported=true, the reported ones."""
    if args["reported"]:
        return reports.queue(args["status"], args["post"], args["limit"], args["cursor"])
    return moderation.queue(args["status"], args["post"], args["limit"], args["cursor"], args["q"])


CHANGED = "The comment was edited after the version in `expected_edited_at`; nothing changed"


def _action_view(action: str) -> Any:
    @auth.require_role(Role.MODERATOR)
    @blp.doc(security=BEARER, summary=f"{action.capitalize()} a comment")
    # The body is optional: no body (and no Content-Type) loads as {}, which checks nothing.
    @blp.arguments(ModerationActionSchema, required=False)
    @blp.response(200, MODERATION_COMMENT.schema)
    @blp.alt_response(409, schema=ErrorSchema, description=CHANGED)
    def view(data: dict[str, Any], comment_id: int) -> Any:
        seen = data.get("expected_edited_at", moderation.UNCHECKED)
        return moderation.act(comment_id, action, auth.actor(), seen)

    view.__name__ = f"{action}_comment"
    return view


for _action in ("approve", "reject", "spam"):
    blp.route(f"/comments/<int(max=2147483647):comment_id>/{_action}", methods=["POST"])(_action_view(_action))


@blp.route("/comments/<int(max=2147483647):comment_id>", methods=["DELETE"])
@auth.require_role(Role.MODERATOR)
@blp.doc(security=BEARER)
@blp.response(204)
def delete_comment(comment_id: int) -> None:
    """Delete a comment (a placeholder remains while it has replies)."""
    moderation.act(comment_id, "delete", auth.actor())


@blp.route("/comments/bulk", methods=["POST"])
@auth.require_role(Role.MODERATOR)
@blp.doc(security=BEARER)
@blp.arguments(BulkSchema)
@blp.response(200, BulkResultSchema)
@blp.alt_response(409, schema=ErrorSchema, description=CHANGED + " (to any of the comments)")
def bulk(data: dict[str, Any]) -> Any:
    """Apply one action to up to 500 comments at once."""
    return {"updated": moderation.bulk(data["ids"], data["action"], auth.actor(), data["expected_edited_at"])}


@blp.route("/log")
@auth.require_role(Role.MODERATOR)
@blp.doc(security=BEARER)
@blp.arguments(LogQueryArgsSchema, location="query")
@blp.response(200, ModerationLogSchema)
def audit_log(args: dict[str, Any]) -> Any:
    """Read the audit log of moderation actions, newest first."""
    return moderation.log(args["limit"], args["cursor"], args["comment_id"])


@blp.route("/stats")
@auth.require_role(Role.MODERATOR)
@blp.doc(security=BEARER)
@blp.arguments(StatsQueryArgsSchema, location="query")
@blp.response(200, StatsSchema)
def dashboard_stats(args: dict[str, Any]) -> Any:
    """Count comments per UTC day by status, the queue, the spam checks' reasons and the most discussed posts."""
    return stats.stats(args["days"])


@blp.route("/bans", methods=["GET"])
@auth.require_role(Role.MODERATOR)
@blp.doc(security=BEARER)
@blp.response(200, BanListSchema)
def list_bans() -> Any:
    """List the bans in force, newest first."""
    return {"bans": bans.list_bans()}


@blp.route("/bans", methods=["POST"])
@auth.require_role(Role.MODERATOR)
@blp.doc(security=BEARER)
@blp.arguments(BanCreateSchema)
@blp.response(201, BanSchema)
@blp.alt_response(409, schema=ErrorSchema, description="This author is already banned")
def create_ban(data: dict[str, Any]) -> Any:
    """Ban an author by e-mail, reader hash or IP hash (or by a comment's), optionally until a time.

    A banned author's new comments are stored as spam, and the author is not told.
    """
    return bans.create_ban(data, auth.actor())


@blp.route("/bans/<int:ban_id>", methods=["DELETE"])
@auth.require_role(Role.MODERATOR)
@blp.doc(security=BEARER)
@blp.response(204)
def lift_ban(ban_id: int) -> None:
    """Lift a ban."""
    bans.lift_ban(ban_id, auth.actor())
