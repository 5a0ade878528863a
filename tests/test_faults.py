"""Faults under load: PostgreSQL goes away and comes back; gunicorn is stopped mid-load.

Nothing is mocked: the service runs under gunicorn against the real PostgreSQL
(through a TCP proxy the test can cut) and the real Redis.
"""
from __future__ import annotations

import threading
import time

from sqlalchemy import select

from comments_service import integrity
from comments_service.extensions import db
from comments_service.models import Comment
from tests.conftest import ARTIFACTS, REDIS_URL
from tests.faults import Gunicorn, TcpProxy, request, run_load


def service_env(database_url: str, **extra: str) -> dict[str, str]:
    return {
        "APP_ENV": "production", "SECRET_KEY": "fault-test-secret-key-0123456789-abcdefghij",
        "DATABASE_URL": database_url, "REDIS_URL": REDIS_URL, "RATELIMIT_ENABLED": "false",
        "MODERATION": "post", "TRUSTED_HOSTS": "127.0.0.1", **extra,
    }


def save_log(name: str, output: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"{name}.log").write_text(output)


def stored_ids(app) -> set[int]:
    with app.app_context():
        return set(db.session.scalars(select(Comment.id)))


def no_drift(app) -> list:
    with app.app_context():
        return integrity.check()


def poster(address):
    def step(worker: int, i: int):
        if i % 4 == 3:
            return request(address, "GET", "/api/posts/fault/comments?sort=newest")
        return request(address, "POST", "/api/posts/fault/comments", {"author": f"w{worker}", "body": f"w{worker}-{i}"})
    return step


def test_database_outage_gives_503_then_recovers_without_loss(app, database_url):
    proxy = TcpProxy("127.0.0.1", 5432)
    proxied = database_url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
    server = Gunicorn(service_env(proxied))
    marks: dict[str, float] = {}

    def outage() -> None:
        time.sleep(1.5)
        marks["cut"] = time.monotonic()
        proxy.cut()
        marks["health"] = request(server.address, "GET", "/healthz").status
        time.sleep(2.0)
        proxy.restore()
        marks["restored"] = time.monotonic()

    try:
        chaos = threading.Thread(target=outage)
        chaos.start()
        results = run_load(6, 6.5, poster(server.address))
        chaos.join()
    finally:
        output = server.stop()
        proxy.close()
    statuses = [r.status for r in results]
    save_log("gunicorn-database-outage", output + "\n" + "\n".join(
        f"{r.at - marks['cut']:+.2f}s {r.method} {r.path} {r.status} {r.error}" for r in results if r.status not in (200, 201)))
    assert set(statuses) <= {200, 201, 503}, "see tests/artifacts/gunicorn-database-outage.log"
    unavailable = [r for r in results if r.status == 503]
    assert unavailable, "the outage was not seen"
    assert all(r.headers.get("Retry-After") and r.body["error"]["code"] == "storage_unavailable" for r in unavailable)
    assert marks["health"] == 503
    # Recovery by itself: a second after the database is back, everything succeeds again.
    late = [r for r in results if r.at > marks["restored"] + 1.0]
    assert late and all(r.status in (200, 201) for r in late)
    acknowledged = {r.body["id"] for r in results if r.status == 201}
    assert acknowledged and acknowledged <= stored_ids(app)
    assert no_drift(app) == []
    print(f"\ndatabase outage: {len(results)} requests, {len(unavailable)} answered 503, "
          f"{len(acknowledged)} comments acknowledged, 0 lost, 0 drift")


def test_sigterm_finishes_requests_in_flight_and_loses_no_write(app, database_url):
    server = Gunicorn(service_env(database_url))
    stop_at: dict[str, float] = {}

    def terminate() -> None:
        time.sleep(1.5)
        stop_at["t"] = time.monotonic()
        server.process.terminate()

    chaos = threading.Thread(target=terminate)
    chaos.start()
    results = run_load(6, 3.5, poster(server.address))
    chaos.join()
    output = server.stop()
    answered = [r for r in results if r.status]
    # Every answer that came is a whole, valid answer; refused connections after the stop are not answers.
    assert all(r.status in (200, 201) for r in answered), [(r.status, r.body) for r in answered if r.status not in (200, 201)]
    assert all(r.error in ("ConnectionRefusedError", "ConnectionResetError", "RemoteDisconnected") for r in results if not r.status)
    acknowledged = {r.body["id"] for r in answered if r.status == 201}
    assert acknowledged <= stored_ids(app)
    in_flight = [r for r in answered if r.at < stop_at["t"] < r.done]
    assert in_flight, "no request was in flight at SIGTERM"
    assert server.process.returncode == 0, output
    assert no_drift(app) == []
