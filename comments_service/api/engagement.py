"""Likes on posts and comments, one per reader token.

A blueprint of its own so that a rate limit can be put on all of it at once.
"""
from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from .. import auth, engagement
from ..schemas import LikeStateSchema
from .params import READER_TOKEN_REQUIRED

blp = Blueprint("likes", __name__, url_prefix="/api", description="Likes")


@blp.route("/posts/<slug>/likes")
class PostLikes(MethodView):
    @blp.doc(parameters=[READER_TOKEN_REQUIRED])
    @blp.response(200, LikeStateSchema)
    def post(self, slug: str) -> Any:
        """Like a post (once per reader token)."""
        return engagement.like_post(slug, auth.reader_hash(required=True))

    @blp.doc(parameters=[READER_TOKEN_REQUIRED])
    @blp.response(200, LikeStateSchema)
    def delete(self, slug: str) -> Any:
        """Take back this reader's like of a post."""
        return engagement.unlike_post(slug, auth.reader_hash(required=True))


@blp.route("/comments/<int:comment_id>/likes")
class CommentLikes(MethodView):
    @blp.doc(parameters=[READER_TOKEN_REQUIRED])
    @blp.response(200, LikeStateSchema)
    def post(self, comment_id: int) -> Any:
        """Like an approved comment (once per reader token)."""
        return engagement.like_comment(comment_id, auth.reader_hash(required=True))

    @blp.doc(parameters=[READER_TOKEN_REQUIRED])
    @blp.response(200, LikeStateSchema)
    def delete(self, comment_id: int) -> Any:
        """Take back this reader's like of a comment."""
        return engagement.unlike_comment(comment_id, auth.reader_hash(required=True))
