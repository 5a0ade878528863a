"""The baseline: a bare Flask JSON endpoint, served by gunicorn exactly like the service."""
from __future__ import annotations

from flask import Flask, Response, jsonify

app = Flask(__name__)

PAYLOAD = {"tags": [{"name": f"tag {n}", "count": 20 - n} for n in range(10)]}


@app.get("/json")
def json_endpoint() -> Response:
    """Answer a small JSON document, as a widget read does."""
    return jsonify(PAYLOAD)
