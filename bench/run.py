"""Benchmark the service's reads against a bare Flask endpoint served the same way, in one run.

    python -m bench.run [--quick] [--scenario widgets] [--duration 5] [--profile]
    python -m bench.run --scenario settings --scenario pgbouncer   # the fleet's settings (bench/fleet.py)
    python -m bench.run --scenario streams [--streams 5000]        # open event streams (bench/streams.py)

Starts a Redis of its own (or uses --redis-url), a throwaway PostgreSQL
database per scenario, gunicorn with the same settings for the service, for
a bare Flask JSON endpoint and for Isso (in its own virtualenv), then loads
each target with wrk right after the bare endpoint, so that both see the same
machine. Prints requests/s, p50, p99, the ratio to bare Flask, the workers'
CPU time per request and largest RSS, and how many database queries a warm
read makes; then the comparisons the targets are about (cached vs cold, large
vs small, ours vs Isso). Exits non-zero if a request failed or a cached read
went to the database. The fleet scenarios (worker classes and counts,
PgBouncer) run only when named, and print Markdown tables.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from bench import fleet, isso, jobs, services, streams, wrk
from bench.measure import HEADER, ISSO, OUT, PY_SPY, TARGET_RATIO, compare, prepare, service_env
from bench.scenarios import COMMENT_LUA, SCENARIOS, THREAD, Scenario, Target

ALL = [*sorted(SCENARIOS), ISSO, jobs.NAME]
FLEET = [fleet.SETTINGS, fleet.PGBOUNCER, streams.STREAMS]  # only when named: the matrix alone takes about 16 minutes


def positive(value: str) -> int:
    """Read a whole number above 0."""
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


def listed(kind: type, choices: tuple[Any, ...] | None = None) -> Any:
    """Return a parser of a comma-separated list of ``kind`` (each one of ``choices``, if given)."""
    def parse(value: str) -> list[Any]:
        try:
            items = [kind(item.strip()) for item in value.split(",") if item.strip()]
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a comma-separated list of {kind.__name__}: {value!r}") from None
        wrong = [item for item in items if choices is not None and item not in choices]
        if not items or wrong:
            raise argparse.ArgumentTypeError(f"choose from {', '.join(map(str, choices or ()))}: {value!r}")
        return items
    return parse


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 s per measurement, no warm-up")
    parser.add_argument("--scenario", action="append", choices=[*ALL, *FLEET],
                        help=f"repeatable; default: all but {' and '.join(FLEET)}")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds of load per measurement")
    parser.add_argument(
        "--rounds", type=int, default=3,
        help="bare/target pairs per target; the best of each is kept, as other load only ever slows a run down",
    )
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers, for both apps")
    parser.add_argument("--matrix-classes", type=listed(str, fleet.CLASSES), default=list(fleet.CLASSES),
                        help=f"worker classes of --scenario settings (default: {','.join(fleet.CLASSES)}; "
                             f"gthread with {fleet.GTHREAD_THREADS} threads)")
    parser.add_argument("--matrix-workers", type=listed(positive), default=list(fleet.COUNTS),
                        help=f"worker counts of --scenario settings (default: {','.join(map(str, fleet.COUNTS))})")
    parser.add_argument("--streams", type=positive, default=streams.DEFAULT_STREAMS,
                        help=f"open event streams of --scenario streams (default {streams.DEFAULT_STREAMS})")
    parser.add_argument("--streams-timeout", type=float, default=60.0,
                        help="seconds --scenario streams waits, at most, for the streams to open and for the event")
    parser.add_argument("--redis-url", help="use this Redis instead of starting one")
    parser.add_argument(
        "--pg-admin-url",
        default=os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test"),
        help="a PostgreSQL database to connect to while creating the throwaway ones",
    )
    parser.add_argument("--profile", action="store_true", help="record a py-spy flame graph of one worker per target")
    return parser.parse_args(argv)


def noise_floor(bare: services.Gunicorn, args: argparse.Namespace, seconds: float) -> dict[str, Any]:
    """Measure bare Flask against a second copy of itself: the ratio two equal servers get here."""
    with services.gunicorn("bench.bare:app", {}, args.workers, "/json") as twin:
        target = Target("bare Flask (twin)", "/json", cached=False)
        return compare(target, bare, twin, args, seconds, {target.name: 0}, "calibration")


def run_scenario(scenario: Scenario, bare: services.Gunicorn, redis_url: str, args: argparse.Namespace,
                 seconds: float) -> list[dict[str, Any]]:
    rows = []
    with services.database(args.pg_admin_url) as db_url:
        env = service_env(db_url, redis_url, scenario.env)
        facts, queries = prepare(scenario, env)
        with services.gunicorn("wsgi:app", env, args.workers, "/healthz") as service:
            for target in scenario.targets(facts):
                rows.append(compare(target, bare, service, args, seconds, queries, scenario.name))
    return rows


ISSO_COMMENT_LUA = COMMENT_LUA.replace('"author": "Bench reader", "email": "reader@example.org", "body"',
                                       '"author": "Bench reader", "email": "reader@example.org", "text"')


def run_isso(bare: services.Gunicorn, args: argparse.Namespace, seconds: float) -> list[dict[str, Any]]:
    """Serve Isso with gunicorn from its own virtualenv, post the same 50-comment thread through its API, load it."""
    from bench.data import THREAD_REPLIES, THREAD_TOP, body

    python = isso.ensure_gunicorn()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-isso-") as workdir:
        server = isso.IssoServer(Path(workdir), moderation=False)  # published at once, like MODERATION=post
        server.write_config()
        with services.gunicorn("isso.run:application", {"ISSO_SETTINGS": str(server.config)}, args.workers,
                               "/config", python=python, port=server.port, cwd=Path(workdir),
                               log=Path(workdir) / "isso.out") as service:
            uri = f"/{THREAD}"
            for t in range(THREAD_TOP):
                top = server.comment(uri, "A post", body(t), f"Reader {t}")
                for r in range(THREAD_REPLIES):
                    server.comment(uri, "A post", body(100 * t + r), f"Replier {r}", parent=top["id"])
                for v in range(t % 4):
                    server.like(top["id"], f"198.51.{v}.1")
            if len(server.thread(uri)["replies"]) != THREAD_TOP:
                raise RuntimeError("Isso does not show the thread that was posted")
            targets = [
                Target("Isso thread 50", f"/?uri={uri}", cached=False),
                Target("Isso POST comment", f"/new?uri={uri}", cached=False, script=ISSO_COMMENT_LUA),
            ]
            for target in targets:
                rows.append(compare(target, bare, service, args, seconds, {target.name: None}, ISSO))
    return rows


# (what, numerator row, denominator row, goal, "min": at least the goal; "max": at most).
# "min" rows are judged on the ratios to bare Flask (Isso runs minutes apart from our targets); the
# "max" rows, costs of the same request on a small and a large data set, on the two targets' req/s
# directly: both run on the same services one after the other, and dividing by two bare runs would
# add their noise twice. Every column is printed.
COMPARISONS = [
    ("cached thread read vs Isso's", "thread 50, cached", "Isso thread 50", 100, "min"),
    ("POST comment vs Isso's", "POST comment", "Isso POST comment", 3, "min"),
    ("cached thread vs cold", "thread 50, cached", "thread 50, cold", None, "min"),
    ("POST reply, notifications on vs off", "POST reply, notify on", "POST reply, notify off", None, "min"),
    ("POST reply, digest vs off", "POST reply, digest", "POST reply, notify off", None, "min"),
    ("approve, notifications on vs off", "approve reply, notify on", "approve reply, notify off", None, "min"),
    ("thread of 100 vs thread of 100k (cost)", "thread of 100, cold", "thread of 100k, cold", 1.3, "max"),
    ("10 tags vs 10k tags (cost)", "popular tags of 10", "popular tags of 10k", 1.3, "max"),
    # Page views per second, not requests: a view is one request to /api/page, or five.
    ("page views: /api/page vs five requests", "page, one request", "page, five requests", 3, "min"),
    ("queue page vs search of 100k (cost)", "queue 100k, no search", "search 100k, common", None, "max"),
]


def comparisons(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Print the ratios between targets (each first normalised by its own bare Flask run)."""
    by_name = {row["target"]: row for row in rows}
    found = []
    print(f"{'':<42}{'by ratio':>10}{'by req/s':>10}{'by cpu/req':>12}")
    for what, top, bottom, goal, kind in COMPARISONS:
        if top in by_name and bottom in by_name:
            a, b = by_name[top], by_name[bottom]
            views = b.get("requests_per_view", 1) / a.get("requests_per_view", 1)  # compared per page view
            normalised = a["ratio"] / b["ratio"] * views
            direct = a["requests_per_second"] / b["requests_per_second"] * views
            cpu = (b["cpu_ms_per_request"] / a["cpu_ms_per_request"] * views if a["cpu_ms_per_request"]
                   else float("nan"))
            value = normalised if kind == "min" else direct
            met = None if goal is None else (value >= goal if kind == "min" else value <= goal)
            found.append({"comparison": what, "value": value, "by_ratio": normalised, "by_requests": direct,
                          "by_cpu": cpu, "goal": goal, "kind": kind, "met": met})
            verdict = "" if goal is None else f"  goal {'>=' if kind == 'min' else '<='} {goal} " \
                f"{'by ratio' if kind == 'min' else 'by req/s'}: {'met' if met else 'MISSED'}"
            print(f"{what:<42}{normalised:>9.2f}x{direct:>9.2f}x{cpu:>11.2f}x{verdict}")
    return found


def machine() -> str:
    """Describe the machine: cores, memory, CPU model."""
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor() or "unknown CPU")
    memory = next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal:"))
    gib = int(memory) / 1024 / 1024
    return f"{os.cpu_count()} cores ({model}), {gib:.1f} GiB memory, Python {platform.python_version()}"


def main(argv: list[str] | None = None) -> int:
    """Run the chosen scenarios and print one line per target."""
    args = parse_args(argv)
    if not Path(wrk.WRK).exists():
        print(f"{wrk.WRK} is missing: install the Debian package wrk (make system-deps)", file=sys.stderr)
        return 2
    if args.profile and not PY_SPY.exists():
        print("--profile needs py-spy: pip install -r bench/requirements.txt", file=sys.stderr)
        return 2
    if fleet.SETTINGS in (args.scenario or ()) and "gevent" in args.matrix_classes \
            and importlib.util.find_spec("gevent") is None:
        print("gevent workers need gevent: pip install -r bench/requirements.txt", file=sys.stderr)
        return 2
    seconds = 1.0 if args.quick else args.duration
    rows: list[dict[str, Any]] = []
    with ExitStack() as stack:
        redis_url = args.redis_url or stack.enter_context(services.private_redis())
        bare = stack.enter_context(services.gunicorn("bench.bare:app", {}, args.workers, "/json"))
        rounds = 1 if args.quick else args.rounds
        print(f"machine: {machine()}", flush=True)
        print(f"gunicorn: {args.workers} sync workers each; wrk: -t{args.threads} -c{args.connections} "
              f"-d{seconds:g}s; best of {rounds} runs each, alternating with bare Flask; "
              "ratio = req/s / bare Flask req/s", flush=True)
        if not args.quick:
            print(f"\nnoise floor: bare Flask against a second copy of itself\n{HEADER}", flush=True)
            rows.append(noise_floor(bare, args, seconds))
        for name in args.scenario or ALL:
            if name == ISSO:
                print(f"\nisso: Isso {isso.ISSO_VERSION} under gunicorn (its own virtualenv, same settings), "
                      f"moderation off, the same 50-comment thread posted through its API\n{HEADER}", flush=True)
                rows += run_isso(bare, args, seconds)
                continue
            if name == streams.STREAMS:
                print(f"\n{name}: {streams.DESCRIPTION}", flush=True)
                rows += streams.run_streams(redis_url, args)
                continue
            if name == jobs.NAME:
                print(f"\n{name}: {jobs.DESCRIPTION}", flush=True)
                rows += jobs.run(redis_url, args)
                continue
            if name in FLEET:
                print(f"\n{name}: {fleet.DESCRIPTIONS[name]}", flush=True)
                rows += (fleet.run_settings(redis_url, args, seconds) if name == fleet.SETTINGS
                         else fleet.run_pgbouncer(bare, redis_url, args, seconds))
                continue
            scenario = SCENARIOS[name]
            print(f"\n{scenario.name}: {scenario.description}\n{HEADER}", flush=True)
            rows += run_scenario(scenario, bare, redis_url, args, seconds)
        print("\ncomparisons: first target / second (by ratio: of their ratios to bare Flask; by req/s: "
              "of their req/s; by cpu/req: second's CPU per request / first's)", flush=True)
        # The fleet prints its own tables; the jobs row is not a request.
        found = comparisons([row for row in rows if row["scenario"] not in (*FLEET, jobs.NAME)])
    OUT.mkdir(exist_ok=True)
    report = OUT / f"results-{time.strftime('%Y%m%d-%H%M%S')}.json"
    report.write_text(json.dumps({"seconds": seconds, "connections": args.connections, "machine": machine(),
                                     "rows": rows, "comparisons": found}, indent=2))
    widget_ratios = [row["ratio"] for row in rows if row["widget"]]
    if widget_ratios:
        print(f"\ncached widget reads: ratio to bare Flask min {min(widget_ratios):.2f}, "
              f"mean {sum(widget_ratios) / len(widget_ratios):.2f} (target {TARGET_RATIO})")
    print(f"results in {report}")
    failed = [row["target"] for row in rows if row["errors"] or (row["cached"] and row["db_queries"])]
    if failed:
        print(f"FAILED: {', '.join(failed)} (failed requests, or a cached read that queried the database)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
