"""Tables of moderation: bans, readers' reports on comments, and the earlier texts of edited comments."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import db
from .models import ACTOR_MAX, TZDateTime
from .times import utcnow

REASONS = ("spam", "abuse", "off-topic", "other")
NOTE_MAX = 500


class Ban(db.Model):
    __tablename__ = "bans"

    id: Mapped[int] = mapped_column(primary_key=True)
    # "email", "reader" or "ip"; value is the e-mail (lower-cased) or the keyed hash.
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(254))
    reason: Mapped[str] = mapped_column(String(500), default="")
    until: Mapped[datetime | None] = mapped_column(TZDateTime)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(ACTOR_MAX), default="")

    __table_args__ = (
        CheckConstraint("kind IN ('email', 'reader', 'ip')", name="kind_known"),
        Index("ix_bans_lookup", "kind", "value"),
    )


class CommentReport(db.Model):
    """One reader's report of one comment: counted once per reader, kept (dismissed) after a moderator decides."""

    __tablename__ = "comment_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    reader_hash: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(String(NOTE_MAX))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    # Set when a moderator dismisses the reports: no longer counted, and the reader cannot report it again.
    dismissed_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    __table_args__ = (
        UniqueConstraint("comment_id", "reader_hash", name="uq_comment_reports_reader"),
        CheckConstraint("reason IN ('spam', 'abuse', 'off-topic', 'other')", name="reason_known"),
        Index("ix_comment_reports_open", "comment_id", "dismissed_at"),
    )


class CommentRevision(db.Model):
    """A text a comment had before an edit replaced it."""

    __tablename__ = "comment_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    body_source: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    # When this text was written (the comment's creation or the edit that made it), and when it was replaced.
    written_at: Mapped[datetime] = mapped_column(TZDateTime)
    replaced_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)


@dataclass(frozen=True)
class ReportSummary:
    """What a moderation item tells of its open reports."""

    count: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def summarize(reports: Iterable[CommentReport]) -> ReportSummary:
    """Count reports by reason (in the order of REASONS), with the readers' notes, oldest first."""
    found = list(reports)
    counted = Counter(r.reason for r in found)
    return ReportSummary(len(found), {reason: counted[reason] for reason in REASONS if counted[reason]},
                         [r.note for r in found if r.note])
