"""Markdown tables the benchmark prints row by row, to be pasted into bench/RESULTS.md as they are.

Each column has a fixed width, so that the rows printed while a run goes on
line up on the terminal, and the same lines render as a table in Markdown:
numbers are right-aligned (``---:``), text left-aligned.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Row = dict[str, Any]


@dataclass(frozen=True)
class Column:
    """One column: its title, how a row's cell is written, and whether it holds a number."""

    title: str
    cell: Callable[[Row], str]
    width: int = 0  # at least the title's width
    numeric: bool = True

    @property
    def size(self) -> int:
        """Return the width the column is padded to."""
        return max(self.width, len(self.title), 3)


def number(key: str, digits: int = 0) -> Callable[[Row], str]:
    """Write ``row[key]`` with ``digits`` decimals (thousands unseparated, as wrk prints them)."""
    return lambda row: f"{row[key]:.{digits}f}"


def percent(key: str) -> Callable[[Row], str]:
    """Write the fraction ``row[key]`` as a signed percentage with one decimal."""
    return lambda row: f"{100 * row[key]:+.1f}%"


def text(key: str) -> Callable[[Row], str]:
    """Write ``row[key]`` as it is."""
    return lambda row: str(row[key])


class Table:
    """A Markdown table printed a row at a time."""

    def __init__(self, *columns: Column) -> None:
        self.columns = columns

    def _line(self, cells: list[str]) -> str:
        padded = [cell.rjust(column.size) if column.numeric else cell.ljust(column.size)
                  for column, cell in zip(self.columns, cells, strict=True)]
        return "| " + " | ".join(padded) + " |"

    def header(self) -> str:
        """Return the title line and the alignment line."""
        rule = [("-" * (column.size - 1) + ":") if column.numeric else "-" * column.size
                for column in self.columns]
        return self._line([column.title for column in self.columns]) + "\n" + self._line(rule)

    def line(self, row: Row) -> str:
        """Return ``row`` as one line of the table (a ``|`` in a cell is escaped, as Markdown needs)."""
        return self._line([column.cell(row).replace("|", "\\|") for column in self.columns])
