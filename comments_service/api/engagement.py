"""Likes on posts and comments, one per reader token; likes and unlikes share one rate limit."""
from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from .. import auth, engagement, ratelimit
from ..schemas import ErrorSchema, LikeStateSchema
from .params import READER_TOKEN_REQUIRED

blp = Blueprint("likes", __name__, url_prefix="/api", description="Likes")

TOO_MANY = "Too many likes from this address; see Retry-After"


@blp.route("/posts/<slug>/likes")
class PostLikes(MethodView):
    @ratelimit.limited("RATELIMIT_LIKES")
    @blp.doc(parameters=[READER_TOKEN_REQUIRED])
    @blp.response(200, LikeStateSchema)
    @blp.alt_response(429, schema=ErrorSchema, description=TOO_MANY)
    def post(self, slug: str) -> Any:
        """Like a post (once per reader token)."""
        return engagement.like_post(slug, auth.reader_hash(required=True))

    @ratelimit.limited("RATELIMIT_LIKES")
    @blp.doc(parameters=[READER_TOKEN_REQUIRED])
    @blp.response(200, LikeStateSchema)
    @blp.alt_response(429, schema=ErrorSchema, description=TOO_MANY)
    def delete(self, slug: str) -> Any:
        """Take back this reader's like of a post."""
        return engagement.unlike_post(slug, auth.reader_hash(required=True))


@blp.route("/comments/<int(max=2147483647):comment_id>/likes")
class CommentLikes(MethodView):
    @ratelimit.limited("RATELIMIT_LIKES")
    @blp.doc(parameters=[READER_TOKEN_REQUIRED])
    @blp.response(200, LikeStateSchema)
    @blp.alt_response(429, schema=ErrorSchema, description=TOO_MANY)
    def post(self, comment_id: int) -> Any:
        """Like an approved comment (once per reader token)."""
        return engagement.like_comment(comment_id, auth.reader_hash(required=True))

    @ratelimit.limited("RATELIMIT_LIKES")
    @blp.doc(parameters=[READER_TOKEN_REQUIRED])
    @blp.response(200, LikeStateSchema)
    @blp.alt_response(429, schema=ErrorSchema, description=TOO_MANY)
    def delete(self, comment_id: int) -> Any:
        """Take back this reader's like of a comment."""
        return engagement.unlike_comment(comment_id, auth.reader_hash(required=True))
