"""Demo data: the seed page's post and a few others, with comments and tags."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import update

from . import moderation
from .comment_writes import create_comment
from .extensions import db
from .models import Comment
from .posts import find_post
from .publishing import put_post

SEED_SLUG = "trigger-point-injection"

POSTS: list[dict[str, Any]] = [
    {
        "slug": SEED_SLUG,
        "title": "How Trigger Point Injection Can Relieve Muscular Back Pain",
        "tags": ["back pain", "injections", "trigger points", "spine"],
        "days_ago": 2,
        "comments": [
            ("Maria K.", "I had two trigger point injections last spring. The **first one** hurt a bit, "
             "but the relief lasted almost three months.", [
                ("Dr. Patel", "Thanks for sharing, Maria. Results like yours are common when the knot "
                 "is treated in several directions."),
             ]),
            ("Tom", "Does insurance usually cover this? My physical therapy did not help much.", []),
            ("Jenna", "Stretching right after the appointment made a big difference for me.", []),
        ],
    },
    {
        "slug": "same-day-appointments",
        "title": "Same Day Appointments for Back and Neck Care",
        "tags": ["appointments", "neck pain", "back pain"],
        "days_ago": 5,
        "comments": [("Luis", "Got in the same afternoon. Great staff!", [])],
    },
    {
        "slug": "posture-at-your-desk",
        "title": "Five Posture Fixes for Your Desk",
        "tags": ["posture", "back pain", "ergonomics"],
        "days_ago": 9,
        "comments": [("Sam", "Raising my monitor fixed my neck ache within a week.", [])],
    },
    {
        "slug": "when-to-see-a-spine-specialist",
        "title": "When to See a Spine Specialist",
        "tags": ["spine", "diagnosis"],
        "days_ago": 14,
        "comments": [],
    },
]


def load_demo(base_url: str = "") -> dict[str, int]:
    """Create the demo posts with approved comments; skip posts that already exist."""
    created_posts = created_comments = 0
    now = datetime.now(timezone.utc)
    for spec in POSTS:
        if find_post(spec["slug"]) is not None:
            continue
        url = f"{base_url}/demo" if spec["slug"] == SEED_SLUG else f"{base_url}/demo#{spec['slug']}"
        put_post(spec["slug"], {
            "title": spec["title"], "url": url, "tags": spec["tags"],
            "published_at": now - timedelta(days=spec["days_ago"]),
        })
        created_posts += 1
        age = timedelta(days=spec["days_ago"])
        for author, body, replies in spec["comments"]:
            parent = _approved(spec["slug"], author, body, None, now - age + timedelta(hours=3))
            created_comments += 1
            for reply_author, reply_body in replies:
                _approved(spec["slug"], reply_author, reply_body, parent.id, now - age + timedelta(hours=6))
                created_comments += 1
    return {"posts": created_posts, "comments": created_comments}


def _approved(slug: str, author: str, body: str, parent_id: int | None, when: datetime) -> Comment:
    comment = create_comment(slug, {"author": author, "body": body, "parent_id": parent_id}, None, None)
    db.session.execute(update(Comment).where(Comment.id == comment.id).values(created_at=when))
    moderation.act(comment.id, "approve", "demo")
    return comment
