"""The desk's live stream over HTTP: only for a desk session, what it carries, what readers' streams never see, cost."""
from __future__ import annotations

import http.client
import re
import threading
import time
from urllib.parse import urlencode, urlsplit

import pytest
import redis

from comments_service import live, users
from comments_service.models import Role
from tests.conftest import REDIS_DB, REDIS_HOST, REDIS_PORT
from tests.faults import Gunicorn, request
from tests.helpers import approve, desk_csrf, desk_login, post_comment
from tests.live_helpers import Stream
from tests.test_faults import service_env

LIVE = {"LIVE_KEEPALIVE_SECONDS": 15.0, "LIVE_STREAM_SECONDS": 60.0, "LIVE_COUNTS_SECONDS": 1.0}
PASSWORD = "correct horse battery staple"
SECRET = "secret pending words"
EMAIL = "hidden@example.com"
EVENT_KEYS = {"id", "post", "status", "reported"}


@pytest.fixture
def served(make_app, serve):
    """Two apps on one database and one Redis, as two web processes: one serves the streams, the other is written to."""
    reader_side = make_app(**LIVE)
    server = urlsplit(serve(reader_side).url)
    reader_side.address = (server.hostname, server.port)
    writer = make_app(**LIVE).test_client()
    with reader_side.app_context():
        users.create_user("mia", PASSWORD, Role.MODERATOR)
    return reader_side, writer


def desk_cookie(app):
    client = app.test_client()
    assert desk_login(client, "mia", PASSWORD).status_code == 303
    return f"session={client.get_cookie('session', path='/moderate').value}"


def opened(address, path, headers=None):
    stream = Stream(address, path, headers)
    stream.start_id = stream.opening()
    return stream


def test_the_desk_stream_is_refused_without_a_desk_session(served):
    app, _ = served
    for headers in ({}, {"Cookie": "session=forged"}):
        refused = Stream(app.address, "/moderate/events", headers)
        assert refused.status == 303, headers  # as every desk page: to the login form, nothing streamed
        assert refused.headers["location"].startswith("/moderate/login?next=/moderate/events")
        assert not refused.headers.get("content-type", "").startswith("text/event-stream")
        refused.close()
    # A session that was ended (logout) is refused as well.
    client = app.test_client()
    desk_login(client, "mia", PASSWORD)
    cookie = f"session={client.get_cookie('session', path='/moderate').value}"
    client.post("/moderate/logout", data={"csrf_token": desk_csrf(client, "/moderate")})
    ended = Stream(app.address, "/moderate/events", {"Cookie": cookie})
    assert ended.status == 303
    ended.close()
    # The desk's scope is no slug: no reader's route can name it.
    assert app.test_client().get(f"/api/posts/{live.DESK}/events").status_code == 404


def test_a_pending_comment_reaches_the_open_desks_and_no_reader(served):
    app, writer = served
    cookie = desk_cookie(app)
    desks = [opened(app.address, "/moderate/events", {"Cookie": cookie}) for _ in range(2)]
    assert desks[0].status == 200 and desks[0].headers["content-type"].startswith("text/event-stream")
    assert "no-store" in desks[0].headers["cache-control"] and desks[0].headers["x-accel-buffering"] == "no"
    assert "connect-src 'self'" in desks[0].headers["content-security-policy"]
    post, site = opened(app.address, "/api/posts/hello/events"), opened(app.address, "/api/events")
    both = opened(app.address, "/api/posts/hello/events?site=1")

    posted_at = time.monotonic()
    made = post_comment(writer, "hello", body=SECRET, email=EMAIL).get_json()
    assert made["status"] == "pending"
    for desk in desks:
        event = desk.event("queued", timeout=2)
        assert event.at - posted_at < 1.0
        assert event.json() == {"id": made["id"], "post": "hello", "status": "pending", "reported": False}
        assert event.id and event.id != desk.start_id
    for reader in (post, site, both):
        assert reader.quiet(0.5) == []
    for raw in (desks[0].raw, post.raw, site.raw, both.raw):
        assert SECRET.encode() not in raw and EMAIL.encode() not in raw
    for stream in (*desks, post, site, both):
        stream.close()


def test_a_public_event_carries_nothing_of_the_queue_and_the_desk_hears_of_the_move(served, moderator):
    app, writer = served
    desk = opened(app.address, "/moderate/events", {"Cookie": desk_cookie(app)})
    post, site = opened(app.address, "/api/posts/hello/events"), opened(app.address, "/api/events")
    waiting = post_comment(writer, "hello", body=SECRET, email=EMAIL).get_json()
    shown = post_comment(writer, "hello", body="public words").get_json()
    queued = [desk.event("queued").json() for _ in range(2)]
    assert [e["id"] for e in queued] == [waiting["id"], shown["id"]] and all(set(e) == EVENT_KEYS for e in queued)
    approve(writer, moderator, shown["id"])
    # The desk: where the approved comment went, and nothing else.
    assert desk.event("queued").json() == {"id": shown["id"], "post": "hello", "status": "approved",
                                           "reported": False}
    # Readers: the public comment and counts, no word of the pending one, no desk event.
    assert post.event("comment").json()["id"] == shown["id"]
    assert site.event("comment").json()["id"] == shown["id"]
    assert post.event("counts").json() == {"comment_count": 1, "like_count": 0}
    time.sleep(0.3)
    for raw in (post.raw, site.raw):
        assert b"queued" not in raw and SECRET.encode() not in raw and EMAIL.encode() not in raw
        assert f'"id":{waiting["id"]}'.encode() not in raw
    for stream in (desk, post, site):
        stream.close()


def test_reports_and_moves_tell_the_desk_where_a_comment_went(make_app, serve, moderator):
    app = make_app(MODERATION="post", REPORTS_TO_HOLD=2, **LIVE)
    server = urlsplit(serve(app).url)
    with app.app_context():
        users.create_user("mia", PASSWORD, Role.MODERATOR)
    address, client = (server.hostname, server.port), app.test_client()
    desk = opened(address, "/moderate/events", {"Cookie": desk_cookie(app)})
    post = opened(address, "/api/posts/hello/events")
    made = post_comment(client, "hello", body="published at once").get_json()
    assert desk.event("queued").json()["status"] == "approved"
    for n, reader in enumerate(("reader-token-aaaaaaaaaaaa", "reader-token-bbbbbbbbbbbb"), start=1):
        answer = client.post(f"/api/comments/{made['id']}/reports", json={"reason": "spam", "note": "private note"},
                             headers={"X-Reader-Token": reader})
        assert answer.status_code == 201
        # Listed as reported; the second report holds it for moderation (the Pending tab too).
        assert desk.event("queued").json() == {"id": made["id"], "post": "hello",
                                               "status": "approved" if n == 1 else "pending", "reported": True}
    assert post.event("comment-removed").json() == {"id": made["id"]}
    answer = client.post(f"/api/moderation/comments/{made['id']}/reject", headers=moderator)
    assert answer.status_code == 200
    assert desk.event("queued").json()["status"] == "rejected"
    assert b"private note" not in desk.raw and b"private note" not in post.raw and b"queued" not in post.raw
    desk.close()
    post.close()


def test_a_desk_that_reconnects_gets_what_it_missed(served):
    app, writer = served
    cookie = desk_cookie(app)
    desk = opened(app.address, "/moderate/events", {"Cookie": cookie})
    start = desk.start_id
    desk.close()
    made = post_comment(writer, "hello", body="while the tab was hidden").get_json()
    again = Stream(app.address, f"/moderate/events?last_event_id={start}", {"Cookie": cookie})
    replayed = again.event("queued")
    assert replayed.json()["id"] == made["id"] and replayed.id != start
    again.close()
    # The page itself says where the stream stood as it was read.
    page = app.test_client()
    desk_login(page, "mia", PASSWORD)
    html = page.get("/moderate").get_data(as_text=True)
    with app.app_context():
        assert f'data-since="{live.desk_since()}"' in html and 'data-desk-live="/moderate/events"' in html
    assert "data-desk-live" not in page.get("/moderate?q=words").get_data(as_text=True)  # search results: no stream


def test_without_redis_the_desk_hears_within_the_process(make_app, serve):
    app = make_app(REDIS_URL=None, **LIVE)
    server = urlsplit(serve(app).url)
    with app.app_context():
        users.create_user("mia", PASSWORD, Role.MODERATOR)
    desk = opened((server.hostname, server.port), "/moderate/events", {"Cookie": desk_cookie(app)})
    made = post_comment(app.test_client(), "hello").get_json()
    assert desk.event("queued").json()["id"] == made["id"]
    desk.close()


def http_desk_login(address):
    """Log in to the desk over HTTP, as a browser does (the form's CSRF token, its cookie); return the new cookie."""
    def send(method, path, body=None, headers=None):
        conn = http.client.HTTPConnection(*address, timeout=10)
        conn.request(method, path, body=body, headers=headers or {})
        answer = conn.getresponse()
        page, cookie = answer.read().decode(), (answer.getheader("Set-Cookie") or "").split(";")[0]
        conn.close()
        return answer.status, page, cookie
    _, page, cookie = send("GET", "/moderate/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = urlencode({"username": "mia", "password": PASSWORD, "csrf_token": token})
    status, _, cookie = send("POST", "/moderate/login", form,
                             {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    assert status == 303 and cookie.startswith("session=")
    return cookie


def test_across_gunicorn_services_a_comment_posted_on_one_reaches_the_desk_on_the_other(app, database_url):
    with app.app_context():
        users.create_user("mia", PASSWORD, Role.MODERATOR)
    env = service_env(database_url, MODERATION="pre", LIVE_KEEPALIVE_SECONDS="2", LIVE_STREAM_SECONDS="120")
    one, two = Gunicorn(env, workers=1), Gunicorn(env, workers=1)
    try:
        desk = opened(two.address, "/moderate/events", {"Cookie": http_desk_login(two.address)})
        reader = opened(two.address, "/api/posts/fleet/events?site=1")
        posted_at = time.monotonic()
        made = request(one.address, "POST", "/api/posts/fleet/comments", {"author": "Ada", "body": SECRET})
        assert made.status == 201 and made.body["status"] == "pending"
        event = desk.event("queued", timeout=2)
        assert event.at - posted_at < 1.0
        assert event.json() == {"id": made.body["id"], "post": "fleet", "status": "pending", "reported": False}
        assert reader.quiet(0.5) == [] and SECRET.encode() not in desk.raw
        desk.close()
        reader.close()
    finally:
        one.stop()
        two.stop()


class RedisCommands:
    """The commands Redis runs for one database, as MONITOR shows them, while a block runs."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []
        self.ready, self.stop = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        with redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB).monitor() as monitor:
            self.ready.set()
            for command in monitor.listen():
                if self.stop.is_set():
                    return
                if command["db"] == REDIS_DB:
                    self.seen.append((command["client_type"], command["command"].split()[0].upper()))

    def __enter__(self) -> RedisCommands:
        self.thread.start()
        assert self.ready.wait(5)
        time.sleep(0.1)
        return self

    def __exit__(self, *exc: object) -> None:
        time.sleep(0.2)
        self.stop.set()
        redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB).ping()  # wakes the monitor to see the stop
        self.thread.join(5)

    def sent(self) -> list[str]:
        # What clients sent (a script's own commands left out), less the streams' readers (other apps' hubs).
        return [name for kind, name in self.seen if kind != "lua" and name not in ("XREAD", "XREVRANGE", "PING")]


def test_posting_a_pending_comment_runs_no_more_sql_and_one_redis_command(client, count_queries):
    post_comment(client, "hello")  # the post exists
    counter = count_queries()
    with RedisCommands() as commands:
        assert post_comment(client, "hello").get_json()["status"] == "pending"
    # The post, parent and checks in one statement, then the INSERT: the desk's event reads nothing.
    assert [s.split()[0] for s in counter.statements] == ["SELECT", "INSERT"]
    # One round trip: the live store's script, by its digest (no SCRIPT EXISTS first), the desk's event.
    assert commands.sent() == ["EVALSHA"]
