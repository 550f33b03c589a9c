"""What every panel hands the page and the CSV download: a titled table of plain values.

A cell holding a :class:`Spark` is a series (one number a week) drawn as a sparkline on the
page and written as space-separated numbers in the CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Spark:
    values: tuple[int, ...]

    def __str__(self) -> str:
        return " ".join(str(v) for v in self.values)


@dataclass
class Table:
    id: str  # what ?panel= asks for
    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    note: str = ""  # how the numbers are counted, in plain words

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(self.columns)
        for row in self.rows:
            writer.writerow([_cell(v) for v in row])
        return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    text = str(value)
    if not isinstance(value, str):
        return text
    # A spreadsheet runs a cell that starts with = + - @ as a formula: what people typed
    # in a search box must stay text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def share(part: Any, whole: Any) -> float | None:
    """Percent, or None when there is nothing to divide (PostgreSQL's sums are Decimal)."""
    return round(100.0 * float(part or 0) / float(whole), 1) if whole else None


def weekly(period_weeks: list[int], counts: dict[int, int]) -> Spark:
    """One number for each week of the period, 0 where nothing happened."""
    return Spark(tuple(int(counts.get(w, 0)) for w in period_weeks))
