"""Run wrk against one URL and read its report."""
from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

WRK = "/usr/bin/wrk"
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass
class Result:
    """What one wrk run measured; latencies in milliseconds."""

    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int

    def as_dict(self) -> dict[str, float | int]:
        """Return the result as plain numbers."""
        return dict(self.__dict__)


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def parse(report: str) -> Result:
    """Read requests/s, p50, p99 and errors from wrk's --latency report."""
    def find(pattern: str) -> str:
        match = re.search(pattern, report, re.MULTILINE)
        if match is None:
            raise RuntimeError(f"wrk report without {pattern!r}:\n{report}")
        return match.group(1)

    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", report))
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", report)
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return Result(
        requests_per_second=float(find(r"^Requests/sec:\s+([\d.]+)")),
        p50_ms=_ms(find(r"^\s+50%\s+(\S+)")),
        p99_ms=_ms(find(r"^\s+99%\s+(\S+)")),
        requests=int(find(r"^\s+(\d+) requests in")),
        errors=errors,
    )


def run(url: str, seconds: float, connections: int, threads: int, headers: dict[str, str] | None = None,
        script: Path | None = None) -> Result:
    """Load ``url`` for ``seconds`` with wrk (a Lua ``script`` may make each request); return what it measured."""
    command = [WRK, f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    if script is not None:
        command += ["-s", str(script)]
    report = subprocess.run(command + [url], capture_output=True, text=True, check=True, timeout=seconds + 60)
    return parse(report.stdout)
