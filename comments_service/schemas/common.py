"""Field types and schemas every area shares: times, trimmed strings, URLs, ids, the error shape."""
from __future__ import annotations

from datetime import timezone
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from .. import times, urls
from ..times import iso

# Ids are PostgreSQL integers; a larger number cannot name anything.
MAX_ID = 2**31 - 1
ID = validate.Range(min=1, max=MAX_ID)


class Time(fields.DateTime):
    """An ISO 8601 UTC time with a Z, to the second (documented as a date-time)."""

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> str | None:
        return iso(value)


class StorableTime(fields.AwareDateTime):
    """An ISO 8601 time that comes in: without a zone it is UTC; loaded in UTC; refused unless storable.

    Every schema's incoming time is one of these: times.storable decides (a
    day inside years 1-9999 once in UTC), so nothing is stored that a read
    could not turn back into a time.
    """

    def __init__(self, **kwargs: Any) -> None:
        metadata = {"description": times.OUT_OF_RANGE, **kwargs.pop("metadata", {})}
        super().__init__(format="iso", default_timezone=timezone.utc, metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        try:
            return times.storable(super()._deserialize(value, attr, data, **kwargs))
        except ValueError as error:
            raise ValidationError(str(error)) from None


class Trimmed(fields.String):
    """A string with surrounding white space removed before validation."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        return super()._deserialize(value, attr, data, **kwargs).strip()


class TrimmedEmail(fields.Email):
    """An e-mail address with surrounding white space removed before validation."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        return super()._deserialize(value, attr, data, **kwargs).strip()


class WebUrl(Trimmed):
    """A URL under the service's one URL rule (urls.py): http(s), and with ``relative`` also a path on the site."""

    def __init__(self, relative: bool = False, **kwargs: Any) -> None:
        self.relative = relative
        message = urls.MESSAGE if relative else urls.ABSOLUTE_MESSAGE
        metadata = {"format": "uri-reference" if relative else "uri", "description": message,
                    **kwargs.pop("metadata", {})}
        super().__init__(validate=validate.Length(max=urls.URL_MAX), metadata=metadata, **kwargs)
        self.message = message

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        url = super()._deserialize(value, attr, data, **kwargs)
        if not urls.is_safe_url(url) or not (self.relative or urls.is_absolute(url)):
            raise ValidationError(self.message)
        return url


def blank_to_none(data: Any, names: tuple[str, ...]) -> Any:
    """Treat "" (what a form sends for an untouched optional field) as absent, for ``names``."""
    if isinstance(data, dict):
        data = dict(data)
        for name in names:
            if isinstance(data.get(name), str) and not data[name].strip():
                data[name] = None
    return data


def limit_args(name: str, default: int, maximum: int) -> type[Schema]:
    """Make the query schema of a list that takes only ``limit`` (1..``maximum``, default ``default``)."""

    class Meta:
        unknown = "exclude"

    return type(name, (Schema,), {
        "Meta": Meta,
        "limit": fields.Integer(load_default=default, validate=validate.Range(min=1, max=maximum)),
    })


class ErrorDetailSchema(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    fields = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class ErrorSchema(Schema):
    error = fields.Nested(ErrorDetailSchema, required=True)


class HealthSchema(Schema):
    status = fields.String(required=True)
    db = fields.String(required=True)
    redis = fields.String(required=True)


class StringList(fields.List):
    """A list of strings (tag names, spam reasons)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(fields.String(), **kwargs)
