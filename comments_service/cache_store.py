"""The Redis side of the cache: its Lua scripts, the format of a stored value, and invalidations owed to Redis.

Values are stored under ``<prefix>v:<generation of everything>:<generation
of their group>:<name>``. Invalidating a group gives it a new generation, so
readers look for new keys and never see the old ones; a generation is unique
for ever (Redis's clock plus a counter), so a generation key lost to eviction
never comes back with a value used before.
"""
from __future__ import annotations

import logging
import struct
import threading
import time
from collections.abc import Iterable

import redis

from .nearcache import NearCache

log = logging.getLogger(__name__)

RETRY_SECONDS = 0.5  # how often an invalidation Redis missed is tried again in the background

_HEADER = struct.Struct(">d")  # the soft expiry, in seconds since the epoch, before the payload

_GENERATIONS = """
local p = ARGV[1]
local function fresh()
  local t = redis.call('TIME')
  return t[1] .. '.' .. t[2] .. '.' .. redis.call('INCR', p .. 'seq')
end
"""
# ARGV: prefix, then (group, name, field) per value; returns (key, value) per value.
READ = _GENERATIONS + """
local known = {}
local function gen(group)
  if known[group] then return known[group] end
  local k = p .. 'gen:' .. group
  local g = redis.call('GET', k)
  if not g then
    g = fresh()
    redis.call('SET', k, g)
  end
  known[group] = g
  return g
end
local all = gen('all')
local out = {}
for i = 2, #ARGV, 3 do
  local key = p .. 'v:' .. all .. ':' .. gen(ARGV[i]) .. ':' .. ARGV[i + 1]
  out[#out + 1] = key
  if ARGV[i + 2] == '' then
    out[#out + 1] = redis.call('GET', key)
  else
    out[#out + 1] = redis.call('HGET', key, ARGV[i + 2])
  end
end
return out
"""
# ARGV: prefix, then the groups to give new generations.
BUMP = _GENERATIONS + """
for i = 2, #ARGV do
  redis.call('SET', p .. 'gen:' .. ARGV[i], fresh())
end
return #ARGV - 1
"""


def pack(soft_expiry: float, value: bytes) -> bytes:
    """Return a value as stored: its soft expiry, then its bytes."""
    return _HEADER.pack(soft_expiry) + value


def unpack(raw: bytes) -> tuple[float, bytes]:
    """Return the soft expiry and the bytes of a stored value."""
    return _HEADER.unpack_from(raw)[0], raw[_HEADER.size:]


class Store:
    """Per app: the Lua scripts, this process's copies, and invalidations still owed to Redis."""

    def __init__(self, client: redis.Redis | None, prefix: str, everything: str) -> None:
        self.client = client
        self.prefix = prefix
        self.read = client.register_script(READ) if client is not None else None
        self.bump = client.register_script(BUMP) if client is not None else None
        self.near = NearCache(client, prefix + "gen:", everything) if client is not None else None
        self.pending: set[str] = set()
        self.lock = threading.Lock()
        self.retrying = False

    def owe(self, groups: Iterable[str]) -> None:
        """Remember invalidations Redis did not get, and keep retrying them in the background."""
        with self.lock:
            self.pending.update(groups)
            start, self.retrying = not self.retrying, True
        if start:
            # Other workers may still read from Redis: tell it as soon as it answers,
            # not only when this worker next serves a request.
            threading.Thread(target=self._retry, name="cache-invalidation-retry", daemon=True).start()

    def _retry(self) -> None:
        while True:
            time.sleep(RETRY_SECONDS)
            try:
                self.replay()
            except (redis.RedisError, OSError):
                continue
            with self.lock:
                if not self.pending:
                    self.retrying = False
                    return

    def replay(self) -> None:
        """Send the owed invalidations; Redis errors propagate and leave them owed."""
        with self.lock:
            owed = sorted(self.pending)
        if owed and self.client is not None and self.bump is not None:
            self.bump(args=[self.prefix, *owed], client=self.client)
            log.info("sent %d cache invalidations missed while Redis was unavailable", len(owed))
            with self.lock:
                self.pending.difference_update(owed)
