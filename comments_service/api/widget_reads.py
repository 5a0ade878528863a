"""The blog's sidebar widgets and related posts: public, cached reads."""
from __future__ import annotations

from typing import Any

from .. import widgets
from ..schemas.widgets import (
    PopularTagsArgsSchema,
    PopularTagsSchema,
    RecentCommentsArgsSchema,
    RecentCommentsSchema,
    RecentPostsArgsSchema,
    RecentPostsSchema,
    RelatedArgsSchema,
    RelatedPostsSchema,
)
from .blueprint import Blueprint, json_response

blp = Blueprint(
    "widget-reads", __name__, url_prefix="/api",
    description="The blog's widgets: recent comments, popular tags, recent and related posts",
)

# Argument schemas are instances: a class would be instantiated on every
# request, and the blueprint's parser remembers results per schema instance.


@blp.route("/widgets/recent-comments")
@blp.arguments(RecentCommentsArgsSchema(), location="query")
@blp.response(200, RecentCommentsSchema)
def recent_comments(args: dict[str, Any]) -> Any:
    """Read the newest approved comments, site-wide."""
    return json_response(widgets.recent_comments(args["limit"]))


@blp.route("/widgets/popular-tags")
@blp.arguments(PopularTagsArgsSchema(), location="query")
@blp.response(200, PopularTagsSchema)
def popular_tags(args: dict[str, Any]) -> Any:
    """Read the tags carried by the most posts."""
    return json_response(widgets.popular_tags(args["limit"]))


@blp.route("/widgets/recent-posts")
@blp.arguments(RecentPostsArgsSchema(), location="query")
@blp.response(200, RecentPostsSchema)
def recent_posts(args: dict[str, Any]) -> Any:
    """Read the newest published posts with their counts."""
    return json_response(widgets.recent_posts(args["limit"]))


@blp.route("/posts/<slug>/related")
@blp.arguments(RelatedArgsSchema(), location="query")
@blp.response(200, RelatedPostsSchema)
def related_posts(args: dict[str, Any], slug: str) -> Any:
    """Read other published posts, those sharing the most tags first, then the newest."""
    return json_response(widgets.related_posts(slug, args["limit"]))
