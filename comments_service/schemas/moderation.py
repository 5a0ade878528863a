"""The moderators' API: queue and log queries, bulk actions, bans, an author's data (items are shapes)."""
from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validate, validates_schema

from .. import search, slugs
from ..shapes import MODERATION_COMMENT
from .common import ID, StorableTime, Time, Trimmed

STATUSES = ["pending", "approved", "rejected", "spam"]
ACTIONS = ["approve", "reject", "spam", "delete"]
BAN_KINDS = ["email", "reader", "ip"]
CURSOR = validate.Length(min=1, max=500)


SEARCH = (
    "Words to find in the author's name or the text (PostgreSQL `websearch_to_tsquery`: `\"a phrase\"`, `or`, "
    "`-word`; LIKE per word on SQLite), 1-200 characters, no control character; blank: no search. Without "
    "`status`, a search looks at every status."
)


def _searchable(q: str) -> None:
    if q.strip() and not search.is_searchable(q.strip()):
        raise ValidationError(f"Search for 1-{search.QUERY_MAX} characters, without control characters.")


class ModerationQueryArgsSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES),
                           metadata={"description": "Default `pending`; with `q`, any status; with "
                                                    "reported=true, pending and approved."})
    post = fields.String(load_default=None, validate=slugs.VALIDATOR)
    q = fields.String(load_default=None, validate=_searchable, metadata={"description": SEARCH})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=100))
    cursor = fields.String(load_default=None, validate=CURSOR)
    reported = fields.Boolean(load_default=False, truthy={"true", "1"}, falsy={"false", "0"},
                       metadata={"description": "Only comments with open reports, most reported first."})

    @post_load
    def _default_status(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """Default to the pending queue; a search looks at every status, the Reported list at pending and approved."""
        data["q"] = (data["q"] or "").strip() or None
        if data["q"] is not None and data["reported"]:
            raise ValidationError("Search the queue or list the reported comments, not both at once.", "q")
        if data["status"] is None and data["q"] is None and not data["reported"]:
            data["status"] = "pending"
        return data


class ModerationPageSchema(Schema):
    comments = fields.List(fields.Nested(MODERATION_COMMENT.schema), required=True)
    next_cursor = fields.String(allow_none=True)


SEEN = (
    "The `edited_at` the moderator was shown, `null` for a comment shown unedited. If the comment's "
    "`edited_at` differs (compared to the second, as shown), the answer is 409 and nothing changes. "
    "Left out: no check."
)
ID_KEY = validate.Regexp(r"^[1-9][0-9]{0,9}$", error="Not a comment id.")


def seen_time(**kwargs: Any) -> fields.Field:
    """Make the field of an ``edited_at`` the moderator was shown: an ISO 8601 time or null."""
    return StorableTime(allow_none=True, **kwargs)


class ModerationActionSchema(Schema):
    """The optional body of approve, reject and spam."""

    expected_edited_at = seen_time(metadata={"description": SEEN})


class BulkSchema(Schema):
    ids = fields.List(fields.Integer(strict=True, validate=ID), required=True, validate=validate.Length(min=1, max=500))
    action = fields.String(required=True, validate=validate.OneOf(ACTIONS))
    expected_edited_at = fields.Dict(
        keys=fields.String(validate=ID_KEY),
        values=seen_time(),
        metadata={"description": "Per comment id (a string key, one of `ids`): its `expected_edited_at` as for "
                  "one comment; ids left out are not checked. All or nothing: if any comment's `edited_at` "
                  "differs, the answer is 409, none changes, and the error's `fields` name each "
                  "(`expected_edited_at.<id>`)."},
    )

    @validates_schema
    def _seen_ids_are_acted_on(self, data: dict[str, Any], **kwargs: Any) -> None:
        # A key for an id not acted on is a mistake that would leave the intended id unchecked.
        extra = sorted(set(data.get("expected_edited_at", {})) - {str(i) for i in data.get("ids", [])})
        if extra:
            raise ValidationError(f"Not among ids: {', '.join(extra)}.", "expected_edited_at")

    @post_load
    def _seen_by_id(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        data["expected_edited_at"] = {int(k): v for k, v in data.get("expected_edited_at", {}).items()}
        return data


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
    until = StorableTime(load_default=None, allow_none=True)
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


class AuthorSubscriptionSchema(Schema):
    comment_id = fields.Integer(required=True, metadata={"description": "The comment whose replies are mailed"})
    post = fields.String(required=True, metadata={"description": "The post's slug"})
    created_at = Time(required=True)
    ended_at = Time(allow_none=True, metadata={"description": "When this thread was stopped"})
    notified_at = Time(allow_none=True, metadata={"description": "When the last mail of this thread was queued"})


class AuthorMailSchema(Schema):
    created_at = Time(required=True)
    confirmed_at = Time(allow_none=True)
    unsubscribed_at = Time(allow_none=True, metadata={"description": "When every mail to the address was stopped"})
    bounced_at = Time(allow_none=True)
    subscriptions = fields.List(fields.Nested(AuthorSubscriptionSchema), required=True)


class AuthorRevisionSchema(Schema):
    comment_id = fields.Integer(required=True)
    body_source = fields.String(required=True)
    body_html = fields.String(required=True)
    at = Time(required=True, metadata={"description": "When this text was written"})
    replaced_at = Time(required=True, metadata={"description": "When an edit replaced it"})


class AuthorExportSchema(Schema):
    email = fields.String(required=True)
    exported_at = Time(required=True)
    comments = fields.List(fields.Nested(MODERATION_COMMENT.schema), required=True)
    bans = fields.List(fields.Nested(AuthorBanSchema), required=True)
    mail = fields.Nested(AuthorMailSchema, allow_none=True, required=True,
                         metadata={"description": "Reply notifications: the address's state and its threads"})
    revisions = fields.List(fields.Nested(AuthorRevisionSchema), required=True,
                            metadata={"description": "Earlier texts of the comments, edited since"})


class AuthorEraseSchema(Schema):
    email = fields.String(required=True)
    erased = fields.Integer(required=True, metadata={"description": "Comments deleted"})
    placeholders = fields.Integer(required=True, metadata={"description": "Kept as [deleted] for their replies"})
    bans_kept = fields.Integer(required=True, metadata={"description": "Bans on the address, which stay"})
    subscriptions = fields.Integer(required=True, metadata={"description": "Reply subscriptions deleted, with "
                                                                            "the address's mail state"})
    revisions = fields.Integer(required=True, metadata={"description": "Earlier texts of edited comments deleted"})
