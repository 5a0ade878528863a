"""The plan of a thread's first page with pinned comments: EXPLAIN ANALYZE on 100 and on 100,000 comments.

    python -m bench.explain [--pg-admin-url URL] [--runs 200]

Loads the ``cold`` scenario's threads (100 and 100,000 comments, two pinned
in each, one of them deep in the thread) into a throwaway database, then for
each sort prints the first page statement's plan nodes, the buffers it
touched and the rows it read, and the median time of ``--runs`` executions,
with the ratio of the large thread to the small one. Pinned comments first
must not make the page read the whole thread: "oldest" and "newest" walk an
index in the page's order and stop ("top" sorts the post's top-level
comments, with or without pins).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from typing import Any

from sqlalchemy import text

from bench import data, services
from comments_service import pins, threads

SIZES = (("comments-100", 100), ("comments-100000", 100_000))
LIMIT = 20


def _nodes(plan: dict[str, Any]) -> list[str]:
    name = plan["Node Type"] + (f" using {plan['Index Name']}" if "Index Name" in plan else "")
    if plan.get("Scan Direction") == "Backward":
        name += " (backward)"
    return [name, *(n for child in plan.get("Plans", []) for n in _nodes(child))]


def measure(connection: Any, sort: str, slug: str, runs: int) -> dict[str, Any]:
    """EXPLAIN ANALYZE the first page of ``slug`` in ``sort``, then time it ``runs`` times."""
    statement = threads._FIRST_PAGES[sort].compile(dialect=connection.dialect)  # noqa: SLF001 - our own module
    params = statement.construct_params({"slug": slug, "limit": LIMIT, "fetch": LIMIT + 1})
    sql = str(statement)
    found = connection.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, params).scalar_one()
    plan = (found if isinstance(found, list) else json.loads(found))[0]["Plan"]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        connection.exec_driver_sql(sql, params).fetchall()
        times.append(time.perf_counter() - start)
    return {"nodes": _nodes(plan), "buffers": plan.get("Shared Hit Blocks", 0) + plan.get("Shared Read Blocks", 0),
            "ms": statistics.median(times) * 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-admin-url", default=os.environ.get("BENCH_PG_ADMIN_URL",
                                                                 "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    import flask_migrate

    from comments_service import create_app
    from comments_service.extensions import db
    from config import database_url

    with services.database(args.pg_admin_url) as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": database_url(url), "REDIS_URL": None,
                          "SECRET_KEY": "bench-explain-secret-key-0123456789abcdef", "RATELIMIT_ENABLED": False})
        with app.app_context():
            flask_migrate.upgrade()
            for slug, count in SIZES:
                data.bulk_thread(slug, count)
                for comment_id in data.top_level_ids(slug, (3, count // 2)):
                    pins.set_pinned(comment_id, True, "bench")
            db.session.execute(text("ANALYZE"))
            db.session.commit()
            with db.engine.connect() as connection:
                print(f"{'sort':<8}{'comments':>10}{'buffers':>9}{'ms':>8}  plan")
                for sort in threads.SORTS:
                    small, large = (measure(connection, sort, slug, args.runs) for slug, _ in SIZES)
                    for (_, count), row in zip(SIZES, (small, large), strict=True):
                        print(f"{sort:<8}{count:>10}{row['buffers']:>9}{row['ms']:>8.2f}  {' > '.join(row['nodes'])}")
                    print(f"{'':<8}{'100k/100':>10}{large['buffers'] / max(small['buffers'], 1):>8.1f}x"
                          f"{large['ms'] / small['ms']:>7.2f}x")
            db.engine.dispose()


if __name__ == "__main__":
    main()
