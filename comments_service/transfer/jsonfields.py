"""The JSON format's own field types and error text, shared by the schemas of every part of the export."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from marshmallow import ValidationError, fields, validate

from .. import times
from ..errors import flatten_messages

HASH = validate.Regexp(r"^[0-9a-f]{1,64}$")


class UtcTime(fields.Field):
    """An ISO 8601 UTC time with microseconds and a Z; a time without zone is read as UTC; only a storable one."""

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> str | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> datetime:
        if not isinstance(value, str):
            raise ValidationError("Not a time.")
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValidationError("Not an ISO 8601 time.") from None
        try:
            return times.storable(parsed)
        except ValueError as error:
            raise ValidationError(str(error)) from None


def error_text(error: ValidationError) -> str:
    """Say what is wrong with an item, field by field, on one line."""
    return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in flatten_messages(error.messages).items())
