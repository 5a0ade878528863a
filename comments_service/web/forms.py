"""The moderation page's forms: strings from HTML, loaded like the API's bodies.

What a moderator types or picks and gets wrong is a message on the page the
form came from (422). What the page itself fills in (the ids of its items)
and is wrong, or a NUL character anywhere, means the form was not the page's:
a 400 page.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask import request
from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, pre_load, validate
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest

from ..schemas.common import ID, StorableTime, Trimmed, blank_to_none
from ..schemas.moderation import ACTIONS, BanCreateSchema, seen_time

SEEN_PREFIX = "seen_"
PAGE_ID_RE = re.compile(r"[0-9]{1,10}")


class UnreadableForm(BadRequest):
    """A form or query holding a NUL character, which no stored or searched text may contain."""

    description = "The request holds a NUL character, which no text may contain. Go back to the page and try again."


class ForgedForm(BadRequest):
    """A form whose page-filled ids name no comment or ban: it was not made by the page."""

    description = "This form holds an id that the moderation page never shows. Reload the page and try again."


def refuse_nul() -> None:
    """Refuse (400) a request whose query or form, names or values, holds a NUL character."""
    for values in (request.args, request.form):
        for name, value in values.items(multi=True):
            if "\x00" in name or "\x00" in value:
                raise UnreadableForm()


class PageId(fields.Integer):
    """An id the page put in its form: one that cannot name anything is a forged form (400), not a typo."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(validate=ID, **kwargs)

    def deserialize(self, value: Any, attr: str | None = None, data: Mapping[str, Any] | None = None,
                    **kwargs: Any) -> Any:
        """Load the id; raise ForgedForm when it is not ASCII digits naming a number in the range of ids."""
        # int() would read any Unicode digits ("١٢" is 12); the page writes ASCII digits only.
        if isinstance(value, str) and not PAGE_ID_RE.fullmatch(value):
            raise ForgedForm()
        try:
            return super().deserialize(value, attr, data, **kwargs)
        except ValidationError:
            raise ForgedForm() from None


class BanFormSchema(BanCreateSchema):
    """The ban form: strings from HTML, a date for ``until``."""

    class Meta:
        unknown = EXCLUDE

    comment_id = PageId(load_default=None, allow_none=True)
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

    seen = fields.Dict(keys=PageId(), values=seen_time(), load_default=dict)


class BulkFormSchema(ActFormSchema):
    """The bulk form: checked ids, the button pressed, and what each item showed."""

    ids = fields.List(
        PageId(),
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
