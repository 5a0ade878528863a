"""Measure one target against bare Flask: load its data, run wrk on both in turns, keep the best, print the row.

Every scenario runner (:mod:`bench.run`, :mod:`bench.fleet`) goes through
here, so that every figure is taken the same way: each target right after a
bare Flask run on the same machine, best of ``--rounds``.
"""
from __future__ import annotations

import argparse
import secrets
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event, text

from bench import services, wrk
from bench.scenarios import BLOG_ORIGIN, Scenario, Target

OUT = Path(__file__).resolve().parent / "out"
TARGET_RATIO = 0.75  # cached widget reads, against bare Flask
RSS_TARGET_MB = 120
ISSO = "isso"
PY_SPY = Path(sys.executable).parent / "py-spy"
Measured = tuple[wrk.Result, float, float]  # wrk's result, CPU ms per request, largest worker RSS in MB


def service_env(db_url: str, redis_url: str, extra: dict[str, str]) -> dict[str, str]:
    """Return the service's settings in a benchmark: production ones, then a scenario's own ``extra``."""
    return {
        "DATABASE_URL": db_url, "REDIS_URL": redis_url, "SECRET_KEY": secrets.token_urlsafe(48),
        # Production settings: rate limits on (they apply to writes), pre-moderation, links
        # from PUBLIC_URL (as mails need it; TRUSTED_HOSTS instead adds Flask's host check).
        "APP_ENV": "production", "RATELIMIT_ENABLED": "1", "MODERATION": "pre",
        "CORS_ORIGINS": BLOG_ORIGIN, "PUBLIC_URL": "https://comments.example",
        **extra,
    }


def prepare(scenario: Scenario, env: dict[str, str]) -> tuple[dict[str, Any], dict[str, int | None]]:
    """Build the schema, load the data, and count the queries of each target's warm read."""
    import flask_migrate

    from comments_service import cache, create_app
    from comments_service.extensions import db
    from config import database_url

    app = create_app({
        "SQLALCHEMY_DATABASE_URI": database_url(env["DATABASE_URL"]), "REDIS_URL": env["REDIS_URL"] or None,
        "SECRET_KEY": env["SECRET_KEY"], "RATELIMIT_ENABLED": False,
    })
    with app.app_context():
        flask_migrate.upgrade()
        facts = scenario.load()
        # Planner statistics, as autovacuum gathers them on a live database a minute after a bulk load.
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        cache.drop_all()  # a shared Redis may hold values of an earlier run's database
        client = app.test_client()
        statements: list[str] = []
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        queries: dict[str, int | None] = {}
        for target in scenario.targets(facts):
            if target.script:  # a write: its queries are the domain's, not a cache question
                queries[target.name] = None
                continue
            client.get(target.path, headers=target.headers)
            statements.clear()
            response = client.get(target.path, headers=target.headers)
            if response.status_code != 200:
                raise RuntimeError(f"{target.path} answered {response.status_code}: {response.data[:200]!r}")
            queries[target.name] = len(statements)
        db.engine.dispose()
    return facts, queries


def lua(target: Target) -> Path | None:
    """Write the target's Lua script with a prefix never used before, so that no request repeats an earlier one."""
    if target.script is None:
        return None
    OUT.mkdir(exist_ok=True)
    path = OUT / "request.lua"
    path.write_text(target.script.replace("{prefix}", secrets.token_hex(8)))
    return path


def measure(server: services.Gunicorn, target: Target | None, args: argparse.Namespace, seconds: float,
            warm: bool) -> Measured:
    """Load one target with wrk, after a short warm-up if ``warm``; return wrk's result, CPU ms/request, RSS MB."""
    url = server.url + (target.path if target else "/json")
    headers = target.headers if target else None
    if warm:
        wrk.run(url, 1, args.connections, args.threads, headers, lua(target) if target else None)
    script = lua(target) if target else None
    cpu_before = server.cpu_seconds()
    result = wrk.run(url, seconds, args.connections, args.threads, headers, script)
    cpu_ms = (server.cpu_seconds() - cpu_before) * 1000 / max(1, result.requests)
    return result, cpu_ms, server.rss_mb()


def profile(server: services.Gunicorn, name: str, seconds: float) -> subprocess.Popen[bytes]:
    """Record a flame graph of one worker while it is loaded."""
    OUT.mkdir(exist_ok=True)
    slug = "".join(ch if ch.isalnum() else "-" for ch in name)
    pid = server.worker_pids()[0]
    command = [str(PY_SPY), "record", "--pid", str(pid), "--duration", str(int(seconds)), "--rate", "250",
               "--output", str(OUT / f"profile-{slug}.svg")]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@dataclass
class Best:
    """The best of a target's runs."""

    result: wrk.Result  # the run with the most requests per second
    cpu_ms: float  # that run's worker CPU per request
    rss_mb: float  # the largest worker RSS after any run
    errors: int  # failed requests over all runs


def best_of(runs: Sequence[tuple[services.Gunicorn, Target | None]], args: argparse.Namespace, seconds: float,
            profiled: int | None = None) -> list[Best]:
    """Load each (server, target) in turn, ``--rounds`` times; return the best run of each.

    ``target`` None is bare Flask's ``/json``. The best run is kept, as other
    load on the machine only ever slows a run down; ``profiled`` names the
    run of which the first round records a flame graph.
    """
    measured: list[list[Measured]] = [[] for _ in runs]
    for round_ in range(1 if args.quick else args.rounds):
        warm = round_ == 0 and not args.quick
        for index, (server, target) in enumerate(runs):
            name = target.name if target else "bare Flask"
            spy = profile(server, name, seconds) if index == profiled and round_ == 0 else None
            measured[index].append(measure(server, target, args, seconds, warm))
            if spy is not None:
                spy.wait(timeout=seconds + 30)
    found = []
    for results in measured:
        result, cpu_ms, _ = max(results, key=lambda r: r[0].requests_per_second)
        found.append(Best(result, cpu_ms, max(r[2] for r in results), sum(r[0].errors for r in results)))
    return found


def row_of(target: Target, best: Best, baseline: wrk.Result, scenario: str,
           queries: dict[str, int | None]) -> dict[str, Any]:
    """Return the report's row for a target's best run against the bare Flask run it is divided by."""
    return {
        "scenario": scenario, "target": target.name, "path": target.path,
        "widget": target.widget, "cached": target.cached, **best.result.as_dict(),
        "errors": best.errors,
        "bare_requests_per_second": baseline.requests_per_second,
        "ratio": best.result.requests_per_second / baseline.requests_per_second,
        "target_ratio": TARGET_RATIO if target.widget else target.target_ratio,
        "cpu_ms_per_request": best.cpu_ms, "rss_mb": best.rss_mb,
        "db_queries": queries[target.name],
        "requests_per_view": target.requests_per_view,
        "views_per_second": best.result.requests_per_second / target.requests_per_view,
    }


def compare(target: Target, bare: services.Gunicorn, server: services.Gunicorn, args: argparse.Namespace,
            seconds: float, queries: dict[str, int | None], scenario: str) -> dict[str, Any]:
    """Load bare Flask and the target in turns; keep the best run of each; print the row under HEADER."""
    baseline, best = best_of([(bare, None), (server, target)], args, seconds, profiled=1 if args.profile else None)
    row = row_of(target, best, baseline.result, scenario, queries)
    print_row(row)
    return row


HEADER = (f"{'target':<22}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'bare req/s':>12}{'ratio':>8}{'goal':>6}"
          f"{'cpu ms/req':>12}{'rss MB':>8}{'db queries':>12}")


def print_row(row: dict[str, Any]) -> None:
    """Print one row under HEADER, flagged when it misses its goal, the RSS limit, or had failed requests."""
    flag = ""
    goal = row["target_ratio"]
    if goal is not None and row["ratio"] < goal:
        flag = f"  below {goal}"
    if row["rss_mb"] >= RSS_TARGET_MB and not row["scenario"] == ISSO:
        flag += f"  RSS over {RSS_TARGET_MB} MB"
    if row["errors"]:
        flag += f"  {row['errors']} failed requests"
    queries = "-" if row["db_queries"] is None else row["db_queries"]
    print(
        f"{row['target']:<22}{row['requests_per_second']:>9.0f}{row['p50_ms']:>9.2f}{row['p99_ms']:>9.2f}"
        f"{row['bare_requests_per_second']:>12.0f}{row['ratio']:>8.3f}{'' if goal is None else goal:>6}"
        f"{row['cpu_ms_per_request']:>12.2f}{row['rss_mb']:>8.0f}{queries:>12}{flag}",
        flush=True,
    )
