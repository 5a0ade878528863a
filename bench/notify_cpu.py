"""CPU of a new comment and of an approval with notifications off and on, in one process: the ratios on/off.

    python -m bench.notify_cpu [--requests 300] [--blocks 6] [--warmup 40]

Builds the writes scenario's thread in a throwaway PostgreSQL database and a
Redis of its own, then makes two apps in this process from the same
settings (``MODERATION=pre``, rate limits off): one with notifications off,
one with ``SMTP_URL``, ``MODERATOR_EMAILS`` and ``MODERATION_WEBHOOK_URL``
set (no worker runs: the jobs wait in their table). Through each app's
Flask test client it posts ``--requests`` comments (each one waits for a
moderator: the moderators' mail and the ``comment.created`` webhook when on)
and approves as many (the ``comment.approved`` webhook when on), in blocks
that alternate off, on, on, off, ... so that a machine that gets slower or
faster while it runs moves both sides alike. Each block's CPU time is
``time.process_time()`` of this process: the database's and Redis's work is
in theirs, the waits for them are not counted. Prints the CPU per request of
each side (the median of its blocks) and the ratio on/off.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

NOTIFY_ON = {"SMTP_URL": "smtp://127.0.0.1:9", "MAIL_FROM": "Comments <comments@blog.example>",
             "MODERATOR_EMAILS": ["mia@example.com", "max@example.com"],
             "MODERATION_WEBHOOK_URL": "http://127.0.0.1:9/hook"}
NOTIFY_OFF = {"SMTP_URL": None, "MODERATOR_EMAILS": [], "MODERATION_WEBHOOK_URL": None}
SIDES = ("off", "on")
KINDS = ("POST comment", "approve")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.notify_cpu", description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300, help="requests of each kind per block")
    parser.add_argument("--blocks", type=int, default=6, help="measured blocks per side (alternating)")
    parser.add_argument("--warmup", type=int, default=40, help="requests of each kind and side before measuring")
    parser.add_argument("--pg-admin-url",
                        default=os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON line too")
    return parser.parse_args(argv)


def order(blocks: int) -> list[str]:
    """Return the sides of ``blocks`` blocks each, alternating off, on, on, off, off, on, ... (ABBA)."""
    found: list[str] = []
    for n in range(blocks):
        found += list(SIDES) if n % 2 == 0 else list(reversed(SIDES))
    return found


def clients(slug: str) -> dict[str, dict[str, Callable[[int], int]]]:
    """Return, per side, a function per kind making its n-th request and giving its status."""
    from comments_service import auth, create_app
    from comments_service.extensions import db
    from comments_service.models import Role

    made: dict[str, dict[str, Callable[[int], int]]] = {}
    prefix = os.urandom(6).hex()
    for side in SIDES:
        app = create_app({**(NOTIFY_ON if side == "on" else NOTIFY_OFF), "RATELIMIT_ENABLED": False})
        with app.app_context():
            token = auth.create_api_token(f"bench-{side}", Role.MODERATOR)
            db.session.commit()
        client = app.test_client()
        moderator = {"Authorization": f"Bearer {token}"}
        waiting: list[int] = []

        def post(n: int, client: Any = client, side: str = side, waiting: list[int] = waiting) -> int:
            text = (f"Comment {prefix}-{side}-{n}: this **helped** my back. See the "
                    f"[stretches](https://example.org/{n}) I followed.\n\n- morning\n- evening")
            answer = client.post(f"/api/posts/{slug}/comments", json={
                "author": "Bench reader", "email": "reader@example.org", "body": text})
            waiting.append(answer.get_json()["id"])
            return answer.status_code

        def approve(n: int, client: Any = client, moderator: dict[str, str] = moderator,
                    waiting: list[int] = waiting) -> int:
            return client.post(f"/api/moderation/comments/{waiting.pop()}/approve", headers=moderator).status_code

        made[side] = {"POST comment": post, "approve": approve}
    return made


EXPECTED = {"POST comment": 201, "approve": 200}


def measure(args: argparse.Namespace, slug: str) -> dict[str, dict[str, list[float]]]:
    """Run the warm-up and the blocks; return, per side and kind, each block's CPU seconds per request."""
    made = clients(slug)
    for side in SIDES:
        for kind in KINDS:
            statuses = {made[side][kind](-1 - n) for n in range(args.warmup)}
            if statuses != {EXPECTED[kind]}:
                raise SystemExit(f"{kind} ({side}) answered {sorted(statuses)}, not {EXPECTED[kind]}")
    found: dict[str, dict[str, list[float]]] = {side: {kind: [] for kind in KINDS} for side in SIDES}
    for block, side in enumerate(order(args.blocks)):
        for kind in KINDS:
            run = made[side][kind]
            start = time.process_time()
            statuses = {run(block * args.requests + n) for n in range(args.requests)}
            spent = time.process_time() - start
            if statuses != {EXPECTED[kind]}:
                raise SystemExit(f"{kind} ({side}) answered {sorted(statuses)}, not {EXPECTED[kind]}")
            found[side][kind].append(spent / args.requests)
    return found


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    from bench import services
    from bench.measure import prepare, service_env
    from bench.scenarios import SCENARIOS

    scenario = SCENARIOS["writes"]
    with ExitStack() as stack:
        redis_url = stack.enter_context(services.private_redis())
        db_url = stack.enter_context(services.database(args.pg_admin_url))
        env = service_env(db_url, redis_url, {**scenario.env, "MODERATION": "pre", "RATELIMIT_ENABLED": "0"})
        facts, _ = prepare(scenario, env)
        os.environ.update(env)
        found = measure(args, facts["slug"])
    print(f"CPU per request (time.process_time, {args.blocks} blocks of {args.requests} per side, alternating, "
          f"after {args.warmup} of warm-up; median of the blocks, and their range)")
    print(f"{'request':<14}{'off ms':>10}{'on ms':>10}{'on/off':>9}   blocks off / on (ms)")
    figures: dict[str, Any] = {}
    for kind in KINDS:
        off, on = (statistics.median(found[side][kind]) * 1000 for side in SIDES)
        spread = " / ".join(f"{min(found[s][kind]) * 1000:.2f}-{max(found[s][kind]) * 1000:.2f}" for s in SIDES)
        print(f"{kind:<14}{off:>10.3f}{on:>10.3f}{on / off:>9.3f}   {spread}")
        figures[kind] = {"off_ms": round(off, 3), "on_ms": round(on, 3), "ratio": round(on / off, 3)}
    if args.json:
        print("NOTIFY-CPU " + json.dumps(figures))


if __name__ == "__main__":
    main()
