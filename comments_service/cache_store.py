"""The Redis side of the cache: its Lua scripts, the format of a stored value, and invalidations owed to Redis.

Values are stored under ``<prefix>v:<generation of everything>:<generation
of their group>:<name>``. Invalidating a group gives it a new generation, so
readers look for new keys and never see the old ones. A generation is unique
for ever (Redis's clock plus a counter), so one lost to eviction or expiry
never comes back with a value used before.

Every key has a TTL, and reads create nothing: a read that finds no
generation for its group (never written, expired, evicted) builds its value
from the database and answers with it, and its store only creates the
generation, for the next reader. A value is stored only under the
generations seen before it was built, compared again when it is stored: so
whatever Redis evicts, a stored value was read from the database after every
write that its key's generations have seen. Reading an unknown post stores
nothing at all (its build fails, or its value is :class:`Transient`).

A Redis may come back without writes it acknowledged: a replica promoted by
Sentinel before it had them, a server restarted from a snapshot. Then
invalidations are lost too, so each new connection first checks that the
generation of everything was made in the server's own replication history,
and makes a new one if not (:meth:`Store.check_history`).
"""
from __future__ import annotations

import logging
import struct
import threading
import time
from collections.abc import Iterable
from typing import NamedTuple

import redis

from .nearcache import NearCache

log = logging.getLogger(__name__)

RETRY_SECONDS = 0.5  # how often an invalidation Redis missed is tried again in the background

_HEADER = struct.Struct(">d")  # the soft expiry, in seconds since the epoch, before the payload

GENERATION_TTL = 86400  # longer than any value lives, so that a value never outlives its generation

# A new generation. The generation of everything also names the server's
# replication history (its replication id, which a promoted replica and a
# restarted server change): see CHECK.
_FRESH = """
local p = ARGV[1]
local ttl = tonumber(ARGV[2])
local function history()
  local id = string.match(redis.call('INFO', 'replication'), 'master_replid:(%x+)') or ''
  return '.' .. string.sub(id, 1, 12)
end
local function fresh(group)
  local t = redis.call('TIME')
  local n = redis.call('INCR', p .. 'seq')
  redis.call('EXPIRE', p .. 'seq', ttl)
  local g = t[1] .. '.' .. t[2] .. '.' .. n
  if group == 'all' then
    g = g .. history()
  end
  return g
end
"""
# ARGV: prefix, then (group, name, field) per value. Returns, per value, the
# generations of everything and of its group ('' where there is none) and the value.
READ = """
local p = ARGV[1]
local seen = {}
local function gen(group)
  local g = seen[group]
  if g == nil then
    g = redis.call('GET', p .. 'gen:' .. group) or ''
    seen[group] = g
  end
  return g
end
local all = gen('all')
local out = {}
for i = 2, #ARGV, 3 do
  local g = gen(ARGV[i])
  local value = false
  if all ~= '' and g ~= '' then
    local key = p .. 'v:' .. all .. ':' .. g .. ':' .. ARGV[i + 1]
    if ARGV[i + 2] == '' then
      value = redis.call('GET', key)
    else
      value = redis.call('HGET', key, ARGV[i + 2])
    end
  end
  out[#out + 1] = all
  out[#out + 1] = g
  out[#out + 1] = value
end
return out
"""
# ARGV: prefix, generation TTL, then (group, seen everything, seen group, name,
# field, life ms, value) per value. A missing generation is made; a value is
# stored only if both generations are still the ones seen. Returns how many were.
STORE = _FRESH + """
local function gen(group)
  local k = p .. 'gen:' .. group
  local g = redis.call('GET', k)
  if not g then
    g = fresh(group)
    redis.call('SET', k, g, 'EX', ttl)
  end
  return g
end
local stored = 0
for i = 3, #ARGV, 7 do
  local all, g = gen('all'), gen(ARGV[i])
  if ARGV[i + 1] == all and ARGV[i + 2] == g then
    local key = p .. 'v:' .. all .. ':' .. g .. ':' .. ARGV[i + 3]
    if ARGV[i + 4] == '' then
      redis.call('SET', key, ARGV[i + 6], 'PX', ARGV[i + 5])
    else
      redis.call('HSET', key, ARGV[i + 4], ARGV[i + 6])
      redis.call('PEXPIRE', key, ARGV[i + 5])
    end
    stored = stored + 1
  end
end
return stored
"""
# ARGV: prefix, generation TTL, then the groups to give new generations. The
# generation of everything is made if it is missing, so that the next reads can store.
BUMP = _FRESH + """
for i = 3, #ARGV do
  redis.call('SET', p .. 'gen:' .. ARGV[i], fresh(ARGV[i]), 'EX', ttl)
end
if redis.call('EXISTS', p .. 'gen:all') == 0 then
  redis.call('SET', p .. 'gen:all', fresh('all'), 'EX', ttl)
end
return #ARGV - 2
"""
# ARGV: prefix, generation TTL. Run on every new connection, before anything
# else: if the generation of everything was made in another replication
# history, this server may lack writes another one acknowledged (a replica
# promoted before it had them all, a restart from an older copy), so every
# value is dropped. Returns 1 when it was. With nothing cached, nothing is made.
CHECK = _FRESH + """
local all = redis.call('GET', p .. 'gen:all')
if not all then
  return 0
end
local mark = history()
if string.sub(all, -#mark) == mark then
  return 0
end
redis.call('SET', p .. 'gen:all', fresh('all'), 'EX', ttl)
return 1
"""


class Transient(NamedTuple):
    """A built value to answer with but never to store (an unknown post's zero counts)."""

    value: bytes


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
        self.store = client.register_script(STORE) if client is not None else None
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
            self.bump(args=[self.prefix, GENERATION_TTL, *owed], client=self.client)
            log.info("sent %d cache invalidations missed while Redis was unavailable", len(owed))
            with self.lock:
                self.pending.difference_update(owed)

    def check_history(self, connection: redis.connection.AbstractConnection) -> None:
        """On a new connection, drop every cached value if this server may have lost acknowledged writes.

        After a failover the promoted replica may lack the last invalidations
        the old master took (replication is asynchronous): values it holds
        under generations those writes changed would be served as fresh.
        """
        try:
            connection.send_command("EVAL", CHECK, 0, self.prefix, GENERATION_TTL)
            dropped = connection.read_response()
        except redis.ResponseError as error:  # a Redis that refuses the check still serves the cache
            log.warning("could not check Redis's replication history: %s", error)
            return
        if dropped:
            log.warning("Redis has a new replication history (a failover or a restart): every cached value dropped")
