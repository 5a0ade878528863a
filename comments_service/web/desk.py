"""The moderation desk's blueprint and what all its pages share: hooks, template globals, where a form leads back.

Everything under ``/moderate`` is this blueprint: its views are in
``moderate.py`` (the queue, bans, the log), ``desk_auth.py`` (logging in and
out, the session guard) and ``desk_errors.py`` (its error pages).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, g, redirect, request, url_for
from flask.sansio.blueprints import BlueprintSetupState
from marshmallow import Schema, ValidationError
from werkzeug.routing import IntegerConverter, Map
from werkzeug.wrappers import Response

from .. import slugs
from ..errors import ApiError, flatten_messages
from ..schemas.common import MAX_ID
from . import forms, security

PREFIX = "/moderate"


class RowIdConverter(IntegerConverter):
    """An id in a desk path (``<row_id:...>``): ASCII digits naming a possible row, else no match (a 404 page).

    Werkzeug's ``int`` takes any Unicode digit and any size; a number no row
    can have would only reach the database to fail there.
    """

    regex = r"[0-9]{1,10}"

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        super().__init__(map, min=1, max=MAX_ID)


bp = Blueprint("moderate", __name__, url_prefix=PREFIX, template_folder="templates", static_folder="static")


@bp.record_once
def _converters(state: BlueprintSetupState) -> None:
    # Recorded before any route, so that the paths below can name it.
    state.app.url_map.converters["row_id"] = RowIdConverter


# A NUL first: no text may hold one, the CSRF token included.
bp.before_request(forms.refuse_nul)
bp.before_request(security.check_csrf)
bp.after_request(security.add_headers)


@bp.context_processor
def _template_globals() -> dict[str, Any]:
    return {"csrf_token": security.csrf_token, "user": g.get("user"), "csrf_field": security.CSRF_FIELD,
            "slug_pattern": slugs.PATTERN}


def load(schema: Schema, data: Mapping[str, Any]) -> dict[str, Any]:
    """Load a form or query with ``schema``; 422 with the fields' messages if it does not validate."""
    try:
        return schema.load(data)  # type: ignore[no-any-return]
    except ValidationError as error:
        fields = flatten_messages(error.messages)
        raise ApiError(422, "validation_error", "The form did not validate.", fields) from None


def is_safe_next(target: object) -> bool:
    """Tell whether ``target`` may be gone to after a form: a path of this desk, and nothing else.

    The one rule for every ``next``: a relative path under /moderate, with no
    control or separator character (a newline would split the Location
    header), no ``//`` (another host to a browser) and no backslash (read as
    a slash by browsers).
    """
    return (
        isinstance(target, str)
        and (target == PREFIX or target.startswith((PREFIX + "/", PREFIX + "?")))
        and target.isprintable()
        and "//" not in target
        and "\\" not in target
    )


def safe_next(target: object) -> str:
    """Return ``target`` if it is a safe place to go back to, else the queue."""
    return target if is_safe_next(target) else url_for("moderate.queue")  # type: ignore[return-value]


def back() -> Response:
    """Send the moderator back to the page the form came from (its ``next``), or to the queue."""
    return redirect(safe_next(request.form.get("next")), 303)
