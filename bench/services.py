"""What a benchmark run starts and stops: a throwaway database, a Redis, gunicorn servers."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg

from tests.servers import PgBouncer, RedisServer, free_port

ROOT = Path(__file__).resolve().parent.parent
# Empty settings, so that the production gunicorn.conf.py in ROOT is not read (see that file).
SETTINGS = Path(__file__).resolve().parent / "gunicorn.conf.py"
WORKER_CLASSES = ("sync", "gthread", "gevent")  # gevent: bench/requirements.txt


@contextmanager
def database(admin_url: str) -> Iterator[str]:
    """Create an empty PostgreSQL database for one scenario; drop it afterwards."""
    name = f"comments_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def private_redis() -> Iterator[str]:
    """Run a Redis server of the benchmark's own, so that no other user's data is touched."""
    server = RedisServer().start()
    try:
        yield server.url
    finally:
        server.stop()


@contextmanager
def private_pgbouncer(database_url: str) -> Iterator[str]:
    """Run a PgBouncer of the benchmark's own in front of ``database_url``'s server; yield the URL through it.

    It is configured as deploy/pgbouncer.ini says (transaction pooling, its
    pool sizes), with only a spare port, its files and the routing changed.
    """
    parts = urlsplit(database_url)
    server = PgBouncer(parts.hostname or "127.0.0.1", parts.port or 5432).start()
    try:
        yield server.url(database_url)
    finally:
        server.stop()


class Gunicorn:
    """A gunicorn server with the settings every benchmarked app shares.

    ``worker_class`` is gunicorn's (``sync``, ``gthread``, ``gevent``);
    ``threads`` is the threads of each ``gthread`` worker (gunicorn would turn
    a sync worker with more than one thread into gthread, so other classes
    take none).
    """

    def __init__(self, app: str, env: dict[str, str], workers: int, ready_path: str,
                 python: Path | None = None, port: int | None = None, cwd: Path = ROOT,
                 log: Path | None = None, worker_class: str = "sync", threads: int = 1,
                 worker_connections: int | None = None) -> None:
        if worker_class not in WORKER_CLASSES:
            raise ValueError(f"unknown worker class {worker_class!r}: one of {', '.join(WORKER_CLASSES)}")
        if threads != 1 and worker_class != "gthread":
            raise ValueError(f"{worker_class} workers take no threads (only gthread does)")
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [
            str(python or sys.executable), "-m", "gunicorn", "--config", str(SETTINGS),
            "--workers", str(workers), "--worker-class", worker_class, "--threads", str(threads),
            "--bind", f"127.0.0.1:{self.port}", "--log-level", "warning",
            *(["--worker-connections", str(worker_connections)] if worker_connections else []), app,
        ]
        self.log = open(log, "wb") if log else None  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(command, cwd=cwd, env={**os.environ, **env}, stdout=self.log,
                                        stderr=subprocess.STDOUT if self.log else None)
        self._wait(ready_path)

    def _wait(self, path: str) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}")
            try:
                with urllib.request.urlopen(self.url + path, timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not answer {path} within 60 s")

    def worker_pids(self) -> list[int]:
        """Return the pids of the worker processes (for a profiler)."""
        found = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True)
        return [int(pid) for pid in found.stdout.split()]

    def cpu_seconds(self) -> float:
        """Return the CPU time (user + system) its workers have used so far."""
        total = 0
        for pid in self.worker_pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
        return total / os.sysconf("SC_CLK_TCK")

    def rss_mb(self) -> float:
        """Return the largest resident set size of its workers, in MB."""
        largest = 0
        for pid in self.worker_pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            for line in status.splitlines():
                if line.startswith("VmRSS:"):
                    largest = max(largest, int(line.split()[1]))
        return largest / 1024

    def stop(self) -> None:
        """Stop the server and its workers."""
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.log:
            self.log.close()


@contextmanager
def gunicorn(app: str, env: dict[str, str], workers: int, ready_path: str, **options: Any) -> Iterator[Gunicorn]:
    """Serve ``app`` with gunicorn until the block ends."""
    server = Gunicorn(app, env, workers, ready_path, **options)
    try:
        yield server
    finally:
        server.stop()
