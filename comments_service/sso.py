"""The blog's own login (SSO): a short-lived JWT signed by the blog with SSO_SECRET, exchanged for a session.

Only HS256 with SSO_SECRET is accepted (PyJWT with ``algorithms=["HS256"]``):
an unsigned token (``alg: none``), one signed with another key or another
algorithm (an RS256 public key offered as an HMAC secret among them) is
refused. ``exp`` and ``sub`` are required; clock skew is allowed up to
SSO_LEEWAY_SECONDS; a token that lives longer than SSO_MAX_AGE_SECONDS is
refused too (a blog should sign a fresh one per page). With SSO_AUDIENCE set
the token must name it in ``aud``. Every refusal is a 401 saying why.
"""
from __future__ import annotations

from typing import Any

import jwt
from flask import current_app

from . import accounts
from .errors import ApiError

ALGORITHMS = ["HS256"]
PROVIDER = "sso"


def _refused(message: str) -> ApiError:
    return ApiError(401, "invalid_sso_token", message)


def enabled() -> bool:
    """Tell whether the blog's login is configured (SSO_SECRET)."""
    return bool(current_app.config.get("SSO_SECRET"))


def verify(token: Any) -> dict[str, Any]:
    """Return the claims of a valid SSO token; 401 with the reason otherwise."""
    config = current_app.config
    if not enabled():
        raise ApiError(401, "sso_not_configured", "This site has no single sign-on (SSO_SECRET is not set).")
    if not isinstance(token, str) or not token or len(token) > 8192:
        raise _refused("The SSO token is not a JWT.")
    audience = config.get("SSO_AUDIENCE") or None
    try:
        claims: dict[str, Any] = jwt.decode(
            token, config["SSO_SECRET"], algorithms=ALGORITHMS, audience=audience,
            leeway=config["SSO_LEEWAY_SECONDS"],
            options={"require": ["exp", "sub"], "verify_aud": audience is not None},
        )
    except jwt.ExpiredSignatureError:
        raise _refused("The SSO token has expired; the blog must sign a fresh one.") from None
    except jwt.InvalidAudienceError:
        raise _refused("The SSO token is for another audience.") from None
    except jwt.MissingRequiredClaimError as error:
        raise _refused(f"The SSO token lacks the {error.claim!r} claim.") from None
    except jwt.InvalidAlgorithmError:
        raise _refused("The SSO token must be signed with HS256.") from None
    except jwt.InvalidSignatureError:
        raise _refused("The SSO token's signature does not match this site's key.") from None
    except jwt.InvalidTokenError:
        raise _refused("The SSO token is not a valid JWT signed by this site.") from None
    issued = claims.get("iat")
    if isinstance(issued, (int, float)) and claims["exp"] - issued > config["SSO_MAX_AGE_SECONDS"]:
        raise _refused("The SSO token lives too long; sign one that expires within minutes.")
    if not isinstance(claims["sub"], str) or not claims["sub"].strip() or len(claims["sub"]) > 255:
        raise _refused("The SSO token's sub must be a non-empty string of at most 255 characters.")
    return claims


def sign_in(token: Any) -> dict[str, Any]:
    """Exchange a valid SSO token for a session of the account the blog's ``sub`` names."""
    claims = verify(token)
    email = claims.get("email")
    email = email.strip().lower() if isinstance(email, str) and "@" in email and len(email) <= 254 else None
    name = claims.get("name") if isinstance(claims.get("name"), str) else None
    return accounts.sign_in(PROVIDER, claims["sub"].strip(), name or claims["sub"], email)
