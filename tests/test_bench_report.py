"""The benchmark reads wrk's report correctly (the benchmark itself never runs in the tests)."""
from __future__ import annotations

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
