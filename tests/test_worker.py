"""`flask worker` as separate processes: SIGTERM finishes the job in hand; a SIGKILLed worker's job is done once more.

Each worker runs with Redis at a dead address: jobs never need it.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sqlalchemy import select

from comments_service.extensions import db
from comments_service.jobs import Job, JobState
from tests.helpers import post_comment
from tests.servers import free_port

ROOT = Path(__file__).resolve().parent.parent
WAIT = 60  # seconds: upper bounds for work on loopback, never measured times
MAIL_FROM = "comments@blog.example"


class HeldHook:
    """A webhook receiver that holds each request until released, and counts what it was sent by webhook-id."""

    def __init__(self, hold: bool) -> None:
        self.ids: list[str] = []
        self.lock = threading.Condition()
        self.release = threading.Event()
        if not hold:
            self.release.set()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
                self.rfile.read(int(self.headers["Content-Length"]))
                with hook.lock:
                    hook.ids.append(self.headers["webhook-id"])
                    hook.lock.notify_all()
                hook.release.wait(WAIT)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, count: int) -> list[str]:
        with self.lock:
            self.lock.wait_for(lambda: len(self.ids) >= count, WAIT)
            return list(self.ids)

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def settings(database_url: str, **more: str) -> dict[str, str]:
    """The environment of a worker process on the test database."""
    return {
        "DATABASE_URL": database_url, "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0", "PUBLIC_URL": "https://comments.example",
        "JOBS_POLL_SECONDS": "0.05", **more,
    }


def start_worker(env: dict[str, str], log: Any = subprocess.PIPE) -> subprocess.Popen[bytes]:
    """Start `flask worker`; its log goes to ``log`` (a pipe to read, or a file when it logs a lot)."""
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker"], cwd=ROOT,
        env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=log,
    )


def jobs_left(app) -> list[Job]:
    with app.app_context():
        found = list(db.session.scalars(select(Job).order_by(Job.id)))
        db.session.expunge_all()
        return found


def read_until(worker: subprocess.Popen[bytes], text: str) -> list[str]:
    """Read the worker's log lines until one contains ``text`` (or the log ends)."""
    lines = []
    while line := worker.stderr.readline().decode():
        lines.append(line)
        if text in line:
            break
    return lines


def test_sigterm_finishes_the_job_in_hand_and_exits_0(make_app, database_url):
    hook = HeldHook(hold=True)
    worker = None
    try:
        app = make_app(MODERATION_WEBHOOK_URL=hook.url)
        for n in range(3):
            post_comment(app.test_client(), "p", body=f"comment {n}")
        worker = start_worker(settings(database_url, MODERATION_WEBHOOK_URL=hook.url))
        hook.wait_for(1)  # the worker holds its first job
        worker.send_signal(signal.SIGTERM)
        told = read_until(worker, "got SIGTERM")
        assert any("got SIGTERM: finishing the job in hand" in line for line in told), told
        assert worker.poll() is None  # still running: the job in hand is not finished
        hook.release.set()
        assert worker.wait(WAIT) == 0, worker.stderr.read().decode()[-2000:]
    finally:
        if worker and worker.poll() is None:
            worker.kill()
        hook.stop()
    assert len(hook.ids) == 1
    left = jobs_left(app)
    assert len(left) == 2 and all(j.state == JobState.PENDING and j.attempts == 0 for j in left)


def test_two_workers_and_a_sigkill_deliver_every_mail_and_at_most_one_twice(make_app, database_url, smtp,
                                                                               moderator, tmp_path):
    count = 200
    hook = HeldHook(hold=False)
    workers: list[subprocess.Popen[bytes]] = []
    try:
        config = {"SMTP_URL": smtp.url, "MAIL_FROM": MAIL_FROM, "MODERATOR_EMAILS": "mia@example.com",
                  "MODERATION_WEBHOOK_URL": hook.url, "WEBHOOK_EVENTS": "comment.approved"}
        app = make_app(**{**config, "MODERATOR_EMAILS": ["mia@example.com"], "WEBHOOK_EVENTS": ["comment.approved"]})
        client = app.test_client()
        ids = [post_comment(client, f"p{n % 7}", body=f"comment number {n}").get_json()["id"] for n in range(count)]
        approved = client.post("/api/moderation/comments/bulk", json={"ids": ids, "action": "approve"},
                               headers=moderator)
        assert approved.get_json() == {"updated": count}
        env = settings(database_url, JOBS_LEASE_SECONDS="2", **config)
        workers = [start_worker(env, (tmp_path / f"worker{n}.log").open("wb")) for n in range(2)]
        smtp.wait_for(count // 4)
        workers[0].kill()  # SIGKILL, mid-stream: whatever it held is claimed again after its lease
        workers[0].wait(WAIT)
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline and (len({m.message["Message-ID"] for m in smtp.messages}) < count
                                              or len(set(hook.ids)) < count):
            time.sleep(0.2)
        workers[1].send_signal(signal.SIGTERM)
        assert workers[1].wait(WAIT) == 0, (tmp_path / "worker1.log").read_text()[-2000:]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
        hook.stop()
    mails = Counter(m.message["Message-ID"] for m in smtp.messages)
    hooks = Counter(hook.ids)
    assert len(mails) == count and len(hooks) == count, (len(mails), len(hooks))
    texts = {m.message.get_body(("plain",)).get_content() for m in smtp.messages}
    assert all(any(f"comment number {n}\r\n" in t for t in texts) for n in (0, count // 2, count - 1))
    twice = sum(n - 1 for n in mails.values()) + sum(n - 1 for n in hooks.values())
    assert twice <= 1, (mails.most_common(2), hooks.most_common(2))
    assert jobs_left(app) == []
