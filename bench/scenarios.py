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
from comments_service import comment_writes, demo, engagement, moderation, pins, publishing

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
    requests_per_view: int = 1  # how many of its requests make one page view


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
    """The 50-comment thread, and posts with 100 and with 100,000 comments copied in bulk, two pinned in each."""
    data.thread_of_50(THREAD)
    for slug, count in (("comments-100", 100), ("comments-100000", 100_000)):
        data.bulk_thread(slug, count)
        for comment_id in data.top_level_ids(slug, (3, count // 2)):  # early and late: the pins are not page one
            pins.set_pinned(comment_id, True, "bench")
    data.check_counters()
    return {"slug": THREAD}


def load_tags(count: int) -> Callable[[], dict[str, Any]]:
    """Tags spread over 100 posts, copied in bulk."""
    def load() -> dict[str, Any]:
        data.bulk_tags(count)
        data.check_counters()
        return {}
    return load


def search_path(query: str) -> str:
    return f"/api/moderation/comments?{query}"


SEARCHES = {
    "search 100k, rare word": f"q={data.SEARCH_RARE}",
    "search 100k, author": "q=" + data.SEARCH_AUTHOR.replace(" ", "+"),
    "search 100k, common": "q=pain&status=approved",
    # Each word common, never together: the planner expects a full page soon and must not walk the dates for it.
    "search 100k, no match": "q=stretch+physio",
}
SEARCH_GOAL_MS = 50


def _search_plans(client: Any, headers: dict[str, str]) -> dict[str, str]:
    """EXPLAIN ANALYZE each search as the service sends it (the same SQL and parameters); return the plans."""
    from sqlalchemy import event

    from comments_service.extensions import db

    plans: dict[str, str] = {}
    current: list[str] = []

    def explain(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        if "websearch_to_tsquery" in statement and current:
            cursor.execute("EXPLAIN ANALYZE " + statement, parameters)
            plans[current[0]] = "\n".join(row[0] for row in cursor.fetchall())

    event.listen(db.engine, "before_cursor_execute", explain)
    try:
        for name, query in SEARCHES.items():
            current[:] = [name]
            assert client.get(search_path(query), headers=headers).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", explain)
    return plans


def load_search() -> dict[str, Any]:
    """100,000 comments on 200 posts, varied words and authors, and a moderator's token; the plans checked.

    Each search must read the GIN index ``ix_comments_search`` (else the load
    fails). Each is timed one request at a time through the app (the median of
    20), beside the queue's own page without a search, and its query as
    PostgreSQL ran it (EXPLAIN ANALYZE), against the goal; wrk then loads it
    like every target.
    """
    import statistics
    import time

    from flask import current_app
    from sqlalchemy import text

    from comments_service import auth
    from comments_service.extensions import db
    from comments_service.models import Role

    data.bulk_search_comments(100_000)
    db.session.execute(text("ANALYZE comments"))
    db.session.commit()
    headers = {"Authorization": f"Bearer {auth.create_api_token('bench-moderator', Role.MODERATOR)}"}
    client = current_app.test_client()
    plans = _search_plans(client, headers)
    for name, plan in plans.items():
        if "ix_comments_search" not in plan:
            raise RuntimeError(f"{name}: the search does not use ix_comments_search:\n{plan}")

    def median_ms(path: str) -> tuple[float, int]:
        times = []
        for _ in range(20):
            began = time.perf_counter()
            response = client.get(path, headers=headers)
            times.append((time.perf_counter() - began) * 1000)
        return statistics.median(times), len(response.get_json()["comments"])

    queue_ms, _ = median_ms(search_path("status=pending"))
    print(f"one request at a time, median of 20: queue page (50 items, no search) {queue_ms:.1f} ms", flush=True)
    for name, query in SEARCHES.items():
        request_ms, found = median_ms(search_path(query))
        in_db = float(plans[name].splitlines()[-1].split(":")[1].split()[0])
        verdict = "met" if in_db < SEARCH_GOAL_MS else "MISSED"
        print(f"{name}: {found} items, {request_ms:.1f} ms ({request_ms / queue_ms:.2f}x the queue page), "
              f"of which the query {in_db:.1f} ms, reading ix_comments_search "
              f"(goal under {SEARCH_GOAL_MS} ms: {verdict})", flush=True)
    return {"headers": headers}


def search_targets(facts: dict[str, Any]) -> list[Target]:
    """The searches, and the moderation queue's first page without one, as the baseline."""
    headers = facts["headers"]
    return [Target("queue 100k, no search", search_path("status=pending"), headers=headers, cached=False),
            *(Target(name, search_path(query), headers=headers, cached=False) for name, query in SEARCHES.items())]


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


DEMO_POST = "trigger-point-injection"
# What embed.js asks for on the demo page: its five widgets in one request, or each with its own.
PAGE_PATH = (f"/api/page?post={DEMO_POST}&recent-posts.limit=5&recent-comments.limit=5&popular-tags.limit=20"
             "&include=post,thread,recent-posts,recent-comments,popular-tags")
FIVE_PATHS = [
    f"/api/posts/{DEMO_POST}/comments?sort=oldest", f"/api/posts/{DEMO_POST}",
    "/api/widgets/recent-comments?limit=5", "/api/widgets/popular-tags?limit=20", "/api/widgets/recent-posts?limit=5",
]
# Each connection sends the five in turn (wrk adds the -H headers to every one).
FIVE_LUA = "local paths = {" + ", ".join(f'"{path}"' for path in FIVE_PATHS) + """}
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
"""
FROM_PAGE = {**READER, "Origin": BLOG_ORIGIN}


def load_demo_page() -> dict[str, Any]:
    """The demo page's data (`flask demo load`)."""
    demo.load_demo()
    return {}


def page_targets(facts: dict[str, Any]) -> list[Target]:
    """A page view of the demo page: one /api/page, or the five requests it replaces."""
    return [
        Target("page, one request", PAGE_PATH, headers=FROM_PAGE),
        Target("page, five requests", FIVE_PATHS[0], headers=FROM_PAGE, script=FIVE_LUA, requests_per_view=5),
    ]


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
        "no Redis (REDIS_URL unset): first page of threads of 50, 100 and 100,000 comments from PostgreSQL "
        "(two comments pinned in the large ones)",
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
    "search": Scenario(
        "search",
        "the moderators' search over 100,000 comments on 200 posts (full-text, GIN index), and the queue's first "
        "page without a search",
        load_search,
        search_targets,
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
    "page": Scenario(
        "page",
        "the demo page (`flask demo load`) as a reader's browser loads it, from a blog origin: "
        "GET /api/page against the five requests it replaces; cached reads",
        load_demo_page,
        page_targets,
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
