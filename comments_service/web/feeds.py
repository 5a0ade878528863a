"""Atom feeds of approved comments, for feed readers."""
from __future__ import annotations

from flask import Blueprint, Response

from .. import feeds

bp = Blueprint("feeds", __name__)

ATOM_TYPE = "application/atom+xml; charset=utf-8"


@bp.get("/feeds/comments.atom")
def site_comments() -> Response:
    """Serve the feed of the newest approved comments on every post."""
    return Response(feeds.site_feed(), content_type=ATOM_TYPE)


@bp.get("/feeds/posts/<slug>/comments.atom")
def post_comments(slug: str) -> Response:
    """Serve the feed of the newest approved comments on one post."""
    return Response(feeds.post_feed(slug), content_type=ATOM_TYPE)
