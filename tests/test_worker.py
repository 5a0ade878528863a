"""`flask worker` as separate processes: SIGTERM finishes the job in hand; a SIGKILLed worker's job is done once more.

Each worker runs with Redis at a dead address: jobs never need it.
"""
from __future__ import annotations

import email
import email.policy
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
from urllib.parse import urlsplit

from sqlalchemy import select

from comments_service.extensions import db
from comments_service.jobs import Job, JobState
from comments_service.models import Comment, CommentStatus
from tests.helpers import post_comment
from tests.notify_helpers import READER_A, comment, link_to, run_jobs
from tests.servers import free_port

ROOT = Path(__file__).resolve().parent.parent
WAIT = 60  # seconds: upper bounds for work on loopback, never measured times
LONG = 300  # the same, for a thousand jobs on a busy machine
MAIL_FROM = "comments@blog.example"
ADA = "ada@example.com"


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


def confirmed_subscriptions(app, smtp, count: int) -> list[int]:
    """Ada's ``count`` approved comments on post "p", subscribed with notify and confirmed (the button's POST)."""
    client = app.test_client()
    ids = [comment(client, "p", headers=READER_A, email=ADA, notify=True, body=f"question {n}")["id"]
           for n in range(count)]
    assert client.post("/api/moderation/comments/bulk", json={"ids": ids, "action": "approve"},
                       headers=app.moderator).status_code == 200
    run_jobs(app)
    [confirmation] = smtp.wait_for(1)
    assert client.post(urlsplit(link_to(confirmation.message, "/notifications/confirm/")).path).status_code == 200
    smtp.messages.clear()
    return ids


def pending_replies(app, parents: list[int], count: int) -> list[int]:
    """Bob's ``count`` replies to ``parents``, waiting for a moderator: written straight to the table, in one commit.

    Posting has its own tests; this one is about what follows an approval.
    """
    with app.app_context():
        post = db.session.get(Comment, parents[0]).post
        rows = [Comment(post_id=post.id, parent_id=parents[n % len(parents)], root_id=parents[n % len(parents)],
                        status=CommentStatus.PENDING, author="Bob", email="bob@example.com",
                        body_source=f"reply number {n}", body_html=f"<p>reply number {n}</p>")
                for n in range(count)]
        db.session.add_all(rows)
        db.session.commit()
        return [row.id for row in rows]


def held_mail(app, worker: subprocess.Popen[bytes]) -> Job | None:
    """Return the mail job whose lease ``worker`` holds, if it holds one."""
    with app.app_context():
        found = db.session.scalar(select(Job).where(
            Job.state == JobState.RUNNING, Job.kind == "mail", Job.locked_by.like(f"%:{worker.pid}:%")))
        db.session.expunge_all()
        db.session.remove()
        return found


def kill_holding_a_mail(app, worker: subprocess.Popen[bytes]) -> Job:
    """SIGKILL ``worker`` at a moment it holds a claimed mail job (frozen with SIGSTOP to look); return that job."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        worker.send_signal(signal.SIGSTOP)
        held = held_mail(app, worker)
        if held is not None:
            worker.kill()  # SIGKILL while stopped: the job is left leased, its mail sent or not
            worker.wait(WAIT)
            return held
        worker.send_signal(signal.SIGCONT)
        time.sleep(0.003)
    raise AssertionError("the worker never held a mail job")


def test_500_approvals_two_workers_and_a_sigkill_deliver_every_mail_once_but_the_one_in_flight(
        make_app, database_url, smtp, moderator, tmp_path):
    count = 500
    config = {"SMTP_URL": smtp.url, "MAIL_FROM": MAIL_FROM, "NOTIFY_GROUP_SECONDS": "0"}
    app = make_app(**{**config, "NOTIFY_GROUP_SECONDS": 0, "PUBLIC_URL": "https://comments.example"})
    app.moderator = moderator
    parents = confirmed_subscriptions(app, smtp, 5)
    replies = pending_replies(app, parents, count)
    approved = app.test_client().post("/api/moderation/comments/bulk", json={"ids": replies, "action": "approve"},
                                      headers=moderator)
    assert approved.get_json() == {"updated": count}  # 500 reply notices, each of which makes a mail job
    # A short lease, so that the killed worker's job is taken again soon; far longer than a job takes here.
    env = settings(database_url, JOBS_LEASE_SECONDS="3", **config)
    workers = [start_worker(env, (tmp_path / f"worker{n}.log").open("wb")) for n in range(2)]
    try:
        smtp.wait_for(count // 5, timeout=LONG)
        in_flight = kill_holding_a_mail(app, workers[0])
        wanted = {f"reply number {n}" for n in range(count)}
        deadline = time.monotonic() + LONG
        while time.monotonic() < deadline and len(delivered(smtp)) < count:
            time.sleep(0.1)
        workers[1].send_signal(signal.SIGTERM)
        assert workers[1].wait(WAIT) == 0, (tmp_path / "worker1.log").read_text()[-2000:]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGCONT)
                worker.kill()
    mails = Counter(m.message["Message-ID"] for m in smtp.messages)
    assert set(delivered(smtp)) == wanted and all(m.recipients == [ADA] for m in smtp.messages)
    kept = email.message_from_string(in_flight.payload["message"], policy=email.policy.default)
    assert 1 <= mails[kept["Message-ID"]] <= 2  # the one in flight at the kill: delivered, perhaps twice
    assert [mid for mid, n in mails.items() if n > 1 and mid != kept["Message-ID"]] == []  # every other once
    assert len(mails) == count and jobs_left(app) == []
    assert "ran after its lease was taken over" not in (tmp_path / "worker1.log").read_text()


def delivered(smtp) -> list[str]:
    """Return the reply named in each mail received, once per mail."""
    found = []
    for received in list(smtp.messages):
        text = received.message.get_body(("plain",)).get_content()
        found += [line.strip() for line in text.splitlines() if line.strip().startswith("reply number ")]
    return found
