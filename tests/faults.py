"""Tools for fault tests: a TCP proxy that can cut a connection, a gunicorn process, a load loop."""
from __future__ import annotations

import http.client
import json
import os
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.servers import free_port

ROOT = Path(__file__).resolve().parent.parent


class TcpProxy:
    """Forward a local port to a server; ``cut()`` drops every connection and resets new ones.

    While cut, the port answers like a crashed server's host: each new connection
    is reset at once (RST), and every connection that was open is broken.
    """

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.connections: list[socket.socket] = []
        self.lock = threading.Lock()
        self.down = False
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(128)
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def cut(self) -> None:
        """Break every open connection and reset new ones until ``restore()``."""
        with self.lock:
            self.down = True
            for conn in self.connections:
                _reset(conn)
            self.connections.clear()

    def restore(self) -> None:
        """Forward connections again."""
        with self.lock:
            self.down = False

    def close(self) -> None:
        """Stop forwarding for good."""
        self.cut()
        self.listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                down = self.down
            if down:
                _reset(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                _reset(client)
                continue
            upstream.settimeout(None)
            with self.lock:
                if self.down:
                    _reset(client)
                    _reset(upstream)
                    continue
                self.connections += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


def _reset(conn: socket.socket) -> None:
    # SO_LINGER 0 makes close() send RST. shutdown() first wakes a pump thread
    # blocked in recv() on this socket; without it close() frees nothing and the
    # peer (a database session holding locks) never learns the connection died.
    try:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    conn.close()


@dataclass
class Result:
    """One request's outcome: its status (0 when no answer came) and its JSON body."""

    method: str
    path: str
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    error: str = ""
    at: float = 0.0
    done: float = 0.0


def request(base: tuple[str, int], method: str, path: str, body: Any = None, headers: dict[str, str] | None = None,
            timeout: float = 10.0) -> Result:
    """Send one HTTP request; report a refused or broken connection as status 0."""
    conn = http.client.HTTPConnection(*base, timeout=timeout)
    payload = None if body is None else json.dumps(body)
    sent = {"Content-Type": "application/json", **(headers or {})} if payload else dict(headers or {})
    started = time.monotonic()
    try:
        conn.request(method, path, body=payload, headers=sent)
        response = conn.getresponse()
        raw = response.read()
        data = json.loads(raw) if raw and response.getheader("Content-Type", "").startswith("application/json") else raw
        return Result(method, path, response.status, data, dict(response.getheaders()), at=started,
                      done=time.monotonic())
    except (OSError, http.client.HTTPException) as error:
        return Result(method, path, 0, error=type(error).__name__, at=started, done=time.monotonic())
    finally:
        conn.close()


def run_load(workers: int, seconds: float, step: Callable[[int, int], Result]) -> list[Result]:
    """Call ``step(worker, i)`` from ``workers`` threads for ``seconds``; return every result."""
    results: list[Result] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def loop(worker: int) -> None:
        i = 0
        while time.monotonic() < deadline:
            result = step(worker, i)
            with lock:
                results.append(result)
            i += 1

    threads = [threading.Thread(target=loop, args=(w,)) for w in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


# The console script, as systemd starts it (deploy/systemd/comments-web.service); a
# USR2 upgrade re-executes the master's own command line, which must be a script.
GUNICORN = Path(sys.executable).with_name("gunicorn")


class Gunicorn:
    """The service under gunicorn, as production runs it: ``gunicorn -c gunicorn.conf.py wsgi:app``."""

    def __init__(self, env: dict[str, str], workers: int = 2, extra: list[str] | None = None) -> None:
        self.port = free_port()
        self.address = ("127.0.0.1", self.port)
        launcher = [str(GUNICORN)] if GUNICORN.exists() else [sys.executable, "-m", "gunicorn"]
        command = [*launcher, "-c", "gunicorn.conf.py", "--log-level", "warning", *(extra or []), "wsgi:app"]
        settings = {"GUNICORN_BIND": f"127.0.0.1:{self.port}", "GUNICORN_WORKERS": str(workers)}
        # A file, not a pipe: an unread pipe fills up and blocks the workers' logging.
        self.log = tempfile.TemporaryFile(mode="w+")
        self.process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **settings, **env},
                                        stdout=self.log, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if request(self.address, "GET", "/healthz", timeout=2).status in (200, 503):
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not start: " + self.stop())

    def output(self) -> str:
        """Return what gunicorn has written so far (its access log included), while it runs."""
        fd = self.log.fileno()
        # pread leaves the offset the processes share where it is.
        return os.pread(fd, os.fstat(fd).st_size, 0).decode(errors="replace")

    def stop(self, timeout: float = 30) -> str:
        """Stop gunicorn gracefully (SIGTERM) and return its output."""
        if self.process.poll() is None:
            self.process.terminate()
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        return self.output()
