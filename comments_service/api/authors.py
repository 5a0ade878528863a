"""An author's data: list (moderator), export and erase (admin only)."""
from __future__ import annotations

from typing import Any

from .. import auth, authors
from ..models import Role
from ..schemas.moderation import (
    AuthorCommentsSchema,
    AuthorEmailSchema,
    AuthorEraseSchema,
    AuthorExportSchema,
    AuthorQueryArgsSchema,
)
from .blueprint import Blueprint
from .params import BEARER

blp = Blueprint("authors", __name__, url_prefix="/api/moderation/authors", description="An author's data on request")


@blp.route("", methods=["GET"])
@auth.require_role(Role.MODERATOR)
@blp.doc(security=BEARER)
@blp.arguments(AuthorQueryArgsSchema, location="query")
@blp.response(200, AuthorCommentsSchema)
def list_comments(args: dict[str, Any]) -> Any:
    """List the comments written with an e-mail address, in every status."""
    return authors.list_comments(args["email"], args["limit"], args["cursor"])


@blp.route("/export", methods=["POST"])
@auth.require_role(Role.ADMIN)
@blp.doc(security=BEARER)
@blp.arguments(AuthorEmailSchema)
@blp.response(200, AuthorExportSchema)
def export(data: dict[str, Any]) -> Any:
    """Export everything stored about an e-mail address (admin)."""
    return authors.export_author(data["email"], auth.actor())


@blp.route("/erase", methods=["POST"])
@auth.require_role(Role.ADMIN)
@blp.doc(security=BEARER)
@blp.arguments(AuthorEmailSchema)
@blp.response(200, AuthorEraseSchema)
def erase(data: dict[str, Any]) -> Any:
    """Erase every comment written with an e-mail address (admin); placeholders keep replies in place."""
    return authors.erase_author(data["email"], auth.actor())
