"""The sidebar widgets' queries and answers (their items are shapes)."""
from __future__ import annotations

from marshmallow import Schema, fields

from ..shapes import RECENT_COMMENT, RECENT_POST, RELATED_POST, TAG_COUNT
from .common import limit_args

RecentCommentsArgsSchema = limit_args("RecentCommentsArgsSchema", default=10, maximum=50)
PopularTagsArgsSchema = limit_args("PopularTagsArgsSchema", default=20, maximum=100)
RecentPostsArgsSchema = limit_args("RecentPostsArgsSchema", default=5, maximum=50)
RelatedArgsSchema = limit_args("RelatedArgsSchema", default=5, maximum=50)


class RecentCommentsSchema(Schema):
    comments = fields.List(fields.Nested(RECENT_COMMENT.schema), required=True)


class PopularTagsSchema(Schema):
    tags = fields.List(fields.Nested(TAG_COUNT.schema), required=True)


class RecentPostsSchema(Schema):
    posts = fields.List(fields.Nested(RECENT_POST.schema), required=True)


class RelatedPostsSchema(Schema):
    posts = fields.List(fields.Nested(RELATED_POST.schema), required=True)
