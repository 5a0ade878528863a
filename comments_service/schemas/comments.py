"""What readers send: a new comment, an edit, a thread query; the thread and like answers."""
from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate, validates_schema

from ..shapes import COMMENT, POST
from .common import ID, Trimmed, TrimmedEmail, WebUrl, blank_to_none

BODY = validate.Length(min=1, max=10000)


def _blank_body(data: Any) -> Any:
    # A body of white space only is an empty body (422), not a missing field.
    if isinstance(data, dict) and isinstance(data.get("body"), str) and not data["body"].strip():
        data = {**data, "body": ""}
    return data


class JsonBoolean(fields.Boolean):
    """true or false as JSON has them: not 1, "yes" or "true"."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class CommentCreateSchema(Schema):
    author = Trimmed(load_default=None, allow_none=True, validate=validate.Length(min=1, max=80), metadata={
        "description": "Required unless signed in (X-Reader-Session): a signed-in reader's name is their account's."})
    email = TrimmedEmail(load_default=None, allow_none=True, validate=validate.Length(max=254))
    website = WebUrl(load_default=None, allow_none=True)
    body = fields.String(required=True, validate=BODY)
    parent_id = fields.Integer(load_default=None, allow_none=True, strict=True, validate=ID)
    website_confirm = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=2000),
        metadata={"description": "Leave empty. The widget hides this field from people; what fills it is a bot."},
    )

    notify = JsonBoolean(
        load_default=False,
        allow_none=True,
        metadata={"description": "Mail me when someone replies to this comment (needs email; the address is "
                                 "confirmed once, by a link mailed to it)."},
    )

    @pre_load
    def _blank_optionals(self, data: Any, **kwargs: Any) -> Any:
        return _blank_body(blank_to_none(data, ("email", "website")))

    @validates_schema
    def _notify_needs_email(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("notify") and not data.get("email"):
            raise ValidationError("Give an e-mail address to be told of replies.", "email")


class CommentEditSchema(Schema):
    body = fields.String(required=True, validate=BODY)

    @pre_load
    def _blank(self, data: Any, **kwargs: Any) -> Any:
        return _blank_body(data)


SORT_NAMES = ["oldest", "newest", "top"]


class ThreadQueryArgsSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    sort = fields.String(load_default="oldest", validate=validate.OneOf(SORT_NAMES))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    cursor = fields.String(load_default=None, validate=validate.Length(min=1, max=500))


class ThreadSchema(Schema):
    post = fields.Nested(POST.schema, required=True)
    comments = fields.List(fields.Nested(COMMENT.schema), required=True)
    next_cursor = fields.String(allow_none=True)


class PreviewSchema(Schema):
    body_html = fields.String(required=True, metadata={"description": "The body as the comment would show it."})


class LikeStateSchema(Schema):
    like_count = fields.Integer(required=True)
    liked = fields.Boolean(required=True)
