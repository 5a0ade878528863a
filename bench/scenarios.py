"""Benchmark scenarios: the data each loads and the requests each measures.

A scenario is registered in :data:`SCENARIOS`. Its ``load`` fills an empty
database through the service's own domain functions (inside an app context)
and returns facts for ``targets``, which lists the requests that wrk loads.
A scenario's ``env`` changes the service's settings for that scenario only
(``REDIS_URL=""``: no Redis, every read goes to PostgreSQL). Writes are made
by a Lua script, so that every request is a new comment or a new reader.
The comparison with Isso is run by :mod:`bench.run` itself.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from bench import data
from comments_service import comment_writes, engagement, moderation, publishing

READER = {"X-Reader-Token": "bench-reader-token-000001"}
BLOG_ORIGIN = "https://blog.example"  # the service's CORS_ORIGINS in every scenario (bench/run.py)


@dataclass
class Target:
    """One request to load with wrk."""

    name: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    widget: bool = False  # a cached widget read: held to the ratio target
    cached: bool = True  # served from Redis once warm: must make no database query
    script: str | None = None  # Lua for wrk that makes each request (writes); {prefix} is new in every run
    target_ratio: float | None = None  # the ratio to bare Flask it should reach


# wrk runs one Lua state per thread; setup() gives each a number, so that requests never repeat.
LUA_COMMON = """
local counter = 1
function setup(thread) thread:set("tid", counter); counter = counter + 1 end
local n = 0
"""

COMMENT_LUA = LUA_COMMON + """
request = function()
  n = n + 1
  local body = '{"author": "Bench reader", "email": "reader@example.org", "body": "Comment {prefix}-'
    .. tid .. '-' .. n .. ': this **helped** my back. See the [stretches](https://example.org/' .. n
    .. ') I followed.\\\\n\\\\n- morning\\\\n- evening"}'
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end
"""

LIKE_LUA = LUA_COMMON + """
request = function()
  n = n + 1
  return wrk.format("POST", nil, {["X-Reader-Token"] = "{prefix}-" .. tid .. "-" .. n})
end
"""


@dataclass
class Scenario:
    """Data to load, then requests to measure."""

    name: str
    description: str
    load: Callable[[], dict[str, Any]]
    targets: Callable[[dict[str, Any]], list[Target]]
    env: dict[str, str] = field(default_factory=dict)


def load_site(posts_count: int = 20, comments_per_post: int = 5, likes_per_post: int = 3) -> dict[str, Any]:
    """Publish posts with tags, approved comments with a reply each, and likes."""
    now = datetime.now(timezone.utc)
    slugs = []
    for n in range(posts_count):
        slug = f"post-{n:03d}"
        tags = [f"topic {n % 7}", f"area {n % 3}", "blog"]
        publishing.put_post(slug, {
            "title": f"Post number {n} about back pain", "url": f"https://blog.example/{slug}",
            "tags": tags, "published_at": now - timedelta(days=n),
        })
        for c in range(comments_per_post):
            body = f"Comment {c} on {slug}: **helpful** advice with a [link](https://example.org/{c}) " * 3
            created = comment_writes.create_comment(slug, {"author": f"Reader {c}", "body": body}, None, None)
            moderation.act(created.id, "approve", "bench")
            if c == 0:
                reply = comment_writes.create_comment(
                    slug, {"author": "Author", "body": "Thanks!", "parent_id": created.id}, None, None
                )
                moderation.act(reply.id, "approve", "bench")
        for r in range(likes_per_post):
            engagement.like_post(slug, f"{r:064x}")
        slugs.append(slug)
    return {"slugs": slugs}


def widget_targets(facts: dict[str, Any]) -> list[Target]:
    """The blog page's cached reads: the three widgets, counts of 20 posts, a post and its thread."""
    slugs = facts["slugs"]
    counts = "&".join(f"post={slug}" for slug in slugs[:20])
    return [
        Target("recent-comments", "/api/widgets/recent-comments", widget=True),
        Target("popular-tags", "/api/widgets/popular-tags", widget=True),
        Target("recent-posts", "/api/widgets/recent-posts", widget=True),
        Target("counts (20 posts)", f"/api/counts?{counts}", widget=True),
        # What a blog page's script sends: a cross-origin request, answered with CORS headers.
        Target("counts, from a page", f"/api/counts?{counts}", headers={"Origin": BLOG_ORIGIN}),
        Target("post + liked", f"/api/posts/{slugs[0]}", headers=READER),
        Target("thread, first page", f"/api/posts/{slugs[0]}/comments", headers=READER),
    ]


THREAD = "thread-50"
NO_REDIS = {"REDIS_URL": ""}
# Writes with the limits that would refuse a load generator off: one client address, repeated author.
WRITES = {"MODERATION": "post", "DUPLICATE_WINDOW_SECONDS": "0", "RATELIMIT_ENABLED": "0"}


def load_thread() -> dict[str, Any]:
    """The 50-comment thread (10 comments with 4 replies each, likes), through the domain."""
    data.thread_of_50(THREAD)
    return {"slug": THREAD}


def load_scale() -> dict[str, Any]:
    """The 50-comment thread, and posts with 100 and with 100,000 comments copied in bulk."""
    data.thread_of_50(THREAD)
    data.bulk_thread("comments-100", 100)
    data.bulk_thread("comments-100000", 100_000)
    data.check_counters()
    return {"slug": THREAD}


def load_tags(count: int) -> Callable[[], dict[str, Any]]:
    """Tags spread over 100 posts, copied in bulk."""
    def load() -> dict[str, Any]:
        data.bulk_tags(count)
        data.check_counters()
        return {}
    return load


# Notifications configured (the worker is not running: only the job rows count), or not; same data either way.
NOTIFY_OFF = {**WRITES, "MODERATION": "pre"}
NOTIFY_ON = {**NOTIFY_OFF, "SMTP_URL": "smtp://127.0.0.1:9", "MAIL_FROM": "Comments <comments@blog.example>",
             "MODERATOR_EMAILS": "mia@example.com,max@example.com", "MODERATION_WEBHOOK_URL": "http://127.0.0.1:9/hook"}
NOTIFY_DIGEST = {**NOTIFY_ON, "MODERATOR_DIGEST_MINUTES": "60"}
PENDING_REPLIES = 200_000

REPLY_LUA = LUA_COMMON + """
request = function()
  n = n + 1
  local body = '{"author": "Bench replier", "email": "replier@example.org", "parent_id": {parent}, '
    .. '"body": "Reply {prefix}-' .. tid .. '-' .. n .. ': did the **stretches** help?"}'
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end
"""

# A random pending reply each time (a run's counter starts again at 1; 200,000 ids make repeats rare).
APPROVE_LUA = LUA_COMMON + """
local seeded = false
request = function()
  if not seeded then math.randomseed(tonumber(string.sub("{prefix}", 1, 7), 16) + tid * 7919); seeded = true end
  local id = {first} + math.random(0, {count} - 1)
  return wrk.format("POST", "/api/moderation/comments/" .. id .. "/approve")
end
"""


def load_subscribed() -> dict[str, Any]:
    """The 50-comment thread, 5 confirmed subscribers to its first comment, 200,000 pending replies to it."""
    from comments_service.auth import create_api_token
    from comments_service.models import Role

    facts = data.subscribed_thread(THREAD, 5, PENDING_REPLIES)
    return {**facts, "token": create_api_token("bench-moderator", Role.MODERATOR)}


def notify_targets(label: str) -> Callable[[dict[str, Any]], list[Target]]:
    """A reply posted (pending: the moderators hear of it) and a reply approved (its subscribers do)."""
    def targets(facts: dict[str, Any]) -> list[Target]:
        approve = (APPROVE_LUA.replace("{first}", str(facts["first_pending"]))
                   .replace("{count}", str(facts["pending"])))
        return [
            Target(f"POST reply, {label}", thread_path(THREAD), cached=False,
                   script=REPLY_LUA.replace("{parent}", str(facts["parent"]))),
            Target(f"approve reply, {label}", f"/api/moderation/comments/{facts['first_pending']}/approve",
                   headers={"Authorization": f"Bearer {facts['token']}"}, cached=False, script=approve),
        ]
    return targets


def thread_path(slug: str) -> str:
    return f"/api/posts/{slug}/comments"


SCENARIOS: dict[str, Scenario] = {
    "widgets": Scenario(
        "widgets",
        "20 published posts with tags, 6 approved comments and 3 likes each; cached reads",
        load_site,
        widget_targets,
    ),
    "thread": Scenario(
        "thread",
        "a 50-comment thread (10 comments, 4 replies each, likes); first page (all 50), cached in Redis",
        load_thread,
        lambda facts: [Target("thread 50, cached", thread_path(THREAD), headers=READER, target_ratio=0.6)],
    ),
    "cold": Scenario(
        "cold",
        "no Redis (REDIS_URL unset): first page of threads of 50, 100 and 100,000 comments from PostgreSQL",
        load_scale,
        lambda facts: [
            Target("thread 50, cold", thread_path(THREAD), headers=READER, cached=False, target_ratio=0.15),
            Target("thread of 100, cold", thread_path("comments-100"), headers=READER, cached=False),
            Target("thread of 100k, cold", thread_path("comments-100000"), headers=READER, cached=False),
        ],
        env=NO_REDIS,
    ),
    "tags-10": Scenario(
        "tags-10", "no Redis: popular tags among 10 tags on 100 posts", load_tags(10),
        lambda facts: [Target("popular tags of 10", "/api/widgets/popular-tags", cached=False)], env=NO_REDIS,
    ),
    "tags-10k": Scenario(
        "tags-10k", "no Redis: popular tags among 10,000 tags on 100 posts", load_tags(10_000),
        lambda facts: [Target("popular tags of 10k", "/api/widgets/popular-tags", cached=False)], env=NO_REDIS,
    ),
    "writes": Scenario(
        "writes",
        "new comments (Markdown, bleach, commit, invalidate) and new post likes on the 50-comment thread, with Redis; "
        "MODERATION=post, DUPLICATE_WINDOW_SECONDS=0, RATELIMIT_ENABLED=false for this scenario only",
        load_thread,
        lambda facts: [
            Target("POST comment", thread_path(THREAD), cached=False, script=COMMENT_LUA, target_ratio=0.15),
            Target("POST like", f"/api/posts/{THREAD}/likes", cached=False, script=LIKE_LUA),
        ],
        env=WRITES,
    ),
    "notify-off": Scenario(
        "notify-off",
        "a reply posted and a pending reply approved, with 5 subscribers to its parent; no SMTP_URL, no webhook, "
        "no moderator mail (MODERATION=pre, DUPLICATE_WINDOW_SECONDS=0, RATELIMIT_ENABLED=false)",
        load_subscribed, notify_targets("notify off"), env=NOTIFY_OFF,
    ),
    "notify-on": Scenario(
        "notify-on",
        "the same with SMTP_URL, MODERATOR_EMAILS and MODERATION_WEBHOOK_URL set: each request also writes its "
        "jobs (moderator mail and webhook; reply notices, grouped per subscriber)",
        load_subscribed, notify_targets("notify on"), env=NOTIFY_ON,
    ),
    "notify-digest": Scenario(
        "notify-digest",
        "notify-on with MODERATOR_DIGEST_MINUTES=60: a new reply adds its id to the hour's digest job instead of "
        "a composed mail",
        load_subscribed, notify_targets("digest"), env=NOTIFY_DIGEST,
    ),
}
