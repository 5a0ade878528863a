"""The public objects, each declared once: a comment, a post, the widgets' items, a moderation item.

Everything that shows one of them derives from its declaration here (see
:mod:`comments_service.shaping`): the columns a read selects, the dict a row
becomes, the 201 body, the OpenAPI schema, the cache's format version. To add
a public field: the model and its migration, one :class:`Field` here, and
embed.js (docs/architecture.md, "Adding a field").
"""
from __future__ import annotations

from typing import Any

from marshmallow import fields

from . import urls
from .models import Comment, CommentStatus, Post, Tag
from .sanitize import excerpt
from .schemas.common import StringList, Time
from .shaping import SAME, SELF, Field, Shape, signature
from .times import iso

_COMMENTS, _POSTS, _TAGS = Comment.__table__, Post.__table__, Tag.__table__


def is_deleted(status: Any) -> bool:
    """Tell whether a comment's status marks a placeholder kept for its replies."""
    return status == CommentStatus.DELETED


def is_verified(account_id: Any) -> bool:
    """Tell whether a comment was written by a signed-in reader account."""
    return account_id is not None


def reader_status(status: Any) -> str:
    """Return the status a reader is told: spam is answered like any comment that waits (a bot learns nothing)."""
    return "approved" if status == CommentStatus.APPROVED else "pending"


def status_value(status: Any) -> str:
    """Return a status as its stored value (moderators see every status)."""
    return str(getattr(status, "value", status))


def _time(name: str, nullable: bool = False, **options: Any) -> Field:
    return Field(name, Time, convert=iso, nullable=nullable, **options)


POST_REF = Shape(
    "PostRef",
    Field("slug", fields.String),
    Field("title", fields.String),
    # Shown only under the URL rule, also for rows stored before it (urls.py).
    Field("url", fields.String, convert=urls.shown, nullable=True,
          description="An http(s) URL or a path on the blog's site."),
    table=_POSTS,
)

POST = POST_REF.extend(
    "Post",
    Field("tags", StringList, source="tag_names", description="Tag names, in alphabetical order."),
    _time("published_at", nullable=True),
    Field("comment_count", fields.Integer, description="Approved comments, replies included."),
    Field("like_count", fields.Integer),
    Field("liked", fields.Boolean, source=None, default=lambda: False,
          description="Whether the reader of X-Reader-Token likes the post."),
)

COMMENT = Shape(
    "Comment",
    Field("id", fields.Integer),
    Field("parent_id", fields.Integer, nullable=True),
    Field("author", fields.String),
    Field("website", fields.String, convert=urls.shown, nullable=True, description="An http(s) URL."),
    Field("avatar", fields.String, description="An opaque identicon seed; never derived reversibly from the e-mail."),
    Field("body_html", fields.String, description="Sanitized HTML rendered from the reader's Markdown."),
    _time("created_at"),
    _time("edited_at", nullable=True),
    Field("like_count", fields.Integer),
    Field("pinned", fields.Boolean, description="Pinned by a moderator: shown first on the first page of every sort."),
    Field("deleted", fields.Boolean, source="status", convert=is_deleted,
          description="A placeholder kept for its replies: no author, no text."),
    Field("verified", fields.Boolean, source="account_id", convert=is_verified,
          description="Written by a signed-in reader: the name is their account's."),
    Field("replies", SELF, source=None, many=True, default=list, description="Approved replies, nested."),
    table=_COMMENTS,
)

_REPLIES = Field("replies", COMMENT, source=None, many=True, default=list, description="Always empty here.")

# A reader's own comment, after an edit: its public fields and what they are told of its status.
COMMENT_STATUS = COMMENT.extend(
    "CommentStatus", _REPLIES,
    Field("status", fields.String, convert=reader_status, description="pending or approved."),
)

# The 201 answer to a new comment.
COMMENT_CREATED = COMMENT_STATUS.extend(
    "CommentCreated",
    Field("edit_token", fields.String, description="Send as X-Edit-Token to edit or delete within the window."),
    _time("edit_until"),
    Field("subscription", fields.String, nullable=True,
          description="With notify: confirm (check your mail for the link), active (the address is confirmed), "
                      "or null (no reply mails: not asked for, or this address takes none)."),
)

# A moderation item's open reports (moderation_models.ReportSummary).
REPORTS = Shape(
    "ReportSummary",
    Field("count", fields.Integer, description="Readers who reported it (not yet dismissed)."),
    Field("reasons", fields.Dict, description="How many reports gave each reason: spam, abuse, off-topic, other."),
    Field("notes", StringList, description="The readers' notes (plain text), oldest first."),
)

MODERATION_COMMENT = COMMENT.extend(
    "ModerationComment",
    Field("status", fields.String, convert=status_value, description="pending, approved, rejected, spam or deleted."),
    Field("post", POST_REF),
    Field("email", fields.String, nullable=True),
    Field("ip_hash", fields.String, nullable=True),
    Field("reader_hash", fields.String, nullable=True),
    Field("account_id", fields.Integer, nullable=True, description="The reader account that wrote it, if any."),
    Field("body_source", fields.String, description="The text as the reader typed it."),
    Field("spam_reasons", StringList, description="What the spam checks found."),
    Field("reports", REPORTS, description="Readers' open reports."),
    without=("replies",),
)

RECENT_COMMENT = Shape(
    "RecentComment",
    Field("id", fields.Integer),
    Field("post", POST_REF, source=SAME),
    Field("author", fields.String),
    Field("excerpt", fields.String, source="body_html", convert=excerpt, description="Plain text."),
    _time("created_at"),
    table=_COMMENTS,
)

TAG_COUNT = Shape(
    "TagCount",
    Field("name", fields.String),
    Field("count", fields.Integer, source="post_count", description="Posts carrying the tag."),
    table=_TAGS,
)

RECENT_POST = POST.extend("RecentPost", without=("tags", "liked"))

RELATED_POST = RECENT_POST.extend(
    "RelatedPost",
    Field("shared_tags", fields.Integer, description="How many tags it shares with the post."),
    without=("comment_count", "like_count"),
)

PUBLIC = (POST_REF, POST, COMMENT, COMMENT_STATUS, COMMENT_CREATED, REPORTS, MODERATION_COMMENT, RECENT_COMMENT,
          TAG_COUNT, RECENT_POST, RELATED_POST)

# Part of every cache key: a value cached by a process with other declarations is never read.
VERSION = signature(PUBLIC)
