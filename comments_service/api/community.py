"""Community moderation: readers' reports; pins, dismissing reports and revisions for moderators."""
from __future__ import annotations

from typing import Any

from .. import auth, moderation, pins, ratelimit, reports, revisions
from ..models import Role
from ..schemas.common import ErrorSchema
from ..schemas.community import ReportCreateSchema, ReportResultSchema, RevisionsSchema
from ..schemas.moderation import ModerationActionSchema
from ..shapes import MODERATION_COMMENT
from .blueprint import Blueprint
from .params import BEARER, READER_TOKEN_REQUIRED

blp = Blueprint("community", __name__, url_prefix="/api", description="Community moderation")

COMMENT_PATH = "/comments/<int(max=2147483647):comment_id>"
MODERATED = "/moderation" + COMMENT_PATH


@blp.route(COMMENT_PATH + "/reports", methods=["POST"])
@ratelimit.limited("RATELIMIT_REPORTS")
@blp.doc(parameters=[READER_TOKEN_REQUIRED])
@blp.arguments(ReportCreateSchema)
@blp.response(201, ReportResultSchema, description="The reader's first report of this comment")
@blp.alt_response(200, schema=ReportResultSchema, description="This reader reported it before: counted once")
@blp.alt_response(404, schema=ErrorSchema, description="No such public comment")
@blp.alt_response(429, schema=ErrorSchema, description="Too many reports from this address; see Retry-After")
def report_comment(data: dict[str, Any], comment_id: int) -> Any:
    """Report a published comment to the moderators (once per reader token)."""
    answer, new = reports.report(comment_id, auth.reader_hash(required=True), data["reason"], data["note"])
    return answer, 201 if new else 200


def _pin_view(pinned: bool) -> Any:
    @auth.require_role(Role.MODERATOR)
    @blp.doc(security=BEARER, summary="Pin a comment" if pinned else "Unpin a comment")
    @blp.response(200, MODERATION_COMMENT.schema)
    @blp.alt_response(409, schema=ErrorSchema, description="Not a published top-level comment")
    def view(comment_id: int) -> Any:
        return pins.set_pinned(comment_id, pinned, auth.actor())

    view.__name__ = "pin_comment" if pinned else "unpin_comment"
    return view


blp.route(MODERATED + "/pin", methods=["POST"])(_pin_view(True))
blp.route(MODERATED + "/unpin", methods=["POST"])(_pin_view(False))


@blp.route(MODERATED + "/reports/dismiss", methods=["POST"])
@auth.require_role(Role.MODERATOR)
@blp.doc(security=BEARER)
@blp.arguments(ModerationActionSchema, required=False)
@blp.response(200, MODERATION_COMMENT.schema)
@blp.alt_response(409, schema=ErrorSchema, description="No open reports, or edited since `expected_edited_at`")
def dismiss_reports(data: dict[str, Any], comment_id: int) -> Any:
    """Dismiss a comment's reports: it stays (published again if the reports hid it), the reports stop counting."""
    seen = data.get("expected_edited_at", moderation.UNCHECKED)
    return reports.dismiss(comment_id, auth.actor(), seen)


@blp.route(MODERATED + "/revisions")
@auth.require_role(Role.MODERATOR)
@blp.doc(security=BEARER)
@blp.response(200, RevisionsSchema)
def comment_revisions(comment_id: int) -> Any:
    """Read the earlier texts of an edited comment, oldest first."""
    return revisions.history(comment_id)
