"""Settings of the comment service, read from the environment.

Every setting has a default that is safe for a first run on one machine; a
production run (``APP_ENV=production``) must set its own ``SECRET_KEY``, and
``PUBLIC_URL`` or ``TRUSTED_HOSTS`` so that no link is built from a Host
header nobody checked.
"""
from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

DEV_SECRET_KEY = "dev-only-secret-key-do-not-use-in-production"
# A name Flask's TRUSTED_HOSTS can match (it compares as written): a lower-case host name, a leading dot
# taking its subdomains too, or [IPv6]; no port.
TRUSTED_HOST = re.compile(r"\.?[a-z0-9-]+(\.[a-z0-9-]+)*|\[[0-9a-f:.]+\]")
# What PUBLIC_URL may be: scheme, host, optional port (group 1) and path; no user, query or fragment.
PUBLIC_URL_FORM = re.compile(
    r"https?://(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])(?::([0-9]{1,5}))?(?:/[a-z0-9._~%/-]*)?",
    re.IGNORECASE,
)


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


def sentinel_addresses(entries: list[str] | str) -> list[tuple[str, int]]:
    """Return (host, port) of each sentinel named as ``host:port`` (``[v6]:port`` too); refuse anything else."""
    if isinstance(entries, str):
        entries = [item for item in entries.replace(",", " ").split() if item]
    found = []
    for entry in entries:
        host, _, port = entry.rpartition(":")
        host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise RuntimeError(f"REDIS_SENTINELS: {entry!r} is not host:port")
        found.append((host, int(port)))
    return found


def default_workers() -> int:
    """Return two gevent workers per core: the best of 2, 4 and 8 on 2 cores (bench/RESULTS.md, worker settings)."""
    return 2 * (os.cpu_count() or 1)


class ServerConfig:
    """Settings of the gunicorn processes that serve the app, read by ``gunicorn.conf.py``."""

    def __init__(self) -> None:
        # Loopback only: nginx in front buffers slow clients and sets the forwarded headers.
        self.GUNICORN_BIND = env_list("GUNICORN_BIND") or ["127.0.0.1:8000"]
        self.GUNICORN_WORKERS = env_int("GUNICORN_WORKERS", default_workers())
        # Connections one gevent worker holds at once, open event streams included.
        self.GUNICORN_WORKER_CONNECTIONS = env_int("GUNICORN_WORKER_CONNECTIONS", 2000)
        # Peers whose X-Forwarded-Proto gunicorn believes (gunicorn's own variable name).
        self.FORWARDED_ALLOW_IPS = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")


class Config:
    """Settings for a run of the service; one instance per app."""

    def __init__(self) -> None:
        self.APP_ENV = os.environ.get("APP_ENV", "development")
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or DEV_SECRET_KEY
        self.SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("DATABASE_URL"))
        self.REDIS_URL = os.environ.get("REDIS_URL") or None
        # Redis through Sentinel, instead of REDIS_URL: "host:port" of each sentinel, the master's name.
        self.REDIS_SENTINELS = env_list("REDIS_SENTINELS")
        self.REDIS_SENTINEL_MASTER = os.environ.get("REDIS_SENTINEL_MASTER") or None
        self.REDIS_SENTINEL_DB = env_int("REDIS_SENTINEL_DB", 0)
        self.MODERATION = os.environ.get("MODERATION", "pre")
        self.AUTO_CREATE_POSTS = env_bool("AUTO_CREATE_POSTS", True)
        # Off: a like is one request with no text, so rotating slugs would make a post per request.
        self.AUTO_CREATE_POSTS_FOR_LIKES = env_bool("AUTO_CREATE_POSTS_FOR_LIKES", False)
        self.CORS_ORIGINS = env_list("CORS_ORIGINS")
        self.EDIT_WINDOW_SECONDS = env_int("EDIT_WINDOW_SECONDS", 900)
        self.RATELIMIT_ENABLED = env_bool("RATELIMIT_ENABLED", True)
        self.RATELIMIT_COMMENTS = os.environ.get("RATELIMIT_COMMENTS", "5 per minute")
        self.RATELIMIT_LIKES = os.environ.get("RATELIMIT_LIKES", "60 per minute")
        # New likes one address may add to one post: rotating reader tokens move a count by this much at most.
        self.RATELIMIT_LIKES_PER_POST = os.environ.get("RATELIMIT_LIKES_PER_POST", "20 per day")
        self.RATELIMIT_LOGIN = os.environ.get("RATELIMIT_LOGIN", "10 per minute")
        # Shared by a reader's edits and deletes of their own comments: each edit renders and sanitizes again.
        self.RATELIMIT_EDITS = os.environ.get("RATELIMIT_EDITS", "10 per minute")
        # The form's Markdown preview renders and sanitizes like a post, and stores nothing.
        self.RATELIMIT_PREVIEWS = os.environ.get("RATELIMIT_PREVIEWS", "30 per minute")
        # Readers' reports of comments, per client address; and how many distinct readers hide a comment.
        self.RATELIMIT_REPORTS = os.environ.get("RATELIMIT_REPORTS", "5 per minute; 30 per day")
        self.REPORTS_TO_HOLD = env_int("REPORTS_TO_HOLD", 3)
        self.TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", 0)
        self.MAX_LINKS = env_int("MAX_LINKS", 3)
        self.BLOCKED_WORDS = env_list("BLOCKED_WORDS")
        self.DUPLICATE_WINDOW_SECONDS = env_int("DUPLICATE_WINDOW_SECONDS", 600)
        self.AUTO_APPROVE_KNOWN_AUTHORS = env_bool("AUTO_APPROVE_KNOWN_AUTHORS", False)
        # Pre-moderation publishes at once the comments of an author with this many approved ones under a
        # verified identity (a confirmed e-mail address; see comments_service/trust.py). 0: off.
        self.TRUST_AFTER_APPROVED = env_int("TRUST_AFTER_APPROVED", 0)
        self.MODERATION_WEBHOOK_URL = os.environ.get("MODERATION_WEBHOOK_URL") or None
        # Links are built from PUBLIC_URL; else Flask answers a Host outside TRUSTED_HOSTS with 400.
        self.PUBLIC_URL = os.environ.get("PUBLIC_URL", "")
        self.TRUSTED_HOSTS = [host.lower() for host in env_list("TRUSTED_HOSTS")] or None
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
        # Moderators' mail: one digest per this many minutes (periods from midnight UTC); 0: a mail per comment.
        self.MODERATOR_DIGEST_MINUTES = env_int("MODERATOR_DIGEST_MINUTES", 0)
        # Background jobs (jobs.py, jobs_worker.py).
        self.JOBS_MAX_ATTEMPTS = env_int("JOBS_MAX_ATTEMPTS", 6)
        self.JOBS_BACKOFF_SECONDS = env_float("JOBS_BACKOFF_SECONDS", 30.0)
        self.JOBS_BACKOFF_MAX_SECONDS = env_float("JOBS_BACKOFF_MAX_SECONDS", 3600.0)
        # Longer than any job takes (SMTP and webhook timeouts are shorter).
        self.JOBS_LEASE_SECONDS = env_float("JOBS_LEASE_SECONDS", 300.0)
        self.JOBS_POLL_SECONDS = env_float("JOBS_POLL_SECONDS", 1.0)
        # Reader accounts (optional sign-in). Off: only signed-in readers may comment.
        self.ANONYMOUS = env_bool("ANONYMOUS", True)
        # The blog's own login: the HS256 key it signs readers' JWTs with (32+ characters); unset: no SSO.
        self.SSO_SECRET = os.environ.get("SSO_SECRET") or None
        # If set, an SSO token's "aud" must name it.
        self.SSO_AUDIENCE = os.environ.get("SSO_AUDIENCE") or None
        # Clock skew allowed on exp/iat/nbf of SSO and OIDC tokens (at most 300 s).
        self.SSO_LEEWAY_SECONDS = env_int("SSO_LEEWAY_SECONDS", 30)
        # An SSO token whose exp is further than this after its iat is refused: the blog signs short-lived ones.
        self.SSO_MAX_AGE_SECONDS = env_int("SSO_MAX_AGE_SECONDS", 3600)
        # JSON list of OpenID Connect providers (comments_service/oidc_providers.py; presets google, github).
        self.OIDC_PROVIDERS = os.environ.get("OIDC_PROVIDERS", "")
        self.OIDC_TIMEOUT_SECONDS = env_float("OIDC_TIMEOUT_SECONDS", 10.0)
        # How long a reader's sign-in lasts (X-Reader-Session); sign-out ends it at once.
        self.READER_SESSION_DAYS = env_int("READER_SESSION_DAYS", 30)
        # Mailed sign-in links: minutes a link works (once), and links an address may get per hour.
        self.MAIL_SIGN_IN_MINUTES = env_int("MAIL_SIGN_IN_MINUTES", 15)
        self.MAIL_SIGN_IN_PER_HOUR = env_int("MAIL_SIGN_IN_PER_HOUR", 3)
        # Live event streams (live.py): a comment line after this much silence, a stream's length (the
        # browser reconnects from its last id), the least time between two counts events on one stream.
        self.LIVE_KEEPALIVE_SECONDS = env_float("LIVE_KEEPALIVE_SECONDS", 15.0)
        self.LIVE_STREAM_SECONDS = env_float("LIVE_STREAM_SECONDS", 300.0)
        self.LIVE_COUNTS_SECONDS = env_float("LIVE_COUNTS_SECONDS", 1.0)
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
        if settings.get("REDIS_SENTINELS"):
            sentinel_addresses(settings["REDIS_SENTINELS"])
            if not settings.get("REDIS_SENTINEL_MASTER"):
                raise RuntimeError("REDIS_SENTINELS needs REDIS_SENTINEL_MASTER, the name the sentinels monitor")
            if settings.get("REDIS_URL"):
                raise RuntimeError("set REDIS_URL or REDIS_SENTINELS, not both")
        elif settings.get("REDIS_SENTINEL_MASTER"):
            raise RuntimeError("REDIS_SENTINEL_MASTER needs REDIS_SENTINELS (host:port of each sentinel)")
        secret = settings["SECRET_KEY"]
        if settings["APP_ENV"] == "production" and (secret == DEV_SECRET_KEY or len(secret) < 32):
            raise RuntimeError(
                "APP_ENV=production needs SECRET_KEY set to a random value of 32+ characters"
            )
        check_public_url(settings.get("PUBLIC_URL") or "")
        check_accounts(settings)
        check_trusted_hosts(settings.get("TRUSTED_HOSTS"))
        if settings["APP_ENV"] == "production" and not settings.get("PUBLIC_URL") and not settings.get("TRUSTED_HOSTS"):
            raise RuntimeError(
                "APP_ENV=production needs PUBLIC_URL (the service's address, e.g. https://comments.example) "
                "or TRUSTED_HOSTS (the host names it answers for, comma-separated): without either, "
                "feeds and pages would link to whatever host a request's Host header names"
            )


def check_public_url(value: str) -> None:
    """Refuse a PUBLIC_URL that is not an http(s) URL of a host, with an optional port and path."""
    if not value:
        return
    port = PUBLIC_URL_FORM.fullmatch(value)
    if port is None or (port.group(1) and not 0 < int(port.group(1)) < 65536):
        raise RuntimeError(
            f"PUBLIC_URL must be the service's http(s) address, like https://comments.example, not {value!r}"
        )


def check_accounts(settings: Mapping[str, Any]) -> None:
    """Refuse reader-account settings that would make sign-in unsafe or unusable."""
    secret = settings.get("SSO_SECRET")
    if secret and len(secret) < 32:
        raise RuntimeError("SSO_SECRET must be a random value of 32+ characters (the blog signs HS256 JWTs with it)")
    if not 0 <= int(settings.get("SSO_LEEWAY_SECONDS", 30)) <= 300:
        raise RuntimeError("SSO_LEEWAY_SECONDS must be 0-300: clock skew, not a longer life for tokens")
    if "*" in (settings.get("CORS_ORIGINS") or []) and (secret or settings.get("OIDC_PROVIDERS")):
        raise RuntimeError("CORS_ORIGINS may not be * with reader sign-in: sessions go only to listed blog origins")
    from comments_service import oidc_providers  # the format's one reader

    oidc_providers.parse(settings.get("OIDC_PROVIDERS"))


def check_trusted_hosts(hosts: Any) -> None:
    """Refuse TRUSTED_HOSTS entries Flask could never match (a URL, a port), which would turn every request away."""
    if not hosts:
        return
    if isinstance(hosts, str):
        hosts = [hosts]
    wrong = [host for host in hosts if not isinstance(host, str) or not TRUSTED_HOST.fullmatch(host)]
    if wrong:
        raise RuntimeError(
            "TRUSTED_HOSTS takes lower-case host names (IDNA xn-- form) without scheme or port, like comments.example "
            f"or .example.com (every subdomain): {wrong!r}"
        )
