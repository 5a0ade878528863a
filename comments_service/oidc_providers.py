"""OIDC_PROVIDERS: which OpenID Connect providers readers may sign in with, and the GitHub and Google presets.

The setting is a JSON list; each entry has ``name`` (letters, digits, ``-``,
``_``: it names the provider in URLs and accounts), ``client_id``,
``client_secret`` and either ``issuer`` (any OpenID Connect provider, found
by discovery at ``<issuer>/.well-known/openid-configuration``) or ``preset``:
``google`` (the issuer ``https://accounts.google.com``) or ``github``
(GitHub's OAuth endpoints, which have no discovery and no ID token: the
account is read from GitHub's user API). ``label`` is what the sign-in button
says (default: the name). Example::

    OIDC_PROVIDERS='[{"name": "google", "preset": "google", "client_id": "...", "client_secret": "..."},
                     {"name": "corp", "issuer": "https://id.corp.example", "client_id": "...",
                      "client_secret": "...", "label": "Corp account"}]'
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

NAME = re.compile(r"[a-z0-9_-]{1,40}")
PRESETS: dict[str, dict[str, Any]] = {
    "google": {"issuer": "https://accounts.google.com", "label": "Google"},
    "github": {
        "label": "GitHub",
        "authorization_endpoint": "https://github.com/login/oauth/authorize",
        "token_endpoint": "https://github.com/login/oauth/access_token",
        "userinfo_endpoint": "https://api.github.com/user",
        "scope": "read:user",
    },
}
RESERVED = {"sso", "mail"}


@dataclass(frozen=True)
class Provider:
    """One configured provider."""

    name: str
    label: str
    client_id: str
    client_secret: str
    issuer: str | None = None  # OpenID Connect by discovery; None: plain OAuth 2 with fixed endpoints (GitHub)
    authorization_endpoint: str | None = None
    token_endpoint: str | None = None
    userinfo_endpoint: str | None = None
    scope: str = "openid email profile"

    @property
    def is_oidc(self) -> bool:
        """Tell whether the provider signs an ID token (found by discovery)."""
        return self.issuer is not None


def parse(raw: Any) -> dict[str, Provider]:
    """Read OIDC_PROVIDERS (a JSON string or an already parsed list); RuntimeError saying what is wrong."""
    if not raw:
        return {}
    try:
        entries = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError as error:
        raise RuntimeError(f"OIDC_PROVIDERS must be a JSON list of providers: {error}") from None
    if not isinstance(entries, list):
        raise RuntimeError("OIDC_PROVIDERS must be a JSON list of providers")
    found: dict[str, Provider] = {}
    for entry in entries:
        if not isinstance(entry, dict):
            raise RuntimeError("OIDC_PROVIDERS: each provider is an object")
        name = str(entry.get("name") or entry.get("preset") or "")
        if not NAME.fullmatch(name) or name in RESERVED or name in found:
            raise RuntimeError(f"OIDC_PROVIDERS: {name!r} is not a usable name (a-z, 0-9, -, _; unique; not sso/mail)")
        preset = PRESETS.get(str(entry.get("preset") or ""), {})
        if entry.get("preset") and not preset:
            raise RuntimeError(f"OIDC_PROVIDERS: unknown preset {entry['preset']!r} (google, github)")
        settings = {**preset, **{k: v for k, v in entry.items() if k != "preset"}}
        for key in ("client_id", "client_secret"):
            if not isinstance(settings.get(key), str) or not settings[key]:
                raise RuntimeError(f"OIDC_PROVIDERS: {name} needs {key}")
        issuer = settings.get("issuer")
        if issuer is None and not preset:
            raise RuntimeError(f"OIDC_PROVIDERS: {name} needs issuer (or a preset)")
        if issuer is not None and not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", str(issuer)):
            raise RuntimeError(f"OIDC_PROVIDERS: {name}'s issuer must be an http(s) URL")
        found[name] = Provider(
            name=name, label=str(settings.get("label") or name), client_id=settings["client_id"],
            client_secret=settings["client_secret"], issuer=str(issuer).rstrip("/") if issuer else None,
            authorization_endpoint=settings.get("authorization_endpoint"),
            token_endpoint=settings.get("token_endpoint"), userinfo_endpoint=settings.get("userinfo_endpoint"),
            scope=str(settings.get("scope") or "openid email profile"),
        )
    return found
