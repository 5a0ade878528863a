"""Filling the cache on a miss: one request builds a value while others wait; stored only under the generations seen."""
from __future__ import annotations

import secrets
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import redis

from . import redis_client
from .cache_store import GENERATION_TTL, Store, Transient, pack, unpack

if TYPE_CHECKING:
    from .cache import Entry

GRACE_SECONDS = 60  # how long a value outlives its soft TTL, to be served while one request rebuilds it
LOCK_MS = 2000
WAIT_SECONDS = 0.5
POLL_SECONDS = 0.005


def build_value(entry: Entry) -> bytes:
    """Build an entry's value from the database, as the bytes to answer with."""
    value = entry.build()
    return value.value if isinstance(value, Transient) else value


def _key(store: Store, entry: Entry, seen: tuple[bytes, bytes]) -> bytes | None:
    # Where the value lives, if both its generations exist.
    everything, group = seen
    if not (everything and group):
        return None
    return b"%sv:%s:%s:%s" % (store.prefix.encode(), everything, group, entry.name.encode())


def _lock_key(store: Store, entry: Entry, seen: tuple[bytes, bytes]) -> bytes:
    key = _key(store, entry, seen)
    return key + b":lock" if key is not None else f"{store.prefix}lock:{entry.group}:{entry.name}".encode()


def rebuild(
    store: Store, entries: Sequence[Entry], seen: list[tuple[bytes, bytes]], results: list[bytes | None],
    expiries: list[float],
    todo: list[int], stale: set[int], now: float,
) -> set[int]:
    """Build the missing and stale values (one request per value, the others wait); return those not to keep."""
    client = redis_client.client()
    lockable = [i for i in todo if not entries[i].field]
    token = secrets.token_hex(8)
    locks = {i: _lock_key(store, entries[i], seen[i]) for i in lockable}

    def lock(r: redis.Redis) -> list[Any]:
        pipe = r.pipeline(transaction=False)
        for i in lockable:
            pipe.set(locks[i], token, nx=True, px=LOCK_MS)
        return pipe.execute()

    # Without Redis every request builds for itself; that is the fallback anyway.
    won = client.call(lock, [True] * len(lockable)) if lockable else []
    owned = [i for i in todo if entries[i].field] + [i for i, ok in zip(lockable, won, strict=True) if ok]
    held = [locks[i] for i in owned if i in locks]
    built: dict[int, bytes | Transient] = {}
    try:
        for i in sorted(owned):
            built[i] = entries[i].build()
    except Exception:
        # A failed build (an unknown post, the database down) must not make others wait for it.
        if held:
            client.call(lambda r: r.delete(*held), None)
        raise
    for i, value in built.items():
        results[i], expiries[i] = (value.value if isinstance(value, Transient) else value), now + entries[i].ttl
    # A value built without generations answers this request only. A transient one
    # is not stored in Redis, but this process may keep it: its group's first
    # generation, made by the write that changes it, tells every process.
    uncached = {i for i, value in built.items()
                if not isinstance(value, Transient) and _key(store, entries[i], seen[i]) is None}
    storable = {i: value for i, value in built.items() if not isinstance(value, Transient)}
    if storable or held:
        client.call(lambda r: _store(r, store, entries, seen, storable, held, now), None)
    # The others keep a stale value if they have one, else wait for the builder.
    waiting = [i for i in todo if i not in built and i not in stale and _key(store, entries[i], seen[i]) is not None]
    deadline = time.monotonic() + WAIT_SECONDS
    while waiting and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        wanted = [_key(store, entries[i], seen[i]) for i in waiting]
        values = client.call(lambda r, wanted=wanted: r.mget(wanted), None)
        if values is None:
            break
        for i, raw in zip(waiting, values, strict=True):
            if raw is not None:
                expiries[i], results[i] = unpack(raw)
        waiting = [i for i in waiting if results[i] is None]
    for i in todo:
        if results[i] is None:
            results[i] = build_value(entries[i])  # the builder is slow or gone: answer from the database
            uncached.add(i)
    return uncached


def _store(r: redis.Redis, store: Store, entries: Sequence[Entry], seen: list[tuple[bytes, bytes]],
           built: dict[int, bytes], held: list[bytes], now: float) -> None:
    args: list[Any] = [store.prefix, GENERATION_TTL]
    for i, value in built.items():
        entry = entries[i]
        payload = value if entry.field else pack(now + entry.ttl, value)
        args += (entry.group, *seen[i], entry.name, entry.field, (entry.ttl + GRACE_SECONDS) * 1000, payload)
    pipe = r.pipeline(transaction=False)
    if built:
        store.store(args=args, client=pipe)
    if held:
        pipe.delete(*held)
    pipe.execute()
