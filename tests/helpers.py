"""Small helpers shared by the tests."""
from __future__ import annotations

import re
from typing import Any

READER = {"X-Reader-Token": "reader-token-0123456789"}


def post_comment(client: Any, slug: str = "hello", **fields: Any) -> Any:
    """Post a comment as a reader; return the response."""
    body = {"author": "Ada", "body": "Hello there", **fields}
    return client.post(f"/api/posts/{slug}/comments", json=body)


def approve(client: Any, moderator: dict[str, str], comment_id: int) -> Any:
    """Approve a comment through the API."""
    response = client.post(f"/api/moderation/comments/{comment_id}/approve", headers=moderator)
    assert response.status_code == 200, response.get_json()
    return response


def approved_comment(client: Any, moderator: dict[str, str], slug: str = "hello", **fields: Any) -> dict[str, Any]:
    """Post and approve a comment; return the creation payload."""
    response = post_comment(client, slug, **fields)
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    approve(client, moderator, data["id"])
    return data


def publish(client: Any, editor: dict[str, str], slug: str, **fields: Any) -> Any:
    """Register a post through the publishing API."""
    body = {"title": slug.title(), "url": f"https://blog.example/{slug}", "tags": [], **fields}
    return client.put(f"/api/posts/{slug}", json=body, headers=editor)


def walk(comments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return every comment of a nested thread, parents before their replies."""
    out = []
    for comment in comments:
        out.append(comment)
        out.extend(walk(comment["replies"]))
    return out


CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def desk_csrf(client: Any, path: str = "/moderate/login") -> str:
    """Return the CSRF token of the desk page at ``path``."""
    return CSRF_RE.search(client.get(path).get_data(as_text=True)).group(1)


def desk_login(client: Any, username: str, password: str, **form: str) -> Any:
    """Log in to the moderation desk; return the response."""
    data = {"username": username, "password": password, "csrf_token": desk_csrf(client), **form}
    return client.post("/moderate/login", data=data)
