"""Writing an export's earlier texts and readers' reports with the comments an import creates, under their new ids."""
from __future__ import annotations

from typing import Any

from sqlalchemy import insert

from .. import sanitize
from ..database import insert_ignore
from ..extensions import db
from ..models import CommentStatus
from ..moderation_models import CommentReport, CommentRevision
from .plan import Plan, chunks

BATCH = 500


def write(plan: Plan, order: list[str]) -> None:
    """Give each comment written now its earlier texts and reports, counted in the report.

    Those of a comment imported before came with it then and are not written
    twice; a comment written as a placeholder keeps no text, so it gets no
    earlier texts and no reports either (the summary notes how many were left).
    Earlier texts are sanitized again, like the comments' own.
    """
    source, report = plan.source, plan.report
    if not source.revisions and not source.reports:
        return
    written = {plan.records[key].key: plan.existing[key][0] for key in order}
    placeholders = {plan.records[key].key for key in order if plan.records[key].status == CommentStatus.DELETED}
    kept = {comment_key: row_id for comment_key, row_id in written.items() if comment_key not in placeholders}
    revisions = [_revision(item, kept[item["comment_key"]]) for item in source.revisions if item["comment_key"] in kept]
    for chunk in chunks(revisions, BATCH):
        db.session.execute(insert(CommentRevision), list(chunk))
    reports = [_report(item, kept[item["comment_key"]]) for item in source.reports if item["comment_key"] in kept]
    for chunk in chunks(reports, BATCH):
        insert_ignore(CommentReport.__table__, chunk)
    report.revisions, report.reports = len(revisions), len(reports)
    left = sum(item["comment_key"] in placeholders for item in [*source.revisions, *source.reports])
    if left:
        report.notes.append(f"{left} earlier text(s) and report(s) of comments kept as placeholders were not kept")


def _revision(item: dict[str, Any], comment_id: int) -> dict[str, Any]:
    html, text = item["body_html"], item["body_source"]
    return {
        "comment_id": comment_id,
        "body_source": sanitize.clean_text_block(text),
        # Stored HTML is sanitized again on the way in, never trusted; without it the text is rendered.
        "body_html": sanitize.clean_html(html) if html else sanitize.render_markdown(text),
        "written_at": item["written_at"],
        "replaced_at": item["replaced_at"],
    }


def _report(item: dict[str, Any], comment_id: int) -> dict[str, Any]:
    return {
        "comment_id": comment_id,
        "reader_hash": item["reader_hash"],
        "reason": item["reason"],
        "note": item["note"],
        "created_at": item["created_at"],
        "dismissed_at": item["dismissed_at"],
    }
