"""The Redis connection: optional, quick to give up, and never a source of errors.

Without ``REDIS_URL`` (or ``REDIS_SENTINELS``) every call is a miss. With it,
a failed call is logged, read as a miss, and opens a breaker: for
``BREAKER_SECONDS`` no call is tried, so a dead Redis costs one short
timeout, not one per request.

Through Sentinel, each new connection asks the sentinels where the master is
now, so a failover is followed by the next connection made after it (the
old master's connections die with it, or are closed by the sentinels when
they demote it). Every new connection, to whichever server, first runs the
``on_connect`` hooks: the cache checks there that the server has not lost
writes it acknowledged.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import redis
from flask import Flask, current_app
from redis.backoff import NoBackoff
from redis.connection import AbstractConnection
from redis.retry import Retry
from redis.sentinel import Sentinel

from config import sentinel_addresses

log = logging.getLogger(__name__)

T = TypeVar("T")
TIMEOUT_SECONDS = 0.2
BREAKER_SECONDS = 5.0


class RedisClient:
    """A Redis client that fails soft; one per app."""

    def __init__(self, url: str | None, breaker_seconds: float = BREAKER_SECONDS,
                 sentinels: Sequence[tuple[str, int]] = (), master: str | None = None, db: int = 0) -> None:
        self.url = url
        self.breaker_seconds = breaker_seconds
        self.down_until = 0.0
        self.on_recover: list[Callable[[], None]] = []
        self.on_connect: list[Callable[[AbstractConnection], None]] = []
        self.redis: redis.Redis | None = None
        self.sentinel: Sentinel | None = None
        self.master, self.db = master, db
        options: dict[str, Any] = {
            "socket_timeout": TIMEOUT_SECONDS, "socket_connect_timeout": TIMEOUT_SECONDS,
            "retry_on_timeout": False, "health_check_interval": 0, "redis_connect_func": self._connected,
        }
        if sentinels and master:
            # The sentinels are asked with the same short timeouts, and never again at once:
            # a dead one is skipped for the next.
            sentinel_options = {"socket_timeout": TIMEOUT_SECONDS, "socket_connect_timeout": TIMEOUT_SECONDS,
                                "retry": Retry(NoBackoff(), 0)}
            self.sentinel = Sentinel(list(sentinels), sentinel_kwargs=sentinel_options)
            self.redis = self.sentinel.master_for(master, db=db, **options)
        elif url:
            self.redis = redis.Redis.from_url(url, **options)

    @property
    def enabled(self) -> bool:
        """Tell whether Redis is configured at all."""
        return self.redis is not None

    def call(self, operation: Callable[[redis.Redis], T], default: T) -> T:
        """Run ``operation`` on Redis; on any Redis error return ``default`` and open the breaker."""
        if self.redis is None or time.monotonic() < self.down_until:
            return default
        recovering = self.down_until > 0.0
        try:
            if recovering:
                self.down_until = 0.0
                for callback in self.on_recover:
                    callback()
            return operation(self.redis)
        except (redis.RedisError, OSError) as error:
            log.warning("redis unavailable, serving from the database: %s", error)
            self.down_until = time.monotonic() + self.breaker_seconds
            return default

    def dedicated(self, socket_timeout: float) -> redis.Redis | None:
        """Return a client of its own on the same server, for long blocking reads (the live streams' XREAD BLOCK).

        Its reads may wait ``socket_timeout``; it has no breaker and no hooks: its one caller retries itself.
        """
        options: dict[str, Any] = {"socket_timeout": socket_timeout, "socket_connect_timeout": TIMEOUT_SECONDS * 5,
                                   "health_check_interval": 0}
        if self.sentinel is not None and self.master:
            return self.sentinel.master_for(self.master, db=self.db, **options)
        return redis.Redis.from_url(self.url, **options) if self.url else None

    def ping(self) -> str:
        """Return 'ok', 'down' or 'disabled', trying Redis even while the breaker is open."""
        if self.redis is None:
            return "disabled"
        try:
            self.redis.ping()
        except (redis.RedisError, OSError):
            return "down"
        return "ok"

    def _connected(self, connection: AbstractConnection) -> None:
        # redis-py's own greeting (protocol, auth, database), then ours, before any command.
        connection.on_connect()
        for hook in self.on_connect:
            hook(connection)


def init_app(app: Flask) -> None:
    """Create the app's Redis client from REDIS_URL, or from REDIS_SENTINELS and REDIS_SENTINEL_MASTER."""
    sentinels = sentinel_addresses(app.config.get("REDIS_SENTINELS") or [])
    app.extensions["redis_client"] = RedisClient(
        app.config.get("REDIS_URL"), sentinels=sentinels, master=app.config.get("REDIS_SENTINEL_MASTER"),
        db=int(app.config.get("REDIS_SENTINEL_DB") or 0),
    )


def client() -> RedisClient:
    """Return the current app's Redis client."""
    return current_app.extensions["redis_client"]
