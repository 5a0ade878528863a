"""Where live events are kept: Redis Streams shared by every process, or one process's own bounded log.

Every event goes to two streams with the same id, in one script: the fan-in
stream that each process tails (one blocking ``XREAD`` per process, whatever
the number of open streams), and the history of its scope (one post, or the
site), which a reconnecting page replays from its ``Last-Event-ID``. Both are
capped (``XADD MAXLEN ~``); a post's history expires a day after its last
event, the fan-in an hour after it. An id older than what a history still
holds, or unknown to it (Redis lost its data), is answered ``None``: the page
must start over (``reset``).

Without Redis the same interface is kept in memory (:class:`LocalLog`): the
streams work within this process only, and ``/healthz`` says so.
"""
from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Sequence
from typing import Any, NamedTuple

import redis

log = logging.getLogger(__name__)

PREFIX = "cs:live:"
FANIN = PREFIX + "all"
FANIN_MAX = 10000
SCOPE_MAX = 500
HISTORY_SECONDS = 86400
FANIN_SECONDS = 3600  # a quiet hour lets the fan-in go; readers wait on it by id and see the next event all the same
BLOCK_SECONDS = 5.0
START = "0-0"


class Event(NamedTuple):
    """One event as stored and sent: its id, its scope ("site" or a post's slug), its name and JSON data."""

    id: str
    scope: str
    name: str
    data: str


def order(event_id: str) -> tuple[int, int]:
    """Return an event id (``ms-seq``) as a comparable pair; ValueError if it is not one."""
    ms, _, seq = event_id.partition("-")
    if not (ms.isdigit() and seq.isdigit()) or len(event_id) > 41:
        raise ValueError(event_id)
    return int(ms), int(seq)


def scope_key(scope: str) -> str:
    """Name the history stream of a scope."""
    return f"{PREFIX}s:{scope}"


_APPEND = """
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 's', ARGV[4], 'e', ARGV[5], 'd', ARGV[6])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], id, 'e', ARGV[5], 'd', ARGV[6])
redis.call('EXPIRE', KEYS[2], ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[7])
return id
"""
_HISTORY = """
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local info = redis.call('XINFO', 'STREAM', KEYS[1])
local found = {}
for i = 1, #info, 2 do found[info[i]] = info[i + 1] end
local removed = tonumber(found['entries-added']) - tonumber(found['length'])
local first = found['recorded-first-entry-id']
return {found['last-generated-id'], tostring(removed), first,
        redis.call('XRANGE', KEYS[1], '(' .. ARGV[1], '+', 'COUNT', ARGV[2])}
"""


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class RedisLog:
    """The events of every process, in Redis Streams."""

    shared = True

    def __init__(self, client: Any) -> None:
        self.client = client  # redis_client.RedisClient: fail-soft, for writes and short reads
        self.reader: redis.Redis | None = None  # a connection of its own for the blocking read
        self.append_script = client.redis.register_script(_APPEND)
        self.history_script = client.redis.register_script(_HISTORY)

    def append(self, events: Sequence[tuple[str, str, str]]) -> bool:
        """Store ``(scope, name, data)`` events in one round trip; False if Redis could not be told.

        The script is called by its digest (a pipeline of scripts would first ask ``SCRIPT EXISTS``, a round
        trip of its own); a server that does not have it (restarted, flushed) is given it, and asked again.
        """
        def send(r: redis.Redis) -> None:
            pipe = r.pipeline(transaction=False)
            for scope, name, data in events:
                ttl = HISTORY_SECONDS * (7 if scope == "site" else 1)
                pipe.evalsha(self.append_script.sha, 2, FANIN, scope_key(scope),
                             FANIN_MAX, SCOPE_MAX, ttl, scope, name, data, FANIN_SECONDS)
            pipe.execute()

        def run(r: redis.Redis) -> bool:
            try:
                send(r)
            except redis.exceptions.NoScriptError:
                # Nothing was added (every call of the pipeline found no script): load it, send again.
                r.script_load(_APPEND)
                send(r)
            return True
        return bool(events) and self.client.call(run, False)

    def tail(self, scope: str) -> str:
        """Return the id of the scope's newest event (``0-0`` when it has none)."""
        found = self.client.call(lambda r: r.xrevrange(scope_key(scope), count=1), None) or []
        return _text(found[0][0]) if found else START

    def since(self, scope: str, last: str) -> list[Event] | None:
        """Return the scope's events after ``last``; None when some of them are no longer kept."""
        try:
            after = order(last)
        except ValueError:
            return None
        found = self.client.call(lambda r: self.history_script(keys=[scope_key(scope)], args=[last, SCOPE_MAX + 100],
                                                               client=r), "down")
        if found == "down":
            return None  # Redis is away: what was missed cannot be known; the page starts over
        if not found:
            return [] if after == (0, 0) else None
        newest, removed, first, entries = order(_text(found[0])), int(found[1]), _text(found[2]), found[3]
        # Trimmed (MAXLEN) past the page's id: what came between is lost. Newer than the newest: Redis lost data.
        oldest_kept = order(first) if first != START else newest
        if after > newest or (removed and after < oldest_kept):
            return None
        return [Event(_text(i), scope, _text(f[1]), _text(f[3])) for i, f in entries]

    def position(self) -> str:
        """Return the id of the newest event of any scope, where a new reader of the fan-in starts."""
        found = self.client.call(lambda r: r.xrevrange(FANIN, count=1), None)
        return _text(found[0][0]) if found else START

    def wait(self, after: str, seconds: float = BLOCK_SECONDS) -> list[Event]:
        """Return the events after ``after`` of every scope, waiting up to ``seconds`` for the first."""
        try:
            if self.reader is None:
                self.reader = self.client.dedicated(seconds + 5)
            assert self.reader is not None
            found = self.reader.xread({FANIN: after}, count=500, block=int(seconds * 1000))
        except (redis.RedisError, OSError) as error:
            log.warning("live events: cannot read from Redis, trying again: %s", error)
            time.sleep(1.0)
            return []
        events = []
        for _, entries in found or []:
            for event_id, fields in entries:
                events.append(Event(_text(event_id), _text(fields[b"s"]), _text(fields[b"e"]), _text(fields[b"d"])))
        return events


class LocalLog:
    """The same, kept in this process's memory (no Redis): bounded histories and a bounded fan-in."""

    shared = False

    def __init__(self) -> None:
        self.lock = threading.Condition()
        self.fanin: deque[Event] = deque(maxlen=FANIN_MAX)
        self.scopes: dict[str, deque[Event]] = {}
        self.dropped: dict[str, str] = {}
        self.last = (0, 0)

    def append(self, events: Sequence[tuple[str, str, str]]) -> bool:
        """Store events, each with a new id, and wake the readers."""
        with self.lock:
            for scope, name, data in events:
                ms = int(time.time() * 1000)
                self.last = (ms, 0) if ms > self.last[0] else (self.last[0], self.last[1] + 1)
                event = Event(f"{self.last[0]}-{self.last[1]}", scope, name, data)
                self.fanin.append(event)
                history = self.scopes.setdefault(scope, deque())
                if len(history) >= SCOPE_MAX:
                    self.dropped[scope] = history.popleft().id
                history.append(event)
            self.lock.notify_all()
        return True

    def tail(self, scope: str) -> str:
        """Return the id of the scope's newest event (``0-0`` when it has none)."""
        with self.lock:
            history = self.scopes.get(scope)
            return history[-1].id if history else START

    def since(self, scope: str, last: str) -> list[Event] | None:
        """Return the scope's events after ``last``; None when some are no longer kept (or never were)."""
        try:
            after = order(last)
        except ValueError:
            return None
        with self.lock:
            history = list(self.scopes.get(scope, ()))
            dropped = self.dropped.get(scope, START)
        newest = order(history[-1].id) if history else (0, 0)
        if after > newest or order(dropped) > after:
            return None
        return [event for event in history if order(event.id) > after]

    def position(self) -> str:
        """Return the id of the newest event of any scope."""
        with self.lock:
            return self.fanin[-1].id if self.fanin else START

    def wait(self, after: str, seconds: float = BLOCK_SECONDS) -> list[Event]:
        """Return the events after ``after``, waiting up to ``seconds`` for the first."""
        point = order(after)
        with self.lock:
            if not self.fanin or order(self.fanin[-1].id) <= point:
                self.lock.wait(seconds)
            return [event for event in self.fanin if order(event.id) > point]
