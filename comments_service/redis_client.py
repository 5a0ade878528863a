"""The Redis connection: optional, quick to give up, and never a source of errors.

Without ``REDIS_URL`` every call is a miss. With it, a failed call is logged,
read as a miss, and opens a breaker: for ``BREAKER_SECONDS`` no call is tried,
so a dead Redis costs one short timeout, not one per request.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

import redis
from flask import Flask, current_app

log = logging.getLogger(__name__)

T = TypeVar("T")
TIMEOUT_SECONDS = 0.2
BREAKER_SECONDS = 5.0


class RedisClient:
    """A Redis client that fails soft; one per app."""

    def __init__(self, url: str | None, breaker_seconds: float = BREAKER_SECONDS) -> None:
        self.url = url
        self.breaker_seconds = breaker_seconds
        self.down_until = 0.0
        self.on_recover: list[Callable[[], None]] = []
        self.redis: redis.Redis | None = None
        if url:
            self.redis = redis.Redis.from_url(
                url,
                socket_timeout=TIMEOUT_SECONDS,
                socket_connect_timeout=TIMEOUT_SECONDS,
                retry_on_timeout=False,
                health_check_interval=0,
            )

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

    def ping(self) -> str:
        """Return 'ok', 'down' or 'disabled', trying Redis even while the breaker is open."""
        if self.redis is None:
            return "disabled"
        try:
            self.redis.ping()
        except (redis.RedisError, OSError):
            return "down"
        return "ok"


def init_app(app: Flask) -> None:
    """Create the app's Redis client from REDIS_URL."""
    app.extensions["redis_client"] = RedisClient(app.config.get("REDIS_URL"))


def client() -> RedisClient:
    """Return the current app's Redis client."""
    return current_app.extensions["redis_client"]
