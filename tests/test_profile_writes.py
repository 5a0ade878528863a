"""bench/profile_writes.py: its WSGI call answers as a server would, and callgrind's dumps are read in order."""
from __future__ import annotations

import pytest

from bench import profile_writes
from bench.bare import app as bare_app


def test_the_wsgi_call_reaches_the_app_with_method_headers_and_body(tmp_path):
    assert profile_writes.wsgi_call(bare_app, "GET", "/json", {}) == 200
    assert profile_writes.wsgi_call(bare_app, "POST", "/json", {"Content-Type": "application/json"}, b"{}") == 405
    assert profile_writes.wsgi_call(bare_app, "GET", "/nothing", {"X-Reader-Token": "x" * 16}) == 404


def test_dumps_are_read_in_their_order_not_their_names(tmp_path):
    for number, total in ((1, 500), (2, 70), (10, 9), (3, 12)):
        (tmp_path / f"cg.out.{number}").write_text(f"# callgrind format\nevents: Ir\nsummary: {total}\ntotals: {total}\n")
    (tmp_path / "cg.out").write_text("totals: 1\n")  # the dump at exit has no number and is not a batch
    assert profile_writes.totals(tmp_path) == [500, 70, 12, 9]
    (tmp_path / "cg.out.11").write_text("events: Ir\n")
    with pytest.raises(RuntimeError, match="no totals in cg.out.11"):
        profile_writes.totals(tmp_path)
