"""What readers send to report a comment, and the answers of reports and revisions."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..moderation_models import NOTE_MAX, REASONS
from .common import Time, Trimmed


class ReportCreateSchema(Schema):
    reason = fields.String(required=True, validate=validate.OneOf(REASONS),
                           metadata={"description": "spam, abuse, off-topic or other."})
    note = Trimmed(load_default=None, allow_none=True, validate=validate.Length(max=NOTE_MAX),
                   metadata={"description": "Optional words for the moderators, plain text."})


class ReportResultSchema(Schema):
    reported = fields.Boolean(required=True, metadata={"description": "Always true: this reader has reported it."})


class RevisionSchema(Schema):
    body_source = fields.String(required=True, metadata={"description": "The text as the reader typed it then."})
    body_html = fields.String(required=True)
    at = Time(required=True, metadata={"description": "When this text was written (posted, or the edit that made it)."})
    replaced_at = Time(required=True, metadata={"description": "When the next edit replaced it."})


class RevisionsSchema(Schema):
    revisions = fields.List(fields.Nested(RevisionSchema), required=True,
                            metadata={"description": "Earlier texts, oldest first; the current one is the comment's."})
