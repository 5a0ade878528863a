"""Choosing what an import writes: the new comments, sanitized, ordered parents first, every skip explained."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import TypeVar

from sqlalchemy import select

from .. import sanitize
from ..extensions import db
from ..models import Comment, CommentStatus, ModerationEvent
from ..posts import find_post
from .records import KEY_MAX, BodyFormat, CommentRecord, Report, Skip, Source
from .wordpress import paragraphs

T = TypeVar("T")
Progress = Callable[[Sequence[T], str], AbstractContextManager[Iterable[T]]]

# The audit action whose events keep the import keys of comments deleted here.
DELETED_KEYS_ACTION = "delete"


def render(record: CommentRecord) -> str:
    """Return the safe HTML of a record's text, by the rules of its format."""
    if record.body_format == BodyFormat.MARKDOWN:
        return sanitize.render_markdown(record.body)
    if record.body_format == BodyFormat.MARKDOWN_TEXT:
        return sanitize.render_markdown(record.body, raw_html=False)
    if record.body_format == BodyFormat.HTML_PARAGRAPHS:
        return sanitize.clean_html(paragraphs(record.body))
    return sanitize.clean_html(record.body)


def key_of(source: Source, record: CommentRecord) -> str:
    return record.import_key or source.key_prefix + record.key


class Plan:
    """The comments to write, in an order where every parent comes before its replies."""

    def __init__(self, source: Source, report: Report) -> None:
        self.source = source
        self.report = report
        self.records: dict[str, CommentRecord] = {}
        self.html: dict[str, str] = {}
        self.existing: dict[str, tuple[int, int, int]] = {}  # key -> (id, root id, post id)
        self.dropped: set[str] = set()
        self.parent: dict[str, str | None] = {}

    def drop(self, key: str, what: str, reason: str) -> None:
        self.dropped.add(key)
        self.report.skipped.append(Skip(what, reason))


def chunks(items: Sequence[T], size: int = 1000) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def choose(plan: Plan) -> None:
    """Keep the records that can be written: known thread, new key, not deleted here."""
    source, report = plan.source, plan.report
    for record in source.comments:
        key = key_of(source, record)
        what = f"comment {record.key}"
        if len(key) > KEY_MAX:
            report.skipped.append(Skip(what, f"its id is longer than {KEY_MAX - len(source.name) - 1} characters"))
            continue
        if key in plan.records:
            plan.drop(key + "#dup", what, "its id appears twice in the file; the first one is kept")
            continue
        plan.records[key] = record
    keys = list(plan.records)
    for chunk in chunks(keys):
        rows = db.session.execute(
            select(Comment.id, Comment.root_id, Comment.post_id, Comment.import_key)
            .where(Comment.import_key.in_(chunk))
        )
        for row in rows:
            plan.existing[row.import_key] = (row.id, row.root_id or row.id, row.post_id)
    deleted_here = _deleted_keys()
    for key, record in plan.records.items():
        what = f"comment {record.key}"
        if key in plan.existing:
            report.already_imported += 1
        elif key in deleted_here:
            plan.drop(key, what, "it was deleted here after an earlier import and is not brought back")
        elif record.post_key not in source.posts:
            plan.drop(key, what, f"its thread {record.post_key or '(none)'} is not in the file")


def _deleted_keys() -> set[str]:
    # Moderators' deletions (and erasures) leave the import key in the audit log.
    found: set[str] = set()
    query = select(ModerationEvent.details).where(ModerationEvent.action == DELETED_KEYS_ACTION)
    for details in db.session.scalars(query):
        if isinstance(details, dict) and isinstance(details.get("import_key"), str):
            found.add(details["import_key"])
    return found


def new_keys(plan: Plan) -> list[str]:
    return [k for k in plan.records if k not in plan.existing and k not in plan.dropped]


def sanitize_bodies(plan: Plan, progress: Progress) -> None:
    """Sanitize every new body once; a text with nothing readable left is skipped."""
    keys = new_keys(plan)
    with progress(keys, "Sanitizing comments") as bar:
        for key in bar:
            record = plan.records[key]
            if record.status == CommentStatus.DELETED:
                continue
            html = render(record)
            if not sanitize.is_readable(html):
                plan.drop(key, f"comment {record.key}", "nothing readable is left once its HTML is made safe")
                continue
            plan.html[key] = html


def order_parents_first(plan: Plan) -> list[str]:
    """Order the new comments parents first; skip replies that cannot hang anywhere."""
    source = plan.source
    full = {record.key: key for key, record in plan.records.items()}
    slug_of = {key: post.slug for key, post in source.posts.items()}
    children: dict[str | None, list[str]] = {}
    # File order breaks ties between equal times, so an export comes back in its own order.
    new = new_keys(plan)
    pending = set(new)
    for key in new:
        record = plan.records[key]
        parent = None
        if record.parent_key:
            # A parent outside the file may have come with an earlier import of the same source.
            parent = full.get(record.parent_key, source.key_prefix + record.parent_key)
        plan.parent[key] = parent
        children.setdefault(parent if parent in pending else None, []).append(key)
    order: list[str] = []
    post_ids: dict[str, int | None] = {}
    queue = sorted(children.get(None, []), key=lambda k: plan.records[k].created_at)
    for key in queue:
        record = plan.records[key]
        parent = plan.parent[key]
        if parent is None:
            pass  # a top-level comment
        elif parent in plan.existing:
            slug = slug_of[record.post_key]
            if slug not in post_ids:
                post = find_post(slug)
                post_ids[slug] = post.id if post else None
            if post_ids[slug] != plan.existing[parent][2]:
                plan.drop(key, f"comment {record.key}", f"its parent {record.parent_key} belongs to another thread")
                continue
        else:
            continue  # resolved below as missing or skipped
        order.append(key)
    index = 0
    while index < len(order):
        key = order[index]
        index += 1
        for child in sorted(children.get(key, []), key=lambda k: plan.records[k].created_at):
            record = plan.records[child]
            if slug_of[record.post_key] != slug_of[plan.records[key].post_key]:
                plan.drop(child, f"comment {record.key}", f"its parent {record.parent_key} belongs to another thread")
                continue
            order.append(child)
    placed = set(order)
    unplaced = [k for k in new if k not in placed and k not in plan.dropped]
    for key in sorted(unplaced, key=lambda k: plan.records[k].created_at):
        _explain_unplaced(plan, key, placed)
    return _prune_deleted(plan, order)


def _explain_unplaced(plan: Plan, key: str, placed: set[str]) -> None:
    record = plan.records[key]
    parent = plan.parent[key]
    what = f"comment {record.key}"
    if parent in plan.dropped:
        plan.drop(key, what, f"its parent {record.parent_key} was skipped")
    elif parent not in plan.records and parent not in plan.existing:
        plan.drop(key, what, f"its parent {record.parent_key} is not in the file")
    else:
        seen = {key}
        step: str | None = parent
        while step is not None and step not in seen and step in plan.records and step not in placed:
            seen.add(step)
            step = plan.parent.get(step)
        if step in seen:
            plan.drop(key, what, "its chain of parents loops back on itself")
        else:
            plan.drop(key, what, f"its parent {record.parent_key} was skipped")


def _prune_deleted(plan: Plan, order: list[str]) -> list[str]:
    """Keep a deleted comment only as a placeholder for replies that are kept."""
    has_reply: set[str] = set()
    kept: list[str] = []
    dropped_deleted = 0
    for key in reversed(order):
        record = plan.records[key]
        if record.status == CommentStatus.DELETED and key not in has_reply:
            dropped_deleted += 1
            continue
        kept.append(key)
        parent = plan.parent[key]
        if parent is not None:
            has_reply.add(parent)
    if dropped_deleted:
        plan.report.notes.append(
            f"{dropped_deleted} comment(s) deleted in the source with no replies were not kept (nothing to show)"
        )
    kept.reverse()
    return kept


