"""The widget script is served cacheably, and CORS admits only the listed blogs."""
from __future__ import annotations

import pytest

from tests.helpers import approved_comment

BLOG = "https://blog.example"


@pytest.fixture
def cors_client(make_app):
    return make_app(CORS_ORIGINS=[BLOG]).test_client()


def test_embed_js_is_cacheable_and_revalidates(client):
    response = client.get("/embed.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert "max-age=300" in response.headers["Cache-Control"] and "public" in response.headers["Cache-Control"]
    etag = response.headers["ETag"]
    assert b"data-widget" in response.data
    again = client.get("/embed.js", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""


def test_embed_js_inserts_text_as_text():
    from pathlib import Path

    source = (Path(__file__).resolve().parent.parent / "comments_service/web/static/embed.js").read_text()
    # body_html (sanitized by the service) is the only thing ever given to innerHTML: a comment's, and the
    # preview's (POST /api/preview, the same sanitizer).
    assert source.count("innerHTML") == 2 and "body.innerHTML = c.body_html" in source
    assert "box.innerHTML = res.data.body_html" in source
    assert "insertAdjacentHTML" not in source and "document.write" not in source and "eval(" not in source


def test_preflight_from_listed_origin(cors_client):
    response = cors_client.options(
        "/api/posts/p/comments",
        headers={"Origin": BLOG, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type, x-reader-token, x-edit-token"},
    )
    assert response.status_code == 204 and response.data == b"" and "Content-Type" not in response.headers
    assert response.headers["Access-Control-Allow-Origin"] == BLOG
    assert "Origin" in response.vary
    allowed = response.headers["Access-Control-Allow-Headers"].lower()
    assert {"content-type", "x-reader-token", "x-edit-token"} <= {h.strip() for h in allowed.split(",")}
    assert "POST" in response.headers["Access-Control-Allow-Methods"]


def test_simple_request_from_listed_origin_exposes_retry_after(cors_client, moderator):
    response = cors_client.get("/api/counts?post=p", headers={"Origin": BLOG})
    assert response.headers["Access-Control-Allow-Origin"] == BLOG
    assert "Retry-After" in response.headers["Access-Control-Expose-Headers"]


@pytest.mark.parametrize("origin", ["https://evil.example", "https://blog.example.evil.example", "null"])
def test_other_origins_get_no_cors_headers(cors_client, origin):
    for response in (
        cors_client.get("/api/counts?post=p", headers={"Origin": origin}),
        cors_client.options("/api/counts", headers={"Origin": origin, "Access-Control-Request-Method": "GET"}),
    ):
        assert "Access-Control-Allow-Origin" not in response.headers


def test_no_cors_headers_without_an_origin_header(cors_client):
    # Only browsers ask; a server-side fetch gets the same body and no CORS headers.
    for response in (cors_client.get("/api/counts?post=p"), cors_client.post("/api/posts/p/comments", json={})):
        assert not [name for name in response.headers.keys() if name.startswith("Access-Control")]
    with_origin = cors_client.get("/api/counts?post=p", headers={"Origin": BLOG})
    assert with_origin.get_data() == cors_client.get("/api/counts?post=p").get_data()
    assert with_origin.headers["Access-Control-Allow-Origin"] == BLOG


def test_no_cors_without_configured_origins(client):
    response = client.get("/api/counts?post=p", headers={"Origin": BLOG})
    assert "Access-Control-Allow-Origin" not in response.headers


ORIGINS = [{"Origin": BLOG}, {"Origin": "https://evil.example"}, {"Origin": "null"}, {}]


@pytest.mark.parametrize("headers", ORIGINS)
@pytest.mark.parametrize("path", ["/api/counts?post=p", "/api/posts/p", "/api/posts/p/comments", "/api/widgets/popular-tags",
                                  "/api/no-such-thing", "/api/comments/99999999999999999999"])
def test_every_api_answer_varies_with_origin(cors_client, path, headers):
    # A shared cache must not give one blog's answer (with its Allow-Origin) to another page, or to no page.
    for _ in range(2):  # the second read may come from the cache, with the same headers
        response = cors_client.get(path, headers=headers)
        assert "Origin" in response.vary, (path, headers, response.status_code)


def test_error_and_write_answers_vary_with_origin(cors_client):
    for response in (
        cors_client.post("/api/posts/p/comments", json={}, headers={"Origin": BLOG}),
        cors_client.post("/api/posts/p/comments", data="x", content_type="text/plain"),
        cors_client.delete("/api/counts"),
    ):
        assert response.status_code >= 400 and "Origin" in response.vary


@pytest.mark.parametrize("origins", [[BLOG], [BLOG, "https://other.example"]])
def test_a_listed_page_can_read_error_answers(make_app, origins):
    client = make_app(CORS_ORIGINS=origins).test_client()
    for response in (
        client.post("/api/posts/p/comments", json={}, headers={"Origin": BLOG}),  # 422
        client.get("/api/posts/no-such-post", headers={"Origin": BLOG}),  # 404
        client.get("/api/no-such-thing", headers={"Origin": BLOG}),  # 404 outside every route
        client.post("/api/posts/p/comments", data="x", content_type="text/plain", headers={"Origin": BLOG}),  # 415
    ):
        assert response.status_code >= 400 and response.is_json
        assert response.headers["Access-Control-Allow-Origin"] == BLOG
        assert response.headers.getlist("Vary") == ["Origin"], response.headers.getlist("Vary")


def test_pages_outside_the_api_are_not_marked(cors_client):
    assert "Origin" not in cors_client.get("/embed.js").vary


@pytest.mark.parametrize("headers", [
    {}, {"Origin": BLOG}, {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    {"Origin": BLOG, "Access-Control-Request-Method": "PATCH", "Access-Control-Request-Headers": "x-edit-token"},
])
@pytest.mark.parametrize("path", ["/api/counts", "/api/posts/p/comments", "/api/comments/1", "/api/posts/p/likes"])
def test_options_answers_no_content_never_html(cors_client, path, headers):
    response = cors_client.options(path, headers=headers)
    assert response.status_code == 204, (path, headers, response.status_code)
    assert response.data == b"" and response.mimetype != "text/html"
    assert response.headers["Allow"] and "Origin" in response.vary
    assert ("Access-Control-Allow-Origin" in response.headers) == (headers.get("Origin") == BLOG)


def test_options_of_an_unknown_api_path_is_a_json_404(cors_client):
    response = cors_client.options("/api/no-such-thing", headers={"Origin": BLOG})
    assert response.status_code == 404 and response.is_json


def test_edit_answer_says_whether_it_waits(client, moderator):
    created = approved_comment(client, moderator, "p")
    response = client.patch(f"/api/comments/{created['id']}", json={"body": "edited"}, headers={"X-Edit-Token": created["edit_token"]})
    assert response.get_json()["status"] == "pending"


def test_demo_page_embeds_the_snippet(client):
    page = client.get("/demo").get_data(as_text=True)
    for widget in ("comments", "like", "recent-comments", "popular-tags", "recent-posts"):
        assert f'data-widget="{widget}"' in page
    assert 'src="http://localhost/embed.js" data-api="http://localhost"' in page
    assert "Do you like" not in page  # the like widget writes its own question
    assert client.get("/").headers["Location"].endswith("/demo")
