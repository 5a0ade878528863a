"""Atom feeds of approved comments, for feed readers."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from .. import feeds

bp = Blueprint("feeds", __name__)

ATOM_TYPE = "application/atom+xml; charset=utf-8"


def _base_url() -> str:
    # PUBLIC_URL names the service behind a proxy; otherwise trust the request.
    return current_app.config["PUBLIC_URL"] or request.url_root


@bp.get("/feeds/comments.atom")
def site_comments() -> Response:
    """Serve the feed of the newest approved comments on every post."""
    return Response(feeds.site_feed(_base_url()), content_type=ATOM_TYPE)


@bp.get("/feeds/posts/<slug>/comments.atom")
def post_comments(slug: str) -> Response:
    """Serve the feed of the newest approved comments on one post."""
    return Response(feeds.post_feed(slug, _base_url()), content_type=ATOM_TYPE)
