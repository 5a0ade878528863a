"""Benchmark the service's reads against a bare Flask endpoint served the same way, in one run.

    python -m bench.run [--quick] [--scenario widgets] [--duration 5] [--profile]

Starts a Redis of its own (or uses --redis-url), a throwaway PostgreSQL
database per scenario, gunicorn with the same settings for the service and
for a bare Flask JSON endpoint, then loads each target with wrk right after
the bare endpoint, so that both see the same machine. Prints requests/s, p50,
p99, the ratio to bare Flask, and how many database queries a warm read makes.
Exits non-zero if a request failed or a cached read went to the database.
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from sqlalchemy import event

from bench import services, wrk
from bench.scenarios import SCENARIOS, Scenario, Target

OUT = Path(__file__).resolve().parent / "out"
TARGET_RATIO = 0.75  # cached widget reads, against bare Flask


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 s per measurement, no warm-up")
    parser.add_argument("--scenario", action="append", choices=sorted(SCENARIOS), help="repeatable; default: all")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds of load per measurement")
    parser.add_argument(
        "--rounds", type=int, default=3,
        help="bare/target pairs per target; the best of each is kept, as other load only ever slows a run down",
    )
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers, for both apps")
    parser.add_argument("--redis-url", help="use this Redis instead of starting one")
    parser.add_argument(
        "--pg-admin-url",
        default=os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test"),
        help="a PostgreSQL database to connect to while creating the throwaway ones",
    )
    parser.add_argument("--profile", action="store_true", help="record a py-spy flame graph of one worker per target")
    return parser.parse_args(argv)


def prepare(scenario: Scenario, env: dict[str, str]) -> tuple[dict[str, Any], dict[str, int]]:
    """Build the schema, load the data, and count the queries of each target's warm read."""
    import flask_migrate

    from comments_service import cache, create_app
    from comments_service.extensions import db
    from config import database_url

    app = create_app({
        "SQLALCHEMY_DATABASE_URI": database_url(env["DATABASE_URL"]), "REDIS_URL": env["REDIS_URL"],
        "SECRET_KEY": env["SECRET_KEY"], "RATELIMIT_ENABLED": False,
    })
    with app.app_context():
        flask_migrate.upgrade()
        facts = scenario.load()
        cache.drop_all()  # a shared Redis may hold values of an earlier run's database
        client = app.test_client()
        statements: list[str] = []
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        queries = {}
        for target in scenario.targets(facts):
            client.get(target.path, headers=target.headers)
            statements.clear()
            response = client.get(target.path, headers=target.headers)
            if response.status_code != 200:
                raise RuntimeError(f"{target.path} answered {response.status_code}: {response.data[:200]!r}")
            queries[target.name] = len(statements)
        db.engine.dispose()
    return facts, queries


def measure(url: str, target: Target | None, args: argparse.Namespace, seconds: float, warm: bool) -> wrk.Result:
    """Load one URL with wrk, after a short warm-up (imports, connections, caches) if ``warm``."""
    headers = target.headers if target else None
    if warm:
        wrk.run(url, 1, args.connections, args.threads, headers)
    return wrk.run(url, seconds, args.connections, args.threads, headers)


PY_SPY = Path(sys.executable).parent / "py-spy"


def profile(server: services.Gunicorn, name: str, seconds: float) -> subprocess.Popen[bytes]:
    """Record a flame graph of one worker while it is loaded."""
    OUT.mkdir(exist_ok=True)
    slug = "".join(ch if ch.isalnum() else "-" for ch in name)
    pid = server.worker_pids()[0]
    command = [str(PY_SPY), "record", "--pid", str(pid), "--duration", str(int(seconds)), "--rate", "250",
               "--output", str(OUT / f"profile-{slug}.svg")]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def noise_floor(bare: services.Gunicorn, args: argparse.Namespace, seconds: float) -> dict[str, Any]:
    """Measure bare Flask against a second copy of itself: the ratio two equal servers get here."""
    with services.gunicorn("bench.bare:app", {}, args.workers, "/json") as twin:
        target = Target("bare Flask (twin)", "/json", cached=False)
        return compare(target, bare, twin, args, seconds, {target.name: 0}, "calibration")


def compare(target: Target, bare: services.Gunicorn, server: services.Gunicorn, args: argparse.Namespace,
            seconds: float, queries: dict[str, int], scenario: str) -> dict[str, Any]:
    """Load bare Flask and the target in turns; keep the best run of each."""
    baselines, results = [], []
    for round_ in range(1 if args.quick else args.rounds):
        warm = round_ == 0 and not args.quick
        baselines.append(measure(bare.url + "/json", None, args, seconds, warm))
        spy = profile(server, target.name, seconds) if args.profile and not results else None
        results.append(measure(server.url + target.path, target, args, seconds, warm))
        if spy is not None:
            spy.wait(timeout=seconds + 30)
    baseline = max(baselines, key=lambda r: r.requests_per_second)
    result = max(results, key=lambda r: r.requests_per_second)
    row = {
        "scenario": scenario, "target": target.name, "path": target.path,
        "widget": target.widget, "cached": target.cached, **result.as_dict(),
        "errors": sum(r.errors for r in results),
        "bare_requests_per_second": baseline.requests_per_second,
        "ratio": result.requests_per_second / baseline.requests_per_second,
        "db_queries": queries[target.name],
    }
    print_row(row)
    return row


def run_scenario(scenario: Scenario, bare: services.Gunicorn, redis_url: str, args: argparse.Namespace,
                 seconds: float) -> list[dict[str, Any]]:
    rows = []
    with services.database(args.pg_admin_url) as db_url:
        env = {
            "DATABASE_URL": db_url, "REDIS_URL": redis_url, "SECRET_KEY": secrets.token_urlsafe(48),
            # Production settings: rate limits on (they apply to writes), pre-moderation.
            "APP_ENV": "production", "RATELIMIT_ENABLED": "1", "MODERATION": "pre",
            "CORS_ORIGINS": "https://blog.example",
        }
        facts, queries = prepare(scenario, env)
        with services.gunicorn("wsgi:app", env, args.workers, "/healthz") as service:
            for target in scenario.targets(facts):
                rows.append(compare(target, bare, service, args, seconds, queries, scenario.name))
    return rows


HEADER = f"{'target':<22}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'bare req/s':>12}{'ratio':>8}{'db queries':>12}"


def print_row(row: dict[str, Any]) -> None:
    flag = ""
    if row["widget"] and row["ratio"] < TARGET_RATIO:
        flag = f"  below {TARGET_RATIO}"
    if row["errors"]:
        flag += f"  {row['errors']} failed requests"
    print(
        f"{row['target']:<22}{row['requests_per_second']:>9.0f}{row['p50_ms']:>9.2f}{row['p99_ms']:>9.2f}"
        f"{row['bare_requests_per_second']:>12.0f}{row['ratio']:>8.2f}{row['db_queries']:>12}{flag}",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    """Run the chosen scenarios and print one line per target."""
    args = parse_args(argv)
    if not Path(wrk.WRK).exists():
        print(f"{wrk.WRK} is missing: install the Debian package wrk (make system-deps)", file=sys.stderr)
        return 2
    if args.profile and not PY_SPY.exists():
        print("--profile needs py-spy: pip install -r bench/requirements.txt", file=sys.stderr)
        return 2
    seconds = 1.0 if args.quick else args.duration
    rows: list[dict[str, Any]] = []
    with ExitStack() as stack:
        redis_url = args.redis_url or stack.enter_context(services.private_redis())
        bare = stack.enter_context(services.gunicorn("bench.bare:app", {}, args.workers, "/json"))
        rounds = 1 if args.quick else args.rounds
        print(f"gunicorn: {args.workers} sync workers each; wrk: -t{args.threads} -c{args.connections} "
              f"-d{seconds:g}s; best of {rounds} runs each, alternating with bare Flask; "
              "ratio = req/s / bare Flask req/s", flush=True)
        if not args.quick:
            print(f"\nnoise floor: bare Flask against a second copy of itself\n{HEADER}", flush=True)
            rows.append(noise_floor(bare, args, seconds))
        for name in args.scenario or sorted(SCENARIOS):
            scenario = SCENARIOS[name]
            print(f"\n{scenario.name}: {scenario.description}\n{HEADER}", flush=True)
            rows += run_scenario(scenario, bare, redis_url, args, seconds)
    OUT.mkdir(exist_ok=True)
    report = OUT / f"results-{time.strftime('%Y%m%d-%H%M%S')}.json"
    report.write_text(json.dumps({"seconds": seconds, "connections": args.connections, "rows": rows}, indent=2))
    widget_ratios = [row["ratio"] for row in rows if row["widget"]]
    if widget_ratios:
        print(f"\ncached widget reads: ratio to bare Flask min {min(widget_ratios):.2f}, "
              f"mean {sum(widget_ratios) / len(widget_ratios):.2f} (target {TARGET_RATIO}); results in {report}")
    failed = [row["target"] for row in rows if row["errors"] or (row["cached"] and row["db_queries"])]
    if failed:
        print(f"FAILED: {', '.join(failed)} (failed requests, or a cached read that queried the database)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
