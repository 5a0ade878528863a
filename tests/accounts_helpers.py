"""Shared by the reader-account tests: SSO tokens the blog would sign, and signing in through the API."""
from __future__ import annotations

import time
from typing import Any

import jwt

SSO_SECRET = "sso-secret-of-the-blog-0123456789-abcdefghijkl"
BLOG = "http://127.0.0.1:9"  # a blog origin listed in CORS_ORIGINS (nothing listens: API tests only)


def sso_token(sub: str = "u-1", name: str = "Ada Lovelace", secret: str = SSO_SECRET, algorithm: str = "HS256",
              lifetime: int = 300, **claims: Any) -> str:
    """Return a JWT as the blog signs one for its signed-in reader."""
    now = int(time.time())
    body = {"sub": sub, "name": name, "iat": now, "exp": now + lifetime, **claims}
    return jwt.encode({k: v for k, v in body.items() if v is not None}, secret, algorithm=algorithm)


def sign_in(client: Any, **claims: Any) -> dict[str, Any]:
    """Sign in through SSO; return the answer (session and reader)."""
    response = client.post("/api/session", json={"sso": sso_token(**claims)})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def session(answer: dict[str, Any], token: str | None = None) -> dict[str, str]:
    """Return the headers of a signed-in widget (and its browser's reader token)."""
    headers = {"X-Reader-Session": answer["session"]}
    if token:
        headers["X-Reader-Token"] = token
    return headers
