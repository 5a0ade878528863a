"""Rate limits per client address on the writes worth flooding: comments, likes, logins.

Flask-Limiter counts the hits, in Redis when ``REDIS_URL`` is set (so that
every worker shares one count) and in memory otherwise. Each app gets its own
``Limiter``: the extension keeps its storage and its on/off switch on the
instance, and the blueprints are shared by every app built in one process.

A view opts in with one line, naming the setting that holds its limit::

    @ratelimit.limited("RATELIMIT_LIKES")
    def post(self, ...): ...

Views naming the same setting share one budget per client. Over the limit the
client gets 429 with a real ``Retry-After`` (seconds until the window frees a
slot) and the usual JSON error.
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable
from functools import partial, wraps
from typing import Any, TypeVar

from flask import Flask, current_app, g, request
from flask_limiter import Limiter, RateLimitExceeded
from limits import parse_many

from . import auth
from .errors import ApiError

F = TypeVar("F", bound=Callable[..., Any])

SETTINGS = ("RATELIMIT_COMMENTS", "RATELIMIT_LIKES", "RATELIMIT_LOGIN")
STORAGE_TIMEOUT_SECONDS = 0.2
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class RateLimited(ApiError):
    """Too many requests from one client; ``retry_after`` says for how many seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            429, "rate_limited", "Too many requests; slow down.", headers={"Retry-After": str(retry_after)}
        )
        self.retry_after = retry_after


def client_key() -> str:
    """Return the key a client is counted under: the keyed hash of its address.

    ``request.remote_addr`` is the peer, or the address a trusted proxy reports
    when ``TRUSTED_PROXIES`` applied werkzeug's ProxyFix; a client-sent
    ``X-Forwarded-For`` is ignored otherwise. Hashed so that Redis never holds
    readers' addresses.
    """
    return auth.ip_hash(request.remote_addr) or "unknown"


def init_app(app: Flask) -> None:
    """Give the app its limiter; refuse limit settings that do not parse."""
    for setting in SETTINGS:
        try:
            if not parse_many(app.config[setting]):
                raise ValueError(setting)
        except ValueError:
            raise RuntimeError(f"{setting} must be a limit such as '5 per minute'") from None
    redis_url = app.config.get("REDIS_URL")
    limiter = Limiter(
        key_func=client_key,
        storage_uri=redis_url or "memory://",
        storage_options=(
            {"socket_timeout": STORAGE_TIMEOUT_SECONDS, "socket_connect_timeout": STORAGE_TIMEOUT_SECONDS}
            if redis_url
            else {}
        ),
        # A moving window counts the last minute exactly: no double burst at a window edge.
        strategy="moving-window",
        headers_enabled=True,
        # Redis down: count in this process rather than refuse every write.
        in_memory_fallback_enabled=True,
        swallow_errors=True,
        enabled=app.config["RATELIMIT_ENABLED"],
    )
    limiter.init_app(app)
    _spare_reads(app, limiter)
    app.extensions["rate_limits"] = {"limiter": limiter, "guards": {}}


def _spare_reads(app: Flask, limiter: Limiter) -> None:
    # Every limit here is put on a write's view by @limited, which checks it
    # inline. Flask-Limiter's own hooks around every request then only enforce
    # default limits (there are none) and add headers of limits a read never
    # has, yet cost a cached read more than its whole cache lookup.
    before = app.before_request_funcs.get(None, [])
    if limiter._check_request_limit in before:  # not installed when disabled
        before.remove(limiter._check_request_limit)
    after = app.after_request_funcs.get(None, [])
    for index, hook in enumerate(after):
        if isinstance(hook, partial) and hook.args == (limiter,):
            after[index] = _writes_only(hook)
    teardown = app.teardown_request_funcs.get(None, [])
    for index, hook in enumerate(teardown):
        if getattr(hook, "__self__", None) is limiter:
            teardown[index] = _writes_only(hook)


def _writes_only(hook: Callable[[Any], Any]) -> Callable[[Any], Any]:
    @wraps(hook)
    def run(value: Any) -> Any:
        return value if request.method in READ_METHODS else hook(value)

    return run


def _guarded(view: Callable[..., Any], setting: str) -> Callable[..., Any] | None:
    # Wrapped once per app and view: the limit lives on this app's limiter.
    state = current_app.extensions["rate_limits"]
    limiter: Limiter = state["limiter"]
    if not limiter.enabled:
        return None
    key = (view, setting)
    if key not in state["guards"]:
        rule = limiter.shared_limit(current_app.config[setting], scope=setting.lower())
        state["guards"][key] = rule(view)
    return state["guards"][key]


def _retry_after() -> int:
    limiter: Limiter = current_app.extensions["rate_limits"]["limiter"]
    current = limiter.current_limit
    if current is None:
        return 60
    return max(1, math.ceil(current.reset_at - time.time()))


def limited(setting: str) -> Callable[[F], F]:
    """Limit a view per client to the rate in the setting ``setting`` (e.g. ``RATELIMIT_LIKES``)."""
    if setting not in SETTINGS:
        raise ValueError(f"unknown rate limit setting {setting}")

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            guarded = _guarded(view, setting)
            # A request answered again (its connection was dead) was counted the first time.
            if guarded is None or g.get("rate_counted"):
                return view(*args, **kwargs)
            g.rate_counted = True
            try:
                return guarded(*args, **kwargs)
            except RateLimitExceeded:
                raise RateLimited(_retry_after()) from None

        return wrapper  # type: ignore[return-value]

    return decorator
