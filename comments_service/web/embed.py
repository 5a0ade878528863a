"""The widget script and the demo blog page."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, send_from_directory

from .. import links

bp = Blueprint("widgets", __name__, static_folder="static", template_folder="templates")

EMBED_MAX_AGE = 300


@bp.get("/embed.js")
def embed_js() -> Response:
    """Serve the widget script, cacheable and revalidated by ETag."""
    return _script("embed.js")


@bp.get("/count.js")
def count_js() -> Response:
    """Serve the counts-only script of index pages (``<span data-count="slug">``), cached like embed.js."""
    return _script("count.js")


def _script(name: str) -> Response:
    response = send_from_directory(
        bp.static_folder, name, mimetype="text/javascript", max_age=EMBED_MAX_AGE, conditional=True
    )
    response.headers["Cache-Control"] = f"public, max-age={EMBED_MAX_AGE}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/demo")
def demo() -> str:
    """Show the seed blog post with live widgets (data from `flask demo load`)."""
    return render_template("demo.html", api=links.root_url())


@bp.get("/")
def index() -> Response:
    """Point a visitor at the demo page."""
    return current_app.redirect("/demo")
