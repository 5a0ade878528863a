"""The Redis cache of public reads: its keys and TTLs, and the fetch/invalidate contract.

Values are the JSON bytes of an answer, served as they are. Every value
belongs to a group (:mod:`cache_groups`); invalidating a group makes its
values unreachable at once, for every process (:mod:`cache_store` says how).
A rebuild that read the database before a write's commit therefore stores
its result under a key nobody asks for any more: invalidation has no race
with a slow rebuild.

Each process also keeps the values it read (:mod:`nearcache`), dropped as
Redis reports new generations, so that a warm read needs no round trip.

Stampedes: when a key is missing, one request takes a short lock and rebuilds
it while the others wait for it briefly; when a key is past its soft TTL, one
request rebuilds it while the others keep serving the previous value (same
generation, so no write has changed it since).

Redis absent, slow or down costs what :mod:`redis_client` allows (one short
timeout, then its breaker): reads are built from the database. An
invalidation that could not be sent is owed: retried in the background, and
replayed before this process reads from Redis again.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from flask import Flask, current_app, has_app_context

from . import cache_fill, events, redis_client, shapes
from .cache_fill import GRACE_SECONDS  # noqa: F401 - how long values outlive their TTL
from .cache_groups import EVERYTHING, groups_for, post_group
from .cache_store import GENERATION_TTL, Store, Transient, unpack  # noqa: F401 - part of this API

log = logging.getLogger(__name__)

# The format of stored values (cache_store) and the shapes' declarations are in
# every key: a process of another version never reads what this one stored.
FORMAT = 1
PREFIX = f"cs:{FORMAT}:{shapes.VERSION}:"
WIDGET_TTL = 300
POST_TTL = 300
THREAD_TTL = 300
COUNTS_TTL = 300
LIKED_TTL = 600

class Entry(NamedTuple):
    """One cached value: where it lives, how long it lasts, how to build it from the database."""

    group: str
    name: str
    ttl: int
    build: Callable[[], bytes | Transient]
    field: str = ""  # set: a per-reader field of a hash, with no lock and no soft expiry


def post_entry(slug: str, build: Callable[[], bytes]) -> Entry:
    """Cache a post as every reader sees it (``liked`` false)."""
    return Entry(post_group(slug), f"post:{slug}", POST_TTL, build)


def liked_entry(slug: str, reader: str, build: Callable[[], bytes]) -> Entry:
    """Cache whether one reader likes a post (b"1" or b"0"), for that reader only."""
    return Entry(post_group(slug), f"liked:{slug}", LIKED_TTL, build, field=reader)


def thread_entry(slug: str, sort: str, limit: int, build: Callable[[], bytes]) -> Entry:
    """Cache the comments of the first page of a post's thread (a JSON array)."""
    return Entry(post_group(slug), f"thread:{slug}:{sort}:{limit}", THREAD_TTL, build)


def thread_cursor_entry(slug: str, sort: str, limit: int, build: Callable[[], bytes]) -> Entry:
    """Cache the cursor of the page after the first (JSON: a string or null)."""
    return Entry(post_group(slug), f"thread-next:{slug}:{sort}:{limit}", THREAD_TTL, build)


def counts_entry(slug: str, build: Callable[[], bytes]) -> Entry:
    """Cache the comment and like counts of one post (a member of the counts object)."""
    return Entry(post_group(slug), f"counts:{slug}", COUNTS_TTL, build)


def widget_entry(group: str, params: str, build: Callable[[], bytes]) -> Entry:
    """Cache a widget payload (``group`` is one of the widget groups) for its parameters."""
    return Entry(group, f"{group}:{params}", WIDGET_TTL, build)


def init_app(app: Flask) -> None:
    """Prepare the app's cache and follow the domain's change events."""
    client = app.extensions["redis_client"]
    state = Store(client.redis, PREFIX, EVERYTHING)
    app.extensions["cache"] = state
    if client.redis is not None:
        # Runs inside RedisClient.call before anything is read: an error leaves
        # the invalidations owed and the breaker open.
        client.on_recover.append(state.replay)
        # Before a new connection's first command: after a failover, nothing cached before it is served.
        client.on_connect.append(state.check_history)
    events.changed.connect(_on_changed)


def _state() -> Store:
    return current_app.extensions["cache"]


def _on_changed(sender: Any, post_slug: str | None = None, kinds: frozenset[str] = frozenset(), **_: Any) -> None:
    # No kinds: only the desk's lists moved (events.notify's ``queued``); nothing cached is stale.
    if kinds and has_app_context() and "cache" in current_app.extensions:
        invalidate(groups_for(post_slug, kinds))


def invalidate(groups: Iterable[str]) -> bool:
    """Give ``groups`` new generations; if Redis cannot be told now, owe it and return False."""
    client, state = redis_client.client(), _state()
    groups = sorted(set(groups))
    if not client.enabled or not groups:
        return True
    assert state.bump is not None
    done = client.call(lambda r: state.bump(args=[PREFIX, GENERATION_TTL, *groups], client=r) is not None, False)
    if done and state.near is not None:
        state.near.forget(groups)
    if not done:
        if state.near is not None:
            state.near.close()  # no message about this write will reach this process's copies either
        state.owe(groups)
    return done


def drop_all() -> bool:
    """Make every cached value unreachable; False when Redis is absent or down."""
    return redis_client.client().enabled and invalidate([EVERYTHING])


def fetch(*entries: Entry) -> list[bytes]:
    """Return each entry's bytes: from this process's copies, else Redis (one round trip), else built."""
    client, state = redis_client.client(), _state()
    near = state.near
    now = time.time()
    version = -1
    if near is not None:
        slots = [(entry.group, entry.name, entry.field) for entry in entries]
        copies = near.get(slots, now)
        if copies is not None:
            return copies
        version = near.version
        if not near.connected and not near.disabled:
            client.call(lambda r: near.open(), None)
            version = near.version
    args: list[str] = [PREFIX]
    for entry in entries:
        args += (entry.group, entry.name, entry.field)
    found = client.call(lambda r: state.read(args=args, client=r), None) if state.read else None
    if found is None:
        return [cache_fill.build_value(entry) for entry in entries]
    seen = [(found[i], found[i + 1]) for i in range(0, len(found), 3)]
    results: list[bytes | None] = [None] * len(entries)
    expiries = [0.0] * len(entries)
    todo: list[int] = []
    stale: set[int] = set()
    for index, (entry, raw) in enumerate(zip(entries, found[2::3], strict=True)):
        if raw is None:
            todo.append(index)
        elif entry.field:
            results[index], expiries[index] = raw, now + entry.ttl
        else:
            expiries[index], results[index] = unpack(raw)
            if expiries[index] <= now:
                todo.append(index)
                stale.add(index)
    kept = set(range(len(entries)))
    if todo:
        kept -= cache_fill.rebuild(state, entries, seen, results, expiries, todo, stale, now)
    if near is not None:
        copies = [(slots[i], results[i], expiries[i]) for i in sorted(kept) if expiries[i] > now]
        near.put(version, copies)  # type: ignore[arg-type]
    return results  # type: ignore[return-value]
