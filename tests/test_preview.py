"""POST /api/preview: the form's Markdown preview, through the same renderer and sanitizer as a posted comment."""
from __future__ import annotations

from comments_service.extensions import db
from comments_service.models import Comment

HOSTILE = ("**Bold** <script>alert(1)</script> <img src=x onerror=alert(2)> [x](javascript:alert(3)) "
           "<a href=\"https://example.org\" style=\"color:red\" onclick=\"alert(4)\">site</a>")


def test_preview_is_what_the_posted_comment_shows(make_app):
    client = make_app(MODERATION="post").test_client()
    shown = client.post("/api/preview", json={"body": HOSTILE})
    assert shown.status_code == 200
    html = shown.get_json()["body_html"]
    assert "<strong>Bold</strong>" in html
    for bad in ("<script", "<img", "onerror", 'href="javascript:', "onclick", "style="):
        assert bad not in html
    assert 'rel="nofollow ugc noopener"' in html
    posted = client.post("/api/posts/p/comments", json={"author": "Ann", "body": HOSTILE}).get_json()
    assert posted["body_html"] == html


def test_preview_stores_nothing(client, app):
    assert client.post("/api/preview", json={"body": "just looking"}).status_code == 200
    with app.app_context():
        assert db.session.query(Comment).count() == 0


def test_bad_bodies_are_clear_errors(client):
    for body, status, code in [
        ({"body": ""}, 422, "validation_error"),
        ({"body": "   "}, 422, "validation_error"),
        ({"body": "x" * 10001}, 422, "validation_error"),
        ({"body": "<img src=x onerror=alert(1)>"}, 422, "validation_error"),
        ({}, 422, "validation_error"),
        ({"body": 5}, 422, "validation_error"),
    ]:
        response = client.post("/api/preview", json=body)
        assert response.status_code == status, (body, response.data)
        assert response.get_json()["error"]["code"] == code
    assert client.post("/api/preview", data="{", content_type="application/json").status_code == 400
    assert client.post("/api/preview", data="body=x", content_type="text/plain").status_code == 415
    assert client.get("/api/preview").status_code == 405


def test_previews_are_rate_limited(make_app):
    client = make_app(RATELIMIT_ENABLED=True, RATELIMIT_PREVIEWS="2 per minute").test_client()
    assert [client.post("/api/preview", json={"body": "hi"}).status_code for _ in range(2)] == [200, 200]
    refused = client.post("/api/preview", json={"body": "hi"})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert refused.get_json()["error"]["code"]


def test_preview_is_in_openapi(client):
    operation = client.get("/api/openapi.json").get_json()["paths"]["/api/preview"]["post"]
    assert {"200", "422", "429"} <= set(operation["responses"])
