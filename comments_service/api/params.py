"""OpenAPI descriptions of the headers the API reads."""
from __future__ import annotations

READER_TOKEN = {
    "in": "header",
    "name": "X-Reader-Token",
    "required": False,
    "description": "The reader's random token (16-128 characters), kept by the widget.",
    "schema": {"type": "string", "minLength": 16, "maxLength": 128},
}
EDIT_TOKEN = {
    "in": "header",
    "name": "X-Edit-Token",
    "required": True,
    "description": "The edit token returned when the comment was posted.",
    "schema": {"type": "string"},
}
BEARER = [{"bearerAuth": []}]
READER_TOKEN_REQUIRED = {**READER_TOKEN, "required": True}
