"""An in-process copy of hot cached values, kept exact by Redis's invalidation messages.

A cached read that must ask Redis pays a network round trip, which on a busy
machine costs more than the rest of the request. So each process keeps the
values it last read, and Redis tells it, on a connection of its own
(``CLIENT TRACKING`` in broadcast mode), about every write under the watched
prefix (the cache's generation keys) and about every flush. Before a lookup
the process reads what Redis sent; only then does it use its copies.

A copy is used only while Redis has answered a PING sent less than
``LIVE_SECONDS`` ago, which is shorter than the Redis timeout: a write whose
invalidation failed because Redis hung takes at least that timeout to fail,
and by then no process trusts its copies any more. A closed connection drops
every copy at once. This module knows no key but the prefix it is given.
"""
from __future__ import annotations

import logging
import select
import threading
import time
from collections import deque
from collections.abc import Sequence

import redis

log = logging.getLogger(__name__)

LIVE_SECONDS = 0.15  # must stay below redis_client.TIMEOUT_SECONDS
PING_SECONDS = 0.05
MAX_VALUES = 20_000
CHANNEL = b"__redis__:invalidate"

# (group, name, field)
Slot = tuple[str, str, str]


class NearCache:
    """Copies of cached values for one process, dropped as Redis reports changes."""

    def __init__(self, client: redis.Redis, watched_prefix: str, everything: str) -> None:
        pool = client.connection_pool
        # RESP2: invalidations then arrive as plain pub/sub messages on this connection.
        self._connect_args = (pool.connection_class, {**pool.connection_kwargs, "protocol": 2})
        self._prefix = watched_prefix.encode()
        self._everything = everything  # the watched key whose change drops every copy
        self._conn: redis.connection.AbstractConnection | None = None
        self._poll = select.poll()
        self._groups: dict[str, dict[tuple[str, str], tuple[bytes, float]]] = {}
        self._size = 0
        self._pings: deque[float] = deque()  # send times of the PINGs not answered yet
        self._last_ping = 0.0
        self._live_until = 0.0
        self._lock = threading.Lock()
        self.disabled = False  # Redis refused tracking: work without copies
        self.version = 0  # changes whenever copies are dropped wholesale

    @property
    def connected(self) -> bool:
        """Tell whether the invalidation connection is open."""
        return self._conn is not None

    def open(self) -> None:
        """Open the invalidation connection; Redis errors propagate (the caller's breaker counts them)."""
        connection_class, kwargs = self._connect_args
        conn = connection_class(**kwargs)
        try:
            conn.connect()
            conn.send_command("CLIENT", "ID")
            own_id = conn.read_response()
            conn.send_command("CLIENT", "TRACKING", "ON", "REDIRECT", own_id, "BCAST", "PREFIX", self._prefix)
            conn.read_response()
            conn.send_command("SUBSCRIBE", CHANNEL)
            conn.read_response()
            # Whatever came already is about writes before any value is kept here,
            # and must not sit in the parser where poll(2) cannot see it.
            while conn.can_read(timeout=0):
                conn.read_response()
        except redis.ResponseError as error:
            conn.disconnect()
            self.disabled = True
            log.warning("Redis refused client tracking (%s); serving every cached read from Redis", error)
            return
        except BaseException:
            conn.disconnect()
            raise
        poll = select.poll()
        poll.register(conn._sock, select.POLLIN | select.POLLPRI | select.POLLERR | select.POLLHUP)
        with self._lock:
            self._drop_all()
            self._conn, self._poll = conn, poll

    def close(self) -> None:
        """Drop every copy and the connection (after a failed invalidation, or on shutdown)."""
        with self._lock:
            self._close()

    def get(self, slots: Sequence[Slot], now: float) -> list[bytes] | None:
        """Return copies of every slot if all are held, unexpired and trustworthy now; else None."""
        with self._lock:
            if not self._listen():
                return None
            found = []
            for group, name, field in slots:
                held = self._groups.get(group, {}).get((name, field))
                if held is None or held[1] <= now:
                    return None
                found.append(held[0])
            return found

    def put(self, version: int, items: Sequence[tuple[Slot, bytes, float]]) -> None:
        """Keep copies read or built since ``version``; nothing if copies were dropped meanwhile."""
        with self._lock:
            if version != self.version or self._conn is None:
                return
            if self._size + len(items) > MAX_VALUES:
                self._drop_all()
            for (group, name, field), value, expires in items:
                values = self._groups.setdefault(group, {})
                self._size += (name, field) not in values
                values[(name, field)] = (value, expires)

    def forget(self, groups: Sequence[str]) -> None:
        """Drop this process's copies of ``groups`` now, not when Redis's message about them comes.

        For the process that made the change: its next read must not race the
        message that tells the same.
        """
        with self._lock:
            for group in groups:
                self._drop_group(group)
            self.version += 1  # a value read before the change must not be kept after it

    def _listen(self) -> bool:
        # Read everything Redis sent, ping now and then, and say whether copies may be used.
        conn = self._conn
        if conn is None:
            return False
        try:
            # One poll(2) when nothing came; redis-py's can_read also sees what
            # its parser has buffered, so the loop leaves nothing unread.
            if self._poll.poll(0):
                self._handle(conn.read_response())
                while conn.can_read(timeout=0):
                    self._handle(conn.read_response())
            now = time.monotonic()
            if now - self._last_ping >= PING_SECONDS:
                conn.send_command("PING")
                self._pings.append(now)
                self._last_ping = now
        except (redis.RedisError, OSError) as error:
            log.warning("lost the Redis invalidation connection: %s", error)
            self._close()
            return False
        return now < self._live_until

    def _handle(self, message: list) -> None:
        kind = message[0]
        if kind == b"pong" and self._pings:
            # Redis answered this ping after sending every invalidation that came before it.
            self._live_until = self._pings.popleft() + LIVE_SECONDS
        elif kind == b"message" and message[1] == CHANNEL:
            keys = message[2]
            if keys is None:  # a flush
                self._drop_all()
                return
            for key in keys:
                if key.startswith(self._prefix):
                    self._drop_group(key[len(self._prefix):].decode())

    def _drop_group(self, group: str) -> None:
        if group == self._everything:
            self._drop_all()
        else:
            self._size -= len(self._groups.pop(group, {}))

    def _drop_all(self) -> None:
        self._groups = {}
        self._size = 0
        self.version += 1

    def _close(self) -> None:
        self._drop_all()
        self._pings.clear()
        self._last_ping = 0.0
        self._live_until = 0.0
        if self._conn is not None:
            self._conn.disconnect()
            self._conn = None
