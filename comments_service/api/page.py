"""The page bundle: a blog page's widgets in one request, revalidated by ETag."""
from __future__ import annotations

from typing import Any

from flask import Response, request

from .. import auth, page_bundle
from ..schemas.common import ErrorSchema
from ..schemas.page import PageQueryArgsSchema, PageSchema
from .blueprint import Blueprint, json_response
from .params import READER_TOKEN

blp = Blueprint("page", __name__, url_prefix="/api", description="One request per page view")


# The header is documented on the route: a doc(parameters=...) would replace the query's parameters.
@blp.route("/page", parameters=[READER_TOKEN])
@blp.arguments(PageQueryArgsSchema(), location="query")
@blp.response(200, PageSchema, headers={"ETag": {"description": "Send it back as If-None-Match to get a 304 "
                                                                 "while nothing on the page changed.",
                                                  "schema": {"type": "string"}}})
@blp.alt_response(304, description="Not modified: the page's parts are those of the ETag sent in If-None-Match")
@blp.alt_response(404, schema=ErrorSchema, description="The named post is unknown")
def page(args: dict[str, Any]) -> Response:
    """Read a post, its thread's first page and the sidebar widgets at once, each as its own endpoint answers."""
    response = json_response(page_bundle.page_json(args, auth.reader_hash()))
    # The reader's like is in the answer: a cache keeps one copy per reader token or session, and asks again each time.
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Vary"] = "X-Reader-Token, X-Reader-Session"
    response.add_etag()
    return response.make_conditional(request)
