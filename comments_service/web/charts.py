"""The dashboard's charts, drawn on the server: the geometry of stacked day bars and ranked bars, for SVG templates.

No script draws anything: ``moderate/dashboard.html`` writes the SVG from
what these functions measure, and the stylesheet colours it (light and
dark). Every chart carries a title, a summary and, per bar, the exact numbers.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .. import urls
from . import filters

STATUSES = ("approved", "pending", "rejected", "spam")
LABELS = {"approved": "Approved", "pending": "Pending", "rejected": "Rejected", "spam": "Spam"}


@dataclass
class Segment:
    status: str
    count: int
    y: float
    height: float


@dataclass
class DayBar:
    date: date
    x: float
    width: float
    total: int
    segments: list[Segment] = field(default_factory=list)
    label: str = ""

    @property
    def summary(self) -> str:
        """The bar in words: its day and each status's count."""
        counts = ", ".join(f"{s.count} {s.status}" for s in self.segments) or "no comments"
        return f"{self.date.strftime('%a %d %b')}: {counts}"


@dataclass
class DayChart:
    width: int
    height: int
    top: int
    bottom: int
    left: int
    bars: list[DayBar]
    ticks: list[tuple[float, int]]
    totals: dict[str, int]

    @property
    def summary(self) -> str:
        """What the chart shows, for readers who cannot see it."""
        told = ", ".join(f"{self.totals[s]} {s}" for s in STATUSES)
        busiest = max(self.bars, key=lambda b: b.total, default=None)
        most = f"; the busiest day was {busiest.summary}" if busiest and busiest.total else ""
        return f"{len(self.bars)} days: {told}{most}."


def nice_ceiling(value: int) -> int:
    """Round a chart's largest value up to 1, 2 or 5 times a power of ten (at least 4), for even gridlines."""
    if value <= 4:
        return 4
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 2.5, 5, 10) if step * power >= value)  # type: ignore[return-value]


def day_chart(days: list[dict[str, Any]], width: int = 960, height: int = 260) -> DayChart:
    """Measure the stacked bars of comments per day by status (``stats.per_day``'s list)."""
    top, bottom, left, right = 12, 28, 40, 8
    plot_h, plot_w = height - top - bottom, width - left - right
    peak = nice_ceiling(max((sum(d[s] for s in STATUSES) for d in days), default=0))
    slot = plot_w / max(len(days), 1)
    bar_w = max(2.0, slot * 0.72)
    every = max(1, math.ceil(len(days) / 8))
    bars = []
    for i, day in enumerate(days):
        when = date.fromisoformat(day["date"])
        bar = DayBar(when, left + i * slot + (slot - bar_w) / 2, bar_w, sum(day[s] for s in STATUSES))
        base = float(top + plot_h)
        for status in STATUSES:
            if day[status]:
                h = plot_h * day[status] / peak
                base -= h
                bar.segments.append(Segment(status, day[status], base, h))
        # Labelled back from today, which always is.
        if (len(days) - 1 - i) % every == 0:
            bar.label = "Today" if i == len(days) - 1 else when.strftime("%d %b").lstrip("0")
        bars.append(bar)
    ticks = [(top + plot_h - plot_h * k / 4, peak * k // 4) for k in range(5)]
    totals = {s: sum(d[s] for d in days) for s in STATUSES}
    return DayChart(width, height, top, bottom, left, bars, ticks, totals)


@dataclass
class RankedBar:
    label: str
    count: int
    width: float
    y: float
    href: str | None = None


@dataclass
class RankedChart:
    width: int
    height: int
    label_width: int
    row: int
    bars: list[RankedBar]


def ranked_chart(items: list[tuple[str, int, str | None]], width: int = 460, label_width: int = 232,
                 row: int = 34) -> RankedChart:
    """Measure horizontal bars for ``(label, count, link)`` items, largest first, scaled to the largest."""
    peak = max((count for _, count, _ in items), default=0) or 1
    room = width - label_width - 48
    bars = [RankedBar(label, count, max(2.0, room * count / peak), i * row, href)
            for i, (label, count, href) in enumerate(items)]
    return RankedChart(width, max(row * len(bars), row), label_width, row, bars)


def dashboard(stats: dict[str, Any]) -> dict[str, Any]:
    """Measure every chart of the dashboard from ``stats.stats``'s answer."""
    reasons = [(filters.reason(r["reason"]), r["count"], None) for r in stats["spam_reasons"]]
    posts = [(p["title"] or p["slug"], p["comments"], urls.shown(p["url"])) for p in stats["posts"]]
    return {"day_chart": day_chart(stats["days"]), "reason_chart": ranked_chart(reasons),
            "post_chart": ranked_chart(posts), "labels": LABELS}
