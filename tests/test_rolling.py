"""Deploying and crashing under load: gunicorn's HUP and USR2 fail no request; a worker killed mid-request loses no acknowledged write.

gunicorn runs gunicorn.conf.py with two sync workers against the real
PostgreSQL and Redis. The load is a few threads posting comments and likes
and reading, bounded by a request count and a time cap.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from comments_service import auth
from comments_service.extensions import db
from comments_service.models import Comment, CommentLike, PostLike
from tests.conftest import REDIS_URL
from tests.faults import GUNICORN, Gunicorn, Result, request
from tests.servers import free_port
from tests.test_deploy import children
from tests.test_faults import service_env

ROOT = Path(__file__).resolve().parent.parent
SECRET = service_env("")["SECRET_KEY"]
CUT = ("ConnectionResetError", "RemoteDisconnected", "BrokenPipeError", "IncompleteRead")


class Load:
    """Threads that post comments and likes and read the thread and counts until stopped (or ``cap`` requests)."""

    def __init__(self, address: tuple[str, int], threads: int = 4, reads: bool = True, cap: int = 3000) -> None:
        self.address = address
        self.reads = reads
        self.cap = cap
        seed = request(address, "POST", "/api/posts/roll/comments", {"author": "seed", "body": "seed"})
        assert seed.status == 201, seed
        self.seed = seed.body["id"]
        self.results: list[tuple[Result, str]] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(n,)) for n in range(threads)]
        for thread in self.threads:
            thread.start()

    def _step(self, worker: int, i: int) -> tuple[Result, str]:
        token = f"rolling-reader-{worker:02d}-{i:06d}"
        kind = i % (4 if self.reads else 3)
        if kind == 0:
            return request(self.address, "POST", "/api/posts/roll/comments",
                           {"author": f"w{worker}", "body": f"w{worker}-{i}"}, timeout=30), ""
        if kind == 1:
            return request(self.address, "POST", "/api/posts/roll/likes", headers={"X-Reader-Token": token}, timeout=30), token
        if kind == 2:
            return request(self.address, "POST", f"/api/comments/{self.seed}/likes",
                           headers={"X-Reader-Token": token}, timeout=30), token
        path = "/api/posts/roll/comments?sort=newest" if i % 8 == 3 else "/api/counts?post=roll"
        return request(self.address, "GET", path, timeout=30), ""

    def _run(self, worker: int) -> None:
        i = 0
        while not self.stopping.is_set() and self.count() < self.cap:
            outcome = self._step(worker, i)
            with self.lock:
                self.results.append(outcome)
            i += 1

    def count(self) -> int:
        with self.lock:
            return len(self.results)

    def wait_for(self, more: int, timeout: float = 60) -> None:
        """Wait until ``more`` further requests have been answered (or failed)."""
        target = self.count() + more
        deadline = time.monotonic() + timeout
        while self.count() < target and time.monotonic() < deadline:
            time.sleep(0.05)
        assert self.count() >= target, f"the load stalled at {self.count()} requests"

    def finish(self) -> list[tuple[Result, str]]:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=60)
        return self.results


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def failures(results: list[tuple[Result, str]]) -> list[tuple[int, str, str]]:
    return [(r.status, r.error, r.path) for r, _ in results if r.status not in (200, 201)]


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def answered_by(server: Gunicorn, pids: set[int]) -> bool:
    """Tell whether the access log shows an answer from one of ``pids``."""
    output = server.output()
    return any(f"<{pid}>" in output for pid in pids)


@pytest.fixture
def server(database_url):
    started = Gunicorn(service_env(database_url))
    yield started
    started.stop()


def test_hup_under_load_fails_no_request(server):
    load = Load(server.address)
    try:
        load.wait_for(40)
        old = children(server.process.pid)
        server.process.send_signal(signal.SIGHUP)
        wait_until(lambda: not children(server.process.pid) & old and len(children(server.process.pid)) == 2,
                   "HUP did not replace the workers")
        wait_until(lambda: answered_by(server, children(server.process.pid)), "the new workers answer nothing")
        load.wait_for(40)
    finally:
        results = load.finish()
    assert failures(results) == []
    assert len(results) >= 80


def test_usr2_upgrade_then_term_of_the_old_master_fails_no_request(database_url):
    folder = tempfile.mkdtemp(prefix="gunicorn-pid-")
    pidfile = os.path.join(folder, "gunicorn.pid")
    server = Gunicorn(service_env(database_url), extra=["--pid", pidfile])
    old_master = server.process.pid
    new_master = 0
    load = Load(server.address)
    try:
        load.wait_for(40)
        old_workers = children(old_master)
        server.process.send_signal(signal.SIGUSR2)
        # The new master writes gunicorn.pid.2 while the old one still runs; both serve the same socket.
        wait_until(lambda: os.path.exists(pidfile + ".2"), "USR2 started no new master")
        new_master = int(Path(pidfile + ".2").read_text())
        wait_until(lambda: len(children(new_master)) == 2, "the new master has no workers")
        wait_until(lambda: answered_by(server, children(new_master)), "the new workers answer nothing")
        # gunicorn's documented next step: TERM (graceful) to the old master. QUIT would be its quick shutdown.
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=60) == 0
        assert not old_workers & {pid for pid in old_workers if alive(pid)}
        wait_until(lambda: Path(pidfile).exists() and int(Path(pidfile).read_text()) == new_master,
                   "the new master was not promoted")
        load.wait_for(40)
    finally:
        results = load.finish()
        if new_master and alive(new_master):
            os.kill(new_master, signal.SIGTERM)
            wait_until(lambda: not alive(new_master), "the new master did not stop", timeout=60)
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    assert failures(results) == []
    assert len(results) >= 80


def test_sigkill_of_a_worker_mid_request_loses_no_acknowledged_write(server, make_app, database_url):
    load = Load(server.address, threads=6, reads=False)
    try:
        for _ in range(3):
            load.wait_for(40)
            victim = min(children(server.process.pid))
            os.kill(victim, signal.SIGKILL)
            wait_until(lambda v=victim: v not in children(server.process.pid) and len(children(server.process.pid)) == 2,
                       "the master did not replace the killed worker")
        load.wait_for(60)
    finally:
        results = load.finish()
    cut = [r for r, _ in results if r.status == 0]
    assert cut, "no request was in flight when a worker was killed"
    assert {r.error for r in cut} <= set(CUT), {r.error for r in cut}
    assert [f for f in failures(results) if f[0] != 0] == []
    assert all(r.status in (200, 201) for r, _ in results[-30:]), "the service did not recover"
    with make_app(SECRET_KEY=SECRET).app_context():
        comments = set(db.session.scalars(select(Comment.id)))
        post_likes = set(db.session.scalars(select(PostLike.reader_hash)))
        comment_likes = set(db.session.scalars(select(CommentLike.reader_hash)))
        hashes = {token: auth.keyed_hash("reader", token) for _, token in results if token}
    acked_comments = {r.body["id"] for r, _ in results if r.status == 201}
    acked_post_likes = {hashes[t] for r, t in results if r.status == 200 and "/api/posts/" in r.path}
    acked_comment_likes = {hashes[t] for r, t in results if r.status == 200 and "/api/comments/" in r.path}
    assert acked_comments and acked_comments <= comments
    assert acked_post_likes and acked_post_likes <= post_likes
    assert acked_comment_likes and acked_comment_likes <= comment_likes
    # The counters equal their rows: the project's own check, as an operator runs it.
    env = {**os.environ, **service_env(database_url), "REDIS_URL": REDIS_URL}
    check = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "check"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=120)
    assert check.returncode == 0 and "no drift" in check.stdout, check.stdout + check.stderr


def test_hup_loads_new_code_config_py_included(database_url):
    # A copy of the service, so that its code can change under the running master.
    folder = Path(tempfile.mkdtemp(prefix="service-copy-"))
    copy = folder / "service"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(
        ".git", ".venv*", "tests", "bench", "docs", "instance", "__pycache__", "*.db", ".hypothesis"))
    address = ("127.0.0.1", free_port())
    env = {**os.environ, **service_env(database_url), "GUNICORN_BIND": f"{address[0]}:{address[1]}", "GUNICORN_WORKERS": "1"}
    log = tempfile.TemporaryFile(mode="w+")
    process = subprocess.Popen([str(GUNICORN), "-c", "gunicorn.conf.py", "wsgi:app"], cwd=copy, env=env,
                               stdout=log, stderr=subprocess.STDOUT)

    def version() -> str | None:
        answer = request(address, "GET", "/api/openapi.json", timeout=5)
        return answer.body["info"]["version"] if answer.status == 200 else None

    try:
        wait_until(lambda: version() is not None, "the copy did not start")
        assert version() == "1.0"
        settings = copy / "config.py"
        changed = settings.read_text().replace('self.API_VERSION = "1.0"', 'self.API_VERSION = "1.0-deployed"')
        assert changed != settings.read_text()
        settings.write_text(changed)
        process.send_signal(signal.SIGHUP)
        wait_until(lambda: version() == "1.0-deployed", "HUP kept the old config.py")
    finally:
        process.terminate()
        process.wait(timeout=60)
        shutil.rmtree(folder, ignore_errors=True)
