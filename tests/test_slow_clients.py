"""Slow and stalled clients: behind nginx the service keeps answering; sync workers alone stall, gevent ones do not.

gunicorn runs with gunicorn.conf.py (two gevent workers); nginx runs
deploy/nginx/comments.conf (tests/nginx.py). The contrast runs the same file
with sync workers. All traffic stays on 127.0.0.1, and every client count and
wait is bounded.
"""
from __future__ import annotations

import re
import socket
import threading
import time

import pytest

from tests.faults import Gunicorn, request
from tests.nginx import Nginx
from tests.test_faults import service_env

IDLE = 200          # keep-alive connections that made one request and then wait
NON_READERS = 50    # clients that send a request and never read the answer
SLOW_SENDERS = 50   # clients that send their headers a byte at a time
HEALTH_CHECKS = 10
BIG_THREAD = 40     # comments of ~9,500 characters: an answer of ~400 KB, more than nginx keeps in memory


@pytest.fixture(scope="module")
def service(database_url):
    server = Gunicorn(service_env(database_url, TRUSTED_PROXIES="1", TRUSTED_HOSTS="comments.example,127.0.0.1"), workers=2)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def sync_service(database_url):
    """The same settings with sync workers, each of which answers one connection at a time."""
    env = service_env(database_url, TRUSTED_PROXIES="1", TRUSTED_HOSTS="comments.example,127.0.0.1")
    server = Gunicorn(env, workers=2, extra=["--worker-class", "sync"])
    yield server
    server.stop()


@pytest.fixture(scope="module")
def proxy(service):
    nginx = Nginx(f"127.0.0.1:{service.port}")
    yield nginx
    nginx.stop()


def read_answer(sock: socket.socket) -> int:
    """Read one HTTP answer with a Content-Length from ``sock``; return its status."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed before the answer's headers")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(re.search(rb"(?im)^content-length:\s*(\d+)", head).group(1))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed before the end of the answer")
        body += chunk
    return int(head.split()[1])


def idle_keepalive(address: tuple[str, int], count: int) -> list[socket.socket]:
    """Open ``count`` connections that each get one answer and then stay open, idle."""
    opened = []
    for _ in range(count):
        sock = socket.create_connection(address, timeout=10)
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: comments.example\r\n\r\n")
        assert read_answer(sock) == 200
        opened.append(sock)
    return opened


def non_readers(address: tuple[str, int], count: int, path: str) -> list[socket.socket]:
    """Send ``count`` requests for ``path`` from clients with tiny receive buffers that never read."""
    opened = []
    for _ in range(count):
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.settimeout(10)
        sock.connect(address)
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: comments.example\r\n\r\n".encode())
        opened.append(sock)
    return opened


class SlowSenders:
    """Connections that send a request's headers one byte per round, far too slowly to finish during a test."""

    REQUEST = b"POST /api/posts/slow/comments HTTP/1.1\r\nHost: comments.example\r\nX-Pad: " + b"a" * 2000

    def __init__(self, address: tuple[str, int], count: int, interval: float = 0.2) -> None:
        self.sockets = [socket.create_connection(address, timeout=10) for _ in range(count)]
        self.interval = interval
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._dribble, daemon=True)
        self.thread.start()

    def _dribble(self) -> None:
        for i in range(len(self.REQUEST)):
            for sock in self.sockets:
                try:
                    sock.send(self.REQUEST[i:i + 1])
                except OSError:
                    pass  # nginx gave up on this one (client_header_timeout)
            if self.done.wait(self.interval):
                return

    def close(self) -> None:
        self.done.set()
        self.thread.join(timeout=10)
        close_all(self.sockets)


def close_all(sockets: list[socket.socket]) -> None:
    for sock in sockets:
        sock.close()


def make_big_thread(address: tuple[str, int]) -> str:
    text = " ".join(["lorem ipsum dolor sit amet"] * 360)
    for i in range(BIG_THREAD):
        made = request(address, "POST", "/api/posts/big/comments", {"author": "a", "body": f"{i} {text}"})
        assert made.status == 201, made
    path = "/api/posts/big/comments?limit=100"
    answer = request(address, "GET", path)
    assert answer.status == 200 and len(answer.body["comments"]) == BIG_THREAD
    return path


def big_answers_logged(service: Gunicorn) -> int:
    return len(re.findall(r'"GET /api/posts/big/comments" 200 ', service.output()))


def test_behind_nginx_health_answers_while_clients_stall_and_dribble(service, proxy):
    path = make_big_thread(proxy.address)
    before = big_answers_logged(service)
    opened: list[socket.socket] = []
    slow = None
    try:
        opened += idle_keepalive(proxy.address, IDLE)
        opened += non_readers(proxy.address, NON_READERS, path)
        slow = SlowSenders(proxy.address, SLOW_SENDERS)
        checks = [request(proxy.address, "GET", "/healthz", timeout=5) for _ in range(HEALTH_CHECKS)]
        assert [c.status for c in checks] == [200] * HEALTH_CHECKS, [(c.status, c.error) for c in checks]
        assert all(c.body["status"] == "ok" for c in checks)
        # The API too: a write and a read go through while the slow clients still hold their connections.
        made = request(proxy.address, "POST", "/api/posts/other/comments", {"author": "b", "body": "still here"}, timeout=5)
        assert made.status == 201, made
        assert request(proxy.address, "GET", "/api/posts/other/comments", timeout=5).status == 200
        # gunicorn wrote every answer the non-readers asked for in full, to nginx: no worker waits on them.
        deadline = time.monotonic() + 30
        while big_answers_logged(service) - before < NON_READERS and time.monotonic() < deadline:
            time.sleep(0.2)
        assert big_answers_logged(service) - before == NON_READERS
        assert len([s for s in opened[:IDLE] if s.fileno() != -1]) == IDLE
    finally:
        if slow:
            slow.close()
        close_all(opened)
    assert "[alert]" not in proxy.error_log() and "[emerg]" not in proxy.error_log()


def assert_stalled_then_recovers(service: Gunicorn, release) -> None:
    try:
        stalled = [request(service.address, "GET", "/healthz", timeout=3) for _ in range(2)]
        assert [s.status for s in stalled] == [0, 0], [(s.status, s.error) for s in stalled]
        assert all(s.error in ("TimeoutError", "timeout") for s in stalled)
    finally:
        release()
    assert request(service.address, "GET", "/healthz", timeout=10).status == 200


def test_without_nginx_a_few_slow_senders_stall_both_sync_workers(sync_service):
    # The contrast: sync workers reached directly. Each slow sender holds a sync
    # worker while it dribbles, so two of them (and those behind) leave nobody to answer.
    slow = SlowSenders(sync_service.address, 4)
    assert_stalled_then_recovers(sync_service, slow.close)


def test_without_nginx_clients_that_never_read_hold_each_sync_worker(sync_service):
    # A sync worker waits up to 2 s for a client that neither reads nor closes before it
    # lets the connection go; six of them keep both workers busy for about six seconds.
    # Behind nginx this never happens: nginx closes its side once it holds the answer.
    opened = non_readers(sync_service.address, 6, "/healthz")
    assert_stalled_then_recovers(sync_service, lambda: close_all(opened))


def test_gevent_workers_reached_directly_still_answer_beside_slow_and_stalled_clients(service):
    # The production workers: each waiting client is one greenlet, not a worker.
    slow = SlowSenders(service.address, 20)
    opened = non_readers(service.address, 20, "/healthz")
    try:
        checks = [request(service.address, "GET", "/healthz", timeout=3) for _ in range(5)]
        assert [c.status for c in checks] == [200] * 5, [(c.status, c.error) for c in checks]
    finally:
        slow.close()
        close_all(opened)
