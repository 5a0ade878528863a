"""What changed, announced after each commit, so that caches can follow.

Domain functions commit first and then call :func:`notify`; listeners (the
Redis cache) subscribe to :data:`changed`. Nothing here knows about Redis.
"""
from __future__ import annotations

from typing import Any

from blinker import Namespace

COMMENTS = "comments"  # the public set or text of a post's comments
POST = "post"  # a post's title, url, publication, or existence
TAGS = "tags"  # which posts carry which tags
LIKES = "likes"  # the like count of a post
COMMENT_LIKES = "comment-likes"  # like counts of a post's comments

_signals = Namespace()
changed = _signals.signal("data-changed")


def notify(post_slug: str | None, *kinds: str) -> None:
    """Announce that ``kinds`` of data of ``post_slug`` (None: of any post) changed and are committed."""
    changed.send(None, post_slug=post_slug, kinds=frozenset(kinds))


# Who waits for moderators' attention (the moderation webhook listens).
queued = _signals.signal("comment-queued")


def queue_watched() -> bool:
    """Tell whether anything listens for comments entering the queue (then one is worth loading)."""
    return bool(queued.receivers)


def notify_queued(comment: Any) -> None:
    """Announce that a committed comment now waits in the moderation queue."""
    queued.send(None, comment=comment)
