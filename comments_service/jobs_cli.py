"""Commands for background jobs: `flask --app wsgi worker` runs them, `flask --app wsgi jobs` lists, re-queues."""
from __future__ import annotations

import logging
import signal
import threading
from typing import Any

import click
from flask.cli import with_appcontext

from . import jobs_admin, jobs_worker
from .times import iso

log = logging.getLogger(__name__)


@click.command("worker")
@with_appcontext
def worker_command() -> None:
    """Run background jobs (mail, webhooks) until SIGTERM or Ctrl-C; the job in hand is finished first."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    stop = threading.Event()

    def ask_to_stop(signum: int, frame: Any) -> None:
        log.info("worker got %s: finishing the job in hand", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, ask_to_stop)
    signal.signal(signal.SIGINT, ask_to_stop)
    jobs_worker.work(stop)


@click.command("jobs")
@click.option("--retry", "retry_id", type=int, metavar="ID", help="Queue the failed job ID again, due now.")
@with_appcontext
def jobs_command(retry_id: int | None) -> None:
    """List pending, running and failed jobs, failed first; or re-queue a failed one."""
    if retry_id is not None:
        try:
            jobs_admin.retry(retry_id)
        except jobs_admin.NotRetried as error:
            raise click.ClickException(str(error)) from None
        click.echo(f"job {retry_id} queued again")
        return
    rows = jobs_admin.listing()
    counts = jobs_admin.counts()
    click.echo(f"{counts['pending']} pending, {counts['running']} running, {counts['failed']} failed")
    for row in rows:
        due = f"due {iso(row.run_at)}" if row.state == "pending" else f"since {iso(row.run_at)}"
        click.echo(f"{row.id}\t{row.state}\t{row.kind}\tattempts {row.attempts}\t{due}\t{row.summary}")
        if row.last_error:
            click.echo(f"\tlast error: {row.last_error.splitlines()[-1][:300]}")
