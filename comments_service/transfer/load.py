"""Write what a source holds, in one transaction: posts, threaded comments, counters, audit.

Every importer ends here, so they share the rules: a comment already
imported (same ``import_key``) is never written twice, nor is one that a
moderator deleted since; bodies are sanitized like new comments; a reply
whose parent is missing, skipped, in another thread or part of a loop is
skipped and reported; counters are recomputed for every touched post before
the commit, and the caches hear about each post after it.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import func, select, update

from .. import auth, events, sanitize
from ..database import insert_ignore
from ..extensions import db
from ..models import Comment, CommentLike, CommentStatus, ModerationEvent, Post, PostLike
from ..posts import find_post
from ..publishing import save_post
from . import community_load
from .plan import Plan, Progress, T, choose, chunks, order_parents_first, sanitize_bodies
from .records import PostRecord, Report, Source, TransferError

BATCH = 500


@contextlib.contextmanager
def no_progress(items: Sequence[T], label: str) -> Iterator[Iterable[T]]:
    """Iterate without showing anything."""
    yield items


def load(
    source: Source,
    file_name: str,
    progress: Progress = no_progress,
    dry_run: bool = False,
    strict: bool = False,
    actor: str = "cli",
) -> Report:
    """Write ``source`` in one transaction and return the report; nothing is kept on error."""
    try:
        report = _write(source, file_name, progress, actor)
        if strict and report.skipped:
            raise TransferError(
                f"{len(report.skipped)} item(s) would be skipped and --strict is set; nothing was imported"
            )
    except BaseException:
        db.session.rollback()
        raise
    if dry_run:
        db.session.rollback()
        return report
    db.session.commit()
    for slug in sorted(report.touched):
        events.notify(slug, events.COMMENTS, events.POST, events.TAGS, events.LIKES)
    return report


def _write(source: Source, file_name: str, progress: Progress, actor: str) -> Report:
    report = Report(source.name, skipped=list(source.skipped), notes=list(source.notes))
    plan = Plan(source, report)
    choose(plan)
    sanitize_bodies(plan, progress)
    order = order_parents_first(plan)
    post_ids = _posts(plan, order)
    _insert(plan, order, post_ids, progress)
    _comment_likes(plan, order)
    community_load.write(plan, order)
    _recount(post_ids.values())
    report.events = _events(plan, actor)
    db.session.add(
        ModerationEvent(
            comment_id=None,
            action="import",
            actor=actor,
            details={
                "source": source.name,
                "file": file_name,
                "posts_created": report.posts_created,
                "comments": dict(report.comments),
                "already_imported": report.already_imported,
                "revisions": report.revisions,
                "reports": report.reports,
                "skipped": len(report.skipped),
            },
        )
    )
    return report


def _posts(plan: Plan, order: list[str]) -> dict[str, int]:
    """Create or complete the posts that get comments (or that the source says are real posts)."""
    source, report = plan.source, plan.report
    wanted = {plan.records[k].post_key for k in [*order, *plan.existing] if k in plan.records}
    wanted |= {key for key, post in source.posts.items() if post.keep_without_comments}
    by_slug: dict[str, list[PostRecord]] = {}
    for key in source.posts:
        if key in wanted:
            by_slug.setdefault(source.posts[key].slug, []).append(source.posts[key])
    ids: dict[str, int] = {}
    for slug, records in by_slug.items():
        urls = sorted({r.url or "" for r in records})
        if len(records) > 1:
            report.notes.append(
                f"threads {', '.join(r.key for r in records)} share the slug {slug!r} "
                f"({', '.join(u for u in urls if u) or 'no URL'}); their comments were merged"
            )
        post, created = _save(slug, records)
        if created:
            report.posts_created += 1
        else:
            report.posts_existing += 1
        report.touched.add(slug)
        for record in records:
            ids[record.key] = post.id
    return ids


def _save(slug: str, records: list[PostRecord]) -> tuple[Post, bool]:
    first = records[0]
    tags = [t for r in records for t in r.tags]
    post = find_post(slug)
    if post is None:
        data = {"title": first.title, "url": first.url, "tags": _fit_tags(tags), "published_at": first.published_at}
        post, _, _ = save_post(slug, data)
        likes = max(r.like_count for r in records)
        _like_rows(PostLike.__table__, "post_id", post.id, f"post:{slug}", likes, first.published_at)
        post.like_count = likes
        return post, True
    # The publishing system's values win; the import only fills what is still empty.
    data = {
        "title": post.title if post.title and post.title != post.slug else first.title,
        "url": post.url or first.url,
        "tags": [t.name for t in post.tags] or _fit_tags(tags),
        "published_at": post.published_at or first.published_at,
    }
    save_post(slug, data)
    return post, False


def _fit_tags(names: list[str]) -> list[str]:
    out: list[str] = []
    for raw in names:
        name = " ".join(raw.split()).lower()[:50].strip()
        if name and name not in out:
            out.append(name)
    return out[:20]


def _insert(plan: Plan, order: list[str], post_ids: dict[str, int], progress: Progress) -> None:
    """Insert the comments parents first, in batches, remembering each new id for the replies."""
    report = plan.report
    known = {key: (row_id, root_id) for key, (row_id, root_id, _) in plan.existing.items()}
    with progress(order, "Writing comments") as bar:
        batch: list[dict[str, Any]] = []
        for key in bar:
            parent = plan.parent[key]
            if parent is not None and parent not in known:
                _flush(batch, known, report)
                batch = []
            batch.append(_row(plan, key, post_ids, known))
            if len(batch) >= BATCH:
                _flush(batch, known, report)
                batch = []
        _flush(batch, known, report)
    for key in order:
        if key in known and key not in plan.existing:
            plan.existing[key] = (*known[key], post_ids[plan.records[key].post_key])


def _row(plan: Plan, key: str, post_ids: dict[str, int], known: dict[str, tuple[int, int]]) -> dict[str, Any]:
    record = plan.records[key]
    parent = plan.parent[key]
    parent_id, root_id = (known[parent][0], known[parent][1]) if parent is not None else (None, None)
    placeholder = record.status == CommentStatus.DELETED
    plan.report.comments[record.status.value] += 1
    return {
        "post_id": post_ids[record.post_key],
        "parent_id": parent_id,
        "root_id": root_id,
        "status": record.status,
        "author": "" if placeholder else record.author,
        "email": None if placeholder else record.email,
        "website": None if placeholder else record.website,
        "avatar": "" if placeholder else record.avatar or auth.imported_avatar_hash(
            record.author, record.email, record.reader_hash),
        "body_source": "" if placeholder else sanitize.clean_text_block(
            record.body if record.source_text is None else record.source_text
        ),
        "body_html": "" if placeholder else plan.html[key],
        "created_at": record.created_at,
        "edited_at": record.edited_at,
        "like_count": max(record.like_count, 0),
        "ip_hash": record.ip_hash,
        "reader_hash": record.reader_hash,
        "spam_reasons": list(record.spam_reasons),
        "pinned": record.pinned and parent is None,
        "import_key": key,
    }


def _flush(batch: list[dict[str, Any]], known: dict[str, tuple[int, int]], report: Report) -> None:
    if not batch:
        return
    table = Comment.__table__
    inserted = insert_ignore(table, batch, returning=(table.c.id, table.c.import_key)).all()
    by_key = {row.import_key: row.id for row in inserted}
    for row in batch:
        key = row["import_key"]
        if key not in by_key:
            # Another import wrote it between our check and this insert.
            raise TransferError(f"comment {key} appeared while importing; is another import running?")
        known[key] = (by_key[key], row["root_id"] or by_key[key])


def _like_rows(table: Any, column: str, row_id: int, key: str, count: int, when: Any) -> None:
    # Sources give likes as counts. One row per like, under a reader hash no reader token can
    # produce, keeps every counter equal to its rows (flask check) while real readers can still like.
    rows = [
        {column: row_id, "reader_hash": auth.keyed_hash("imported-like", f"{key}#{n}"),
         "created_at": when or datetime.now(timezone.utc)}
        for n in range(count)
    ]
    for chunk in chunks(rows, BATCH):
        insert_ignore(table, chunk)


def _comment_likes(plan: Plan, order: list[str]) -> None:
    for key in order:
        record = plan.records[key]
        if record.like_count > 0:
            _like_rows(CommentLike.__table__, "comment_id", plan.existing[key][0], key, record.like_count,
                       record.created_at)


def _recount(post_ids: Iterable[int]) -> None:
    ids = sorted(set(post_ids))
    approved = (
        select(func.count())
        .where(Comment.post_id == Post.id, Comment.status == CommentStatus.APPROVED)
        .scalar_subquery()
    )
    for chunk in chunks(ids):
        db.session.execute(update(Post).where(Post.id.in_(chunk)).values(comment_count=approved))


def _events(plan: Plan, actor: str) -> int:
    """Bring in an exported audit log once; comment ids follow the comments' new ids."""
    source = plan.source
    if not source.events:
        return 0
    id_map = {record.key: plan.existing[key][0] for key, record in plan.records.items() if key in plan.existing}
    present: set[str] = set()
    for details in db.session.scalars(select(ModerationEvent.details)):
        if isinstance(details, dict) and isinstance(details.get("event_key"), str):
            present.add(details["event_key"])
    added = 0
    for event in source.events:
        if event["event_key"] in present:
            continue
        details = dict(event.get("details") or {})
        details["event_key"] = event["event_key"]
        comment_key = event.get("comment_key")
        db.session.add(
            ModerationEvent(
                comment_id=id_map.get(comment_key) if comment_key else None,
                action=event["action"],
                actor=event["actor"],
                from_status=event.get("from_status"),
                to_status=event.get("to_status"),
                details=details,
                created_at=event["created_at"],
            )
        )
        added += 1
    return added
