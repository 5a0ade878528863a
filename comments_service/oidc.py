"""Signing in with OpenID Connect (Authlib): the popup's start, the provider's callback, the ID token's checks.

The sign-in runs in a popup, a top-level page on the service's own origin.
Between its two redirects the sign-in is kept in a table keyed by the hash of
its ``state`` (``reader_sign_in_states``), with its nonce, its PKCE code
verifier and the blog origin that opened it: no cookie at all, so no browser
setting about third-party or partitioned cookies can break it, any web
process of the fleet can finish what another started, and a ``state`` works
once (its row is deleted when it comes back). The callback checks the state,
sends the code with the verifier (PKCE S256), and checks the ID token: its
signature against the provider's published keys (asymmetric algorithms only),
``iss``, ``aud``, ``exp`` and the ``nonce``. GitHub has no ID token: its
preset reads the account from GitHub's user API after the same state and
PKCE checks.

The calls to the provider (discovery, keys, the token) are part of answering
the callback, not side effects of a change: they are made outside any
transaction, with a timeout. Authlib, joserfc and requests are imported on
first use: a site without OIDC_PROVIDERS (and every worker's boot) does not
load them.
"""
from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, select

from . import accounts, links, oidc_providers, reader_sessions
from .account_models import SignInState
from .errors import ApiError, not_found
from .extensions import db
from .times import aware, utcnow

CALLBACK_PATH = "/accounts/oidc/callback"
STATE_LIFETIME = timedelta(minutes=10)
ASYMMETRIC = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
CACHE_SECONDS = 3600
_documents: dict[str, tuple[float, dict[str, Any]]] = {}


class SignInFailed(ApiError):
    """A sign-in that cannot finish: said on the popup's page, never a stack trace."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(status, "sign_in_failed", message)


def providers() -> dict[str, oidc_providers.Provider]:
    """Return the configured providers by name (parsed once per app)."""
    found = current_app.extensions.get("oidc_providers")
    if found is None:
        found = current_app.extensions["oidc_providers"] = oidc_providers.parse(current_app.config["OIDC_PROVIDERS"])
    return found


def _provider(name: str) -> oidc_providers.Provider:
    found = providers().get(name)
    if found is None:
        raise not_found("Sign-in provider")
    return found


def _client(provider: oidc_providers.Provider) -> Any:
    from authlib.integrations.requests_client import OAuth2Session

    return OAuth2Session(provider.client_id, provider.client_secret, scope=provider.scope,
                         redirect_uri=links.external_url(CALLBACK_PATH), code_challenge_method="S256")


def _fetch(url: str) -> dict[str, Any]:
    """GET a provider's JSON document (discovery, keys), kept for an hour per process."""
    import requests

    kept = _documents.get(url)
    if kept is not None and kept[0] > time.monotonic():
        return kept[1]
    try:
        response = requests.get(url, timeout=current_app.config["OIDC_TIMEOUT_SECONDS"],
                                headers={"Accept": "application/json"})
        response.raise_for_status()
        document = response.json()
    except Exception as error:  # noqa: BLE001 - any failure of the provider is one answer to the reader
        raise SignInFailed(f"The sign-in provider did not answer ({type(error).__name__}); try again later.",
                           502) from None
    if not isinstance(document, dict):
        raise SignInFailed("The sign-in provider answered something that is not its configuration.", 502)
    _documents[url] = (time.monotonic() + CACHE_SECONDS, document)
    return document


def _metadata(provider: oidc_providers.Provider) -> dict[str, Any]:
    if not provider.is_oidc:
        return {"authorization_endpoint": provider.authorization_endpoint, "token_endpoint": provider.token_endpoint,
                "userinfo_endpoint": provider.userinfo_endpoint}
    meta = _fetch(f"{provider.issuer}/.well-known/openid-configuration")
    if str(meta.get("issuer", "")).rstrip("/") != provider.issuer:
        raise SignInFailed("The provider's discovery document names another issuer.", 502)
    return meta


def allowed_origin(origin: str) -> str:
    """Return ``origin`` if it is one of CORS_ORIGINS exactly (never ``*``); else 400."""
    origin = (origin or "").strip().rstrip("/")
    if origin == "*" or origin not in [o.rstrip("/") for o in current_app.config["CORS_ORIGINS"] if o != "*"]:
        raise ApiError(400, "origin_not_allowed", "Sign-in is offered only to the blog pages in CORS_ORIGINS.")
    return origin


def start(name: str, origin: str) -> str:
    """Begin a sign-in for the blog page at ``origin``; return the provider's authorization URL to redirect to."""
    from authlib.common.security import generate_token

    provider = _provider(name)
    origin = allowed_origin(origin)
    meta = _metadata(provider)
    state, nonce, verifier = generate_token(43), generate_token(32), generate_token(64)
    db.session.execute(delete(SignInState).where(SignInState.expires_at <= utcnow()))
    db.session.add(SignInState(state_hash=reader_sessions.token_hash(state), provider=provider.name, nonce=nonce,
                               code_verifier=verifier, origin=origin, expires_at=utcnow() + STATE_LIFETIME))
    db.session.commit()
    extra = {"nonce": nonce} if provider.is_oidc else {}
    url, _ = _client(provider).create_authorization_url(meta["authorization_endpoint"], state=state,
                                                        code_verifier=verifier, **extra)
    return url


def _take_state(state: str) -> Any:
    # Deleted as it is read: a state works once, whatever comes back with it.
    table = SignInState.__table__
    row = db.session.execute(
        delete(table).where(table.c.state_hash == reader_sessions.token_hash(state or "")).returning(
            table.c.provider, table.c.nonce, table.c.code_verifier, table.c.origin, table.c.expires_at)
    ).first()
    db.session.commit()
    if row is None:
        raise SignInFailed("This sign-in is not known (or was already used): start again from the blog page.")
    if aware(row.expires_at) <= utcnow():
        raise SignInFailed("This sign-in took too long: start again from the blog page.")
    return row


def _id_claims(provider: oidc_providers.Provider, meta: dict[str, Any], id_token: str, nonce: str) -> dict[str, Any]:
    from joserfc import jwt
    from joserfc.errors import JoseError
    from joserfc.jwk import KeySet

    supported = meta.get("id_token_signing_alg_values_supported") or ["RS256"]
    algorithms = [alg for alg in supported if alg in ASYMMETRIC] or ["RS256"]
    try:
        keys = KeySet.import_key_set(_fetch(meta["jwks_uri"]))
        token = jwt.decode(id_token, keys, algorithms=algorithms)
        jwt.JWTClaimsRegistry(
            leeway=current_app.config["SSO_LEEWAY_SECONDS"],
            iss={"essential": True, "value": provider.issuer}, aud={"essential": True, "value": provider.client_id},
            sub={"essential": True}, exp={"essential": True}, nonce={"essential": True, "value": nonce},
        ).validate(token.claims)
    except (JoseError, ValueError, KeyError) as error:
        raise SignInFailed(f"The provider's ID token did not pass the checks ({type(error).__name__}).") from None
    return dict(token.claims)


def finish(state: str, code: str | None, error: str | None) -> tuple[str, dict[str, Any]]:
    """Finish a sign-in from the provider's redirect; return the opener's origin and ``{session, reader}``."""
    if error and not state:  # some providers send a refusal back without the state
        raise SignInFailed("The sign-in was cancelled or refused at the provider.")
    row = _take_state(state)
    if error or not code:
        raise SignInFailed("The sign-in was cancelled or refused at the provider.")
    provider = _provider(row.provider)
    meta = _metadata(provider)
    client = _client(provider)
    try:
        token = client.fetch_token(meta["token_endpoint"], grant_type="authorization_code", code=code,
                                   code_verifier=row.code_verifier, headers={"Accept": "application/json"},
                                   timeout=current_app.config["OIDC_TIMEOUT_SECONDS"])
    except Exception as failure:  # noqa: BLE001 - the provider refused the code, or did not answer
        raise SignInFailed(f"The provider did not accept the sign-in ({type(failure).__name__}).") from None
    if provider.is_oidc:
        if not token.get("id_token"):
            raise SignInFailed("The provider sent no ID token.")
        claims = _id_claims(provider, meta, token["id_token"], row.nonce)
        email = claims.get("email") if claims.get("email_verified") is True else None
        name = (claims.get("name") or claims.get("preferred_username") or claims.get("nickname")
                or str(claims.get("email") or "").partition("@")[0] or None)
        subject = str(claims["sub"])
    else:
        profile = client.get(meta["userinfo_endpoint"], timeout=current_app.config["OIDC_TIMEOUT_SECONDS"]).json()
        if not isinstance(profile, dict) or profile.get("id") is None:
            raise SignInFailed("The provider did not say who signed in.")
        subject, name, email = str(profile["id"]), profile.get("name") or profile.get("login"), None
    email = email.strip().lower() if isinstance(email, str) and "@" in email and len(email) <= 254 else None
    result = accounts.sign_in(provider.name, subject, name if isinstance(name, str) else None, email)
    return row.origin, result


def choices() -> list[dict[str, str]]:
    """Return the providers a widget offers: name and label."""
    return [{"name": p.name, "label": p.label} for p in providers().values()]


def state_count() -> int:
    """Return how many sign-ins are between their redirects (a check for tests and operators)."""
    return len(list(db.session.scalars(select(SignInState.id))))
