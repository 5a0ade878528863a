"""Likes on posts and comments, one per reader token; likes and unlikes share one rate limit per address."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.views import MethodView

from .. import auth, engagement, ratelimit
from ..schemas.comments import LikeStateSchema
from ..schemas.common import ErrorSchema
from .blueprint import Blueprint
from .params import READER_TOKEN_REQUIRED

blp = Blueprint("likes", __name__, url_prefix="/api", description="Likes")

TOO_MANY = "Too many likes from this address, or on this post from this address; see Retry-After"
UNKNOWN_POST = "No such post: a like creates none unless AUTO_CREATE_POSTS_FOR_LIKES is on"


def like_endpoint(view: Callable[..., Any]) -> Callable[..., Any]:
    """Give a like view what all four share: the likes rate limit, the token parameter, its answers."""
    view = blp.alt_response(429, schema=ErrorSchema, description=TOO_MANY)(view)
    view = blp.response(200, LikeStateSchema)(view)
    view = blp.doc(parameters=[READER_TOKEN_REQUIRED])(view)
    return ratelimit.limited("RATELIMIT_LIKES")(view)


@blp.route("/posts/<slug>/likes")
class PostLikes(MethodView):
    @like_endpoint
    @blp.alt_response(404, schema=ErrorSchema, description=UNKNOWN_POST)
    def post(self, slug: str) -> Any:
        """Like a post (once per reader token)."""
        return engagement.like_post(slug, auth.reader_hash(required=True))

    @like_endpoint
    def delete(self, slug: str) -> Any:
        """Take back this reader's like of a post."""
        return engagement.unlike_post(slug, auth.reader_hash(required=True))


@blp.route("/comments/<int(max=2147483647):comment_id>/likes")
class CommentLikes(MethodView):
    @like_endpoint
    def post(self, comment_id: int) -> Any:
        """Like an approved comment (once per reader token)."""
        return engagement.like_comment(comment_id, auth.reader_hash(required=True))

    @like_endpoint
    def delete(self, comment_id: int) -> Any:
        """Take back this reader's like of a comment."""
        return engagement.unlike_comment(comment_id, auth.reader_hash(required=True))
