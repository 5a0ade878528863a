"""Pages and files outside the JSON API: health, feeds, the widget script and demo, the desk, mail links' pages."""
from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Register the web blueprints (the moderation desk brings its session and filters)."""
    from . import embed, feeds, moderate, notify, ops

    app.register_blueprint(ops.bp)
    app.register_blueprint(embed.bp)
    app.register_blueprint(feeds.bp)
    app.register_blueprint(notify.bp)
    moderate.init_app(app)
