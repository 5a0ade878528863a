"""Shared by the reply-notification tests: an app that mails a private SMTP server, and reading what arrived."""
from __future__ import annotations

import re
import urllib.error
import urllib.request
from email.message import EmailMessage
from typing import Any

from sqlalchemy import update

from comments_service import jobs, jobs_worker
from comments_service.extensions import db
from comments_service.jobs import Job, JobState

READER_A = {"X-Reader-Token": "reader-token-of-ada-000001"}
READER_B = {"X-Reader-Token": "reader-token-of-bob-000002"}
URL = re.compile(r"https?://[^\s<>\"']+")


def comment(client: Any, slug: str = "hello", headers: dict[str, str] | None = None, **fields: Any) -> dict[str, Any]:
    """Post a comment; return the 201 body."""
    body = {"author": "Ada", "body": "A comment", **fields}
    response = client.post(f"/api/posts/{slug}/comments", json=body, headers=headers or {})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def moderate(client: Any, moderator: dict[str, str], comment_id: int, action: str = "approve") -> None:
    """Approve, reject or mark a comment as spam through the API."""
    response = client.post(f"/api/moderation/comments/{comment_id}/{action}", headers=moderator)
    assert response.status_code == 200, response.get_json()


def release(app: Any) -> None:
    """Close an app's pooled connections (the shared PostgreSQL has a connection limit)."""
    with app.app_context():
        db.engine.dispose()


def run_jobs(app: Any) -> int:
    """Run every due job (the mails among them reach the SMTP server); return how many ran."""
    with app.app_context():
        ran = jobs_worker.drain()
        db.session.remove()
        return ran


def make_due(app: Any) -> None:
    """Move every pending job's time to now, as if its wait had passed."""
    with app.app_context():
        db.session.execute(update(Job).where(Job.state == JobState.PENDING).values(run_at=jobs.now_expr()))
        db.session.commit()


def texts(message: EmailMessage) -> tuple[str, str]:
    """Return a mail's text part and HTML part."""
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def links(message: EmailMessage) -> list[str]:
    """Return every URL in a mail's text part, in order."""
    return URL.findall(texts(message)[0])


def link_to(message: EmailMessage, path: str) -> str:
    """Return the one link of a mail whose path starts with ``path``."""
    found = [url for url in links(message) if path in url]
    assert len(found) == 1, (path, links(message))
    return found[0]


def http(url: str, method: str = "GET", body: bytes | None = None, content_type: str | None = None) -> tuple[int, str]:
    """Open a URL over HTTP, as a browser or a mail client would (no cookies); return the status and body."""
    request = urllib.request.Request(url, data=body, method=method)
    if content_type:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
