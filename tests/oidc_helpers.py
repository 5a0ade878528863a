"""A real OpenID Connect provider for the tests: oidc-provider-mock on a spare port, and an app that trusts it."""
from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import oidc_provider_mock

CLIENT_ID, CLIENT_SECRET = "comments-test-client", "comments-test-secret"


@contextmanager
def provider() -> Iterator[str]:
    """Run the provider (nonce required) on a spare port; yield its issuer URL."""
    with oidc_provider_mock.run_server_in_thread(port=0, require_nonce=True) as server:
        yield f"http://localhost:{server.server_port}"


def providers_setting(issuer: str) -> str:
    """Return OIDC_PROVIDERS naming the test provider."""
    return json.dumps([
        {"name": "testid", "issuer": issuer, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
         "label": "Test ID"},
    ])


def settings(issuer: str, blog: str) -> dict[str, Any]:
    """Return the settings of an app that signs readers in with the test provider, for a blog at ``blog``."""
    return {"OIDC_PROVIDERS": providers_setting(issuer), "CORS_ORIGINS": [blog]}
