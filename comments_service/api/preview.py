"""The comment form's Markdown preview: rendered and sanitized by the server, as a posted comment would be."""
from __future__ import annotations

from typing import Any

from .. import comment_writes, ratelimit
from ..schemas.comments import CommentEditSchema, PreviewSchema
from ..schemas.common import ErrorSchema
from .blueprint import Blueprint

blp = Blueprint("preview", __name__, url_prefix="/api", description="The comment form's preview")


@blp.route("/preview", methods=["POST"])
@ratelimit.limited("RATELIMIT_PREVIEWS")
@blp.arguments(CommentEditSchema())
@blp.response(200, PreviewSchema)
@blp.alt_response(429, schema=ErrorSchema, description="Too many previews from this address; see Retry-After")
def preview(data: dict[str, Any]) -> Any:
    """Render a comment's Markdown body as the thread would show it; nothing is stored."""
    return comment_writes.preview(data["body"])
