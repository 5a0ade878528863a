"""Comments: the public thread, and readers posting, editing and deleting."""
from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask.views import MethodView

from .. import auth, comment_writes, ratelimit, threads
from ..schemas.comments import CommentCreateSchema, CommentEditSchema, ThreadQueryArgsSchema, ThreadSchema
from ..schemas.common import ErrorSchema
from ..shapes import COMMENT_CREATED, COMMENT_STATUS
from .blueprint import Blueprint, json_response
from .params import EDIT_TOKEN, READER_TOKEN

blp = Blueprint("comments", __name__, url_prefix="/api", description="Comment threads")


@blp.route("/posts/<slug>/comments")
class ThreadResource(MethodView):
    @blp.doc(parameters=[READER_TOKEN])
    @blp.arguments(ThreadQueryArgsSchema(), location="query")
    @blp.response(200, ThreadSchema)
    def get(self, args: dict[str, Any], slug: str) -> Any:
        """Read a page of approved top-level comments with their replies."""
        thread = threads.thread_json(slug, args["sort"], args["limit"], args["cursor"], auth.reader_hash())
        return json_response(thread)

    @ratelimit.limited("RATELIMIT_COMMENTS")
    @blp.doc(parameters=[READER_TOKEN])
    @blp.arguments(CommentCreateSchema())  # one instance: not built again for every comment
    @blp.response(201, COMMENT_CREATED.schema)
    @blp.alt_response(409, schema=ErrorSchema, description="The same text from the same author a moment ago")
    @blp.alt_response(429, schema=ErrorSchema, description="Too many comments from this address; see Retry-After")
    def post(self, data: dict[str, Any], slug: str) -> Any:
        """Post a comment or a reply."""
        comment = comment_writes.create_comment(slug, data, auth.reader_hash(), request.remote_addr)
        # Dumped by the shape from what was written: the row is not read back.
        response = current_app.json.response(COMMENT_CREATED.dump(comment))
        response.status_code = 201
        return response


TOO_MANY_EDITS = "Too many edits and deletes from this address; see Retry-After"


@blp.route("/comments/<int(max=2147483647):comment_id>")
class CommentResource(MethodView):
    # Counted before the body or the token is looked at: a refused edit costs no rendering.
    @ratelimit.limited("RATELIMIT_EDITS")
    @blp.doc(parameters=[EDIT_TOKEN])
    @blp.arguments(CommentEditSchema)
    @blp.response(200, COMMENT_STATUS.schema)
    @blp.alt_response(429, schema=ErrorSchema, description=TOO_MANY_EDITS)
    def patch(self, data: dict[str, Any], comment_id: int) -> Any:
        """Edit one's own comment within the edit window."""
        return comment_writes.edit_comment(comment_id, request.headers.get("X-Edit-Token"), data["body"])

    @ratelimit.limited("RATELIMIT_EDITS")
    @blp.doc(parameters=[EDIT_TOKEN])
    @blp.response(204)
    @blp.alt_response(429, schema=ErrorSchema, description=TOO_MANY_EDITS)
    def delete(self, comment_id: int) -> None:
        """Delete one's own comment within the edit window."""
        comment_writes.delete_own_comment(comment_id, request.headers.get("X-Edit-Token"))
