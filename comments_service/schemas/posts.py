"""What the publishing system sends for a post, and the counts query and answer."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from .. import slugs
from .common import StorableTime, Trimmed, WebUrl


class PostPutSchema(Schema):
    title = Trimmed(required=True, validate=validate.Length(min=1, max=300))
    url = WebUrl(required=True)
    tags = fields.List(
        fields.String(validate=validate.Length(max=200)), load_default=list, validate=validate.Length(max=20)
    )
    published_at = StorableTime(allow_none=True)


class CountsQueryArgsSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    post = fields.List(fields.String(validate=slugs.VALIDATOR), required=True, validate=validate.Length(min=1, max=100))


class CountSchema(Schema):
    comments = fields.Integer(required=True)
    likes = fields.Integer(required=True)


class CountsSchema(Schema):
    counts = fields.Dict(keys=fields.String(), values=fields.Nested(CountSchema))
