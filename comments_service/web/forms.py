"""The moderation page's forms: strings from HTML, loaded like the API's bodies."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import EXCLUDE, Schema, fields, post_load, pre_load, validate
from werkzeug.datastructures import MultiDict

from ..schemas.common import ID, StorableTime, Trimmed, blank_to_none
from ..schemas.moderation import ACTIONS, BanCreateSchema, seen_time

SEEN_PREFIX = "seen_"


class BanFormSchema(BanCreateSchema):
    """The ban form: strings from HTML, a date for ``until``."""

    class Meta:
        unknown = EXCLUDE

    comment_id = fields.Integer(load_default=None, allow_none=True, validate=ID)
    until = StorableTime(load_default=None, allow_none=True)

    @pre_load
    def _form_values(self, data: Any, **kwargs: Any) -> Any:
        data = blank_to_none(data, ("value", "comment_id", "until"))
        until = data.get("until")
        if isinstance(until, str) and len(until) == 10:
            data["until"] = until + "T00:00:00Z"  # <input type=date>: from the start of that day, UTC
        return data


def _seen_fields(form: Mapping[str, str], only: str | None = None) -> dict[str, str | None]:
    # Each queue item carries seen_<id>: the edited_at the page showed, "" for an unedited comment.
    found = {name.removeprefix(SEEN_PREFIX): value or None for name, value in form.items()
             if name.startswith(SEEN_PREFIX)}
    return found if only is None else {k: v for k, v in found.items() if k == only}


def act_fields(form: Mapping[str, str], comment_id: int) -> dict[str, Any]:
    """Gather what one item's button sends: the edited_at the page showed for that comment."""
    return {"seen": _seen_fields(form, str(comment_id))}


def bulk_fields(form: MultiDict[str, str]) -> dict[str, Any]:
    """Gather what the bulk bar sends: the checked ids, the button, and the edited_at of each item shown."""
    return {"ids": form.getlist("ids"), "action": form.get("action"), "seen": _seen_fields(form)}


class ActFormSchema(Schema):
    """One item's action: the edited_at each comment showed, by id (absent: not checked)."""

    class Meta:
        unknown = EXCLUDE

    seen = fields.Dict(keys=fields.Integer(validate=ID), values=seen_time(), load_default=dict)


class BulkFormSchema(ActFormSchema):
    """The bulk form: checked ids, the button pressed, and what each item showed."""

    ids = fields.List(
        fields.Integer(validate=ID),
        required=True,
        validate=validate.Length(min=1, max=500, error="Select at least one comment (at most 500)."),
    )
    action = fields.String(required=True, validate=validate.OneOf(ACTIONS))

    @post_load
    def _seen_of_checked(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        # The form carries every item's time; only the checked ones are acted on.
        data["seen"] = {i: seen for i, seen in data["seen"].items() if i in set(data["ids"])}
        return data


class LoginFormSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    username = Trimmed(load_default="", validate=validate.Length(max=80))
    password = fields.String(load_default="", validate=validate.Length(max=1024))
