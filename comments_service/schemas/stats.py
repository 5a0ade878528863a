"""The moderators' dashboard numbers: the query and the answer of ``/api/moderation/stats``."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from ..stats import DAYS_DEFAULT, DAYS_MAX
from .common import Time


class StatsQueryArgsSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    days = fields.Integer(load_default=DAYS_DEFAULT, validate=validate.Range(min=1, max=DAYS_MAX),
                          metadata={"description": f"How many UTC days, today the last (1-{DAYS_MAX})"})


class StatsDaySchema(Schema):
    date = fields.String(required=True, metadata={"description": "A UTC day, YYYY-MM-DD"})
    approved = fields.Integer(required=True)
    pending = fields.Integer(required=True)
    rejected = fields.Integer(required=True)
    spam = fields.Integer(required=True)


class StatsQueueSchema(Schema):
    pending = fields.Integer(required=True, metadata={"description": "Comments waiting for a moderator"})
    oldest_pending_at = Time(allow_none=True, required=True,
                             metadata={"description": "When the oldest of them was posted; null when none waits"})


class StatsReasonSchema(Schema):
    reason = fields.String(required=True, metadata={"description": "A spam check's reason code"})
    count = fields.Integer(required=True)


class StatsPostSchema(Schema):
    slug = fields.String(required=True)
    title = fields.String(required=True)
    url = fields.String(allow_none=True)
    comments = fields.Integer(required=True, metadata={"description": "Comments published in the range"})


class StatsSchema(Schema):
    days = fields.List(fields.Nested(StatsDaySchema), required=True,
                       metadata={"description": "Every day of the range, oldest first: comments posted that day, "
                                 "by their status now"})
    queue = fields.Nested(StatsQueueSchema, required=True)
    spam_reasons = fields.List(fields.Nested(StatsReasonSchema), required=True,
                               metadata={"description": "Reasons the spam checks gave in the range, most first"})
    posts = fields.List(fields.Nested(StatsPostSchema), required=True,
                        metadata={"description": "The most discussed posts of the range"})
