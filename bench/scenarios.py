"""Benchmark scenarios: the data each loads and the requests each measures.

A scenario is registered in :data:`SCENARIOS`. Its ``load`` fills an empty
database through the service's own domain functions (inside an app context)
and returns facts for ``targets``, which lists the requests that wrk loads.
Scenarios still to come (threads of 50 comments, 100,000 comments, posting,
a comparison with Isso) are added here the same way.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from comments_service import comments, engagement, moderation, posts

READER = {"X-Reader-Token": "bench-reader-token-000001"}


@dataclass
class Target:
    """One request to load with wrk."""

    name: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    widget: bool = False  # a cached widget read: held to the ratio target
    cached: bool = True  # served from Redis once warm: must make no database query


@dataclass
class Scenario:
    """Data to load, then requests to measure."""

    name: str
    description: str
    load: Callable[[], dict[str, Any]]
    targets: Callable[[dict[str, Any]], list[Target]]


def load_site(posts_count: int = 20, comments_per_post: int = 5, likes_per_post: int = 3) -> dict[str, Any]:
    """Publish posts with tags, approved comments with a reply each, and likes."""
    now = datetime.now(timezone.utc)
    slugs = []
    for n in range(posts_count):
        slug = f"post-{n:03d}"
        tags = [f"topic {n % 7}", f"area {n % 3}", "blog"]
        posts.put_post(slug, {
            "title": f"Post number {n} about back pain", "url": f"https://blog.example/{slug}",
            "tags": tags, "published_at": now - timedelta(days=n),
        })
        for c in range(comments_per_post):
            body = f"Comment {c} on {slug}: **helpful** advice with a [link](https://example.org/{c}) " * 3
            created, _ = comments.create_comment(slug, {"author": f"Reader {c}", "body": body}, None, None)
            moderation.act(created.id, "approve", "bench")
            if c == 0:
                reply, _ = comments.create_comment(
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
        Target("post + liked", f"/api/posts/{slugs[0]}", headers=READER),
        Target("thread, first page", f"/api/posts/{slugs[0]}/comments", headers=READER),
    ]


SCENARIOS: dict[str, Scenario] = {
    "widgets": Scenario(
        "widgets",
        "20 published posts with tags, 6 approved comments and 3 likes each; cached reads",
        load_site,
        widget_targets,
    ),
}
