"""The benchmark reads wrk's report correctly, and its command runs (its timings are never checked here)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench import wrk

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
