"""Data sets of the benchmark: a 50-comment thread made the way readers make it, and bulk loads for scale.

The thread goes through the service's own domain functions (validation,
Markdown, bleach, moderation, likes). Large data sets (100,000 comments,
10,000 tags) would take minutes that way, so they are copied into PostgreSQL
with ``COPY``: the same rows the domain would write (sanitized HTML rendered
once per distinct body, approved top-level comments and replies with
``parent_id`` and ``root_id``, counters on the post and the tags), checked
afterwards with the service's integrity check.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import func, select, text

from comments_service import auth, comment_writes, engagement, integrity, moderation, publishing
from comments_service.comment_writes import render_body
from comments_service.extensions import db
from comments_service.models import Comment, Post

THREAD_TOP = 10  # top-level comments of the 50-comment thread ...
THREAD_REPLIES = 4  # ... each with this many replies: all 50 fit on the first page (20 top-level comments)
REPLY_EVERY = 5  # in bulk threads, every fifth comment is a reply to the top-level comment before it


def body(n: int) -> str:
    """Return a realistic Markdown comment body."""
    return (f"Comment {n}: this **helped** my lower back a lot. I followed the [stretches](https://example.org/{n}) "
            "for two weeks.\n\n- morning: 10 minutes\n- evening: 5 minutes\n\nThanks for writing it up!")


def publish(slug: str, tags: Sequence[str] = ("back pain", "exercise")) -> None:
    """Publish a post with tags through the domain."""
    publishing.put_post(slug, {
        "title": f"A post called {slug}", "url": f"https://blog.example/{slug}", "tags": list(tags),
        "published_at": datetime.now(timezone.utc) - timedelta(days=1),
    })


def thread_of_50(slug: str) -> list[dict[str, Any]]:
    """Publish a post with 10 approved comments of 4 approved replies each, and likes; return what was posted."""
    publish(slug)
    posted = []
    for t in range(THREAD_TOP):
        top = comment_writes.create_comment(slug, {"author": f"Reader {t}", "body": body(t)}, None, None)
        moderation.act(top.id, "approve", "bench")
        posted.append({"author": f"Reader {t}", "body": body(t), "parent": None})
        for r in range(THREAD_REPLIES):
            text_ = body(100 * t + r)
            reply = comment_writes.create_comment(
                slug, {"author": f"Replier {r}", "body": text_, "parent_id": top.id}, None, None)
            moderation.act(reply.id, "approve", "bench")
            posted.append({"author": f"Replier {r}", "body": text_, "parent": t})
        for v in range(t % 4):
            engagement.like_comment(top.id, f"{v:064x}")
    for v in range(7):
        engagement.like_post(slug, f"{v:064x}")
    return posted


def _copy(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    raw = db.session.connection().connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


COMMENT_COLUMNS = ("id", "post_id", "parent_id", "root_id", "status", "author", "email", "website", "avatar",
                   "body_source", "body_html", "created_at", "edited_at", "like_count", "ip_hash", "reader_hash",
                   "spam_reasons")


def bulk_thread(slug: str, count: int) -> None:
    """Publish a post with ``count`` approved comments (one in five a reply), copied in bulk."""
    publish(slug)
    post_id = db.session.scalar(select(Post.id).where(Post.slug == slug))
    first_id = (db.session.scalar(select(func.max(Comment.id))) or 0) + 1
    bodies = [(body(n), render_body(body(n))) for n in range(50)]
    avatars = [auth.avatar_hash(f"Reader {n}") for n in range(50)]
    start = datetime.now(timezone.utc) - timedelta(seconds=count + 3600)

    def rows() -> Iterable[tuple[Any, ...]]:
        top = first_id
        for n in range(count):
            row_id = first_id + n
            parent = top if n % REPLY_EVERY == REPLY_EVERY - 1 else None
            if parent is None:
                top = row_id
            source, html = bodies[n % len(bodies)]
            yield (row_id, post_id, parent, parent, "approved", f"Reader {n % 50}", None, None, avatars[n % 50],
                   source, html, start + timedelta(seconds=n), None, 0, None, None, "[]")

    _copy("comments", COMMENT_COLUMNS, rows())
    db.session.execute(text("SELECT setval('comments_id_seq', :last)"), {"last": first_id + count - 1})
    db.session.execute(text("UPDATE posts SET comment_count = comment_count + :n WHERE id = :id"),
                       {"n": count, "id": post_id})
    db.session.commit()


def top_level_ids(slug: str, positions: Sequence[int]) -> list[int]:
    """Return the ids of the post's top-level comments at ``positions`` in date order."""
    ids = db.session.scalars(select(Comment.id).join(Post, Post.id == Comment.post_id).where(
        Post.slug == slug, Comment.parent_id.is_(None)).order_by(Comment.created_at, Comment.id)).all()
    return [ids[min(p, len(ids) - 1)] for p in positions]


def bulk_tags(count: int, posts_count: int = 100) -> None:
    """Publish ``posts_count`` posts and spread ``count`` tags over them (1 to 5 posts each), copied in bulk."""
    for p in range(posts_count):
        publish(f"tagged-{p:03d}", tags=())
    post_ids = db.session.scalars(select(Post.id).where(Post.slug.like("tagged-%")).order_by(Post.id)).all()
    first_id = (db.session.scalar(text("SELECT max(id) FROM tags")) or 0) + 1
    spread = [(first_id + n, 1 + n % 5) for n in range(count)]
    _copy("tags", ("id", "name", "post_count"), ((tag_id, f"tag {tag_id:05d}", k) for tag_id, k in spread))
    _copy("post_tags", ("post_id", "tag_id"),
          ((post_ids[(tag_id + j * 7) % len(post_ids)], tag_id) for tag_id, k in spread for j in range(k)))
    db.session.execute(text("SELECT setval('tags_id_seq', :last)"), {"last": first_id + count - 1})
    db.session.commit()


def check_counters() -> None:
    """Fail loudly if a bulk load left a counter that disagrees with the rows."""
    drift = integrity.check()
    if drift:
        raise RuntimeError(f"the loaded data has drifting counters: {drift[:5]}")


SEARCH_AUTHORS = [f"{first} {last}" for first in ("Ana", "Ben", "Chen", "Dara", "Emil", "Fatou", "Greta", "Hugo",
                                                   "Ines", "Jonas") for last in ("Okafor", "Lindqvist", "Moreau",
                                                   "Tanaka", "Silva", "Kowalski", "Haddad", "Novak", "Rossi", "Berg")]
SEARCH_WORDS = ("back", "knee", "shoulder", "pain", "stretch", "morning", "evening", "physio", "doctor", "week",
                "exercise", "posture", "walking", "running", "sleep", "desk", "chair", "heat", "ice", "massage")
SEARCH_RARE = "sciatica"  # in one comment of a thousand
SEARCH_AUTHOR = "Ingrid Halvorsen"  # the author of one comment of five hundred


def bulk_search_comments(count: int, posts_count: int = 200) -> None:
    """Copy ``count`` comments over ``posts_count`` posts for the desk's search: varied words and authors.

    80% approved, 15% pending, 5% spam; the words of :data:`SEARCH_WORDS` are
    common (each in about one comment in seven), :data:`SEARCH_RARE` and
    :data:`SEARCH_AUTHOR` rare.
    """
    for p in range(posts_count):
        publish(f"searched-{p:03d}", tags=())
    post_ids = db.session.scalars(select(Post.id).where(Post.slug.like("searched-%")).order_by(Post.id)).all()
    first_id = (db.session.scalar(select(func.max(Comment.id))) or 0) + 1
    start = datetime.now(timezone.utc) - timedelta(seconds=count + 3600)
    avatar = auth.avatar_hash("Reader")

    def rows() -> Iterable[tuple[Any, ...]]:
        for n in range(count):
            words = [SEARCH_WORDS[(n * k + k * k) % len(SEARCH_WORDS)] for k in (3, 7, 11)]
            source = f"My {words[0]} and {words[1]} got better with {words[2]}, comment {n}."
            if n % 1000 == 999:
                source += f" It was {SEARCH_RARE} all along."
            author = SEARCH_AUTHOR if n % 500 == 250 else SEARCH_AUTHORS[n % len(SEARCH_AUTHORS)]
            status = "spam" if n % 20 == 7 else "pending" if n % 20 in (3, 11, 17) else "approved"
            yield (first_id + n, post_ids[n % len(post_ids)], None, None, status, author, None, None, avatar,
                   source, f"<p>{source}</p>", start + timedelta(seconds=n), None, 0, None, None, "[]")

    _copy("comments", COMMENT_COLUMNS, rows())
    db.session.execute(text("SELECT setval('comments_id_seq', :last)"), {"last": first_id + count - 1})
    db.session.execute(text(
        "UPDATE posts SET comment_count = (SELECT count(*) FROM comments c WHERE c.post_id = posts.id "
        "AND c.status = 'approved') WHERE slug LIKE 'searched-%'"))
    db.session.commit()


def subscribed_thread(slug: str, subscribers: int, pending: int) -> dict[str, Any]:
    """The 50-comment thread, ``subscribers`` confirmed addresses following its first comment, and ``pending``
    replies to that comment waiting for a moderator (copied in bulk); return the ids."""
    from comments_service.mail_models import MailAddress, Subscription

    thread_of_50(slug)
    post_id = db.session.scalar(select(Post.id).where(Post.slug == slug))
    parent = db.session.scalar(select(func.min(Comment.id)).where(Comment.post_id == post_id))
    now = datetime.now(timezone.utc)
    for n in range(subscribers):
        address = MailAddress(email=f"subscriber{n}@example.org", confirmed_at=now)
        db.session.add(address)
        db.session.flush()
        db.session.add(Subscription(address_id=address.id, comment_id=parent, post_id=post_id,
                                    reader_hash=f"{n:064x}"))
    first_id = (db.session.scalar(select(func.max(Comment.id))) or 0) + 1
    source, html = body(7), render_body(body(7))
    _copy("comments", COMMENT_COLUMNS, (
        (first_id + n, post_id, parent, parent, "pending", "Replier", "replier@example.org", None, "", source, html,
         now - timedelta(seconds=pending - n), None, 0, None, None, "[]") for n in range(pending)))
    db.session.execute(text("SELECT setval('comments_id_seq', :last)"), {"last": first_id + pending - 1})
    db.session.commit()
    return {"parent": parent, "first_pending": first_id, "pending": pending}
