"""Operational endpoints: the health check."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify

from .. import health

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    """Report whether the database and Redis answer."""
    body, status = health.check()
    response = jsonify(body)
    response.status_code = status
    if status == 503:
        response.headers["Retry-After"] = "5"
    return response
