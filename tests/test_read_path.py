"""The shortcuts of the hot read path change nothing a client can see."""
from __future__ import annotations

from flask import request, session

from comments_service.api.blueprint import QueryMemoParser
from comments_service.schemas.widgets import RecentPostsArgsSchema
from comments_service.web.security import SessionInterface


def test_remembered_query_strings_give_the_same_answers_and_errors(client):
    for _ in range(3):
        assert client.get("/api/widgets/recent-posts?limit=2").status_code == 200
        bad = client.get("/api/widgets/recent-posts?limit=0")
        assert bad.status_code == 422 and "limit" in bad.get_json()["error"]["fields"]


def test_parsed_arguments_are_a_fresh_copy_each_time(app):
    parser, schema = QueryMemoParser(), RecentPostsArgsSchema()
    with app.test_request_context("/api/widgets/recent-posts?limit=3"):
        first = parser.parse(schema, location="query")
        first["limit"] = 99  # a view changing its arguments
        assert parser.parse(schema, location="query") == {"limit": 3}
    with app.test_request_context("/api/widgets/recent-posts"):
        assert parser.parse(schema, location="query") == {"limit": 5}


def test_sessions_still_round_trip(make_app):
    app = make_app(SESSION_COOKIE_PATH="/")
    assert isinstance(app.session_interface, SessionInterface)
    with app.test_request_context("/"):
        empty = app.session_interface.open_session(app, request)
        assert dict(empty) == {} and not empty.modified

    @app.get("/__test_session_write")
    def write():
        session["who"] = "moderator"
        return "ok"

    @app.get("/__test_session_read")
    def read():
        return session.get("who", "nobody")

    client = app.test_client()
    assert client.get("/__test_session_read").get_data(as_text=True) == "nobody"
    assert "session=" in client.get("/__test_session_write").headers["Set-Cookie"]
    assert client.get("/__test_session_read").get_data(as_text=True) == "moderator"
    client.set_cookie("session", "forged.value.sig")
    assert client.get("/__test_session_read").get_data(as_text=True) == "nobody"


def test_reads_skip_the_rate_limiter_while_writes_keep_their_limit(make_app):
    client = make_app(RATELIMIT_ENABLED=True, RATELIMIT_LIKES="1 per minute", AUTO_CREATE_POSTS_FOR_LIKES=True).test_client()
    for _ in range(5):
        read = client.get("/api/widgets/recent-posts")
        assert read.status_code == 200 and "X-RateLimit-Limit" not in read.headers
    token = {"X-Reader-Token": "reader-token-0123456789"}
    first = client.post("/api/posts/p/likes", headers=token)
    assert first.status_code == 200 and first.headers["X-RateLimit-Limit"] == "1"
    assert client.post("/api/posts/p/likes", headers=token).status_code == 429
    assert client.get("/api/posts/p").status_code == 200
