"""Benchmark the fleet's settings: gunicorn's worker classes and counts, and PgBouncer in front of PostgreSQL.

    python -m bench.run --scenario settings    # sync, gthread (4 threads), gevent, at 2, 4 and 8 workers
    python -m bench.run --scenario pgbouncer   # the same requests with DATABASE_URL through PgBouncer

Both load one cached read (the first page of the 50-comment thread) and the
two writes (new comments, new likes, made unique by wrk Lua scripts), with
the writes scenario's settings (MODERATION=post, no duplicate window, rate
limits off). The writes go to a post of their own, so that the thread's
cached page, and so the read, stays the same however many writes came before.

``settings`` serves bare Flask with the same worker settings as the service,
one setting at a time, and divides each target by it. ``pgbouncer`` serves the
service twice, direct and through a private PgBouncer configured as
deploy/pgbouncer.ini says (transaction pooling), loads bare Flask, the direct
one and the pooled one in turns, and divides the pooled one by the direct
one; a cold read (no Redis) shows it on a read that goes to PostgreSQL.
Each prints a Markdown table to paste into bench/RESULTS.md.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

from bench import data, services
from bench.measure import best_of, prepare, row_of, service_env
from bench.scenarios import COMMENT_LUA, LIKE_LUA, NO_REDIS, READER, THREAD, WRITES, Scenario, Target, thread_path
from bench.tables import Column, Table, number, percent, text

WRITES_POST = "writes-post"
GTHREAD_THREADS = 4
CLASSES = ("sync", "gthread", "gevent")
COUNTS = (2, 4, 8)
SETTINGS, PGBOUNCER = "settings", "pgbouncer"


@dataclass(frozen=True)
class Setting:
    """How gunicorn runs both servers of one measurement: worker class, workers, threads per worker."""

    worker_class: str
    workers: int
    threads: int = 1

    def options(self) -> dict[str, Any]:
        """Return the options of services.Gunicorn for this setting."""
        return {"worker_class": self.worker_class, "threads": self.threads}

    def fields(self) -> dict[str, Any]:
        """Return the setting as a report row's fields."""
        return {"worker_class": self.worker_class, "workers": self.workers, "threads": self.threads}


def matrix(classes: list[str], counts: list[int]) -> list[Setting]:
    """Return every setting of ``classes`` by ``counts`` (gthread with its threads), class by class."""
    return [Setting(kind, count, GTHREAD_THREADS if kind == "gthread" else 1) for kind in classes for count in counts]


def load() -> dict[str, Any]:
    """The 50-comment thread, and an empty post for the writes."""
    data.thread_of_50(THREAD)
    data.publish(WRITES_POST)
    return {"slug": THREAD}


def targets(facts: dict[str, Any]) -> list[Target]:
    """The cached read and the two writes."""
    return [
        Target("thread 50, cached", thread_path(THREAD), headers=READER),
        Target("POST comment", thread_path(WRITES_POST), cached=False, script=COMMENT_LUA),
        Target("POST like", f"/api/posts/{WRITES_POST}/likes", cached=False, script=LIKE_LUA),
    ]


FLEET = Scenario(
    "fleet", "the 50-comment thread's first page (cached) and new comments and likes on a post of their own",
    load, targets, env=WRITES,
)
COLD = Target("thread 50, cold", thread_path(THREAD), headers=READER, cached=False)
DESCRIPTIONS = {
    SETTINGS: "gunicorn worker classes and counts, the service and bare Flask served alike at each setting; "
              f"{FLEET.description}; MODERATION=post, DUPLICATE_WINDOW_SECONDS=0, RATELIMIT_ENABLED=false",
    PGBOUNCER: "DATABASE_URL through a private PgBouncer in transaction pooling mode (deploy/pgbouncer.ini) "
               f"against the same service direct, in turns; {FLEET.description}, and the page cold (no Redis); "
               "MODERATION=post, DUPLICATE_WINDOW_SECONDS=0, RATELIMIT_ENABLED=false",
}

SETTINGS_TABLE = Table(
    Column("class", text("worker_class"), 7, numeric=False),
    Column("workers", number("workers")),
    Column("threads", number("threads")),
    Column("target", text("target"), 17, numeric=False),
    Column("req/s", number("requests_per_second"), 6),
    Column("p50 ms", number("p50_ms", 2)),
    Column("p99 ms", number("p99_ms", 2)),
    Column("bare req/s", number("bare_requests_per_second")),
    Column("ratio", number("ratio", 3)),
    Column("cpu ms/req", number("cpu_ms_per_request", 2)),
    Column("rss MB", number("rss_mb")),
    Column("failed", number("errors")),
)
PGBOUNCER_TABLE = Table(
    Column("target", text("target"), 17, numeric=False),
    Column("direct req/s", number("direct_requests_per_second")),
    Column("direct p99 ms", number("direct_p99_ms", 2)),
    Column("PgBouncer req/s", number("pooled_requests_per_second")),
    Column("PgBouncer p99 ms", number("pooled_p99_ms", 2)),
    Column("bare req/s", number("bare_requests_per_second")),
    Column("direct ratio", number("direct_ratio", 3)),
    Column("PgBouncer ratio", number("pooled_ratio", 3)),
    Column("PgBouncer / direct", number("pooled_vs_direct", 3)),
    Column("PgBouncer costs", percent("cost")),
    Column("failed", number("errors")),
)


def run_settings(redis_url: str, args: argparse.Namespace, seconds: float) -> list[dict[str, Any]]:
    """Measure the targets at every worker setting, each against bare Flask served with that setting."""
    rows = []
    with services.database(args.pg_admin_url) as db_url:
        env = service_env(db_url, redis_url, FLEET.env)
        facts, queries = prepare(FLEET, env)
        print(SETTINGS_TABLE.header(), flush=True)
        for setting in matrix(args.matrix_classes, args.matrix_workers):
            options = setting.options()
            with services.gunicorn("bench.bare:app", {}, setting.workers, "/json", **options) as bare, \
                    services.gunicorn("wsgi:app", env, setting.workers, "/healthz", **options) as service:
                for target in FLEET.targets(facts):
                    baseline, best = best_of([(bare, None), (service, target)], args, seconds)
                    row = {**row_of(target, best, baseline.result, SETTINGS, queries), **setting.fields()}
                    print(SETTINGS_TABLE.line(row), flush=True)
                    rows.append(row)
    return rows


def pooled_line(direct: dict[str, Any], pooled: dict[str, Any]) -> dict[str, Any]:
    """Return the PgBouncer table's row for a target measured direct and through PgBouncer."""
    vs_direct = pooled["requests_per_second"] / direct["requests_per_second"]
    return {
        "target": direct["target"], "bare_requests_per_second": direct["bare_requests_per_second"],
        "direct_requests_per_second": direct["requests_per_second"], "direct_p99_ms": direct["p99_ms"],
        "pooled_requests_per_second": pooled["requests_per_second"], "pooled_p99_ms": pooled["p99_ms"],
        "direct_ratio": direct["ratio"], "pooled_ratio": pooled["ratio"],
        "pooled_vs_direct": vs_direct, "cost": 1 - vs_direct, "errors": direct["errors"] + pooled["errors"],
    }


def costs_sentence(lines: list[dict[str, Any]]) -> str:
    """Say what PgBouncer costs each target, in a sentence for bench/RESULTS.md."""
    each = ", ".join(f"{line['target']} {100 * line['cost']:+.1f}%" for line in lines)
    return f"PgBouncer costs (1 - its req/s / direct req/s; negative: faster through it): {each}."


def run_pgbouncer(bare: services.Gunicorn, redis_url: str, args: argparse.Namespace,
                  seconds: float) -> list[dict[str, Any]]:
    """Measure the targets direct and through PgBouncer in turns, after bare Flask, with the same workers."""
    rows, lines = [], []
    with services.database(args.pg_admin_url) as db_url, services.private_pgbouncer(db_url) as pooled_url:
        env = service_env(db_url, redis_url, FLEET.env)
        facts, queries = prepare(FLEET, env)
        queries = {**queries, COLD.name: None}  # counted with Redis; cold, every read is the page's statements
        print(PGBOUNCER_TABLE.header(), flush=True)
        for extra, group in (({}, FLEET.targets(facts)), (NO_REDIS, [COLD])):
            with services.gunicorn("wsgi:app", {**env, **extra}, args.workers, "/healthz") as direct, \
                    services.gunicorn("wsgi:app", {**env, **extra, "DATABASE_URL": pooled_url}, args.workers,
                                      "/healthz") as pooled:
                for target in group:
                    baseline, *bests = best_of([(bare, None), (direct, target), (pooled, target)], args, seconds)
                    pair = [{**row_of(target, best, baseline.result, PGBOUNCER, queries), "via": via}
                            for best, via in zip(bests, ("direct", "pgbouncer"), strict=True)]
                    line = pooled_line(*pair)
                    pair[1]["vs_direct"] = line["pooled_vs_direct"]
                    print(PGBOUNCER_TABLE.line(line), flush=True)
                    rows += pair
                    lines.append(line)
    print(costs_sentence(lines), flush=True)
    return rows
