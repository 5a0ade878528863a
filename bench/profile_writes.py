"""Count the instructions of the write path, per request, against the bare Flask endpoint: a figure noise cannot move.

    python -m bench.profile_writes [--requests 40] [--warmup 15] [--ratelimit] [--notify]
    python -m bench.profile_writes --cprofile [--sort tottime] [--top 40]   # where the time goes

Builds the writes scenario's data in a throwaway PostgreSQL database and a
Redis of its own (as ``python -m bench.run --scenario writes`` does), then
runs one Python process under ``valgrind --tool=callgrind`` that serves, in
process through Flask's test client, warm-up requests of each kind, then
``--requests`` of the bare Flask endpoint the bench compares with, of
``POST /api/posts/<slug>/comments`` and of ``POST /api/posts/<slug>/likes``.
Between the batches the process calls ``getppid()``, after which callgrind
dumps its counts: each dump is one batch. Instructions are counted in user
space only (the kernel's share of a request, its system calls, is not), and
PostgreSQL's and Redis's work is in their own processes. Time on a shared
machine varies by a factor of two from one run to the next; these counts
vary by well under one per cent.

With ``--notify`` every new comment waits for a moderator (``MODERATION=pre``)
and somebody hears of it: ``SMTP_URL``, two ``MODERATOR_EMAILS`` and
``MODERATION_WEBHOOK_URL`` are set (no worker runs; the jobs wait in their
table). Compare a run with it to one with ``--notify-off`` (the same
moderation, nobody told) for what the jobs cost.

With ``--cprofile`` the same requests run without valgrind, under cProfile,
and the largest functions of the comment and like batches are printed.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("bare Flask", "POST comment", "POST like")
# How a request reaches the app: a WSGI call with the environ a server builds (Flask's own cost, and the
# stricter ratio), or Flask's test client (which adds about as much per request as gunicorn's parsing).
VIAS = ("wsgi", "client")
SLUG_ENV = "PROFILE_WRITES_SLUG"
LIMITS = ("RATELIMIT_COMMENTS", "RATELIMIT_LIKES", "RATELIMIT_LIKES_PER_POST")
NOTIFY = {"SMTP_URL": "smtp://127.0.0.1:9", "MAIL_FROM": "Comments <comments@blog.example>",
          "MODERATOR_EMAILS": "mia@example.com,max@example.com", "MODERATION_WEBHOOK_URL": "http://127.0.0.1:9/hook"}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_writes", description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=40, help="measured requests of each kind")
    parser.add_argument("--warmup", type=int, default=15, help="requests of each kind before measuring")
    parser.add_argument("--ratelimit", action="store_true",
                        help="rate limits counted (in Redis, never reached), as in production; not in the bench")
    told = parser.add_mutually_exclusive_group()
    told.add_argument("--notify", action="store_true",
                      help="comments wait for a moderator, who is mailed, and a webhook hears of each (jobs)")
    told.add_argument("--notify-off", action="store_true", help="comments wait for a moderator; nobody is told")
    parser.add_argument("--cprofile", action="store_true", help="profile with cProfile instead of counting")
    parser.add_argument("--sort", default="tottime", help="cProfile's sort key (tottime, cumulative)")
    parser.add_argument("--top", type=int, default=45, help="functions printed per batch with --cprofile")
    parser.add_argument("--redis-url", help="use this Redis instead of starting one (its data is flushed by nothing)")
    parser.add_argument("--pg-admin-url",
                        default=os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def marker() -> None:
    """Tell callgrind that a batch ended: it dumps its counts after every getppid()."""
    os.getppid()


def wsgi_call(app: Any, method: str, path: str, headers: dict[str, str], body: bytes = b"", query: str = "") -> int:
    """Call ``app`` as a WSGI server would, with the environ gunicorn builds; return the status, the body read."""
    environ = {
        "REQUEST_METHOD": method, "SCRIPT_NAME": "", "PATH_INFO": path, "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1", "REMOTE_PORT": "40000", "HTTP_HOST": "127.0.0.1:8000",
        "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr,
        "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False,
    }
    if body:
        environ["CONTENT_LENGTH"] = str(len(body))
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        environ[key if key == "CONTENT_TYPE" else f"HTTP_{key}"] = value
    status: list[str] = []
    answer = app(environ, lambda line, header_list, exc_info=None: status.append(line))
    try:
        b"".join(answer)
    finally:
        if hasattr(answer, "close"):
            answer.close()
    return int(status[0].split(" ", 1)[0])


def requests_of(slug: str, via: str) -> dict[str, Callable[[int], int]]:
    """Return, per kind, a function making the n-th request (as the bench's Lua sends them) and giving its status."""
    from bench.bare import app as bare_app
    from comments_service import create_app

    service_app = create_app()
    prefix = os.urandom(8).hex()  # as the bench: 16 characters, the shortest token taken

    def comment_body(n: int) -> bytes:
        text = (f"Comment {prefix}-{via}-{n}: this **helped** my back. See the [stretches](https://example.org/{n})"
                " I followed.\n\n- morning\n- evening")
        return json.dumps({"author": "Bench reader", "email": "reader@example.org", "body": text}).encode()

    comments, likes = f"/api/posts/{slug}/comments", f"/api/posts/{slug}/likes"
    json_type = {"Content-Type": "application/json"}
    if via == "wsgi":
        return {
            "bare Flask": lambda n: wsgi_call(bare_app, "GET", "/json", {}),
            "POST comment": lambda n: wsgi_call(service_app, "POST", comments, json_type, comment_body(n)),
            "POST like": lambda n: wsgi_call(service_app, "POST", likes, {"X-Reader-Token": f"{prefix}-{via}-{n}"}),
        }
    bare, service = bare_app.test_client(), service_app.test_client()
    return {
        "bare Flask": lambda n: bare.get("/json").status_code,
        "POST comment": lambda n: service.post(comments, data=comment_body(n), headers=json_type).status_code,
        "POST like": lambda n: service.post(likes, headers={"X-Reader-Token": f"{prefix}-{via}-{n}"}).status_code,
    }


EXPECTED = {"bare Flask": 200, "POST comment": 201, "POST like": 200}


def child(args: argparse.Namespace) -> None:
    """Serve the batches in this process (under valgrind, or cProfile); print each batch's answers as JSON."""
    makers = {via: requests_of(os.environ[SLUG_ENV], via) for via in VIAS}
    for n in range(args.warmup):
        for via in VIAS:
            for kind in KINDS:
                makers[via][kind](-1 - n)
    marker()
    report: dict[str, Any] = {}
    for via in VIAS:
        for kind in KINDS:
            profiler = cProfile.Profile(time.process_time) if args.cprofile else None  # CPU, not waits
            if profiler is not None:
                profiler.enable()
            statuses = [makers[via][kind](n) for n in range(args.requests)]
            if profiler is not None:
                profiler.disable()
            marker()
            report[f"{via}/{kind}"] = found = {"statuses": sorted(set(statuses))}
            if profiler is not None and kind != "bare Flask" and via == "wsgi":
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(args.top)
                found["profile"] = out.getvalue()
    print("PROFILE-REPORT " + json.dumps(report))


def totals(directory: Path) -> list[int]:
    """Return the instruction counts of callgrind's numbered dumps, in order (the one at exit, cg.out, is not read)."""
    files = sorted(directory.glob("cg.out.*"), key=lambda p: int(p.suffix[1:]))
    found = []
    for path in files:
        match = re.search(r"^totals: (\d+)", path.read_text(errors="replace"), re.MULTILINE)
        if match is None:
            raise RuntimeError(f"no totals in {path.name}")
        found.append(int(match.group(1)))
    return found


def run_child(args: argparse.Namespace, env: dict[str, str], workdir: Path) -> tuple[dict[str, Any], list[int]]:
    command = [sys.executable, "-m", "bench.profile_writes", "--child", "--requests", str(args.requests),
               "--warmup", str(args.warmup)]
    if args.cprofile:
        command += ["--cprofile", "--sort", args.sort, "--top", str(args.top)]
    else:
        command = ["valgrind", "--tool=callgrind", "--dump-after=getppid",
                   f"--callgrind-out-file={workdir / 'cg.out'}", *command]
    done = subprocess.run(command, env={**os.environ, **env}, cwd=ROOT, capture_output=True, text=True)
    line = next((x for x in done.stdout.splitlines() if x.startswith("PROFILE-REPORT ")), None)
    if done.returncode != 0 or line is None:
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
        raise SystemExit(f"the measured process failed ({done.returncode})")
    report = json.loads(line.split(" ", 1)[1])
    for via in VIAS:
        for kind, expected in EXPECTED.items():
            if report[f"{via}/{kind}"]["statuses"] != [expected]:
                raise SystemExit(f"{kind} ({via}) answered {report[f'{via}/{kind}']['statuses']}, not {expected}")
    return report, ([] if args.cprofile else totals(workdir))


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.child:
        child(args)
        return
    from bench import services
    from bench.measure import prepare, service_env
    from bench.scenarios import SCENARIOS

    scenario = SCENARIOS["writes"]
    with ExitStack() as stack:
        redis_url = args.redis_url or stack.enter_context(services.private_redis())
        db_url = stack.enter_context(services.database(args.pg_admin_url))
        extra = {**scenario.env, "RATELIMIT_ENABLED": "1" if args.ratelimit else "0"}
        if args.ratelimit:  # counted in Redis on every request, never refused
            extra.update({name: "1000000 per minute" for name in LIMITS})
        if args.notify or args.notify_off:
            extra.update({"MODERATION": "pre", **(NOTIFY if args.notify else {})})
        env = service_env(db_url, redis_url, extra)
        facts, _ = prepare(scenario, env)
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="profile-writes-")))
        report, counts = run_child(args, {**env, SLUG_ENV: facts["slug"]}, workdir)
    if args.cprofile:
        for kind in KINDS[1:]:
            print(f"== {kind}: {args.requests} requests ==")
            print(report[f"wsgi/{kind}"]["profile"])
        return
    # Dumps: start-up and warm-up, then one per batch.
    print(f"instructions per request (callgrind, {args.requests} requests each after {args.warmup} of warm-up; "
          f"rate limits {'on' if args.ratelimit else 'off'}"
          f"{'; notifications on' if args.notify else '; pre-moderation, nobody told' if args.notify_off else ''})")
    print(f"{'request':<16}" + "".join(f"{via + ' instr':>16}{'ratio':>8}" for via in VIAS))
    per_request = {via: {kind: counts[1 + v * len(KINDS) + k] / args.requests for k, kind in enumerate(KINDS)}
                   for v, via in enumerate(VIAS)}
    for kind in KINDS:
        cells = [(per_request[via][kind], per_request[via]["bare Flask"] / per_request[via][kind]) for via in VIAS]
        print(f"{kind:<16}" + "".join(f"{count:>16,.0f}{ratio:>8.3f}" for count, ratio in cells))
    print("wsgi: a WSGI call with a server's environ; client: Flask's test client. ratio: bare Flask's count / this")


if __name__ == "__main__":
    main()
