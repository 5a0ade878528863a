"""Answers whose JSON is already made (cached bytes): sent as they are, not dumped again."""
from __future__ import annotations

from flask import Response


def json_response(body: bytes) -> Response:
    """Wrap ready JSON bytes in a 200 response."""
    return Response(body, mimetype="application/json")
