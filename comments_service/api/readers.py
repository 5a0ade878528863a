"""Reader accounts: signing in (SSO token, mailed link), signing out, and one's own data (me, export, erase)."""
from __future__ import annotations

from typing import Any

from flask import request

from .. import accounts, mail_sign_in, ratelimit, reader_sessions, sign_in_methods, sso
from ..schemas.common import ErrorSchema
from ..schemas.readers import (
    MailSentSchema,
    MailSignInSchema,
    MeErasedSchema,
    MeExportSchema,
    MeSchema,
    MeUpdateSchema,
    SessionSchema,
    SignInMethodsSchema,
    SsoSignInSchema,
)
from .blueprint import Blueprint

blp = Blueprint("readers", __name__, url_prefix="/api", description="Reader accounts (optional sign-in)")

SESSION = {"in": "header", "name": reader_sessions.HEADER, "required": True, "schema": {"type": "string"},
           "description": "The session token a sign-in answered."}


@blp.route("/session/methods", methods=["GET"])
@blp.response(200, SignInMethodsSchema)
def methods() -> Any:
    """Say how readers may sign in here, and whether they may comment without."""
    return sign_in_methods.describe()


@blp.route("/session", methods=["POST"])
@ratelimit.limited("RATELIMIT_LOGIN")
@blp.arguments(SsoSignInSchema)
@blp.response(200, SessionSchema)
@blp.alt_response(401, schema=ErrorSchema, description="A bad, expired or foreign SSO token")
def sign_in(data: dict[str, Any]) -> Any:
    """Exchange the blog's SSO token for a session."""
    return sso.sign_in(data["sso"])


@blp.route("/session", methods=["DELETE"])
@blp.doc(parameters=[SESSION])
@blp.response(204)
def sign_out() -> None:
    """Sign out: the session ends on the server."""
    reader_sessions.end(request.headers.get(reader_sessions.HEADER))


@blp.route("/session/mail", methods=["POST"])
@ratelimit.limited("RATELIMIT_LOGIN")
@blp.arguments(MailSignInSchema)
@blp.response(202, MailSentSchema)
@blp.alt_response(429, schema=ErrorSchema, description="Too many links to this address this hour")
def mail_link(data: dict[str, Any]) -> Any:
    """Mail a single-use sign-in link to an address."""
    origin = request.headers.get("Origin") or data.get("origin") or ""
    return mail_sign_in.request_link(data["email"].lower(), data.get("name"), origin, data.get("page"))


@blp.route("/me", methods=["GET"])
@blp.doc(parameters=[SESSION])
@blp.response(200, MeSchema)
def me() -> Any:
    """The signed-in reader's account."""
    return accounts.me()


@blp.route("/me", methods=["PATCH"])
@blp.doc(parameters=[SESSION])
@blp.arguments(MeUpdateSchema)
@blp.response(200, MeSchema)
def update_me(data: dict[str, Any]) -> Any:
    """Change the signed-in reader's settings (reply mails for their comments)."""
    return accounts.update_me(data)


@blp.route("/me/export", methods=["GET"])
@blp.doc(parameters=[SESSION])
@blp.response(200, MeExportSchema)
def export_me() -> Any:
    """Everything stored about the signed-in reader."""
    return accounts.export_me()


@blp.route("/me", methods=["DELETE"])
@blp.doc(parameters=[SESSION])
@blp.response(200, MeErasedSchema)
def erase_me() -> Any:
    """Erase the signed-in reader: comments (placeholders where replies hang on), likes, mail, the account."""
    return accounts.erase_me()
