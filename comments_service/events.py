"""What changed: announced after each commit, so that caches can follow, and status moves told within it.

Domain functions commit first and then call :func:`notify`; listeners (the
Redis cache) subscribe to :data:`changed`. A status change is also told
before the commit (:func:`announce_move`), for the jobs that must be written
with it (mail, webhooks). Nothing here knows about Redis.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from blinker import Namespace

COMMENTS = "comments"  # the public set or text of a post's comments
POST = "post"  # a post's title, url, publication, or existence
TAGS = "tags"  # which posts carry which tags
LIKES = "likes"  # the like count of a post
COMMENT_LIKES = "comment-likes"  # like counts of a post's comments

_signals = Namespace()
changed = _signals.signal("data-changed")


def notify(post_slug: str | None, *kinds: str, comments: Mapping[int, bool] | None = None,
           queued: Mapping[int, Placed] | None = None, counts: Mapping[str, int] | None = None,
           shown: Mapping[int, Any] | None = None) -> None:
    """Announce that ``kinds`` of data of ``post_slug`` (None: of any post) changed and are committed.

    ``comments`` names the comments whose public version the change may have
    altered (written, published, edited, hidden, deleted), each with whether it
    was public before: the live streams tell open pages what became of them.
    ``queued`` names the comments that took a place in the moderation desk's
    lists (a new comment, a status move, a reader's report), each with where
    (:class:`Placed`): the desk's own stream tells the open desks. No kinds and
    only ``queued``: nothing readers see changed (the caches keep their entries).
    ``counts`` (``comment_count``, ``like_count``) are the post's counts as the
    change's own statement returned them, when it did; ``shown``, the public
    comments as the change wrote them (what the live shapes read, with the
    post's ``slug``, ``title`` and ``url``): with both, the live events read nothing.
    """
    changed.send(None, post_slug=post_slug, kinds=frozenset(kinds), comments=dict(comments or {}),
                 queued=dict(queued or {}), counts=dict(counts) if counts is not None else None,
                 shown=dict(shown or {}))


class Placed(NamedTuple):
    """Where a comment now stands in the desk's lists: its status tab, and whether a report just listed it."""

    status: str
    reported: bool = False


# A comment's status changed, told inside the transaction that changes it (background jobs listen).
moved = _signals.signal("comment-moved")


def announce_move(comment: Any, old: Any, new: Any) -> None:
    """Tell listeners, before the commit, that ``comment`` moves from status ``old`` (None: just written) to ``new``.

    Listeners may only add rows to the same session (jobs, with
    ``jobs.enqueue``): they are committed with the change, or rolled back with
    it. Nothing else (no Redis, no network) belongs here, and nothing is read
    for it: ``comment`` is the ORM row, or what a new comment's write knows of
    it (``comment_writes.Written``: ``id``, ``post_id``, ``parent_id``,
    ``email``, ``reader_hash``, ``spam_reasons``), all that listeners may use.
    """
    moved.send(None, comment=comment, old=old, new=new)
