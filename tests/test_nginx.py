"""deploy/nginx/comments.conf in front of gunicorn: forwarded headers, refusals in JSON, unbuffered event streams.

nginx runs the site file itself (tests/nginx.py); gunicorn runs gunicorn.conf.py
with TRUSTED_PROXIES=1, as deploy/env.example sets it.
"""
from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from comments_service import auth
from comments_service.extensions import db
from comments_service.models import Comment
from tests.faults import Gunicorn, request
from tests.nginx import Nginx
from tests.servers import free_port
from tests.test_faults import service_env

SECRET = "nginx-test-secret-key-0123456789-abcdefghij"


@pytest.fixture(scope="module")
def service(database_url):
    server = Gunicorn(service_env(database_url, TRUSTED_PROXIES="1", SECRET_KEY=SECRET, TRUSTED_HOSTS="comments.example,127.0.0.1"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def proxy(service):
    nginx = Nginx(f"127.0.0.1:{service.port}")
    yield nginx
    nginx.stop()


def raw(address: tuple[str, int], data: bytes, timeout: float = 10) -> tuple[int, dict[str, str], bytes]:
    """Send bytes as they are, read until the server closes; return status, headers and body."""
    with socket.create_connection(address, timeout=timeout) as sock:
        sock.sendall(data)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, body


def test_the_service_sees_the_address_nginx_saw_whatever_the_client_forwards(service, proxy, make_app):
    forged = [None, "203.0.113.7", "203.0.113.7, 198.51.100.9", "not-an-address", "", "127.0.0.2,127.0.0.3", "::1"]
    for i, value in enumerate(forged):
        headers = {} if value is None else {"X-Forwarded-For": value}
        made = request(proxy.address, "POST", "/api/posts/fwd/comments", {"author": "a", "body": f"via nginx {i}"}, headers)
        assert made.status == 201, made
    # The contrast: gunicorn reached directly believes the same forged header, which is
    # why it listens on loopback only and TRUSTED_PROXIES counts nginx alone.
    made = request(service.address, "POST", "/api/posts/fwd/comments", {"author": "a", "body": "direct"},
                   {"X-Forwarded-For": "203.0.113.7"})
    assert made.status == 201
    with make_app(SECRET_KEY=SECRET).app_context():
        stored = {c.body_source: c.ip_hash for c in db.session.scalars(select(Comment))}
        assert {stored[f"via nginx {i}"] for i in range(len(forged))} == {auth.ip_hash("127.0.0.1")}
        assert stored["direct"] == auth.ip_hash("203.0.113.7")


@pytest.mark.parametrize("forged", [
    {},
    {"X-Forwarded-Proto": "https"},
    {"X-Forwarded-Host": "evil.example"},
    {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example, comments.example"},
    {"X-Forwarded-Ssl": "on"},            # gunicorn's default scheme headers would refuse these two with HTML 400s
    {"X-Forwarded-Protocol": "ssl"},
], ids=["none", "proto", "host", "proto-and-hosts", "forwarded-ssl", "forwarded-protocol"])
def test_scheme_and_host_come_from_nginx_never_from_the_client(proxy, forged):
    feed = request(proxy.address, "GET", "/feeds/comments.atom", headers={"Host": "comments.example", **forged})
    assert feed.status == 200, feed
    assert b'"http://comments.example/feeds/comments.atom"' in feed.body
    assert b"evil.example" not in feed.body and b"https://" not in feed.body


BIG = 64 * 1024
MALFORMED = {
    "request line too long for nginx": b"GET /api/posts/" + b"a" * 9000 + b" HTTP/1.1\r\nHost: c\r\n\r\n",
    "request line nginx passes on": b"GET /api/posts/" + b"a" * 6000 + b"/comments HTTP/1.1\r\nHost: c\r\n\r\n",
    "header too large for nginx": b"GET /api/posts/p HTTP/1.1\r\nHost: c\r\nX-Pad: " + b"a" * 9000 + b"\r\n\r\n",
    "header nginx passes on": b"GET /api/posts/p HTTP/1.1\r\nHost: c\r\nX-Pad: " + b"a" * 7000 + b"\r\n\r\n",
    "150 headers": b"GET /api/posts/p HTTP/1.1\r\nHost: c\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(150)) + b"\r\n",
    "forwarded-for that nginx lengthens": b"GET /api/posts/p HTTP/1.1\r\nHost: c\r\nX-Forwarded-For: " + b"1" * 8170 + b"\r\n\r\n",
    "body over 64 KiB": b"POST /api/posts/p/comments HTTP/1.1\r\nHost: c\r\nContent-Type: application/json\r\n"
                        b"Content-Length: %d\r\n\r\n" % (BIG + 1) + b" " * (BIG + 1),
    "chunked body over 64 KiB": b"POST /api/posts/p/comments HTTP/1.1\r\nHost: c\r\nContent-Type: application/json\r\n"
                                b"Transfer-Encoding: chunked\r\n\r\n" + (b"8000\r\n" + b" " * 0x8000 + b"\r\n") * 3 + b"0\r\n\r\n",
    "body of exactly 64 KiB": b"POST /api/posts/p/comments HTTP/1.1\r\nHost: c\r\nContent-Type: application/json\r\n"
                              b"Content-Length: %d\r\n\r\n" % BIG + b" " * BIG,
    "not HTTP": b"HELLO\r\n\r\n",
    "bad content length": b"POST /api/posts/p/comments HTTP/1.1\r\nHost: c\r\nContent-Length: ten\r\n\r\n",
    "two content lengths": b"POST /api/posts/p/comments HTTP/1.1\r\nHost: c\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
}


@pytest.mark.parametrize("name", list(MALFORMED))
def test_bad_requests_get_a_json_error_never_html_or_5xx(proxy, name):
    data = MALFORMED[name].replace(b"HTTP/1.1\r\nHost: c\r\n", b"HTTP/1.1\r\nHost: c\r\nConnection: close\r\n", 1)
    status, headers, body = raw(proxy.address, data)
    assert 400 <= status < 500, (status, body[:200])
    assert headers.get("content-type", "").startswith("application/json"), (status, headers, body[:200])
    error = json.loads(body)["error"]
    assert error["code"] and error["message"]


@pytest.fixture
def dead_upstream():
    nginx = Nginx(f"127.0.0.1:{free_port()}")
    yield nginx
    nginx.stop()


@pytest.mark.parametrize("method,path", [("GET", "/api/posts/p"), ("POST", "/api/posts/p/comments"),
                                         ("GET", "/api/posts/p/events"), ("GET", "/api/events")])
def test_with_gunicorn_down_the_api_answers_503_json_with_retry_after(dead_upstream, method, path):
    answer = request(dead_upstream.address, method, path, {"author": "a", "body": "b"} if method == "POST" else None)
    assert answer.status == 503 and answer.headers["Retry-After"] == "5"
    assert answer.body["error"]["code"] == "unavailable"


def test_plain_http_is_sent_to_https(proxy):
    answer = request(("127.0.0.1", proxy.redirect_port), "GET", "/api/posts/p?sort=newest", headers={"Host": "comments.example"})
    assert answer.status == 301
    assert answer.headers["Location"] == "https://comments.example/api/posts/p?sort=newest"


class HeldStream:
    """An upstream that sends one event, then holds its answer open until released (or 15 s)."""

    def __init__(self) -> None:
        self.release = threading.Event()
        release = self.release

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                self.wfile.write(b"data: first\n\n")
                self.wfile.flush()
                release.wait(15)
                self.wfile.write(b"data: last\n\n")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def held_stream():
    upstream = HeldStream()
    nginx = Nginx(f"127.0.0.1:{upstream.port}")
    yield upstream, nginx
    nginx.stop()
    upstream.close()


def first_event_before_release(address: tuple[str, int], path: str, upstream: HeldStream) -> tuple[bool, bytes]:
    """Ask for ``path``; return whether the first event arrived while the upstream held the rest, and the answer."""
    upstream.release.clear()
    with socket.create_connection(address, timeout=10) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: c\r\nConnection: close\r\n\r\n".encode())
        sock.settimeout(2)
        received = b""
        try:
            while b"data: first" not in received:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                received += chunk
        except TimeoutError:
            pass
        early = b"data: first" in received
        upstream.release.set()
        sock.settimeout(10)
        while chunk := sock.recv(65536):
            received += chunk
    return early, received


@pytest.mark.parametrize("path", ["/api/posts/hello/events", "/api/events", "/api/posts/hello/events?last=3",
                                  "/moderate/events", "/moderate/events?last_event_id=1-0"])
def test_event_streams_pass_each_event_at_once(held_stream, path):
    upstream, nginx = held_stream
    early, answer = first_event_before_release(nginx.address, path, upstream)
    assert early, answer
    assert b"data: last" in answer and b"x-accel-buffering: no" in answer.lower()


@pytest.mark.parametrize("path", ["/api/posts/hello/comments", "/api/posts/events-and-more/comments", "/healthz",
                                  "/moderate", "/moderate/events-and-more"])
def test_other_answers_are_buffered_whole(held_stream, path):
    # The contrast: the same held answer on any other path waits in nginx's buffer.
    upstream, nginx = held_stream
    early, answer = first_event_before_release(nginx.address, path, upstream)
    assert not early
    assert b"data: first" in answer and b"data: last" in answer
