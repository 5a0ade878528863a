"""Marshmallow schemas: one per shape the API reads or writes.

They validate every body and query, dump every answer, and generate the
OpenAPI document.
"""
from __future__ import annotations

from datetime import timezone
from typing import Any

import orjson
from marshmallow import EXCLUDE, Schema, fields, pre_load, validate

from .models import iso

SLUG = validate.Regexp(r"^[A-Za-z0-9_-]{1,200}$", error="1-200 letters, digits, '-' or '_'.")
HTTP_URL = {"schemes": {"http", "https"}}
STATUSES = ["pending", "approved", "rejected", "spam"]
# Ids are PostgreSQL integers; a larger number cannot name anything.
MAX_ID = 2**31 - 1
ID = validate.Range(min=1, max=MAX_ID)


def dumps(schema: Schema, obj: Any) -> bytes:
    """Dump ``obj`` with ``schema`` to JSON bytes, keys sorted as Flask's own JSON does."""
    return orjson.dumps(schema.dump(obj), option=orjson.OPT_SORT_KEYS)


class Time(fields.Field):
    """An ISO 8601 UTC time with a Z, read-only."""

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> str | None:
        return iso(value)

    def _jsonschema_type_mapping(self) -> dict[str, Any]:  # pragma: no cover - docs only
        return {"type": "string", "format": "date-time"}


class Trimmed(fields.String):
    """A string with surrounding white space removed before validation."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        return super()._deserialize(value, attr, data, **kwargs).strip()


def _blank_to_none(data: Any, names: tuple[str, ...]) -> Any:
    # Forms send "" for an untouched optional field; treat it as absent.
    if isinstance(data, dict):
        data = dict(data)
        for name in names:
            if isinstance(data.get(name), str) and not data[name].strip():
                data[name] = None
    return data


class ErrorDetailSchema(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    fields = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class ErrorSchema(Schema):
    error = fields.Nested(ErrorDetailSchema, required=True)


class PostSchema(Schema):
    slug = fields.String(required=True)
    title = fields.String(required=True)
    url = fields.String(allow_none=True)
    tags = fields.Method("tag_names", metadata={"type": "array", "items": {"type": "string"}})
    published_at = Time(allow_none=True)
    comment_count = fields.Integer(required=True)
    like_count = fields.Integer(required=True)
    liked = fields.Boolean(dump_default=False)

    def tag_names(self, post: Any) -> list[str]:
        return [tag.name for tag in post.tags]


class PostRefSchema(Schema):
    slug = fields.String(required=True)
    title = fields.String(required=True)
    url = fields.String(allow_none=True)


class PostPutSchema(Schema):
    title = Trimmed(required=True, validate=validate.Length(min=1, max=300))
    url = fields.Url(required=True, schemes=HTTP_URL["schemes"], validate=validate.Length(max=2000))
    tags = fields.List(
        fields.String(validate=validate.Length(max=200)), load_default=list, validate=validate.Length(max=20)
    )
    published_at = fields.AwareDateTime(default_timezone=timezone.utc, allow_none=True, format="iso")


class CommentSchema(Schema):
    id = fields.Integer(required=True)
    parent_id = fields.Integer(allow_none=True)
    author = fields.String(required=True)
    website = fields.String(allow_none=True)
    avatar = fields.String(required=True)
    body_html = fields.String(required=True)
    created_at = Time(required=True)
    edited_at = Time(allow_none=True)
    like_count = fields.Integer(required=True)
    deleted = fields.Method("is_deleted", metadata={"type": "boolean"})
    replies = fields.List(fields.Nested(lambda: CommentSchema()), dump_default=list)

    def is_deleted(self, comment: Any) -> bool:
        return comment.status.value == "deleted"


def _reader_status(comment: Any) -> str:
    # Spam is answered like any comment that waits: the poster (often a bot) learns nothing.
    return "approved" if comment.status.value == "approved" else "pending"


class CommentStatusSchema(CommentSchema):
    status = fields.Function(_reader_status, metadata={"type": "string", "enum": ["pending", "approved"]})


class CommentCreatedSchema(CommentStatusSchema):
    edit_token = fields.String(required=True)
    edit_until = Time(required=True)


class CommentCreateSchema(Schema):
    author = Trimmed(required=True, validate=validate.Length(min=1, max=80))
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=254))
    website = fields.Url(
        load_default=None, allow_none=True, schemes=HTTP_URL["schemes"], validate=validate.Length(max=2000)
    )
    body = fields.String(required=True, validate=validate.Length(min=1, max=10000))
    parent_id = fields.Integer(load_default=None, allow_none=True, strict=True, validate=ID)
    website_confirm = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=2000),
        metadata={"description": "Leave empty. The widget hides this field from people; what fills it is a bot."},
    )

    @pre_load
    def _blank_optionals(self, data: Any, **kwargs: Any) -> Any:
        data = _blank_to_none(data, ("email", "website"))
        if isinstance(data, dict) and isinstance(data.get("body"), str) and not data["body"].strip():
            data["body"] = ""
        return data


class CommentEditSchema(Schema):
    body = fields.String(required=True, validate=validate.Length(min=1, max=10000))

    @pre_load
    def _blank_body(self, data: Any, **kwargs: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("body"), str) and not data["body"].strip():
            data = {**data, "body": ""}
        return data


class ThreadQueryArgsSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    sort = fields.String(load_default="oldest", validate=validate.OneOf(["oldest", "newest", "top"]))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    cursor = fields.String(load_default=None, validate=validate.Length(min=1, max=500))


class ThreadSchema(Schema):
    post = fields.Nested(PostSchema, required=True)
    comments = fields.List(fields.Nested(CommentSchema), required=True)
    next_cursor = fields.String(allow_none=True)


class CountsQueryArgsSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    post = fields.List(
        fields.String(validate=SLUG), required=True, validate=validate.Length(min=1, max=100)
    )


class CountSchema(Schema):
    comments = fields.Integer(required=True)
    likes = fields.Integer(required=True)


class CountsSchema(Schema):
    counts = fields.Dict(keys=fields.String(), values=fields.Nested(CountSchema))


class ModerationQueryArgsSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    status = fields.String(load_default="pending", validate=validate.OneOf(STATUSES))
    post = fields.String(load_default=None, validate=SLUG)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=100))
    cursor = fields.String(load_default=None, validate=validate.Length(min=1, max=500))


class ModerationCommentSchema(CommentSchema):
    class Meta:
        exclude = ("replies",)

    status = fields.Function(lambda c: c.status.value, metadata={"type": "string"})
    post = fields.Nested(PostRefSchema)
    email = fields.String(allow_none=True)
    ip_hash = fields.String(allow_none=True)
    reader_hash = fields.String(allow_none=True)
    body_source = fields.String()
    spam_reasons = fields.List(fields.String())


class ModerationPageSchema(Schema):
    comments = fields.List(fields.Nested(ModerationCommentSchema), required=True)
    next_cursor = fields.String(allow_none=True)


class BulkSchema(Schema):
    ids = fields.List(
        fields.Integer(strict=True, validate=ID),
        required=True,
        validate=validate.Length(min=1, max=500),
    )
    action = fields.String(required=True, validate=validate.OneOf(["approve", "reject", "spam", "delete"]))


class BulkResultSchema(Schema):
    updated = fields.Integer(required=True)


class LogQueryArgsSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    comment_id = fields.Integer(load_default=None, validate=ID)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=100))
    cursor = fields.String(load_default=None, validate=validate.Length(min=1, max=500))


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


BAN_KINDS = ["email", "reader", "ip"]


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


class BanFormSchema(BanCreateSchema):
    """The moderation page's ban form: strings from HTML, a date for ``until``."""

    class Meta:
        unknown = EXCLUDE

    comment_id = fields.Integer(load_default=None, allow_none=True, validate=ID)
    until = fields.AwareDateTime(default_timezone=timezone.utc, load_default=None, allow_none=True, format="iso")

    @pre_load
    def _form_values(self, data: Any, **kwargs: Any) -> Any:
        data = _blank_to_none(data, ("value", "comment_id", "until"))
        until = data.get("until")
        if isinstance(until, str) and len(until) == 10:
            data["until"] = until + "T00:00:00Z"  # <input type=date>: from the start of that day, UTC
        return data


class BulkFormSchema(Schema):
    """The moderation page's bulk form: checked ids and the button pressed."""

    class Meta:
        unknown = EXCLUDE

    ids = fields.List(
        fields.Integer(validate=ID),
        required=True,
        validate=validate.Length(min=1, max=500, error="Select at least one comment (at most 500)."),
    )
    action = fields.String(required=True, validate=validate.OneOf(["approve", "reject", "spam", "delete"]))


class LoginFormSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    username = Trimmed(load_default="", validate=validate.Length(max=80))
    password = fields.String(load_default="", validate=validate.Length(max=1024))


class HealthSchema(Schema):
    status = fields.String(required=True)
    db = fields.String(required=True)
    redis = fields.String(required=True)


class AuthorQueryArgsSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    email = fields.Email(required=True, validate=validate.Length(max=254))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=100))
    cursor = fields.String(load_default=None, validate=validate.Length(min=1, max=500))


class AuthorEmailSchema(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))


class AuthorCommentsSchema(Schema):
    email = fields.String(required=True)
    comments = fields.List(fields.Nested(ModerationCommentSchema), required=True)
    next_cursor = fields.String(allow_none=True)


class AuthorBanSchema(Schema):
    kind = fields.String(required=True)
    reason = fields.String()
    until = Time(allow_none=True)
    created_at = Time(required=True)


class AuthorExportSchema(Schema):
    email = fields.String(required=True)
    exported_at = Time(required=True)
    comments = fields.List(fields.Nested(ModerationCommentSchema), required=True)
    bans = fields.List(fields.Nested(AuthorBanSchema), required=True)


class AuthorEraseSchema(Schema):
    email = fields.String(required=True)
    erased = fields.Integer(required=True, metadata={"description": "Comments deleted"})
    placeholders = fields.Integer(required=True, metadata={"description": "Kept as [deleted] for their replies"})
    bans_kept = fields.Integer(required=True, metadata={"description": "Bans on the address, which stay"})


class LikeStateSchema(Schema):
    like_count = fields.Integer(required=True)
    liked = fields.Boolean(required=True)


class RecentCommentsArgsSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    limit = fields.Integer(load_default=10, validate=validate.Range(min=1, max=50))


class PopularTagsArgsSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class RecentPostsArgsSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    limit = fields.Integer(load_default=5, validate=validate.Range(min=1, max=50))


class RelatedArgsSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    limit = fields.Integer(load_default=5, validate=validate.Range(min=1, max=50))


class RecentCommentSchema(Schema):
    id = fields.Integer(required=True)
    post = fields.Nested(PostRefSchema, required=True)
    author = fields.String(required=True)
    excerpt = fields.String(required=True)
    created_at = Time(required=True)


class RecentCommentsSchema(Schema):
    comments = fields.List(fields.Nested(RecentCommentSchema), required=True)


class TagCountSchema(Schema):
    name = fields.String(required=True)
    count = fields.Integer(required=True)


class PopularTagsSchema(Schema):
    tags = fields.List(fields.Nested(TagCountSchema), required=True)


class RecentPostSchema(Schema):
    slug = fields.String(required=True)
    title = fields.String(required=True)
    url = fields.String(allow_none=True)
    published_at = Time(allow_none=True)
    comment_count = fields.Integer(required=True)
    like_count = fields.Integer(required=True)


class RecentPostsSchema(Schema):
    posts = fields.List(fields.Nested(RecentPostSchema), required=True)


class RelatedPostSchema(Schema):
    slug = fields.String(required=True)
    title = fields.String(required=True)
    url = fields.String(allow_none=True)
    published_at = Time(allow_none=True)
    shared_tags = fields.Integer(required=True, metadata={"description": "How many tags it shares with the post."})


class RelatedPostsSchema(Schema):
    posts = fields.List(fields.Nested(RelatedPostSchema), required=True)
