"""The mail moderators get for comments that enter the queue: one per comment, or a digest per period.

Each comment's text is shown as typed (escaped in the HTML), with its spam
reasons and a link to it on the desk. The request that puts a comment in
the queue writes only a small ``moderator-mail`` job naming it (one per
comment while it waits: keyed by the comment); the worker composes the mail
when the job first runs (``jobs.composer``), from the comment as it is then:
its text and spam reasons as the desk shows them. A comment that no longer
waits by then (approved, rejected, spam, deleted, its author's data erased)
gets no mail: there is nothing left for a moderator to do. Once made, the
mail is kept in the job and sent as a "mail" job is (``mail.send``: retries,
bounces).

With ``MODERATOR_DIGEST_MINUTES`` > 0 a comment entering the queue is added
to the ``moderator-digest`` job of the current period instead (periods of
that many minutes from midnight UTC, keyed by their start, so one job
gathers them all: ``jobs.gather``); the job is due when the period ends and
makes one mail of the comments still waiting then.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlencode

from flask import current_app
from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from . import jobs, links, mail
from .extensions import db
from .models import Comment, CommentStatus
from .times import iso, utcnow

KIND = "moderator-mail"
DIGEST = "moderator-digest"
MAX_SHOWN = 100


def link(path: str, fragment: str = "", root: str | None = None, **query: Any) -> str | None:
    """Return the URL of a page of the service for a message read elsewhere (None with no safe root).

    None values of ``query`` are left out. ``root``: the host root stored with the job (``links.host_root``).
    """
    params = urlencode({name: value for name, value in query.items() if value is not None})
    return links.message_url(f"{path}{'?' + params if params else ''}{'#' + fragment if fragment else ''}", root)


def moderate_link(comment_id: int, post_slug: str, status: CommentStatus, root: str | None = None) -> str | None:
    """Link to a comment on the moderation desk, in the tab of ``status``."""
    shown = status.value if status != CommentStatus.DELETED else None
    return link("/moderate", fragment=f"c{comment_id}-title", root=root, status=shown, post=post_slug)


def moderators() -> list[str]:
    """Return the addresses in MODERATOR_EMAILS."""
    found = current_app.config.get("MODERATOR_EMAILS") or []
    if isinstance(found, str):
        found = found.replace(",", " ").split()
    return [address for address in found if "@" in address]


def _parts(comment: Comment, moderate_url: str | None) -> tuple[str, str]:
    # One comment, as text and as escaped HTML: who, where, the text as typed, the spam checks, the desk link.
    post = comment.post
    title = post.title or post.slug
    author = comment.author or "(no name)"
    reasons = list(comment.spam_reasons or [])
    who = f"{author} <{comment.email}>" if comment.email else author
    where = moderate_url or "the moderation page (/moderate)"
    text = "\n".join([
        f"{who} wrote on \u201c{title}\u201d{f' ({post.url})' if post.url else ''}; it waits for moderation.",
        "",
        comment.body_source,
        "",
        f"Spam checks: {', '.join(reasons) if reasons else 'nothing found'}",
        f"Moderate it: {where}",
    ])
    button = (f'<p><a href="{escape(moderate_url)}">Moderate it</a></p>' if moderate_url
              else "<p>Moderate it on the moderation page (/moderate).</p>")
    post_html = f'<a href="{escape(post.url)}">{escape(title)}</a>' if post.url else str(escape(title))
    html = "\n".join([
        f"<p><strong>{escape(author)}</strong>{f' ({escape(comment.email)})' if comment.email else ''}"
        f" wrote on \u201c{post_html}\u201d; it waits for moderation.</p>",
        f'<pre style="white-space: pre-wrap; font-family: inherit">{escape(comment.body_source)}</pre>',
        f"<p>Spam checks: {escape(', '.join(reasons)) if reasons else 'nothing found'}</p>",
        button,
    ])
    return text, html


def compose(comment: Comment, to: list[str], moderate_url: str | None) -> EmailMessage:
    """Build the mail telling moderators that ``comment`` waits; every reader-given text is escaped in the HTML."""
    title = comment.post.title or comment.post.slug
    text, html = _parts(comment, moderate_url)
    subject = f"New comment by {comment.author or '(no name)'} on \u201c{title}\u201d awaits moderation"
    return mail.compose(to, subject, text, f"<!doctype html><html><body>\n{html}\n</body></html>",
                        thread=f"moderation-{comment.post.slug}")


def enqueue(comment: Any) -> None:
    """Add the job that will mail the moderators of a comment entering the queue, in the caller's transaction.

    ``comment`` needs only its ``id``; a job already waiting for the same comment does for both.
    """
    facts: dict[str, Any] = {"comment": comment.id, "summary": f"moderator mail of comment #{comment.id}"}
    if (root := links.host_root()) is not None:  # no PUBLIC_URL: the links go to the host this request was for
        facts["root"] = root
    jobs.enqueue(KIND, facts, key=f"comment:{comment.id}")


@jobs.composer(KIND)
def compose_job(payload: dict[str, Any]) -> dict[str, Any] | None:
    """Make the mail of a comment that entered the queue, from the comment as it is now; None if it no longer waits."""
    comment = db.session.get(Comment, payload["comment"], options=[joinedload(Comment.post)])
    addresses = moderators()
    if comment is None or comment.status != CommentStatus.PENDING or not addresses:
        return None
    message = compose(comment, addresses,
                      moderate_link(comment.id, comment.post.slug, CommentStatus.PENDING, payload.get("root")))
    return {**mail.job_payload(message), "comment": comment.id}


jobs.handler(KIND)(mail.send)


def digest_minutes() -> int:
    """Return MODERATOR_DIGEST_MINUTES: one mail per that many minutes (0: one mail per comment, at once)."""
    return max(0, int(current_app.config.get("MODERATOR_DIGEST_MINUTES") or 0))


def add_to_digest(comment: Any) -> None:
    """Add a comment that entered the queue to the digest of the current period, in the caller's transaction."""
    length = digest_minutes() * 60
    now = utcnow()
    start = datetime.fromtimestamp(now.timestamp() // length * length, timezone.utc)
    due = start + timedelta(seconds=length)
    jobs.gather(DIGEST, f"period:{iso(start)}", "comments", comment.id,
                {"start": iso(start), "end": iso(due), "summary": f"moderator digest of {iso(start)} to {iso(due)}",
                 "root": links.host_root()},
                delay_seconds=(due - now).total_seconds())


@jobs.handler(DIGEST)
def send_digest(payload: dict[str, Any]) -> None:
    """Make the period's digest: one mail of the comments gathered that still wait for a moderator; commit."""
    ids = list(dict.fromkeys(payload.get("comments", [])))
    addresses = moderators()
    waiting = list(db.session.scalars(
        select(Comment).where(Comment.id.in_(ids), Comment.status == CommentStatus.PENDING)
        .order_by(Comment.created_at, Comment.id))) if ids else []
    if not waiting or not addresses:  # each was moderated before the period ended, or nobody is to be told
        db.session.rollback()
        return
    mail.queue(compose_digest(waiting, addresses, len(ids) - len(waiting), payload))
    db.session.commit()


def compose_digest(waiting: list[Comment], to: list[str], handled: int, period: dict[str, Any]) -> EmailMessage:
    """Build the digest of comments that wait, in the order they came; every reader-given text is escaped."""
    count = len(waiting)
    root = period.get("root")
    queue_url = link("/moderate", root=root, status=CommentStatus.PENDING.value)
    said = (f"{count} comment{'s' if count != 1 else ''} entered the moderation queue between "
            f"{period.get('start')} and {period.get('end')} and still wait"
            + (f" ({handled} more {'were' if handled != 1 else 'was'} moderated already)" if handled else "") + ".")
    where = f"Moderate them: {queue_url}" if queue_url else "Moderate them on the moderation page (/moderate)."
    texts, htmls = [said, where], [f"<p>{escape(said)}</p>"]
    if queue_url:
        htmls.append(f'<p><a href="{escape(queue_url)}">Open the moderation queue</a></p>')
    for comment in waiting[:MAX_SHOWN]:
        text, html = _parts(comment, moderate_link(comment.id, comment.post.slug, CommentStatus.PENDING, root))
        texts += ["-" * 40, text]
        htmls += ["<hr>", html]
    if count > MAX_SHOWN:
        more = f"\u2026 and {count - MAX_SHOWN} more on the moderation page."
        texts.append(more)
        htmls.append(f"<p>{escape(more)}</p>")
    html = "<!doctype html><html><body>\n" + "\n".join(htmls) + "\n</body></html>"
    subject = f"{count} comment{'s await' if count != 1 else ' awaits'} moderation"
    return mail.compose(to, subject, "\n\n".join(texts), html, thread="moderation-digest")
