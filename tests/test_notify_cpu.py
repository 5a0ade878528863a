"""bench/notify_cpu.py: its blocks alternate the two sides evenly, so that a machine's drift moves both alike."""
from __future__ import annotations

from bench import notify_cpu


def test_the_notifications_bench_alternates_its_sides_evenly():
    assert notify_cpu.order(3) == ["off", "on", "on", "off", "off", "on"]
    assert notify_cpu.order(4).count("on") == notify_cpu.order(4).count("off") == 4
