"""Pages and files outside the JSON API: health, feeds, the widget script and demo, the desk, mail links' pages."""
from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Register the web blueprints (the moderation desk brings its session and filters)."""
    from . import desk_community, desk_jobs, desk_live, embed, feeds, moderate, notify, ops, sign_in

    assert desk_jobs.bp is moderate.bp is desk_community.bp is desk_live.bp  # the Jobs tab, community views, stream

    app.register_blueprint(ops.bp)
    app.register_blueprint(embed.bp)
    app.register_blueprint(feeds.bp)
    app.register_blueprint(notify.bp)
    app.register_blueprint(sign_in.bp)
    moderate.init_app(app)
