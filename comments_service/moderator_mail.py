"""The mail moderators get for a comment that enters the queue: the text as typed, the spam reasons, a link to it."""
from __future__ import annotations

from email.message import EmailMessage

from markupsafe import escape

from . import mail
from .models import Comment


def compose(comment: Comment, to: list[str], moderate_url: str | None) -> EmailMessage:
    """Build the mail telling moderators that ``comment`` waits; every reader-given text is escaped in the HTML."""
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
        "<!doctype html><html><body>",
        f"<p><strong>{escape(author)}</strong>{f' ({escape(comment.email)})' if comment.email else ''}"
        f" wrote on \u201c{post_html}\u201d; it waits for moderation.</p>",
        f'<pre style="white-space: pre-wrap; font-family: inherit">{escape(comment.body_source)}</pre>',
        f"<p>Spam checks: {escape(', '.join(reasons)) if reasons else 'nothing found'}</p>",
        button,
        "</body></html>",
    ])
    subject = f"New comment by {author} on \u201c{title}\u201d awaits moderation"
    return mail.compose(to, subject, text, html, thread=f"moderation-{post.slug}")
