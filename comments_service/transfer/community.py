"""The export's community moderation: the earlier texts of edited comments and readers' reports, out and in.

``revisions`` and ``reports`` are arrays beside ``comments``; each item names
its comment by the export's ``comment_id``, as the moderation log does, and an
import gives it to the comment's new id. Both arrays are optional: an export
written before them imports without them. Unlike a comment, an item that does
not fit, or that names a comment the file does not hold, refuses the whole
file (nothing is imported): a comment must not arrive without the reports
that hold it back, or with earlier texts that are not its own.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from sqlalchemy import select

from .. import sanitize
from ..extensions import db
from ..moderation_models import NOTE_MAX, REASONS, CommentReport, CommentRevision
from .jsonfields import HASH, UtcTime, error_text
from .records import Source, TransferError

SECTIONS = ("revisions", "reports")


class ExportRevisionSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    id = fields.Integer(dump_only=True)
    comment_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    body_source = fields.String(load_default="")
    body_html = fields.String(load_default="")
    written_at = UtcTime(required=True)
    replaced_at = UtcTime(required=True)


class ExportReportSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    id = fields.Integer(dump_only=True)
    comment_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    reader_hash = fields.String(required=True, validate=HASH)
    reason = fields.String(required=True, validate=validate.OneOf(REASONS))
    note = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=NOTE_MAX))
    created_at = UtcTime(required=True)
    dismissed_at = UtcTime(allow_none=True, load_default=None)


def revisions() -> Iterator[dict[str, Any]]:
    """Dump every earlier text, by comment, oldest first."""
    schema = ExportRevisionSchema()
    query = select(CommentRevision).order_by(CommentRevision.comment_id, CommentRevision.id)
    return (schema.dump(row) for row in db.session.scalars(query.execution_options(yield_per=500)))


def reports() -> Iterator[dict[str, Any]]:
    """Dump every reader's report, dismissed ones too, by comment, oldest first."""
    schema = ExportReportSchema()
    query = select(CommentReport).order_by(CommentReport.comment_id, CommentReport.id)
    return (schema.dump(row) for row in db.session.scalars(query.execution_options(yield_per=500)))


def read(document: dict[str, Any], source: Source, name: str) -> None:
    """Read the revisions and reports of an export into ``source``; TransferError for any item that does not fit."""
    comment_ids = {item["id"] for item in document.get("comments", [])
                   if isinstance(item, dict) and isinstance(item.get("id"), int)}
    into = {"revisions": (ExportRevisionSchema(), source.revisions), "reports": (ExportReportSchema(), source.reports)}
    for section, (schema, found) in into.items():
        for index, item in enumerate(document.get(section, [])):
            what = f"{name}: {section[:-1]} #{index + 1}"
            try:
                data = schema.load(item)
            except ValidationError as error:
                raise TransferError(f"{what}: {error_text(error)}") from None
            if data["comment_id"] not in comment_ids:
                raise TransferError(f"{what}: its comment {data['comment_id']} is not in the file")
            data["comment_key"] = str(data["comment_id"])
            if section == "reports":
                data["note"] = sanitize.plain_line(data["note"] or "") or None
            found.append(data)
