"""Readers' comments: threads for reading, posting, editing and deleting one's own.

Every status change goes through :func:`set_status`, which keeps the post's
``comment_count`` in the same transaction as the comment row; a new comment
(:func:`create_comment`, written with Core statements) is counted with its INSERT.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, NamedTuple

import orjson
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import (
    Row,
    Select,
    String,
    and_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    type_coerce,
    union_all,
    update,
)

from . import auth, cache, events, paging, sanitize, spam
from .errors import ApiError, invalid, not_found
from .extensions import begin_autocommit, db
from .models import Comment, CommentStatus, Post, iso
from .posts import (
    FOR_WRITE,
    is_slug,
    liked_flag,
    post_for_write,
    post_from_rows,
    post_query,
    read_post,
    shown_bytes,
    with_liked,
)
from .sql import read_together

VISIBLE = (CommentStatus.APPROVED, CommentStatus.DELETED)

# Threads are read as plain rows of the columns a reader sees and dumped with
# orjson: no ORM objects and no marshmallow on the busiest path. The shape is
# CommentSchema's (tests/test_thread_shape.py holds the two together).
_C = Comment.__table__.c
_PUBLIC = (_C.id, _C.parent_id, _C.status, _C.author, _C.website, _C.avatar, _C.body_html,
           _C.created_at, _C.edited_at, _C.like_count)

SORTS: dict[str, list[paging.SortKey]] = {
    "oldest": [(_C.created_at, False), (_C.id, False)],
    "newest": [(_C.created_at, True), (_C.id, True)],
    "top": [(_C.like_count, True), (_C.created_at, False), (_C.id, False)],
}


def _json(obj: Any) -> bytes:
    return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)


def thread_json(slug: str, sort: str, limit: int, cursor: str | None, reader: str | None) -> bytes:
    """Return a page of the thread as JSON for this reader; first pages come from the cache."""
    if cursor is not None:
        return _json(list_thread(slug, sort, limit, cursor, reader))
    if not is_slug(slug):
        raise not_found("Post")
    known: dict[str, Any] = {}

    def load() -> None:
        # A change to the thread makes both the post (its count) and the page stale: read them together.
        if "page" not in known:
            post_rows, page_rows = read_together(
                post_query(slug, reader), (_FIRST_PAGES[sort], {"slug": slug, "limit": limit, "fetch": limit + 1})
            )
            known.update(post=post_from_rows(post_rows, reader), page=page_rows)

    def post() -> bytes:
        load()
        return shown_bytes(known["post"])

    def page() -> bytes:
        load()
        if known["post"] is None:
            raise not_found("Post")
        return _json(_thread(known["page"], sort, limit))

    entries = [cache.post_entry(slug, post), cache.thread_entry(slug, sort, limit, page)]
    if reader is not None:
        entries.append(cache.liked_entry(slug, reader, lambda: liked_flag(slug, reader, known)))
    found = cache.fetch(*entries)
    shown = with_liked(found[0], len(found) > 2 and found[2] == b"1")
    # Sorted keys: "comments", "next_cursor", then "post".
    return found[1][:-1] + b',"post":' + shown + b"}"


def list_thread(slug: str, sort: str, limit: int, cursor: str | None, reader: str | None) -> dict[str, Any]:
    """Return a page of top-level approved comments, each with its visible replies nested.

    Two queries whatever the page size and depth: the post (with its tags and
    the reader's like), and the page with every reply of its threads.
    """
    post = read_post(slug, reader)
    if post is None:
        raise not_found("Post")
    keys = SORTS[sort]
    after = paging.decode(f"thread:{sort}", cursor, len(keys)) if cursor else None
    statement = _page_statement(sort, after) if after is not None else _FIRST_PAGES[sort]
    rows = list(db.session.execute(statement, {"slug": slug, "limit": limit, "fetch": limit + 1}))
    return {"post": {**post.shown, "liked": bool(post.liked)}, **_thread(rows, sort, limit)}


def _thread(rows: list[Any], sort: str, limit: int) -> dict[str, Any]:
    """Return ``{comments, next_cursor}`` from a page statement's rows, as CommentSchema dumps it."""
    top_rows, next_cursor = paging.page([row for row in rows if row.kind == 0], limit, f"thread:{sort}", SORTS[sort])
    top = [_public(row) for row in top_rows]
    replies = [_public(row) for row in rows if row.kind == 1]
    return {"comments": build_tree(top, replies), "next_cursor": next_cursor}


# The statuses a reader's thread shows, compared as plain text so that the
# driver takes them as they are (sql.read_together sends no bind processing).
_SHOWN = or_(*(type_coerce(_C.status, String) == status.value for status in VISIBLE))


def _page_statement(sort: str, after: list[Any] | None) -> Select[Any]:
    """The top-level page of a post's thread (numbered in its order) and, through
    ``root_id``, every visible reply of the comments on it: one statement."""
    keys = SORTS[sort]
    order = paging.order_by(keys)
    post_id = select(Post.__table__.c.id).where(Post.__table__.c.slug == bindparam("slug")).scalar_subquery()
    page = select(*_PUBLIC, literal(0).label("kind"), func.row_number().over(order_by=order).label("pos")).where(
        _C.post_id == post_id, _C.parent_id.is_(None), _SHOWN
    )
    if after is not None:
        page = page.where(paging.after(keys, after))
    page_cte = page.order_by(*order).limit(bindparam("fetch")).cte("page")
    replies = select(*_PUBLIC, literal(1), literal(None)).where(
        _C.root_id.in_(select(page_cte.c.id).where(page_cte.c.pos <= bindparam("limit"))), _SHOWN
    )
    both = union_all(select(page_cte), replies).subquery()
    return select(both).order_by(both.c.kind, both.c.pos, both.c.created_at, both.c.id)


# First pages are the busiest reads: their statements are built once.
_FIRST_PAGES = {sort: _page_statement(sort, None) for sort in SORTS}


def _public(row: Row[Any] | tuple[Any, ...]) -> dict[str, Any]:
    """A comment as CommentSchema dumps it, with an empty ``replies``, from its _PUBLIC columns."""
    id_, parent_id, status, author, website, avatar, body_html, created_at, edited_at, like_count = row[:10]
    return {
        "author": author, "avatar": avatar, "body_html": body_html, "created_at": iso(created_at),
        "deleted": status == CommentStatus.DELETED, "edited_at": iso(edited_at), "id": id_,
        "like_count": like_count, "parent_id": parent_id, "replies": [], "website": website,
    }


# Replies deeper than this are shown under their ancestor at this depth (their
# parent_id stays true): a thread stays readable on a phone, and no reader can
# build a chain deep enough to exhaust the recursion of nesting and dumping.
MAX_DEPTH = 8

Node = dict[str, Any]


def _depths(top: list[Node], nodes: dict[int, Node]) -> dict[int, int]:
    # Iterative, so a long chain costs no stack; -1 marks a reply cut off from its thread.
    depth = {c["id"]: 0 for c in top}
    for start in nodes.values():
        chain: list[Node] = []
        seen: set[int] = set()
        node: Node | None = start
        while node is not None and node["id"] not in depth and node["id"] not in seen:
            chain.append(node)
            seen.add(node["id"])
            node = nodes.get(node["parent_id"])
        level = depth[node["id"]] if node is not None and node["id"] in depth else -1
        for link in reversed(chain):
            level = level + 1 if level >= 0 else -1
            depth[link["id"]] = level
    return depth


def build_tree(top: list[Node], replies: list[Node]) -> list[Node]:
    """Nest replies under their parents (at most MAX_DEPTH deep); drop placeholders with nothing visible below."""
    nodes = {c["id"]: c for c in [*top, *replies]}
    depth = _depths(top, nodes)
    for reply in replies:
        if depth[reply["id"]] < 0:
            continue
        parent = nodes[reply["parent_id"]]
        while depth[parent["id"]] >= MAX_DEPTH:
            parent = nodes[parent["parent_id"]]
        parent["replies"].append(reply)

    def keep(comment: Node) -> bool:
        comment["replies"] = [r for r in comment["replies"] if keep(r)]
        return not comment["deleted"] or bool(comment["replies"])

    return [c for c in top if keep(c)]


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="edit-token")


def edit_deadline(comment: Comment | NewComment) -> datetime:
    """Return the time after which the author may no longer edit or delete."""
    created = comment.created_at
    if created.tzinfo is None:
        created = created.replace(tzinfo=timezone.utc)
    return created + timedelta(seconds=current_app.config["EDIT_WINDOW_SECONDS"])


def render_body(body: str) -> str:
    """Render Markdown to safe HTML; 422 when nothing readable is left."""
    html = sanitize.render_markdown(body)
    if not sanitize.is_readable(html):
        raise invalid("body", "The comment has no readable text.")
    return html


class NewComment(NamedTuple):
    """A comment just stored, with what its poster is answered (no ORM object, nothing to reload)."""

    id: int
    post_id: int
    parent_id: int | None
    author: str
    website: str | None
    avatar: str
    body_html: str
    created_at: datetime
    status: CommentStatus


def created_body(comment: NewComment, token: str) -> dict[str, Any]:
    """Return the 201 answer to a new comment as CommentCreatedSchema dumps it."""
    shown = _public((comment.id, comment.parent_id, comment.status, comment.author, comment.website, comment.avatar,
                     comment.body_html, comment.created_at, None, 0))
    # Spam is answered like any comment that waits (CommentStatusSchema).
    status = "approved" if comment.status == CommentStatus.APPROVED else "pending"
    return {**shown, "edit_token": token, "edit_until": iso(edit_deadline(comment)), "status": status}


_PARENT = Comment.__table__.alias("parent")
_WRITE_STATEMENTS: dict[tuple[bool, tuple[str, ...]], Select[Any]] = {}


def _write_statement(reply: bool, columns: tuple[Any, ...]) -> Select[Any]:
    """The statement that reads a new comment's post, its parent and the spam checks: one round trip.

    The parent is read only if it is an approved comment of the same post.
    Built once per shape.
    """
    key = (reply, tuple(column.name for column in columns))
    statement = _WRITE_STATEMENTS.get(key)
    if statement is None:
        posts_table = Post.__table__
        if reply:
            on = and_(_PARENT.c.id == bindparam("parent_id"), _PARENT.c.post_id == posts_table.c.id,
                      _PARENT.c.status == CommentStatus.APPROVED)
            source = posts_table.outerjoin(_PARENT, on)
            parent = (_PARENT.c.id.label("parent_id"), _PARENT.c.root_id.label("parent_root_id"))
        else:
            source, parent = posts_table, ()
        statement = FOR_WRITE.with_only_columns(posts_table.c.id, posts_table.c.slug, *parent, *columns)
        statement = _WRITE_STATEMENTS[key] = statement.select_from(source)
    return statement


def create_comment(slug: str, data: dict[str, Any], reader: str | None, ip: str | None) -> tuple[NewComment, str]:
    """Store a reader's comment (pending under pre-moderation); return it and its edit token.

    What the reader sent is checked before the database is asked anything. On
    PostgreSQL the comment is then written by one statement (with its post's
    count when it is approved), so it runs without a transaction around it:
    the statement commits itself, two round trips (BEGIN, COMMIT) fewer, and
    the answer still comes only after the commit.
    """
    author = sanitize.plain_line(data["author"])
    if not author:
        raise invalid("author", "The name has no readable characters.")
    body_html = render_body(data["body"])
    email = (data.get("email") or "").strip().lower() or None
    website = data.get("website") or None
    body_source = sanitize.clean_text_block(data["body"])
    ip_hash = auth.ip_hash(ip)
    parent_id = data.get("parent_id")
    columns, params = spam.lookups(body_source, email, reader, ip_hash)
    single_statement = db.session.get_bind().dialect.name == "postgresql"
    if single_statement:
        begin_autocommit()
    # A reply names a comment of an existing post: no post is created for one.
    post = post_for_write(slug, _write_statement(parent_id is not None, columns), {**params, "parent_id": parent_id},
                          create=parent_id is None)
    if parent_id is not None and (post is None or post.parent_id is None):
        raise invalid("parent_id", "Reply to an approved comment of the same post.")
    assert post is not None
    verdict = spam.screen(
        author=author, email=email, website=website, body_source=body_source, body_html=body_html,
        honeypot=data.get(spam.HONEYPOT_FIELD), found=post._mapping,
    )
    avatar, now = auth.avatar_hash(email, author), datetime.now(timezone.utc)
    row = {f"new_{name}": value for name, value in {
        "post_id": post.id, "parent_id": parent_id,
        "root_id": (post.parent_root_id or parent_id) if parent_id is not None else None,
        "status": verdict.status, "author": author, "email": email, "website": website, "avatar": avatar,
        "body_source": body_source, "body_html": body_html, "created_at": now, "like_count": 0,
        "ip_hash": ip_hash, "reader_hash": reader, "spam_reasons": verdict.reasons,
    }.items()}
    # Core statements: the ORM's unit of work would only add bookkeeping to one INSERT.
    # An approved comment also counts on its post (what set_status keeps), in the
    # same transaction; PostgreSQL does both in one statement.
    approved = verdict.status == CommentStatus.APPROVED
    if approved and single_statement:
        comment_id = db.session.execute(_INSERT_COUNTED, {**row, "counted_at": now}).scalar_one()
    else:
        comment_id = db.session.execute(_INSERT, row).inserted_primary_key[0]
        if approved:
            db.session.execute(_COUNT_APPROVED, {"counted_post": post.id})
    created = NewComment(comment_id, post.id, parent_id, author, website, avatar, body_html, now, verdict.status)
    db.session.commit()
    if created.status == CommentStatus.APPROVED:
        events.notify(post.slug, events.COMMENTS)
    elif created.status == CommentStatus.PENDING and events.queue_watched():
        events.notify_queued(db.session.get(Comment, created.id))
    return created, _serializer().dumps(created.id)


_NEW_COLUMNS = ("post_id", "parent_id", "root_id", "status", "author", "email", "website", "avatar", "body_source",
                "body_html", "created_at", "like_count", "ip_hash", "reader_hash", "spam_reasons")
# Parameters named new_<column>. The id comes back with the INSERT (RETURNING where
# the database has it, else the row id).
_INSERT = insert(Comment.__table__).values({name: bindparam(f"new_{name}") for name in _NEW_COLUMNS})
_COUNT_APPROVED = (
    update(Post.__table__)
    .where(Post.__table__.c.id == bindparam("counted_post"))
    .values(comment_count=Post.__table__.c.comment_count + 1)
)
# Both at once: WITH new AS (INSERT ... RETURNING) UPDATE posts ... FROM new (PostgreSQL).
_NEW = _INSERT.returning(_C.id, _C.post_id).cte("new_comment")
_INSERT_COUNTED = (
    update(Post.__table__)
    .where(Post.__table__.c.id == _NEW.c.post_id)
    # Given, not left to onupdate: SQLAlchemy fills no defaults in a statement of this shape.
    .values(comment_count=Post.__table__.c.comment_count + 1, updated_at=bindparam("counted_at"))
    .returning(_NEW.c.id)
)


def set_status(comment: Comment, new: CommentStatus) -> CommentStatus:
    """Move a comment to ``new`` and keep the post's approved count with it; return the old status."""
    old = comment.status
    delta = (new == CommentStatus.APPROVED) - (old == CommentStatus.APPROVED)
    comment.status = new
    if delta:
        db.session.execute(
            update(Post).where(Post.id == comment.post_id).values(comment_count=Post.comment_count + delta)
        )
    return old


def remove(comment: Comment) -> CommentStatus:
    """Delete a comment: a placeholder while replies hang on it, else the row itself.

    Returns the status it had. A placeholder keeps no author, e-mail or text.
    """
    old = set_status(comment, CommentStatus.DELETED)
    has_replies = db.session.scalar(select(exists().where(Comment.parent_id == comment.id)))
    if has_replies:
        comment.author = ""
        comment.email = None
        comment.website = None
        comment.body_source = ""
        comment.body_html = ""
        comment.avatar = ""
    else:
        parent_id = comment.parent_id
        db.session.execute(delete(Comment).where(Comment.id == comment.id))
        _prune_placeholders(parent_id)
    return old


def _prune_placeholders(parent_id: int | None) -> None:
    # A placeholder whose last reply went is no longer needed.
    while parent_id is not None:
        parent = db.session.get(Comment, parent_id)
        if parent is None or parent.status != CommentStatus.DELETED:
            return
        if db.session.scalar(select(exists().where(Comment.parent_id == parent.id))):
            return
        parent_id = parent.parent_id
        db.session.execute(delete(Comment).where(Comment.id == parent.id))


def _own_comment(comment_id: int, token: str | None) -> Comment:
    if not token:
        raise ApiError(401, "edit_token_required", "Send the X-Edit-Token given when posting.")
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.status == CommentStatus.DELETED:
        raise not_found("Comment")
    try:
        valid = _serializer().loads(token) == comment.id
    except BadSignature:
        valid = False
    if not valid:
        raise ApiError(403, "invalid_edit_token", "This edit token is not for this comment.")
    if datetime.now(timezone.utc) > edit_deadline(comment):
        raise ApiError(403, "edit_window_closed", "The time to edit or delete this comment is over.")
    return comment


def edit_comment(comment_id: int, token: str | None, body: str) -> Comment:
    """Change the text of one's own comment within the window; pre-moderation re-queues it."""
    comment = _own_comment(comment_id, token)
    old = comment.status
    comment.body_source = sanitize.clean_text_block(body)
    comment.body_html = render_body(body)
    comment.edited_at = datetime.now(timezone.utc)
    # An edit must not slip past the checks a new comment goes through.
    found = spam.reasons_for_text(comment.body_html, comment.body_source)
    comment.spam_reasons = [r for r in comment.spam_reasons if not spam.is_text_reason(r)] + found
    if old in (CommentStatus.APPROVED, CommentStatus.PENDING):
        keep_public = old == CommentStatus.APPROVED and current_app.config["MODERATION"] == "post"
        set_status(comment, spam.status_for(found, keep_public))
    db.session.commit()
    if old == CommentStatus.APPROVED:
        events.notify(comment.post.slug, events.COMMENTS)
    if comment.status == CommentStatus.PENDING and old != CommentStatus.PENDING:
        events.notify_queued(comment)
    return comment


def delete_own_comment(comment_id: int, token: str | None) -> None:
    """Delete one's own comment within the window."""
    comment = _own_comment(comment_id, token)
    slug = comment.post.slug
    old = remove(comment)
    db.session.commit()
    if old == CommentStatus.APPROVED:
        events.notify(slug, events.COMMENTS)
