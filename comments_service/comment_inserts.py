"""The statements that write a new comment: its post's read with the spam checks, then its INSERT, built once.

Core statements: the ORM's unit of work would only add bookkeeping to one
INSERT. The values are parameters named ``new_<column>``. On PostgreSQL an
approved comment is counted on its post by the same statement (``WITH
new_comment AS (INSERT ... RETURNING) UPDATE posts ...``), and the jobs the
comment causes (:func:`jobs.take_waiting`) go in with it too (``WITH
new_jobs AS (INSERT INTO jobs ...)``): one statement, so it may commit
itself, and the comment never exists without its jobs. Its id is then taken
from the sequence by the first read (``reserve``), so that the jobs can
name it before it is written.
"""
from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, insert, update

from . import jobs, spam
from .models import Comment, CommentStatus, Post
from .posts import FOR_WRITE

_C = Comment.__table__.c
_POSTS = Post.__table__
_PARENT = Comment.__table__.alias("parent")
NEW_COLUMNS = ("post_id", "parent_id", "root_id", "status", "author", "email", "website", "avatar", "body_source",
               "body_html", "created_at", "like_count", "ip_hash", "reader_hash", "spam_reasons", "account_id",
               "pinned")  # every column given: SQLAlchemy fills no defaults in an INSERT that carries a CTE


@functools.lru_cache(maxsize=64)
def post_read(reply: bool, checks: tuple[str, ...], reserve: bool = False) -> Select[Any]:
    """The statement that reads a new comment's post, its parent and the spam checks: one round trip.

    The parent is read only if it is an approved comment of the same post.
    With ``reserve`` (PostgreSQL), ``new_id`` is the id the comment will get.
    """
    if reply:
        on = and_(_PARENT.c.id == bindparam("parent_id"), _PARENT.c.post_id == _POSTS.c.id,
                  _PARENT.c.status == CommentStatus.APPROVED)
        source = _POSTS.outerjoin(_PARENT, on)
        parent = (_PARENT.c.id.label("parent_id"), _PARENT.c.root_id.label("parent_root_id"))
    else:
        source, parent = _POSTS, ()
    columns = [spam.LOOKUPS[name] for name in checks]
    if reserve:
        columns.append(func.nextval(func.pg_get_serial_sequence("comments", "id")).label("new_id"))
    return FOR_WRITE.with_only_columns(_POSTS.c.id, _POSTS.c.slug, _POSTS.c.title, _POSTS.c.url, *parent,
                                       *columns).select_from(source)


# The id comes back with the INSERT (RETURNING where the database has it, else the row id).
INSERT = insert(Comment.__table__).values({name: bindparam(f"new_{name}") for name in NEW_COLUMNS})
COUNT_APPROVED = update(_POSTS).where(_POSTS.c.id == bindparam("counted_post")).values(
    comment_count=_POSTS.c.comment_count + 1)


def _counted(written: Any) -> Any:
    # WITH new_comment AS (INSERT ... RETURNING) UPDATE posts ... FROM new_comment (PostgreSQL).
    new = written.returning(_C.id, _C.post_id).cte("new_comment")
    # Given, not left to onupdate: SQLAlchemy fills no defaults in a statement of this shape.
    return update(_POSTS).where(_POSTS.c.id == new.c.post_id).values(
        comment_count=_POSTS.c.comment_count + 1, updated_at=bindparam("counted_at")).returning(
        new.c.id, _POSTS.c.comment_count, _POSTS.c.like_count)


INSERT_COUNTED = _counted(INSERT)
# With its reserved id (``new_id``) and its jobs (``job_rows``): pending, or approved and counted.
_WITH_ID = INSERT.values(id=bindparam("new_id"))
WITH_JOBS = {False: _WITH_ID.add_cte(jobs.WRITTEN_WITH), True: _counted(_WITH_ID).add_cte(jobs.WRITTEN_WITH)}
