"""The page bundle's query: which parts of a blog page to answer at once, with each part's own options."""
from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validates_schema

from .. import slugs
from ..shapes import COMMENT, POST
from .comments import ThreadQueryArgsSchema
from .widgets import (
    PopularTagsArgsSchema,
    PopularTagsSchema,
    RecentCommentsArgsSchema,
    RecentCommentsSchema,
    RecentPostsArgsSchema,
    RecentPostsSchema,
)

# The parts a page may include; "post" is always there when a post is named.
PARTS = ("post", "thread", "recent-comments", "popular-tags", "recent-posts")
WIDGET_PARTS = ("recent-comments", "popular-tags", "recent-posts")
NEEDS_POST = ("post", "thread")


class Include(fields.String):
    """A comma-separated list of part names (each known; at least one)."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> tuple[str, ...]:
        text = super()._deserialize(value, attr, data, **kwargs)
        names = [name.strip() for name in text.split(",")]
        if not text.strip() or any(not name for name in names):
            raise ValidationError(f"Name one or more parts, separated by commas: {', '.join(PARTS)}.")
        unknown = sorted({name for name in names if name not in PARTS})
        if unknown:
            shown = ", ".join(repr(name[:40]) for name in unknown[:5])
            raise ValidationError(f"Unknown part {shown}; the parts are {', '.join(PARTS)}.")
        return tuple(dict.fromkeys(names))  # in the order given, each once


def _same_as(schema: type[Schema], name: str, key: str) -> fields.Field:
    # The same default and range as the part's own endpoint: one rule for both paths.
    found = schema().fields[name]
    return type(found)(load_default=found.load_default, validate=list(found.validators), data_key=key,
                       metadata={"description": f"As `{name}` of the part's own endpoint."})


class PageQueryArgsSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    post = fields.String(load_default=None, validate=slugs.VALIDATOR,
                         metadata={"description": "The post the page shows (its thread and its like button)."})
    include = Include(
        load_default=None,
        metadata={"description": "The parts to answer, comma-separated: " + ", ".join(PARTS)
                  + ". Default: every part (those of a post only when `post` is given)."},
    )
    thread_sort = _same_as(ThreadQueryArgsSchema, "sort", "thread.sort")
    thread_limit = _same_as(ThreadQueryArgsSchema, "limit", "thread.limit")
    recent_comments_limit = _same_as(RecentCommentsArgsSchema, "limit", "recent-comments.limit")
    popular_tags_limit = _same_as(PopularTagsArgsSchema, "limit", "popular-tags.limit")
    recent_posts_limit = _same_as(RecentPostsArgsSchema, "limit", "recent-posts.limit")

    @validates_schema
    def _post_for_its_parts(self, data: dict[str, Any], **kwargs: Any) -> None:
        wanted = data.get("include") or ()
        needing = [name for name in wanted if name in NEEDS_POST]
        if needing and not data.get("post"):
            raise ValidationError(f"Name the post whose {' and '.join(needing)} to include.", "post")


class PageThreadSchema(Schema):
    comments = fields.List(fields.Nested(COMMENT.schema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class PageSchema(Schema):
    """The answer: each part exactly as its own endpoint answers it (the thread without its post)."""

    post = fields.Nested(POST.schema, metadata={"description": "As GET /api/posts/{slug}."})
    thread = fields.Nested(PageThreadSchema, metadata={"description": "As GET /api/posts/{slug}/comments."})
    recent_comments = fields.Nested(RecentCommentsSchema, data_key="recent-comments",
                                    metadata={"description": "As GET /api/widgets/recent-comments."})
    popular_tags = fields.Nested(PopularTagsSchema, data_key="popular-tags",
                                 metadata={"description": "As GET /api/widgets/popular-tags."})
    recent_posts = fields.Nested(RecentPostsSchema, data_key="recent-posts",
                                 metadata={"description": "As GET /api/widgets/recent-posts."})
