"""Count the instructions of the cached reads, per request, against bare Flask: a figure a noisy machine cannot move.

    python -m bench.profile_reads [--requests 200] [--code DIR] [--code DIR2 ...] [--keep DIR]

The widgets and thread scenarios' cached reads (the blog page's widgets, counts,
a post with the reader's like, a thread's first page, the 50-comment thread),
each made ``--requests`` times by a WSGI call in one Python process under
``valgrind --tool=callgrind``, after a warm-up that fills Redis and the
process's near cache; bare Flask's JSON endpoint is counted in the same
process. ``--code`` names checkouts of the project to measure (default: this
one), each in its own process with its own throwaway database and Redis
database, with the data loaded and the schema built by that checkout's own
code, so that an older commit and this one are compared on the same requests.
The child imports only the checkout's ``comments_service``, ``config`` and
``bench`` (scenarios, bare app), which every commit since the bench exists has,
and runs on the checkout's own ``.venv`` when it has one (``make .venv/.installed``
there), since older commits need the libraries of their day.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # profile_writes beside it, also as a script
import profile_writes  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SCENARIOS = ("widgets", "thread")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_reads", description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="measured requests of each kind")
    parser.add_argument("--warmup", type=int, default=30, help="requests of each kind before measuring")
    parser.add_argument("--code", action="append", type=Path, help="a checkout to measure (default: this one)")
    parser.add_argument("--keep", type=Path, help="keep callgrind's files under this directory, one folder a checkout")
    parser.add_argument("--pg-admin-url",
                        default=os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def child(args: argparse.Namespace) -> None:
    """Load the data with this checkout's code, then make the batches; print the batch names and answers as JSON."""
    import flask_migrate
    from profile_writes import marker, wsgi_call  # beside this file, whichever checkout is measured

    from bench.bare import app as bare_app
    from bench.scenarios import SCENARIOS as ALL
    from comments_service import create_app
    from config import database_url

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url(os.environ["DATABASE_URL"]),
                      "REDIS_URL": os.environ["REDIS_URL"], "SECRET_KEY": os.environ["SECRET_KEY"],
                      "RATELIMIT_ENABLED": False})
    targets: list[Any] = []
    with app.app_context():
        flask_migrate.upgrade()
        for name in SCENARIOS:
            scenario = ALL[name]
            targets += [t for t in scenario.targets(scenario.load()) if t.cached and t.script is None]
    service = create_app()  # the production settings of the environment, as gunicorn's workers run
    batches: list[tuple[str, Any]] = [("bare Flask", lambda: wsgi_call(bare_app, "GET", "/json", {}))]
    for target in targets:
        path, _, query = target.path.partition("?")
        headers = dict(target.headers)
        batches.append((target.name, lambda p=path, q=query, h=headers: wsgi_call(service, "GET", p, h, query=q)))
    for _ in range(args.warmup):
        for _, call in batches:
            call()
    marker()
    report = {}
    for name, call in batches:
        report[name] = sorted({call() for _ in range(args.requests)})
        marker()
    print("PROFILE-REPORT " + json.dumps(list(report.items())))


def measure(code: Path, args: argparse.Namespace, env: dict[str, str], workdir: Path) -> dict[str, float]:
    """Run the child for one checkout under callgrind; return instructions per request by target."""
    own = code / ".venv" / "bin" / "python"  # an older checkout needs the libraries of its own day
    python = str(own) if own.exists() else sys.executable
    command = ["valgrind", "--tool=callgrind", "--dump-after=getppid", f"--callgrind-out-file={workdir / 'cg.out'}",
               python, str(HERE / "profile_reads.py"), "--child", "--requests", str(args.requests),
               "--warmup", str(args.warmup)]
    done = subprocess.run(command, env={**os.environ, **env, "PYTHONPATH": str(code)}, cwd=code,
                          capture_output=True, text=True)
    line = next((x for x in done.stdout.splitlines() if x.startswith("PROFILE-REPORT ")), None)
    if done.returncode != 0 or line is None:
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
        raise SystemExit(f"the measured process failed ({done.returncode})")
    report = json.loads(line.split(" ", 1)[1])
    wrong = {name: statuses for name, statuses in report if statuses != [200]}
    if wrong:
        raise SystemExit(f"{code}: answers other than 200: {wrong}")
    counts = profile_writes.totals(workdir)[1:]  # the first dump is start-up, loading and warm-up
    return {name: counts[i] / args.requests for i, (name, _) in enumerate(report)}


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.child:
        child(args)
        return
    import secrets

    from bench import services
    from bench.measure import BLOG_ORIGIN

    codes = [c.resolve() for c in (args.code or [ROOT])]
    results: dict[Path, dict[str, float]] = {}
    with ExitStack() as stack:
        redis_url = stack.enter_context(services.private_redis())
        for code in codes:
            db_url = stack.enter_context(services.database(args.pg_admin_url))
            env = {"DATABASE_URL": db_url, "REDIS_URL": redis_url, "SECRET_KEY": secrets.token_urlsafe(48),
                   "APP_ENV": "production", "RATELIMIT_ENABLED": "0", "MODERATION": "pre",
                   "CORS_ORIGINS": BLOG_ORIGIN, "PUBLIC_URL": "https://comments.example"}
            if args.keep:  # callgrind's dumps kept, for callgrind_annotate: cg.out.2 is bare Flask, then the targets
                workdir = args.keep / f"{len(results)}-{code.name}"
                workdir.mkdir(parents=True, exist_ok=True)
            else:
                workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="profile-reads-")))
            results[code] = measure(code, args, env, workdir)
    names = list(results[codes[0]])
    print(f"instructions per cached read (callgrind, {args.requests} WSGI calls each after {args.warmup} of warm-up);"
          " ratio: bare Flask's count / this")
    print(f"{'target':<24}" + "".join(f"{c.name[:18] + ' instr':>26}{'ratio':>8}" for c in codes)
          + ("  last/first" if len(codes) > 1 else ""))
    for name in names:
        cells = [(results[c].get(name, float("nan")), results[c]["bare Flask"] / results[c].get(name, float("nan")))
                 for c in codes]
        change = f"  {cells[-1][0] / cells[0][0]:>9.3f}" if len(codes) > 1 else ""
        print(f"{name:<24}" + "".join(f"{count:>26,.0f}{ratio:>8.3f}" for count, ratio in cells) + change)


if __name__ == "__main__":
    main()
