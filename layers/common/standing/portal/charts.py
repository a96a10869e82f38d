"""Geometry for the server-rendered charts (the templates draw it as inline SVG: readable without JavaScript).

Pure: numbers in, coordinates out. A metric's history is a line over its last evaluations with its bar drawn as a
dashed step line (the bar can change between versions or segments); a distribution is a histogram of the
partners' values with the bar as a vertical line. Values that are not numbers (a flag, a category) have no axis:
their history is a row of pass / fail marks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

WIDTH = 320.0
HEIGHT = 120.0
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 8.0, 8.0, 10.0, 22.0


def number(value: Any) -> float | None:
    """The value as a float if it is a finite number (not a bool, not a category)."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        parsed = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return float(parsed) if parsed.is_finite() else None


@dataclass
class Point:
    x: float
    y: float | None  # None: no value in that evaluation (not applicable)
    label: str  # the period, as the partner reads it
    shown: str  # the value, as the partner reads it
    outcome: str
    axis: str = ""  # the period, short, under the chart


@dataclass
class LineChart:
    width: float
    height: float
    points: list[Point]
    line: str  # SVG polyline points of the values (gaps skipped)
    bar: str  # SVG polyline points of the threshold step line ("" when there is none)
    bar_y: float | None  # y of the latest threshold, for its label
    numeric: bool
    baseline: float = field(default=HEIGHT - PAD_BOTTOM)


def _scale(values: list[float], kind: str, scale: float | None) -> tuple[float, float]:
    low, high = min(values), max(values)
    if kind == "percent":
        low, high = min(low, 0.0), max(high, 1.0) if high > 0.5 else max(high * 1.25, 0.05)
    elif kind == "score" and scale:
        low, high = 0.0, scale
    else:
        low, high = min(low, 0.0), high * 1.15 if high > 0 else 1.0
    if high == low:
        high = low + 1.0
    return low, high


def history(
    entries: list[tuple[str, Any, Any, str, str, str]], kind: str = "number", scale: float | None = None
) -> LineChart:
    """`entries`: (period label, value, threshold, outcome, value as shown, short period label), oldest first."""
    n = len(entries)
    usable = WIDTH - PAD_LEFT - PAD_RIGHT
    xs = [PAD_LEFT + (usable * i / (n - 1) if n > 1 else usable / 2) for i in range(n)]
    values = [number(e[1]) for e in entries]
    thresholds = [number(e[2]) for e in entries]
    numeric = any(v is not None for v in values) and all(
        v is not None or e[3] == "not_applicable" for v, e in zip(values, entries, strict=True)
    )
    if not numeric:  # a row of pass / fail marks needs no height for an axis
        height = 56.0
        points = [Point(x, 20.0, e[0], e[4], e[3], e[5]) for x, e in zip(xs, entries, strict=True)]
        return LineChart(WIDTH, height, points, "", "", None, False, baseline=height - PAD_BOTTOM)
    known = [v for v in values + thresholds if v is not None]
    low, high = _scale(known, kind, scale)
    top, bottom = PAD_TOP, HEIGHT - PAD_BOTTOM

    def y_of(v: float) -> float:
        return round(bottom - (v - low) / (high - low) * (bottom - top), 1)

    points = [
        Point(round(x, 1), y_of(v) if v is not None else None, e[0], e[4], e[3], e[5])
        for x, v, e in zip(xs, values, entries, strict=True)
    ]
    line = " ".join(f"{p.x},{p.y}" for p in points if p.y is not None)
    steps: list[str] = []
    half = usable / (2 * (n - 1)) if n > 1 else usable / 2
    for x, t in zip(xs, thresholds, strict=True):
        if t is not None:
            steps += [
                f"{round(max(x - half, PAD_LEFT), 1)},{y_of(t)}",
                f"{round(min(x + half, WIDTH - PAD_RIGHT), 1)},{y_of(t)}",
            ]
    last_bar = next((t for t in reversed(thresholds) if t is not None), None)
    return LineChart(
        WIDTH, HEIGHT, points, line, " ".join(steps), y_of(last_bar) if last_bar is not None else None, True
    )


@dataclass
class Bin:
    x: float
    y: float
    width: float
    height: float
    count: int
    label: str  # e.g. "90% – 95%"
    passing: bool


@dataclass
class Histogram:
    width: float
    height: float
    bins: list[Bin]
    bar_x: float | None
    low_label: str
    high_label: str
    total: int
    baseline: float = field(default=HEIGHT - PAD_BOTTOM)


def histogram(
    values: list[float],
    threshold: float | None,
    op: str,
    fmt: Any,
    bins: int = 10,
    kind: str = "number",
    scale: float | None = None,
) -> Histogram:
    """Partners' values in `bins` equal bins; `fmt(v)` writes a bin edge; a bin passes if its midpoint does."""
    known = values + ([threshold] if threshold is not None else [])
    low, high = _scale(known, kind, scale) if known else (0.0, 1.0)
    step = (high - low) / bins
    counts = [0] * bins
    for v in values:
        counts[min(int((v - low) / step), bins - 1) if step else 0] += 1
    peak = max(counts) or 1
    usable = WIDTH - PAD_LEFT - PAD_RIGHT
    bottom = HEIGHT - PAD_BOTTOM
    out = []
    for i, count in enumerate(counts):
        left, right = low + i * step, low + (i + 1) * step
        h = round((bottom - PAD_TOP) * count / peak, 1)
        out.append(
            Bin(
                x=round(PAD_LEFT + usable * i / bins + 1, 1),
                y=round(bottom - h, 1),
                width=round(usable / bins - 2, 1),
                height=h,
                count=count,
                label=f"{fmt(left)} – {fmt(right)}",
                passing=threshold is None or _passes((left + right) / 2, threshold, op),
            )
        )
    bar_x = round(PAD_LEFT + usable * (threshold - low) / (high - low), 1) if threshold is not None else None
    return Histogram(WIDTH, HEIGHT, out, bar_x, fmt(low), fmt(high), len(values))


def _passes(value: float, threshold: float, op: str) -> bool:
    return {
        ">=": value >= threshold,
        ">": value > threshold,
        "<=": value <= threshold,
        "<": value < threshold,
        "==": value == threshold,
    }.get(op, True)


def bar_fill(value: Any, threshold: Any, kind: str, scale: float | None) -> tuple[float, float] | None:
    """(value, threshold) as fractions of a bar's length, or None for values without an axis."""
    v, t = number(value), number(threshold)
    if v is None:
        return None
    low, high = _scale([x for x in (v, t) if x is not None], kind, scale)
    span = high - low

    def frac(x: float) -> float:
        return round(min(max((x - low) / span, 0.0), 1.0), 4)

    return frac(v), (frac(t) if t is not None else -1.0)
