"""Live events across processes: two gunicorn services (gunicorn.conf.py, gevent workers) sharing PostgreSQL and Redis.

A comment written through one reaches the streams open on the other; a stream
through nginx (deploy/nginx/comments.conf) arrives event by event; a stopping
server ends its streams at once, and a reconnect from the last id misses nothing.
"""
from __future__ import annotations

import time

import pytest

from tests.faults import Gunicorn, request
from tests.live_helpers import Stream
from tests.nginx import Nginx
from tests.test_faults import service_env

LIVE = {"LIVE_KEEPALIVE_SECONDS": "2", "LIVE_STREAM_SECONDS": "120"}


@pytest.fixture(scope="module")
def fleet(database_url):
    servers = [Gunicorn(service_env(database_url, **LIVE), workers=1) for _ in range(2)]
    yield servers
    for server in servers:
        server.stop()


def post(address, slug, body):
    made = request(address, "POST", f"/api/posts/{slug}/comments", {"author": "Ada", "body": body})
    assert made.status == 201 and made.body["status"] == "approved", made
    return made.body


def started(address, path, headers=None):
    stream = Stream(address, path, headers)
    assert stream.status == 200, stream.status
    stream.start_id = stream.opening()
    return stream


def test_a_comment_written_through_one_process_reaches_the_streams_of_the_other(fleet):
    one, two = fleet
    streams = [started(one.address, "/api/posts/fleet/events"), started(two.address, "/api/posts/fleet/events"),
               started(one.address, "/api/events")]
    made = post(two.address, "fleet", "across processes")
    for stream in streams:
        event = stream.event("comment", timeout=5)
        assert event.json()["id"] == made["id"]
    ids = {stream.raw.split(b"event: comment\n")[0].rsplit(b"id: ", 1)[1].split(b"\n")[0] for stream in streams[:2]}
    assert len(ids) == 1, "every process tells the same event by the same id"
    made = post(one.address, "fleet", "and back")
    assert streams[1].event("comment").json()["id"] == made["id"]
    for stream in streams:
        stream.close()


def test_through_nginx_each_event_arrives_while_the_stream_stays_open(fleet):
    one, two = fleet
    proxy = Nginx(f"127.0.0.1:{one.port}")
    try:
        stream = started(proxy.address, "/api/posts/proxied/events")
        assert stream.headers["x-accel-buffering"] == "no"
        made = post(two.address, "proxied", "through nginx")
        assert stream.event("comment", timeout=5).json()["id"] == made["id"]
        # The keepalive line comes through too, not held in a buffer.
        frame = stream.next(timeout=5, skip_comments=False)
        assert frame.comments == ["keepalive"] or frame.name == "counts"
        stream.close()
    finally:
        proxy.stop()


def test_a_server_restarted_mid_stream_resumes_from_the_last_id_without_losing_an_event(database_url, fleet):
    other = fleet[1]
    restarted = Gunicorn(service_env(database_url, **LIVE), workers=1)
    stream = started(restarted.address, "/api/posts/restart/events")
    first = post(other.address, "restart", "before the restart")
    seen = stream.event("comment")
    assert seen.json()["id"] == first["id"]
    began = time.monotonic()
    restarted.stop()
    assert time.monotonic() - began < 10, "a stopping worker ends its streams instead of waiting for them"
    assert stream.ends_within(5)
    missed = post(other.address, "restart", "while it was down")
    again = Gunicorn(service_env(database_url, **LIVE), workers=1)
    try:
        resumed = Stream(again.address, "/api/posts/restart/events", {"Last-Event-ID": seen.id})
        assert resumed.event("comment").json()["id"] == missed["id"]
        resumed.close()
    finally:
        again.stop()
