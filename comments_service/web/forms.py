"""The moderation page's forms: strings from HTML, loaded like the API's bodies."""
from __future__ import annotations

from datetime import timezone
from typing import Any

from marshmallow import EXCLUDE, Schema, fields, pre_load, validate

from ..schemas.common import ID, Trimmed, blank_to_none
from ..schemas.moderation import ACTIONS, BanCreateSchema


class BanFormSchema(BanCreateSchema):
    """The ban form: strings from HTML, a date for ``until``."""

    class Meta:
        unknown = EXCLUDE

    comment_id = fields.Integer(load_default=None, allow_none=True, validate=ID)
    until = fields.AwareDateTime(default_timezone=timezone.utc, load_default=None, allow_none=True, format="iso")

    @pre_load
    def _form_values(self, data: Any, **kwargs: Any) -> Any:
        data = blank_to_none(data, ("value", "comment_id", "until"))
        until = data.get("until")
        if isinstance(until, str) and len(until) == 10:
            data["until"] = until + "T00:00:00Z"  # <input type=date>: from the start of that day, UTC
        return data


class BulkFormSchema(Schema):
    """The bulk form: checked ids and the button pressed."""

    class Meta:
        unknown = EXCLUDE

    ids = fields.List(
        fields.Integer(validate=ID),
        required=True,
        validate=validate.Length(min=1, max=500, error="Select at least one comment (at most 500)."),
    )
    action = fields.String(required=True, validate=validate.OneOf(ACTIONS))


class LoginFormSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    username = Trimmed(load_default="", validate=validate.Length(max=80))
    password = fields.String(load_default="", validate=validate.Length(max=1024))
