"""Which ways of signing in this site offers, as the widget asks before drawing its sign-in buttons."""
from __future__ import annotations

from typing import Any

from flask import current_app

from . import mail_sign_in, oidc, sso

START_PATH = "/accounts/oidc/{name}/start"


def describe() -> dict[str, Any]:
    """Return the sign-in methods: SSO, mailed links, OIDC providers; and whether anonymous comments are taken."""
    return {"anonymous": bool(current_app.config["ANONYMOUS"]), "sso": sso.enabled(),
            "mail": mail_sign_in.enabled(), "oidc": oidc.choices(), "start": START_PATH}
