"""Settings of the comment service, read from the environment.

Every setting has a default that is safe for a first run on one machine; a
production run (``APP_ENV=production``) must set its own ``SECRET_KEY``.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

DEV_SECRET_KEY = "dev-only-secret-key-do-not-use-in-production"


def env_bool(name: str, default: bool) -> bool:
    """Read a yes/no setting; accept 1/0, true/false, yes/no, on/off."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    """Read an integer setting."""
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_float(name: str, default: float) -> float:
    """Read a number setting (seconds, say)."""
    value = os.environ.get(name)
    return float(value) if value not in (None, "") else default


def env_list(name: str) -> list[str]:
    """Read a comma- or space-separated list."""
    raw = os.environ.get(name, "")
    return [item for item in raw.replace(",", " ").split() if item]


def database_url(raw: str | None) -> str | None:
    """Return a SQLAlchemy URL that uses the installed PostgreSQL driver (psycopg 3)."""
    if not raw:
        return None
    for prefix in ("postgresql://", "postgres://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix):]
    return raw


class Config:
    """Settings for a run of the service; one instance per app."""

    def __init__(self) -> None:
        self.APP_ENV = os.environ.get("APP_ENV", "development")
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or DEV_SECRET_KEY
        self.SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("DATABASE_URL"))
        self.REDIS_URL = os.environ.get("REDIS_URL") or None
        self.MODERATION = os.environ.get("MODERATION", "pre")
        self.AUTO_CREATE_POSTS = env_bool("AUTO_CREATE_POSTS", True)
        self.CORS_ORIGINS = env_list("CORS_ORIGINS")
        self.EDIT_WINDOW_SECONDS = env_int("EDIT_WINDOW_SECONDS", 900)
        self.RATELIMIT_ENABLED = env_bool("RATELIMIT_ENABLED", True)
        self.RATELIMIT_COMMENTS = os.environ.get("RATELIMIT_COMMENTS", "5 per minute")
        self.RATELIMIT_LIKES = os.environ.get("RATELIMIT_LIKES", "60 per minute")
        self.RATELIMIT_LOGIN = os.environ.get("RATELIMIT_LOGIN", "10 per minute")
        self.TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", 0)
        self.MAX_LINKS = env_int("MAX_LINKS", 3)
        self.BLOCKED_WORDS = env_list("BLOCKED_WORDS")
        self.DUPLICATE_WINDOW_SECONDS = env_int("DUPLICATE_WINDOW_SECONDS", 600)
        self.AUTO_APPROVE_KNOWN_AUTHORS = env_bool("AUTO_APPROVE_KNOWN_AUTHORS", False)
        self.MODERATION_WEBHOOK_URL = os.environ.get("MODERATION_WEBHOOK_URL") or None
        self.PUBLIC_URL = os.environ.get("PUBLIC_URL", "")
        # Standard Webhooks secret ("whsec_" and base64) that signs every webhook; unset: unsigned.
        self.WEBHOOK_SECRET = os.environ.get("WEBHOOK_SECRET") or None
        # Which events the webhook is told of (comment.created, ...); none listed: all.
        self.WEBHOOK_EVENTS = env_list("WEBHOOK_EVENTS")
        # smtp://[user:pass@]host:port[?starttls=true] or smtps://...; unset: no mail is sent.
        self.SMTP_URL = os.environ.get("SMTP_URL") or None
        self.SMTP_TIMEOUT_SECONDS = env_float("SMTP_TIMEOUT_SECONDS", 30.0)
        self.MAIL_FROM = os.environ.get("MAIL_FROM") or None
        # Reply mails: at most one per thread per this many seconds (0: one per reply, at once).
        self.NOTIFY_GROUP_SECONDS = env_int("NOTIFY_GROUP_SECONDS", 300)
        self.MODERATOR_EMAILS = [e for e in env_list("MODERATOR_EMAILS") if "@" in e]
        # Background jobs (jobs.py, jobs_worker.py).
        self.JOBS_MAX_ATTEMPTS = env_int("JOBS_MAX_ATTEMPTS", 6)
        self.JOBS_BACKOFF_SECONDS = env_float("JOBS_BACKOFF_SECONDS", 30.0)
        self.JOBS_BACKOFF_MAX_SECONDS = env_float("JOBS_BACKOFF_MAX_SECONDS", 3600.0)
        # Longer than any job takes (SMTP and webhook timeouts are shorter).
        self.JOBS_LEASE_SECONDS = env_float("JOBS_LEASE_SECONDS", 300.0)
        self.JOBS_POLL_SECONDS = env_float("JOBS_POLL_SECONDS", 1.0)
        # 64 KiB: werkzeug answers larger bodies with 413 before they are read.
        self.MAX_CONTENT_LENGTH = 64 * 1024
        # Pooled connections are pinged outside requests only (comments_service.extensions.ping_outside_requests).
        self.SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {}
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        # False still sets Secure on requests that came over https (see web/security.py).
        self.SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
        # Only the moderation page uses a session; the API never receives the cookie.
        self.SESSION_COOKIE_PATH = "/moderate"
        self.PERMANENT_SESSION_LIFETIME = timedelta(hours=12)  # a login's signature expires after this
        self.API_TITLE = "Comment service"
        self.API_VERSION = "1.0"
        self.OPENAPI_VERSION = "3.0.3"
        self.OPENAPI_URL_PREFIX = "/api"
        self.OPENAPI_JSON_PATH = "openapi.json"

    @staticmethod
    def check_mapping(settings: Mapping[str, Any]) -> None:
        """Refuse settings that would be unsafe in production."""
        if settings["MODERATION"] not in {"pre", "post"}:
            raise RuntimeError("MODERATION must be 'pre' or 'post'")
        secret = settings["SECRET_KEY"]
        if settings["APP_ENV"] == "production" and (secret == DEV_SECRET_KEY or len(secret) < 32):
            raise RuntimeError(
                "APP_ENV=production needs SECRET_KEY set to a random value of 32+ characters"
            )
