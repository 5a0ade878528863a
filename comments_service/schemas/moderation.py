"""The moderators' API: queue and log queries, bulk actions, bans, an author's data (items are shapes)."""
from __future__ import annotations

from datetime import timezone

from marshmallow import EXCLUDE, Schema, fields, validate

from .. import slugs
from ..shapes import MODERATION_COMMENT
from .common import ID, Time, Trimmed

STATUSES = ["pending", "approved", "rejected", "spam"]
ACTIONS = ["approve", "reject", "spam", "delete"]
BAN_KINDS = ["email", "reader", "ip"]
CURSOR = validate.Length(min=1, max=500)


class ModerationQueryArgsSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    status = fields.String(load_default="pending", validate=validate.OneOf(STATUSES))
    post = fields.String(load_default=None, validate=slugs.VALIDATOR)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=100))
    cursor = fields.String(load_default=None, validate=CURSOR)


class ModerationPageSchema(Schema):
    comments = fields.List(fields.Nested(MODERATION_COMMENT.schema), required=True)
    next_cursor = fields.String(allow_none=True)


class BulkSchema(Schema):
    ids = fields.List(fields.Integer(strict=True, validate=ID), required=True, validate=validate.Length(min=1, max=500))
    action = fields.String(required=True, validate=validate.OneOf(ACTIONS))


class BulkResultSchema(Schema):
    updated = fields.Integer(required=True)


class LogQueryArgsSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    comment_id = fields.Integer(load_default=None, validate=ID)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=100))
    cursor = fields.String(load_default=None, validate=CURSOR)


class ModerationEventSchema(Schema):
    id = fields.Integer(required=True)
    comment_id = fields.Integer(allow_none=True)
    action = fields.String(required=True)
    actor = fields.String(required=True)
    from_status = fields.String(allow_none=True)
    to_status = fields.String(allow_none=True)
    details = fields.Dict()
    created_at = Time(required=True)


class ModerationLogSchema(Schema):
    events = fields.List(fields.Nested(ModerationEventSchema), required=True)
    next_cursor = fields.String(allow_none=True)


class BanSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"enum": BAN_KINDS})
    value = fields.String(required=True, metadata={"description": "The e-mail, or the reader or IP hash."})
    reason = fields.String(required=True)
    until = Time(allow_none=True)
    created_at = Time(required=True)
    created_by = fields.String(required=True)


class BanListSchema(Schema):
    bans = fields.List(fields.Nested(BanSchema), required=True)


class BanCreateSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(BAN_KINDS))
    value = Trimmed(
        load_default=None,
        allow_none=True,
        validate=validate.Length(min=1, max=254),
        metadata={"description": "The e-mail, or the reader_hash or ip_hash of a queue item."},
    )
    comment_id = fields.Integer(
        load_default=None,
        allow_none=True,
        strict=True,
        validate=ID,
        metadata={"description": "Ban the author of this comment by its mark of this kind (instead of value)."},
    )
    until = fields.AwareDateTime(default_timezone=timezone.utc, load_default=None, allow_none=True, format="iso")
    reason = Trimmed(load_default="", validate=validate.Length(max=500))


class AuthorQueryArgsSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    email = fields.Email(required=True, validate=validate.Length(max=254))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=100))
    cursor = fields.String(load_default=None, validate=CURSOR)


class AuthorEmailSchema(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))


class AuthorCommentsSchema(Schema):
    email = fields.String(required=True)
    comments = fields.List(fields.Nested(MODERATION_COMMENT.schema), required=True)
    next_cursor = fields.String(allow_none=True)


class AuthorBanSchema(Schema):
    kind = fields.String(required=True)
    reason = fields.String()
    until = Time(allow_none=True)
    created_at = Time(required=True)


class AuthorExportSchema(Schema):
    email = fields.String(required=True)
    exported_at = Time(required=True)
    comments = fields.List(fields.Nested(MODERATION_COMMENT.schema), required=True)
    bans = fields.List(fields.Nested(AuthorBanSchema), required=True)


class AuthorEraseSchema(Schema):
    email = fields.String(required=True)
    erased = fields.Integer(required=True, metadata={"description": "Comments deleted"})
    placeholders = fields.Integer(required=True, metadata={"description": "Kept as [deleted] for their replies"})
    bans_kept = fields.Integer(required=True, metadata={"description": "Bans on the address, which stay"})
