"""Benchmark open event streams: N streams of one post held by the service, one approval, how soon all have it.

    python -m bench.run --scenario streams                 # 5,000 streams (--streams N for another count)

The service runs as gunicorn.conf.py runs it in production (gevent workers,
``--workers`` of them, enough worker connections for the streams), on
127.0.0.1 only. One client process opens the streams with asyncio (raw
sockets, as many as the open-file limit allows), waits until each has its
first bytes, measures the workers' resident memory before and after
(RSS delta / N: the cost of one open stream), then approves one comment
through the API and times, per stream, the arrival of its ``event: comment``
from just before the approval was sent: p50, p99 and the slowest. Every wait
is bounded (``--streams-timeout``); a stream that never got the event counts
as missed and fails the run.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench import services
from bench.measure import service_env
from bench.tables import Column, Table, number

STREAMS = "streams"
DEFAULT_STREAMS = 5000
POST = "streams-post"
DESCRIPTION = ("open event streams of one post on gevent workers (gunicorn.conf.py's class), one approval: "
               "time until every stream has it, and memory per open stream")
TABLE = Table(
    Column("streams", number("streams")),
    Column("workers", number("workers")),
    Column("received", number("received")),
    Column("open s", number("open_seconds", 2)),
    Column("p50 ms", number("p50_ms", 1)),
    Column("p99 ms", number("p99_ms", 1)),
    Column("max ms", number("max_ms", 1)),
    Column("rss before MB", number("rss_before_mb", 1)),
    Column("rss after MB", number("rss_after_mb", 1)),
    Column("KB/stream", number("kb_per_stream", 1)),
)


def rss_total_mb(server: services.Gunicorn) -> float:
    """Return the summed resident set size of the server's workers, in MB."""
    total = 0
    for pid in server.worker_pids():
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def raise_file_limit(wanted: int) -> int:
    """Raise this process's open-file limit (inherited by the servers it starts) towards ``wanted``."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = min(max(soft, wanted), hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return target


def prepare(env: dict[str, str]) -> str:
    """Build the schema and the post, and return a moderator's API token."""
    import flask_migrate

    from comments_service import create_app
    from comments_service.auth import create_api_token
    from comments_service.models import Role
    from config import database_url

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url(env["DATABASE_URL"]), "REDIS_URL": env["REDIS_URL"],
                      "SECRET_KEY": env["SECRET_KEY"], "RATELIMIT_ENABLED": False})
    with app.app_context():
        flask_migrate.upgrade()
        return create_api_token("bench-moderator", Role.MODERATOR)


def call(base: str, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
    """Send one JSON request; return the decoded answer."""
    headers = {"Content-Type": "application/json", "Host": "127.0.0.1"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    with urllib.request.urlopen(urllib.request.Request(base + path, data, headers, method=method), timeout=30) as r:
        return json.loads(r.read() or b"null")


async def hold(port: int, ready: asyncio.Event, opened: list[int], arrived: list[float], marker: bytes,
               total: int, deadline: float) -> None:
    """Open one stream, count it open at its first bytes, then note when ``marker`` arrives."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET /api/posts/{POST}/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    seen = b""
    try:
        while marker not in seen:
            chunk = await asyncio.wait_for(reader.read(65536), timeout=max(deadline - time.monotonic(), 0.01))
            if not chunk:
                return
            if not seen:
                opened.append(1)
                if len(opened) == total:
                    ready.set()
            seen = (seen + chunk)[-4096:]
        arrived.append(time.monotonic())
    except (TimeoutError, OSError):
        return
    finally:
        writer.close()


async def measure(server: services.Gunicorn, token: str, count: int, timeout: float) -> dict[str, Any]:
    """Open ``count`` streams, approve a comment, and time its arrival on each."""
    made = call(server.url, "POST", f"/api/posts/{POST}/comments", {"author": "Bench", "body": "Watched live"})
    marker = f'"id":{made["id"]},'.encode()
    before = rss_total_mb(server)
    ready, opened, arrived = asyncio.Event(), [], []
    started = time.monotonic()
    deadline = started + timeout
    tasks = []
    for i in range(count):
        tasks.append(asyncio.ensure_future(hold(server.port, ready, opened, arrived, marker, count, deadline)))
        if i % 200 == 199:
            await asyncio.sleep(0.05)  # a burst the listen backlog takes
    try:
        await asyncio.wait_for(ready.wait(), timeout=max(deadline - time.monotonic(), 0.01))
    except TimeoutError:
        pass
    open_seconds = time.monotonic() - started
    await asyncio.sleep(1.0)  # let the workers settle before reading their memory
    after = rss_total_mb(server)
    sent = time.monotonic()
    await asyncio.get_running_loop().run_in_executor(
        None, lambda: call(server.url, "POST", f"/api/moderation/comments/{made['id']}/approve", {}, token))
    await asyncio.gather(*tasks)
    waits = sorted((at - sent) * 1000 for at in arrived)
    quantile = (lambda q: waits[min(int(q * len(waits)), len(waits) - 1)]) if waits else (lambda q: 0.0)
    return {
        "streams": count, "received": len(waits), "opened": len(opened), "open_seconds": open_seconds,
        "p50_ms": statistics.median(waits) if waits else 0.0, "p99_ms": quantile(0.99), "max_ms": quantile(1.0),
        "rss_before_mb": before, "rss_after_mb": after,
        "kb_per_stream": (after - before) * 1024 / max(len(opened), 1),
    }


def run_streams(redis_url: str, args: argparse.Namespace) -> list[dict[str, Any]]:
    """Serve the service with gevent workers, hold ``args.streams`` streams, and measure one approval."""
    count = args.streams
    limit = raise_file_limit(count * 2 + 1000)
    if limit < count + 200:
        raise SystemExit(f"the open-file limit ({limit}) is too low for {count} streams")
    with services.database(args.pg_admin_url) as db_url:
        env = service_env(db_url, redis_url, {"MODERATION": "pre", "RATELIMIT_ENABLED": "false",
                                              "LIVE_STREAM_SECONDS": str(args.streams_timeout + 60)})
        token = prepare(env)
        per_worker = count // args.workers + 500
        with services.gunicorn("wsgi:app", env, args.workers, "/healthz", worker_class="gevent",
                               worker_connections=per_worker) as server:
            row = asyncio.run(measure(server, token, count, args.streams_timeout))
    row = {**row, "workers": args.workers, "scenario": STREAMS, "target": f"{count} open streams",
           "errors": row["streams"] - row["received"], "cached": False, "widget": False}
    print(TABLE.header(), flush=True)
    print(TABLE.line(row), flush=True)
    return [row]
