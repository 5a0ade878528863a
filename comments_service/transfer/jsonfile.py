"""Our own JSON format: ``export FILE.json`` writes it, ``import json FILE.json`` reads it back.

The schemas below are the format's definition (README, "The export
format"). The export is written one item per line, so a large site never
sits in memory as one document; the import validates every item and skips,
with the reason, any item that does not fit (the earlier texts and readers'
reports, :mod:`.community`, refuse the file instead). Reply subscriptions are
exported (each address with its state and threads) but not imported: their
links are signed by the installation that mailed them, so their owners
subscribe again.
"""
from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import IO, Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .. import auth, slugs
from ..extensions import db
from ..mail_models import MailAddress, Subscription
from ..models import ACTOR_MAX, Comment, CommentStatus, ModerationEvent, Post, Tag
from . import community
from .jsonfields import HASH, UtcTime, error_text
from .records import BodyFormat, CommentRecord, PostRecord, Source, TransferError, clean_author, clean_email, clean_url

FORMAT = "comments-service-export"
VERSION = 1
SLUG = slugs.VALIDATOR
AVATAR = validate.Regexp(r"^(?:[0-9a-f]{32})?$")


class ExportPostSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    slug = fields.String(required=True, validate=SLUG)
    title = fields.String(required=True, validate=validate.Length(max=300))
    url = fields.String(allow_none=True, load_default=None)
    published_at = UtcTime(allow_none=True, load_default=None)
    tags = fields.List(fields.String(validate=validate.Length(min=1, max=50)), load_default=list,
                       validate=validate.Length(max=20))
    comment_count = fields.Integer(dump_only=True)
    like_count = fields.Integer(load_default=0, validate=validate.Range(min=0))

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        if attr == "tags" and isinstance(obj, Post):
            return [tag.name for tag in obj.tags]
        return super().get_attribute(obj, attr, default)


class ExportCommentSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    post = fields.Method("post_slug", deserialize="load_slug", required=True)
    parent_id = fields.Integer(allow_none=True, load_default=None, strict=True)
    status = fields.Method("status_value", deserialize="load_status", required=True)
    author = fields.String(load_default="", validate=validate.Length(max=80))
    email = fields.String(allow_none=True, load_default=None)
    website = fields.String(allow_none=True, load_default=None)
    body_source = fields.String(load_default="")
    body_html = fields.String(load_default="")
    created_at = UtcTime(required=True)
    edited_at = UtcTime(allow_none=True, load_default=None)
    like_count = fields.Integer(load_default=0, validate=validate.Range(min=0))
    ip_hash = fields.String(allow_none=True, load_default=None, validate=HASH)
    reader_hash = fields.String(allow_none=True, load_default=None, validate=HASH)
    avatar = fields.String(allow_none=True, load_default=None, validate=AVATAR)
    spam_reasons = fields.List(fields.String(), load_default=list)
    pinned = fields.Boolean(load_default=False)
    import_key = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=200))

    def post_slug(self, comment: Any) -> str:
        return comment.post.slug

    def load_slug(self, value: Any) -> str:
        if not isinstance(value, str) or not slugs.is_slug(value):
            raise ValidationError("Not a post slug.")
        return value

    def status_value(self, comment: Any) -> str:
        return comment.status.value

    def load_status(self, value: Any) -> CommentStatus:
        try:
            return CommentStatus(value)
        except ValueError:
            raise ValidationError(f"One of {', '.join(s.value for s in CommentStatus)}.") from None


class ExportEventSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    id = fields.Integer(required=True, strict=True)
    comment_id = fields.Integer(allow_none=True, load_default=None)
    action = fields.String(required=True, validate=validate.Length(min=1, max=32))
    actor = fields.String(required=True, validate=validate.Length(max=ACTOR_MAX))
    from_status = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=16))
    to_status = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=16))
    details = fields.Dict(load_default=dict)
    created_at = UtcTime(required=True)


class ExportSubscriptionSchema(Schema):
    comment_id = fields.Integer()
    post = fields.Method("post_slug")
    reader_hash = fields.String(allow_none=True)
    created_at = UtcTime()
    ended_at = UtcTime(allow_none=True)
    notified_at = UtcTime(allow_none=True)

    def post_slug(self, row: Any) -> str:
        return row.post.slug


class ExportMailAddressSchema(Schema):
    email = fields.String()
    created_at = UtcTime()
    confirmed_at = UtcTime(allow_none=True)
    unsubscribed_at = UtcTime(allow_none=True)
    bounced_at = UtcTime(allow_none=True)
    subscriptions = fields.List(fields.Nested(ExportSubscriptionSchema))


class ExportTagSchema(Schema):
    name = fields.String()
    post_count = fields.Integer()


def site_id() -> str:
    """Name this installation in import keys, stably and without revealing SECRET_KEY."""
    return auth.keyed_hash("export", "site")[:16]


def export(stream: IO[str], on_comment: Callable[[int], None] | None = None) -> dict[str, int]:
    """Write everything as one JSON document, one item per line; return what was written."""
    counts = {"posts": 0, "tags": 0, "comments": 0, "revisions": 0, "reports": 0, "events": 0, "mail_addresses": 0}
    header = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": UtcTime()._serialize(datetime.now(timezone.utc), None, None),
        "site": site_id(),
    }
    stream.write("{\n")
    for name, value in header.items():
        stream.write(f"{json.dumps(name)}: {json.dumps(value)},\n")
    post_schema, tag_schema = ExportPostSchema(), ExportTagSchema()
    comment_schema, event_schema = ExportCommentSchema(), ExportEventSchema()
    posts = select(Post).options(selectinload(Post.tags)).order_by(Post.id)
    counts["posts"] = _array(stream, "posts", (post_schema.dump(p) for p in db.session.scalars(posts)), last=False)
    tags = db.session.scalars(select(Tag).where(Tag.post_count > 0).order_by(Tag.name))
    counts["tags"] = _array(stream, "tags", (tag_schema.dump(t) for t in tags), last=False)
    comments = select(Comment).options(selectinload(Comment.post)).order_by(Comment.id).execution_options(yield_per=500)

    def dumped() -> Iterable[dict[str, Any]]:
        for comment in db.session.scalars(comments):
            if on_comment:
                on_comment(1)
            yield comment_schema.dump(comment)

    counts["comments"] = _array(stream, "comments", dumped(), last=False)
    counts["revisions"] = _array(stream, "revisions", community.revisions(), last=False)
    counts["reports"] = _array(stream, "reports", community.reports(), last=False)
    addresses = select(MailAddress).options(selectinload(MailAddress.subscriptions).selectinload(Subscription.post))
    address_schema = ExportMailAddressSchema()
    counts["mail_addresses"] = _array(stream, "mail_addresses", (
        address_schema.dump(a) for a in db.session.scalars(addresses.order_by(MailAddress.id))), last=False)
    log = select(ModerationEvent).order_by(ModerationEvent.id).execution_options(yield_per=500)
    counts["events"] = _array(stream, "moderation_log", (event_schema.dump(e) for e in db.session.scalars(log)),
                              last=True)
    stream.write("}\n")
    return counts


def comment_total() -> int:
    """Count the comments an export will write."""
    return db.session.scalar(select(func.count()).select_from(Comment)) or 0


def _array(stream: IO[str], name: str, items: Iterable[dict[str, Any]], last: bool) -> int:
    stream.write(f"{json.dumps(name)}: [")
    count = 0
    for item in items:
        stream.write(("\n" if count == 0 else ",\n") + json.dumps(item, ensure_ascii=False, sort_keys=True))
        count += 1
    stream.write("\n]" + ("\n" if last else ",\n"))
    return count


def read(path: str, on_bytes: Callable[[int], None] | None = None) -> Source:
    """Read one of our exports into a Source."""
    name = os.path.basename(path)
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except OSError as error:
        raise TransferError(f"{name}: cannot read it: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise TransferError(f"{name}: not UTF-8 text") from None
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        raise TransferError(f"{name}: not valid JSON at {where}: {error.msg}") from None
    except RecursionError:
        raise TransferError(f"{name}: JSON nested too deeply; refused") from None
    if on_bytes:
        on_bytes(os.path.getsize(path))
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise TransferError(f"{name}: not an export of this service (no \"format\": \"{FORMAT}\")")
    if document.get("version") != VERSION:
        raise TransferError(f"{name}: export format version {document.get('version')!r}; this service reads {VERSION}")
    site = document.get("site")
    if not isinstance(site, str) or not site or len(site) > 40:
        raise TransferError(f"{name}: the export has no site id")
    for section in ("posts", "comments", *community.SECTIONS, "moderation_log"):
        if not isinstance(document.get(section, []), list):
            raise TransferError(f"{name}: {section!r} must be a list")
    source = Source("json", prefix=f"json:{site}:")
    mail = document.get("mail_addresses")
    if isinstance(mail, list) and mail:
        source.notes.append(f"{len(mail)} mail addresses with reply subscriptions were not imported: links in mails "
                            "are signed by the installation that sent them; their owners subscribe again")
    _posts(document.get("posts", []), source)
    _comments(document.get("comments", []), source)
    community.read(document, source, name)
    _events(document.get("moderation_log", []), source, site)
    return source


def _posts(items: list[Any], source: Source) -> None:
    schema = ExportPostSchema()
    for index, item in enumerate(items):
        try:
            data = schema.load(item)
        except ValidationError as error:
            source.skip(f"post #{index + 1}", error_text(error))
            continue
        source.posts[data["slug"]] = PostRecord(
            key=data["slug"],
            slug=data["slug"],
            title=data["title"] or data["slug"],
            # Our own posts may carry a site path (the demo's "/demo").
            url=clean_url(data["url"], relative=True),
            published_at=data["published_at"],
            tags=data["tags"],
            like_count=data["like_count"],
            keep_without_comments=True,
        )


def _comments(items: list[Any], source: Source) -> None:
    schema = ExportCommentSchema()
    for index, item in enumerate(items):
        try:
            data = schema.load(item)
        except ValidationError as error:
            what = f"comment {item.get('id')}" if isinstance(item, dict) and item.get("id") else f"comment #{index + 1}"
            source.skip(what, error_text(error))
            continue
        html = data["body_html"]
        if data["pinned"] and data["parent_id"]:
            source.notes.append(f"comment {data['id']}: pinned, but only a top-level comment can be; imported unpinned")
        source.comments.append(
            CommentRecord(
                key=str(data["id"]),
                post_key=data["post"],
                parent_key=str(data["parent_id"]) if data["parent_id"] else None,
                status=data["status"],
                author=clean_author(data["author"]),
                email=clean_email(data["email"]),
                website=clean_url(data["website"]),
                # The stored HTML is sanitized again on the way in, never trusted.
                body=html if html else data["body_source"],
                body_format=BodyFormat.HTML if html else BodyFormat.MARKDOWN,
                source_text=data["body_source"],
                created_at=data["created_at"],
                edited_at=data["edited_at"],
                like_count=data["like_count"],
                ip_hash=data["ip_hash"],
                reader_hash=data["reader_hash"],
                avatar=data["avatar"] or None,
                spam_reasons=[str(r)[:200] for r in data["spam_reasons"]][:20],
                import_key=data["import_key"],
                pinned=data["pinned"] and not data["parent_id"],
            )
        )


def _events(items: list[Any], source: Source, site: str) -> None:
    schema = ExportEventSchema()
    for index, item in enumerate(items):
        try:
            data = schema.load(item)
        except ValidationError as error:
            source.skip(f"moderation log entry #{index + 1}", error_text(error))
            continue
        details = data["details"]
        source.events.append(
            {
                **data,
                "event_key": details.get("event_key") or f"json:{site}:event:{data['id']}",
                "comment_key": str(data["comment_id"]) if data["comment_id"] else None,
            }
        )
