"""Database models: posts, tags, threaded comments, likes, audit log (bans: moderation_models.py).

Counters that readers see (``Post.comment_count``, ``Post.like_count``,
``Comment.like_count``, ``Tag.post_count``) are kept here as columns and are
changed in the same transaction as the rows they count.
"""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db
from .times import utcnow


class CommentStatus(enum.StrEnum):
    """Where a comment stands in moderation; only ``approved`` is public."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    SPAM = "spam"
    DELETED = "deleted"


class Role(enum.StrEnum):
    """What a credential may do."""

    EDITOR = "editor"
    MODERATOR = "moderator"
    ADMIN = "admin"


def stored_enum(kind: type[enum.Enum], name: str) -> Enum:
    """Make the column type of an enum: its lower-case value with a CHECK, portable to SQLite."""
    return Enum(
        kind,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=16,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


TZDateTime = DateTime(timezone=True)

# What the desk's full-text search reads of a comment (PostgreSQL), as its GIN index and every query write it
# (in the form PostgreSQL shows it back, so that the migrated index and this declaration compare equal).
SEARCH_DOCUMENT = "to_tsvector('simple'::regconfig, (author::text || ' '::text) || body_source)"

# Names of API tokens and desk logins, and who acted as bans and the audit log keep it:
# "token:<name>", "user:<username>", "cli:purge", "system". Every actor fits its column.
NAME_MAX = 80
ACTOR_MAX = 120

post_tags = Table(
    "post_tags",
    db.metadata,
    Column("post_id", ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Post(db.Model):
    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    url: Mapped[str | None] = mapped_column(String(2000))
    published_at: Mapped[datetime | None] = mapped_column(TZDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, onupdate=utcnow)
    comment_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    like_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    tags: Mapped[list[Tag]] = relationship(
        secondary=post_tags, lazy="selectin", order_by="Tag.name"
    )

    @property
    def tag_names(self) -> list[str]:
        """Return the names of the post's tags, in alphabetical order."""
        return [tag.name for tag in self.tags]

    __table_args__ = (
        CheckConstraint("comment_count >= 0", name="comment_count_nonneg"),
        CheckConstraint("like_count >= 0", name="like_count_nonneg"),
    )


class Tag(db.Model):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    post_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    __table_args__ = (
        CheckConstraint("post_count >= 0", name="post_count_nonneg"),
        # In the widget's order (most posts first, then by name), so that it reads 20 rows, not all tags.
        Index("ix_tags_popular", text("post_count DESC"), "name"),
    )


class Comment(db.Model):
    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE")
    )
    # The top-level ancestor, so that a whole thread loads in one query.
    root_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[CommentStatus] = mapped_column(
        stored_enum(CommentStatus, "comment_status"), default=CommentStatus.PENDING
    )
    author: Mapped[str] = mapped_column(String(80), default="")
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    website: Mapped[str | None] = mapped_column(String(2000))
    avatar: Mapped[str] = mapped_column(String(64), default="")
    body_source: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    like_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    ip_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    reader_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    spam_reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    # "<source>:<id>" of an imported comment, so that a second import skips it.
    import_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    # The reader account that wrote it (signed in); its comments are shown verified.
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("reader_accounts.id", ondelete="SET NULL"), index=True
    )

    # Shown first on the first page of every sort (top-level comments only).
    pinned: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    post: Mapped[Post] = relationship()
    # The desk shows who is behind a signed-in comment (account_models.ReaderAccount).
    account: Mapped[Any] = relationship("ReaderAccount", lazy="select")
    # Readers' reports not yet dismissed (moderation_models.CommentReport); loaded only when asked for.
    open_reports: Mapped[list[Any]] = relationship(
        "CommentReport", viewonly=True, order_by="CommentReport.id",
        primaryjoin="and_(CommentReport.comment_id == Comment.id, CommentReport.dismissed_at.is_(None))",
    )

    __table_args__ = (
        CheckConstraint("like_count >= 0", name="like_count_nonneg"),
        Index("ix_comments_thread", "post_id", "status", "parent_id", "created_at", "id"),
        # Top-level comments of a post in date order: a page reads its rows, however long the thread.
        Index("ix_comments_page", "post_id", "created_at", "id",
              postgresql_where=text("parent_id IS NULL"), sqlite_where=text("parent_id IS NULL")),
        Index("ix_comments_queue", "status", "created_at", "id"),
        Index("ix_comments_recent", "status", "created_at"),
        # The desk's search (search.py): full-text over the author and the text, PostgreSQL only.
        Index("ix_comments_search", text(SEARCH_DOCUMENT), postgresql_using="gin").ddl_if(dialect="postgresql"),
        # Pinned first, then in the sort's order, forward for "oldest" and "top", backward for "newest":
        # a thread's first page reads its own rows, however long the thread.
        Index("ix_comments_pinned_oldest", "post_id", text("pinned DESC"), "created_at", "id",
              postgresql_where=text("parent_id IS NULL"), sqlite_where=text("parent_id IS NULL")),
        Index("ix_comments_pinned_newest", "post_id", "pinned", "created_at", "id",
              postgresql_where=text("parent_id IS NULL"), sqlite_where=text("parent_id IS NULL")),
        # "top": most liked first; without it the page sorted every top-level comment of the post.
        Index("ix_comments_pinned_top", "post_id", text("pinned DESC"), text("like_count DESC"), "created_at", "id",
              postgresql_where=text("parent_id IS NULL"), sqlite_where=text("parent_id IS NULL")),
    )

    @property
    def reports(self) -> Any:
        """Summarize the open reports: how many, and how many of each reason (moderation_models)."""
        from .moderation_models import summarize
        return summarize(self.open_reports)

    @property
    def is_public(self) -> bool:
        """Tell whether readers may see this comment."""
        return self.status == CommentStatus.APPROVED


class PostLike(db.Model):
    __tablename__ = "post_likes"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    reader_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("post_id", "reader_hash", name="uq_post_likes_reader"),)


class CommentLike(db.Model):
    __tablename__ = "comment_likes"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    reader_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("comment_id", "reader_hash", name="uq_comment_likes_reader"),
    )


class ModerationEvent(db.Model):
    __tablename__ = "moderation_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign key: the log outlives the comments it speaks of.
    comment_id: Mapped[int | None] = mapped_column(Integer, index=True)
    action: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(ACTOR_MAX))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, index=True)


from . import moderation_models  # noqa: E402,F401 - the report and revision tables, by name above
