"""Posts: reading (public), publishing (editor), counts."""
from __future__ import annotations

from typing import Any

from flask.views import MethodView

from .. import auth, post_reads, publishing
from ..models import Role
from ..schemas.posts import CountsQueryArgsSchema, CountsSchema, PostPutSchema
from ..shapes import POST
from .blueprint import Blueprint, json_response
from .params import BEARER, READER_TOKEN

blp = Blueprint("posts", __name__, url_prefix="/api", description="Posts and their counts")


@blp.route("/posts/<slug>")
class PostResource(MethodView):
    @blp.doc(parameters=[READER_TOKEN])
    @blp.response(200, POST.schema)
    def get(self, slug: str) -> Any:
        """Read a post with its counts and whether this reader likes it."""
        return json_response(post_reads.post_json(slug, auth.reader_hash()))

    @auth.require_role(Role.EDITOR)
    @blp.doc(security=BEARER)
    @blp.arguments(PostPutSchema)
    @blp.response(200, POST.schema)
    @blp.alt_response(201, schema=POST.schema, description="Created")
    def put(self, data: dict[str, Any], slug: str) -> Any:
        """Create or update a post (publishing system)."""
        post, created = publishing.put_post(slug, data)
        return post, 201 if created else 200

    @auth.require_role(Role.EDITOR)
    @blp.doc(security=BEARER)
    @blp.response(204)
    def delete(self, slug: str) -> None:
        """Delete a post with its comments and likes."""
        publishing.delete_post(slug)


@blp.route("/counts")
@blp.arguments(CountsQueryArgsSchema(), location="query")
@blp.response(200, CountsSchema)
def counts(args: dict[str, Any]) -> Any:
    """Read comment and like counts of up to 100 posts."""
    return json_response(post_reads.counts_json(args["post"]))
