"""Rate limits per client address on the writes worth flooding: comments, edits, likes, logins.

Hits are counted by the ``limits`` library (moving window, which counts the
last minute exactly: no double burst at a window edge), in Redis when it is
configured, through the service's fail-soft Redis client, so that every
worker shares one count; in this process's memory when Redis is absent or
down. Only the views that opt in are counted: nothing runs on other requests.

A view opts in with one line, naming the setting that holds its limit::

    @ratelimit.limited("RATELIMIT_LIKES")
    def post(self, ...): ...

Views naming the same setting share one budget per client. Over the limit the
client gets 429 with a real ``Retry-After`` (seconds until the window frees a
slot) and the usual JSON error.

A limit on what a client does to one thing (a post's likes from one address)
is counted by the domain function once it knows the thing, with
``ratelimit.check("RATELIMIT_LIKES_PER_POST", "post", str(post_id))``.
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any, NamedTuple, TypeVar

from flask import Flask, current_app, g, has_request_context, make_response, request
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, RedisStorage
from limits.strategies import MovingWindowRateLimiter

from . import auth, redis_client
from .errors import ApiError

F = TypeVar("F", bound=Callable[..., Any])

SETTINGS = (
    "RATELIMIT_COMMENTS", "RATELIMIT_EDITS", "RATELIMIT_LIKES", "RATELIMIT_LIKES_PER_POST", "RATELIMIT_LOGIN",
    "RATELIMIT_PREVIEWS", "RATELIMIT_REPORTS",
)
KEY_PREFIX = "cs:rate"


class RateLimited(ApiError):
    """Too many requests from one client; ``retry_after`` says for how many seconds."""

    def __init__(self, headers: dict[str, str]) -> None:
        super().__init__(429, "rate_limited", "Too many requests; slow down.", headers=headers)
        self.retry_after = int(headers["Retry-After"])


def client_key() -> str:
    """Return the key a client is counted under: the keyed hash of its address.

    ``request.remote_addr`` is the peer, or the address a trusted proxy reports
    when ``TRUSTED_PROXIES`` applied werkzeug's ProxyFix; a client-sent
    ``X-Forwarded-For`` is ignored otherwise. Hashed so that Redis never holds
    readers' addresses.
    """
    return auth.ip_hash(request.remote_addr) or "unknown"


class Limits:
    """One app's limits, and where their hits are counted."""

    def __init__(self, app: Flask) -> None:
        self.enabled = bool(app.config["RATELIMIT_ENABLED"])
        self.rules: dict[str, list[RateLimitItem]] = {}
        for setting in SETTINGS:
            try:
                self.rules[setting] = parse_many(app.config[setting])
            except ValueError:
                self.rules[setting] = []
            if not self.rules[setting]:
                raise RuntimeError(f"{setting} must be a limit such as '5 per minute'")
        self.memory = MovingWindowRateLimiter(MemoryStorage())
        shared = app.extensions["redis_client"].redis
        self.shared = (
            MovingWindowRateLimiter(RedisStorage("redis://", connection_pool=shared.connection_pool,
                                                 key_prefix=KEY_PREFIX))
            if shared is not None else None
        )

    def hit(self, setting: str, *identifiers: str) -> Budget:
        """Count one hit on ``setting`` for ``identifiers``; return what is left of the tightest rule."""
        if self.shared is not None:
            shared = self.shared
            found = redis_client.client().call(lambda r: self._hit(shared, setting, identifiers), None)
            if found is not None:
                return found
        return self._hit(self.memory, setting, identifiers)

    def _hit(self, strategy: MovingWindowRateLimiter, setting: str, identifiers: Sequence[str]) -> Budget:
        tightest: Budget | None = None
        for rule in self.rules[setting]:
            allowed = strategy.hit(rule, setting.lower(), *identifiers)
            stats = strategy.get_window_stats(rule, setting.lower(), *identifiers)
            budget = Budget(rule.amount, stats.remaining, stats.reset_time, allowed)
            if not allowed:
                return budget
            if tightest is None or budget.remaining < tightest.remaining:
                tightest = budget
        assert tightest is not None
        return tightest


class Budget(NamedTuple):
    """What one client has left of a rule after a hit."""

    limit: int
    remaining: int
    reset_at: float
    allowed: bool

    def headers(self) -> dict[str, str]:
        """Return the headers that tell the client its budget (and, when refused, how long to wait)."""
        wait = max(1, math.ceil(self.reset_at - time.time()))
        found = {"X-RateLimit-Limit": str(self.limit), "X-RateLimit-Remaining": str(self.remaining),
                 "X-RateLimit-Reset": str(math.ceil(self.reset_at))}
        if not self.allowed:
            found["Retry-After"] = str(wait)
        return found


def init_app(app: Flask) -> None:
    """Give the app its limits; refuse limit settings that do not parse."""
    app.extensions["rate_limits"] = Limits(app)


def _known(setting: str) -> str:
    if setting not in SETTINGS:
        raise ValueError(f"unknown rate limit setting {setting}")
    return setting


def _count(setting: str, *identifiers: str) -> Budget | None:
    """Count this request's hit on ``setting``; None when nothing is counted; 429 over the limit."""
    limits: Limits = current_app.extensions["rate_limits"]
    if not limits.enabled or not has_request_context():  # a command or a script is not a client
        return None
    counted: set[str] = g.setdefault("rate_counted", set())
    # A request answered again (its connection was dead) was counted the first time.
    if setting in counted:
        return None
    counted.add(setting)
    budget = limits.hit(setting, client_key(), *identifiers)
    if not budget.allowed:
        raise RateLimited(budget.headers())
    return budget


def counting(setting: str) -> bool:
    """Tell whether :func:`check` on ``setting`` would count a hit now (limits on, in a request not yet counted)."""
    limits: Limits = current_app.extensions["rate_limits"]
    return limits.enabled and has_request_context() and _known(setting) not in g.get("rate_counted", ())


def check(setting: str, *identifiers: str) -> None:
    """Count one hit of this client on ``setting`` for the thing ``identifiers`` name; raise RateLimited past it."""
    _count(_known(setting), *identifiers)


def limited(setting: str) -> Callable[[F], F]:
    """Limit a view per client to the rate in the setting ``setting`` (e.g. ``RATELIMIT_LIKES``)."""
    _known(setting)

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            budget = _count(setting)
            if budget is None:
                return view(*args, **kwargs)
            response = make_response(view(*args, **kwargs))
            response.headers.update(budget.headers())
            return response

        return wrapper  # type: ignore[return-value]

    return decorator
