"""Mail jobs sent per second by one `flask worker` to a local SMTP server, against a plain smtplib loop in the same run.

The service's own composing queues ``count`` mails as jobs in a throwaway
database; the same stored messages are first sent by a bare smtplib loop
(a connection per mail, as the worker opens one per job) to a private
aiosmtpd server, then by one worker process from the jobs table; the loop
runs again afterwards and the faster of its two runs is the baseline. The
ratio is what the jobs table (claim, lease, delete: three short
transactions per mail) costs over sending alone.
"""
from __future__ import annotations

import argparse
import os
import signal
import smtplib
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bench import services
from bench.measure import service_env
from tests.servers import ROOT, SmtpServer

NAME = "jobs"
DESCRIPTION = "mail jobs sent by one worker process to a local aiosmtpd server vs a plain smtplib loop"
MAIL_FROM = "Comments <comments@blog.example>"


def queue_mails(env: dict[str, str], count: int) -> list[dict[str, Any]]:
    """Build the schema and queue ``count`` mails as jobs (one commit); return their payloads."""
    import flask_migrate

    from comments_service import create_app, mail
    from comments_service.extensions import db
    from comments_service.jobs import Job
    from config import database_url

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url(env["DATABASE_URL"]), "REDIS_URL": None,
                      "SECRET_KEY": env["SECRET_KEY"], "SMTP_URL": env["SMTP_URL"], "MAIL_FROM": MAIL_FROM})
    with app.app_context():
        flask_migrate.upgrade()
        for n in range(count):
            text = f"Reply {n} to your comment.\n\nStop mails: https://comments.example/notifications/x\n"
            mail.queue(mail.compose(f"reader{n}@example.org", f"New reply {n}", text, f"<p>{text}</p>"))
        db.session.commit()
        payloads = [dict(p) for p in db.session.scalars(select(Job.payload).order_by(Job.id))]
        db.engine.dispose()
    return payloads


def smtplib_loop(server: SmtpServer, payloads: list[dict[str, Any]]) -> float:
    """Send the stored messages with smtplib, a connection each; return mails per second."""
    started = time.perf_counter()
    for payload in payloads:
        with smtplib.SMTP("127.0.0.1", server.port, timeout=30) as connection:
            connection.sendmail(payload["from"], payload["to"], payload["message"])
    elapsed = time.perf_counter() - started
    server.wait_for(len(payloads), timeout=60)
    return len(payloads) / elapsed


def one_worker(server: SmtpServer, env: dict[str, str], count: int) -> float:
    """Start one worker on the queued jobs; return jobs per second from its start until the last mail arrived."""
    with tempfile.NamedTemporaryFile(prefix="bench-worker-", suffix=".log") as log:
        # Its log goes to a file: a pipe nobody reads would stop the worker once full (a line per job).
        worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker"], cwd=ROOT,
                                  env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=log)
        try:
            deadline = time.monotonic() + 60
            while b"started" not in Path(log.name).read_bytes():
                if worker.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the worker did not start: {Path(log.name).read_text()[-2000:]}")
                time.sleep(0.01)
            started = time.perf_counter()
            if len(server.wait_for(count, timeout=600)) < count:
                raise RuntimeError(f"the worker sent {len(server.messages)} of {count} mails")
            elapsed = time.perf_counter() - started
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(60)
    return count / elapsed


def run(redis_url: str, args: argparse.Namespace) -> list[dict[str, Any]]:
    """Measure once; print and return the row."""
    count = 200 if args.quick else 1000
    server = SmtpServer().start()
    try:
        with services.database(args.pg_admin_url) as db_url:
            env = service_env(db_url, redis_url, {"SMTP_URL": server.url, "MAIL_FROM": MAIL_FROM,
                                                  "JOBS_POLL_SECONDS": "0.05"})
            payloads = queue_mails(env, count)
            before = smtplib_loop(server, payloads)
            server.messages.clear()
            worker = one_worker(server, env, count)
            if len({m.message["Message-ID"] for m in server.messages}) != count:
                raise RuntimeError("the worker sent a mail twice or lost one")
            server.messages.clear()
            after = smtplib_loop(server, payloads)
    finally:
        server.stop()
    baseline = max(before, after)
    print(f"{count} mails: one worker {worker:.0f} jobs/s; smtplib loop {before:.0f} and {after:.0f} mails/s "
          f"(best {baseline:.0f}); ratio {worker / baseline:.2f}", flush=True)
    return [{"scenario": NAME, "target": "mail jobs, one worker", "path": "", "widget": False, "cached": False,
             "errors": 0, "db_queries": None, "requests_per_second": worker, "bare_requests_per_second": baseline,
             "ratio": worker / baseline, "mails": count, "smtplib_runs": [before, after]}]
