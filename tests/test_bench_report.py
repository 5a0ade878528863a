"""The benchmark reads wrk's report and prints its tables correctly, and its command runs (timings never checked)."""
from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench import fleet, run, services, wrk

REPORT = """Running 5s test @ http://127.0.0.1:40000/api/widgets/popular-tags
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.75ms  512.00us   9.31ms   80.12%
    Req/Sec     2.19k   101.52     2.40k    70.00%
  Latency Distribution
     50%  750.00us
     75%    2.01ms
     90%    2.35ms
     99%    1.20s
  21845 requests in 5.00s, 9.13MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:   4368.27
Transfer/sec:      1.83MB
"""


def test_parse_reads_rate_latencies_and_errors():
    result = wrk.parse(REPORT)
    assert result.requests_per_second == 4368.27
    assert result.p50_ms == 0.75 and result.p99_ms == 1200.0
    assert result.requests == 21845 and result.errors == 7


def test_bench_command_runs_a_read_and_the_writes():
    """A smoke run of the bench command itself: it starts everything, loads, and prints its rows (no timing checked)."""
    if not Path(wrk.WRK).exists() or shutil.which("redis-server") is None:
        pytest.skip("the bench needs wrk and redis-server")
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", "--quick", "--scenario", "tags-10", "--scenario", "writes",
         "--pg-admin-url", os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")],
        cwd=Path(__file__).resolve().parent.parent, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    for name in ("popular tags of 10", "POST comment", "POST like"):
        assert name in done.stdout


def cells(line: str) -> list[str]:
    """Split one Markdown table line into its cells (a ``\\|`` stays inside its cell)."""
    assert line.startswith("| ") and line.endswith(" |"), line
    return [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", line[1:-1])]


def markdown_table(lines: list[str], titles: list[str]) -> list[dict[str, str]]:
    """Read a table the bench printed: its titles, the alignment line, then rows of as many cells."""
    assert cells(lines[0]) == titles
    assert all(re.fullmatch(r"-{3,}:?", rule) for rule in cells(lines[1])), lines[1]
    rows = [dict(zip(titles, cells(line), strict=True)) for line in lines[2:]]
    assert len({len(line) for line in lines}) == 1, "columns do not line up"
    return rows


def tables_in(output: str) -> list[list[str]]:
    """Return the runs of consecutive table lines in what the bench printed."""
    tables: list[list[str]] = []
    previous = ""
    for line in output.splitlines():
        if line.startswith("|"):
            if not previous.startswith("|"):
                tables.append([])
            tables[-1].append(line)
        previous = line
    return tables


SETTING_ROW = {
    "worker_class": "gthread", "workers": 4, "threads": 4, "target": "POST comment", "requests_per_second": 812.4,
    "p50_ms": 9.125, "p99_ms": 17.5, "bare_requests_per_second": 6500.2, "ratio": 0.12498, "cpu_ms_per_request": 2.2,
    "rss_mb": 95.6, "errors": 0,
}


def test_settings_table_is_markdown_with_numbers_right_aligned():
    table = fleet.SETTINGS_TABLE
    lines = table.header().split("\n") + [table.line(SETTING_ROW), table.line({**SETTING_ROW, "worker_class": "gevent",
                                                                                "threads": 1, "workers": 8})]
    rows = markdown_table(lines, ["class", "workers", "threads", "target", "req/s", "p50 ms", "p99 ms", "bare req/s",
                                  "ratio", "cpu ms/req", "rss MB", "failed"])
    assert rows[0] == {"class": "gthread", "workers": "4", "threads": "4", "target": "POST comment", "req/s": "812",
                       "p50 ms": "9.12", "p99 ms": "17.50", "bare req/s": "6500", "ratio": "0.125",
                       "cpu ms/req": "2.20", "rss MB": "96", "failed": "0"}
    assert rows[1]["class"] == "gevent" and rows[1]["workers"] == "8"
    alignment = cells(lines[1])
    assert alignment[0].endswith("-") and alignment[3].endswith("-")  # text left-aligned
    assert all(rule.endswith(":") for i, rule in enumerate(alignment) if i not in (0, 3))


def test_a_pipe_in_a_cell_is_escaped_and_a_long_cell_keeps_its_row():
    table = fleet.SETTINGS_TABLE
    for target in ("a | b", "|", "a target name much longer than its column"):
        line = table.line({**SETTING_ROW, "target": target})
        assert cells(line)[3] == target and len(cells(line)) == 12


def measured(target: str, rps: float, p99: float, ratio: float, errors: int = 0) -> dict:
    return {"target": target, "requests_per_second": rps, "p99_ms": p99, "ratio": ratio, "errors": errors,
            "bare_requests_per_second": 6000.0}


def test_pgbouncer_table_divides_the_pooled_run_by_the_direct_one():
    pairs = [
        (measured("POST comment", 600, 18.0, 0.1), measured("POST comment", 540, 21.25, 0.09, errors=2)),
        (measured("thread 50, cold", 1000, 10.0, 0.166), measured("thread 50, cold", 1100, 9.0, 0.183)),
    ]
    lines = [fleet.pooled_line(direct, pooled) for direct, pooled in pairs]
    assert lines[0]["pooled_vs_direct"] == 0.9 and round(lines[0]["cost"], 6) == 0.1 and lines[0]["errors"] == 2
    printed = fleet.PGBOUNCER_TABLE.header().split("\n") + [fleet.PGBOUNCER_TABLE.line(line) for line in lines]
    rows = markdown_table(printed, ["target", "direct req/s", "direct p99 ms", "PgBouncer req/s", "PgBouncer p99 ms",
                                    "bare req/s", "direct ratio", "PgBouncer ratio", "PgBouncer / direct",
                                    "PgBouncer costs", "failed"])
    assert rows[0] == {"target": "POST comment", "direct req/s": "600", "direct p99 ms": "18.00",
                       "PgBouncer req/s": "540", "PgBouncer p99 ms": "21.25", "bare req/s": "6000",
                       "direct ratio": "0.100", "PgBouncer ratio": "0.090", "PgBouncer / direct": "0.900",
                       "PgBouncer costs": "+10.0%", "failed": "2"}
    assert rows[1]["PgBouncer costs"] == "-10.0%"  # faster through it
    assert fleet.costs_sentence(lines).endswith(": POST comment +10.0%, thread 50, cold -10.0%.")


def test_the_matrix_is_every_class_at_every_count_with_gthread_threads():
    settings = fleet.matrix(list(fleet.CLASSES), list(fleet.COUNTS))
    assert [(s.worker_class, s.workers, s.threads) for s in settings] == [
        (kind, count, 4 if kind == "gthread" else 1) for kind in ("sync", "gthread", "gevent") for count in (2, 4, 8)
    ]
    assert settings[3].options() == {"worker_class": "gthread", "threads": 4}


@pytest.mark.parametrize("option", [
    ["--matrix-workers", "0"], ["--matrix-workers", "-2"], ["--matrix-workers", "x"], ["--matrix-workers", ","],
    ["--matrix-workers", "2,four"], ["--matrix-classes", "eventlet"], ["--matrix-classes", "sync,Gevent"],
    ["--matrix-classes", ""], ["--scenario", "fleet"],
])
def test_bad_matrix_options_are_refused_with_the_reason(option, capsys):
    with pytest.raises(SystemExit) as exited:
        run.parse_args(option)
    assert exited.value.code == 2 and "error: argument" in capsys.readouterr().err


def test_matrix_options_are_read():
    args = run.parse_args(["--matrix-workers", "8, 2,,4", "--matrix-classes", "gevent,sync"])
    assert args.matrix_workers == [8, 2, 4] and args.matrix_classes == ["gevent", "sync"]
    assert run.parse_args([]).matrix_workers == [2, 4, 8]


@pytest.mark.parametrize("options", [
    {"worker_class": "eventlet"}, {"worker_class": "sync", "threads": 4}, {"worker_class": "gevent", "threads": 2},
])
def test_gunicorn_refuses_settings_it_would_silently_change(options):
    with pytest.raises(ValueError):
        services.Gunicorn("bench.bare:app", {}, 2, "/json", **options)


def test_bench_command_runs_the_worker_matrix_and_pgbouncer():
    """A smoke run of the fleet scenarios (one worker count): every class and target prints a row, none failed."""
    if not Path(wrk.WRK).exists() or shutil.which("redis-server") is None:
        pytest.skip("the bench needs wrk and redis-server")
    if shutil.which("pgbouncer", path=os.environ.get("PATH", "") + ":/usr/sbin") is None:
        pytest.skip("the pgbouncer scenario needs pgbouncer")
    classes = "sync,gthread,gevent" if importlib.util.find_spec("gevent") else "sync,gthread"
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", "--quick", "--scenario", "settings", "--scenario", "pgbouncer",
         "--matrix-workers", "2", "--matrix-classes", classes,
         "--pg-admin-url", os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")],
        cwd=Path(__file__).resolve().parent.parent, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    settings_lines, pgbouncer_lines = tables_in(done.stdout)
    settings = markdown_table(settings_lines, cells(fleet.SETTINGS_TABLE.header().split("\n")[0]))
    assert {(row["class"], row["target"]) for row in settings} == {
        (kind, target) for kind in classes.split(",") for target in ("thread 50, cached", "POST comment", "POST like")}
    pooled = markdown_table(pgbouncer_lines, cells(fleet.PGBOUNCER_TABLE.header().split("\n")[0]))
    assert [row["target"] for row in pooled] == ["thread 50, cached", "POST comment", "POST like", "thread 50, cold"]
    assert all(row["failed"] == "0" for row in settings + pooled)
    assert "PgBouncer costs (" in done.stdout


def test_page_views_compare_one_request_with_five():
    """The page scenario's comparison counts page views: five requests of the second target make one view."""
    def row(name: str, rps: float, per_view: int) -> dict[str, object]:
        return {"target": name, "requests_per_second": rps, "ratio": rps / 2000, "cpu_ms_per_request": 1.0,
                "requests_per_view": per_view}

    found = run.comparisons([row("page, one request", 1200, 1), row("page, five requests", 1500, 5)])
    [page] = [c for c in found if c["comparison"].startswith("page views")]
    assert page["by_requests"] == pytest.approx(1200 / (1500 / 5))
    assert page["by_ratio"] == pytest.approx(4.0) and page["goal"] == 3 and page["met"] is True
    assert page["by_cpu"] == pytest.approx(5.0)


def test_bench_command_runs_the_page_scenario():
    """A smoke run of the page scenario: the bundle, the five requests, and their comparison in page views."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", "--quick", "--scenario", "page",
         "--pg-admin-url", os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")],
        cwd=Path(__file__).resolve().parent.parent, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "page, one request" in done.stdout and "page, five requests" in done.stdout
    assert re.search(r"page views: /api/page vs five requests\s+[\d.]+x", done.stdout)
