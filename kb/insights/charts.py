"""Chart geometry for the SVG the templates draw (templates/insights/_charts.html).

Only numbers and coordinates are worked out here; Jinja writes the SVG with classes for the
colours (static/css/site.css), since the site's CSP allows no inline style and no script.
Every chart is followed on the page by a table of the same numbers."""

from __future__ import annotations

from dataclasses import dataclass, field
from math import ceil, log10

WIDTH, HEIGHT = 640, 220  # the viewBox; the SVG scales to the column's width
LEFT, BOTTOM, TOP_PAD = 48, 40, 12  # room for the value axis and the labels
SPARK_W, SPARK_H = 100, 24


@dataclass
class Bar:
    x: float
    y: float
    w: float
    h: float
    label: str
    value: float
    css: str = "bar"


@dataclass
class Chart:
    title: str
    width: int = WIDTH
    height: int = HEIGHT
    bars: list[Bar] = field(default_factory=list)
    ticks: list[tuple[float, str]] = field(default_factory=list)  # (y, label)
    line: str = ""  # polyline points, for line charts
    dots: list[tuple[float, float, str, str]] = field(default_factory=list)  # x, y, label, value
    labels: list[tuple[float, str]] = field(default_factory=list)  # x, text under the axis
    base: float = HEIGHT - BOTTOM
    left: int = LEFT


def nice_max(value: float) -> float:
    """The axis top: 1, 2, 4 or 8 times a power of ten, at or above the biggest value (its
    quarters, the grid lines, are then round numbers)."""
    if value <= 0:
        return 1.0
    power = 10 ** int(log10(value))
    for step in (1, 2, 4, 8, 10):
        if step * power >= value:
            return float(step * power)
    return float(10 * power)


def _ticks(top: float, base: float, height: float) -> list[tuple[float, str]]:
    out = []
    for i in range(5):
        v = top * i / 4
        out.append((base - height * i / 4, f"{v:g}" if v < 10 else f"{round(v):,}"))
    return out


def _short(text: str, n: int = 10) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def bar_chart(title: str, items: list[tuple[str, float]], every: int = 1) -> Chart:
    """Vertical bars, one per item (label, value); ``every``: label one bar in so many."""
    chart = Chart(title)
    inner_w = WIDTH - LEFT - 8
    inner_h = HEIGHT - BOTTOM - TOP_PAD
    top = nice_max(max((v for _l, v in items), default=0))
    chart.ticks = _ticks(top, chart.base, inner_h)
    slot = inner_w / max(1, len(items))
    for i, (label, value) in enumerate(items):
        h = inner_h * value / top
        x = LEFT + i * slot + slot * 0.15
        chart.bars.append(Bar(round(x, 1), round(chart.base - h, 1), round(slot * 0.7, 1),
                              round(h, 1), label, value))
        if i % every == 0:
            chart.labels.append((round(x + slot * 0.35, 1), _short(label)))
    return chart


def line_chart(title: str, items: list[tuple[str, float | None]], every: int = 1) -> Chart:
    """One line through the values (a week with no value breaks nothing: it is skipped)."""
    chart = Chart(title)
    inner_w = WIDTH - LEFT - 16
    inner_h = HEIGHT - BOTTOM - TOP_PAD
    top = nice_max(max((v for _l, v in items if v is not None), default=0))
    chart.ticks = _ticks(top, chart.base, inner_h)
    step = inner_w / max(1, len(items) - 1)
    points = []
    for i, (label, value) in enumerate(items):
        x = round(LEFT + 8 + i * step, 1)
        if i % every == 0:
            chart.labels.append((x, _short(label)))
        if value is None:
            continue
        y = round(chart.base - inner_h * value / top, 1)
        points.append(f"{x},{y}")
        chart.dots.append((x, y, label, f"{value:g}"))
    chart.line = " ".join(points)
    return chart


def funnel_chart(title: str, items: list[tuple[str, int, int]]) -> Chart:
    """Horizontal bars per node in order: reached (full bar) and left here (darker part)."""
    row = 26
    chart = Chart(title, height=TOP_PAD + row * max(1, len(items)) + 8)
    label_w, inner_w = 200, WIDTH - 200 - 60
    top = max((r for _l, r, _x in items), default=0) or 1
    for i, (label, reached, left) in enumerate(items):
        y = TOP_PAD + i * row
        w = inner_w * reached / top
        chart.bars.append(Bar(label_w, y, round(w, 1), row - 8, _short(label, 28), reached))
        if left:
            lw = inner_w * left / top
            chart.bars.append(Bar(label_w, y, round(lw, 1), row - 8, label, left, "bar-left"))
    chart.left = label_w
    return chart


def spark_points(values: tuple[int, ...] | list[int]) -> str:
    """A sparkline's polyline points in a SPARK_W × SPARK_H box."""
    if not values:
        return ""
    top = max(values) or 1
    step = SPARK_W / max(1, len(values) - 1)
    return " ".join(f"{round(i * step, 1)},{round(SPARK_H - 2 - (SPARK_H - 4) * v / top, 1)}"
                    for i, v in enumerate(values))


def label_every(n: int, room: int = 9) -> int:
    """Label one bar in so many so the labels never overlap."""
    return max(1, ceil(n / room))
