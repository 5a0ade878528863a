"""The live event streams over HTTP: format, ids, replay, reset, what never appears, counts, keepalives, CORS."""
from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest
import redis
from sqlalchemy import event

from comments_service import live_store
from comments_service.extensions import db
from tests.conftest import REDIS_DB, REDIS_HOST, REDIS_PORT
from tests.helpers import approve, post_comment, publish
from tests.live_helpers import Stream

LIVE = {"LIVE_KEEPALIVE_SECONDS": 15.0, "LIVE_STREAM_SECONDS": 60.0, "LIVE_COUNTS_SECONDS": 1.0}


@pytest.fixture
def live(make_app, serve, moderator, editor):
    """An app served over HTTP (its streams), with a test client and credentials for its writes."""
    app = make_app(**LIVE)
    server = serve(app)
    parts = urlsplit(server.url)
    app.address = (parts.hostname, parts.port)
    app.client = app.test_client()
    app.moderator, app.editor = moderator, editor
    return app


def open_stream(app, path, headers=None):
    stream = Stream(app.address, path, headers)
    stream.start_id = stream.opening()
    return stream


def thread_comments(client, slug):
    return client.get(f"/api/posts/{slug}/comments").get_json()["comments"]


def test_a_stream_is_an_event_stream_that_starts_at_an_id(live):
    stream = open_stream(live, "/api/posts/hello/events")
    assert stream.status == 200
    assert stream.headers["content-type"].startswith("text/event-stream")
    assert stream.headers["x-accel-buffering"] == "no" and "no-cache" in stream.headers["cache-control"]
    assert stream.start_id == "0-0"  # nothing has happened to this post yet
    stream.close()


def test_an_approved_comment_reaches_the_post_and_site_streams_as_the_thread_and_widget_show_it(live):
    post = open_stream(live, "/api/posts/hello/events")
    site = open_stream(live, "/api/events")
    created = post_comment(live.client, "hello", body="Pending *first*", website="https://ada.example").get_json()
    assert post.quiet(0.5) == [] and site.quiet(0.1) == []  # pending: nothing
    approve(live.client, live.moderator, created["id"])
    event = post.event("comment")
    assert event.id and live_store.order(event.id) > live_store.order(post.start_id)
    assert event.json() == thread_comments(live.client, "hello")[0]
    assert event.json()["parent_id"] is None and event.json()["replies"] == []
    counts = post.event("counts")
    assert counts.json() == {"comment_count": 1, "like_count": 0}
    item = site.event("comment")
    assert item.json() == live.client.get("/api/widgets/recent-comments").get_json()["comments"][0]
    assert item.id == event.id or live_store.order(item.id) > live_store.order(event.id)
    assert site.event("counts").json() == {"post": "hello", "comment_count": 1, "like_count": 0}
    # A reply carries its parent's id.
    reply = post_comment(live.client, "hello", body="A reply", parent_id=created["id"]).get_json()
    approve(live.client, live.moderator, reply["id"])
    assert post.event("comment").json()["parent_id"] == created["id"]
    post.close()
    site.close()


def test_pending_rejected_and_spam_comments_never_appear(live):
    stream = open_stream(live, "/api/posts/hello/events")
    site = open_stream(live, "/api/events")
    for action in ("reject", "spam"):
        made = post_comment(live.client, "hello", body=f"secret {action} text", email="hidden@example.com").get_json()
        answer = live.client.post(f"/api/moderation/comments/{made['id']}/{action}", headers=live.moderator)
        assert answer.status_code == 200
    shown = post_comment(live.client, "hello", body="shown text").get_json()
    approve(live.client, live.moderator, shown["id"])
    assert stream.event("comment").json()["id"] == shown["id"]
    site.event("comment")
    # A public comment that a moderator hides is removed, by id alone.
    live.client.post(f"/api/moderation/comments/{shown['id']}/spam", headers=live.moderator)
    assert stream.event("comment-removed").json() == {"id": shown["id"]}
    assert site.event("comment-removed").json() == {"id": shown["id"]}
    time.sleep(0.3)
    for raw in (stream.raw, site.raw):
        assert b"secret" not in raw and b"hidden@example.com" not in raw and b"ip_hash" not in raw
    stream.close()
    site.close()


def test_a_comment_published_at_once_is_told_as_written_alike_the_thread_and_the_widget(make_app, serve, editor):
    app = make_app(MODERATION="post", **LIVE)
    server = urlsplit(serve(app).url)
    client = app.test_client()
    publish(client, editor, "hello", title="Hello <there>", url="https://blog.example/hello")
    where = type("A", (), {"address": (server.hostname, server.port)})
    post, site = open_stream(where, "/api/posts/hello/events"), open_stream(where, "/api/events")
    top = post_comment(client, "hello", body="Published *at once*", website="https://ada.example").get_json()
    reply = post_comment(client, "hello", body="A reply", parent_id=top["id"]).get_json()
    thread = thread_comments(client, "hello")
    widget = client.get("/api/widgets/recent-comments").get_json()["comments"]
    first, second = post.event("comment").json(), post.event("comment").json()
    assert first == {**thread[0], "replies": []} and second == thread[0]["replies"][0]
    assert second["id"] == reply["id"] and second["parent_id"] == top["id"]
    assert [site.event("comment").json(), site.event("comment").json()] == widget[::-1]
    counts = [f.json() for f in post.quiet(1.5) if f.name == "counts"]
    assert counts[-1] == {"comment_count": 2, "like_count": 0}
    post.close()
    site.close()


def test_edits_and_deletes_of_public_comments(make_app, serve, moderator):
    app = make_app(MODERATION="post", **LIVE)
    server = urlsplit(serve(app).url)
    client = app.test_client()
    stream = open_stream(type("A", (), {"address": (server.hostname, server.port)}), "/api/posts/hello/events")
    made = post_comment(client, "hello", body="first text").get_json()
    assert stream.event("comment").json()["id"] == made["id"]  # published at once
    edited = client.patch(f"/api/comments/{made['id']}", json={"body": "second text"},
                          headers={"X-Edit-Token": made["edit_token"]})
    assert edited.status_code == 200
    updated = stream.event("comment-updated").json()
    assert updated["id"] == made["id"] and "second text" in updated["body_html"] and updated["edited_at"]
    assert updated == thread_comments(client, "hello")[0]
    deleted = client.delete(f"/api/comments/{made['id']}", headers={"X-Edit-Token": made["edit_token"]})
    assert deleted.status_code == 204
    assert stream.event("comment-removed").json() == {"id": made["id"]}
    assert stream.event("counts").json()["comment_count"] == 0
    stream.close()


def test_last_event_id_replays_what_was_missed_by_header_or_query(live):
    first = open_stream(live, "/api/posts/hello/events")
    ids = []
    for i in range(3):
        made = post_comment(live.client, "hello", body=f"comment {i}").get_json()
        approve(live.client, live.moderator, made["id"])
        ids.append(made["id"])
    seen = first.event("comment")
    assert seen.json()["id"] == ids[0]
    first.close()
    for headers, path in (({"Last-Event-ID": seen.id}, "/api/posts/hello/events"),
                          ({}, f"/api/posts/hello/events?last_event_id={seen.id}")):
        again = Stream(live.address, path, headers)
        replayed = [again.event("comment").json()["id"] for _ in range(2)]
        assert replayed == ids[1:]
        # Counts are replayed once, the latest.
        assert again.event("counts").json()["comment_count"] == 3
        assert [f.name for f in again.quiet(0.3)] == []
        again.close()


def test_a_reconnect_from_too_far_back_is_told_to_reset(live):
    made = post_comment(live.client, "hello", body="one").get_json()
    approve(live.client, live.moderator, made["id"])
    stream = open_stream(live, "/api/posts/hello/events")
    assert stream.start_id != "0-0"
    old = stream.start_id
    stream.close()
    # The history is trimmed past the id the page saw (MAXLEN), and more has happened since.
    again = post_comment(live.client, "hello", body="two").get_json()
    approve(live.client, live.moderator, again["id"])
    redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB).xtrim(live_store.scope_key("hello"), maxlen=0, approximate=False)
    for last in (old, "not-an-id", "99999999999999-0"):
        told = Stream(live.address, "/api/posts/hello/events", {"Last-Event-ID": last})
        reset = told.next()
        assert reset.name == "reset" and reset.id, (last, reset)
        told.close()


def test_counts_are_coalesced_to_one_a_second_and_end_exact(live):
    publish(live.client, live.editor, "hello")
    stream = open_stream(live, "/api/posts/hello/events")
    for i in range(6):
        liked = live.client.post("/api/posts/hello/likes", headers={"X-Reader-Token": f"reader-token-{i:08d}-abcdef"})
        assert liked.status_code == 200
    counts = [f for f in stream.quiet(2.5) if f.name == "counts"]
    assert 1 <= len(counts) <= 3, counts
    assert counts[-1].json() == {"comment_count": 0, "like_count": 6}
    gaps = [b.at - a.at for a, b in zip(counts, counts[1:], strict=False)]
    assert all(gap >= 0.9 for gap in gaps), gaps
    stream.close()


def test_a_like_tells_both_counts_as_its_own_statement_returned_them_and_reads_nothing_after(live):
    publish(live.client, live.editor, "hello")
    created = post_comment(live.client, "hello", body="First").get_json()
    approve(live.client, live.moderator, created["id"])
    stream, site = open_stream(live, "/api/posts/hello/events"), open_stream(live, "/api/events")
    with live.app_context():
        engine = db.engine
    sent = []

    def note(conn, cursor, statement, *args):
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        liked = live.client.post("/api/posts/hello/likes", headers={"X-Reader-Token": "reader-token-00000001-abcdef"})
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert liked.get_json() == {"like_count": 1, "liked": True}
    assert len(sent) == 1 and sent[0].lstrip().startswith("WITH")  # the like and its counts: one statement
    assert stream.event("counts").json() == {"comment_count": 1, "like_count": 1}
    assert site.event("counts").json() == {"post": "hello", "comment_count": 1, "like_count": 1}
    # Liking again changes nothing and is told as it is read (the general way): the same counts.
    again = live.client.post("/api/posts/hello/likes", headers={"X-Reader-Token": "reader-token-00000001-abcdef"})
    assert again.get_json() == {"like_count": 1, "liked": True}
    stream.close()
    site.close()


def test_a_silent_stream_sends_a_comment_line(make_app, serve):
    app = make_app(**{**LIVE, "LIVE_KEEPALIVE_SECONDS": 0.3})
    server = urlsplit(serve(app).url)
    stream = Stream((server.hostname, server.port), "/api/events")
    stream.opening()
    frame = stream.next(timeout=2, skip_comments=False)
    assert frame.comments == ["keepalive"] and frame.name is None
    stream.close()


def test_a_stream_ends_after_its_lifetime_and_the_page_reconnects_from_its_id(make_app, serve):
    app = make_app(**{**LIVE, "LIVE_STREAM_SECONDS": 0.5})
    server = urlsplit(serve(app).url)
    stream = Stream((server.hostname, server.port), "/api/events")
    assert stream.opening()
    with pytest.raises(AssertionError, match="the stream ended"):
        stream.next(timeout=3)
    stream.close()


def test_without_redis_streams_work_within_the_process_and_health_says_so(make_app, serve, moderator):
    app = make_app(REDIS_URL=None, **LIVE)
    server = urlsplit(serve(app).url)
    client = app.test_client()
    assert client.get("/healthz").get_json()["streams"] == "process"
    stream = Stream((server.hostname, server.port), "/api/posts/hello/events")
    start = stream.opening()
    made = post_comment(client, "hello").get_json()
    approve(client, moderator, made["id"])
    event = stream.event("comment")
    assert event.json()["id"] == made["id"]
    stream.close()
    replay = Stream((server.hostname, server.port), "/api/posts/hello/events", {"Last-Event-ID": start})
    assert replay.event("comment").id == event.id
    replay.close()


def test_health_says_streams_are_shared_through_redis(client):
    assert client.get("/healthz").get_json()["streams"] == "shared"


def test_cors_as_for_the_other_public_reads(make_app, serve):
    app = make_app(CORS_ORIGINS=["https://blog.example"], **LIVE)
    server = urlsplit(serve(app).url)
    allowed = Stream((server.hostname, server.port), "/api/events", {"Origin": "https://blog.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://blog.example"
    assert "origin" in allowed.headers["vary"].lower()
    allowed.close()
    other = Stream((server.hostname, server.port), "/api/events", {"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
    other.close()


@pytest.mark.parametrize("path", ["/api/posts/bad%20slug/events", "/api/posts/" + "a" * 201 + "/events"])
def test_a_slug_that_names_no_post_is_a_json_404(client, path):
    answer = client.get(path)
    assert answer.status_code == 404 and answer.get_json()["error"]["code"]


def test_one_stream_per_page_carries_the_post_and_the_site_events(live):
    stream = open_stream(live, "/api/posts/hello/events?site=1")
    elsewhere = post_comment(live.client, "other", body="on another post").get_json()
    approve(live.client, live.moderator, elsewhere["id"])
    assert stream.event("site-comment").json()["post"]["slug"] == "other"
    here = post_comment(live.client, "hello", body="on this post").get_json()
    approve(live.client, live.moderator, here["id"])
    assert stream.event("comment").json()["id"] == here["id"]
    assert stream.event("site-comment").json()["id"] == here["id"]
    stream.close()
    # Replayed from one id, both scopes come back in order.
    again = Stream(live.address, f"/api/posts/hello/events?site=1&last_event_id={stream.start_id}")
    replayed = [frame.name for frame in again.quiet(1.0)]
    assert replayed.count("site-comment") == 2 and replayed.count("comment") == 1
    assert replayed.count("counts") == 1 and replayed.count("site-counts") == 1
    again.close()
