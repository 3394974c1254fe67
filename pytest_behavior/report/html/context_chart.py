"""The ``context_sweep`` chart: right answers by share of the context window, as inline SVG.

A line through each level's rate of right answers with its interval as a whisker (from `report.context_curve`),
the x axis the share of the window (with the prompt tokens under it when known), and the bound as a dashed line:
the shortest level's rate minus ``max_drop``. Every label passes `esc`; nothing is drawn without two levels.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pytest_behavior.report.context_curve import CurvePoint, curve_from_rows
from pytest_behavior.report.html.charts import CHART_WIDTH, Scale, _line, _svg, _text
from pytest_behavior.report.html.markup import CANDIDATE_COLOR, RED, esc

HEIGHT = 250
LEFT, RIGHT, TOP, BOTTOM = 60, CHART_WIDTH - 30, 20, HEIGHT - 55


def context_curve_svg(points: Sequence[CurvePoint], *, floor: float | None = None, label: str = "candidate") -> str:
    """The curve of ``points`` (levels in (0, 1], rates in [0, 1]); ``floor``: the lowest rate the bound allows."""
    if len(points) < 2:
        return ""
    x = Scale(0.0, 1.0, LEFT, RIGHT)
    y = Scale(0.0, 1.0, BOTTOM, TOP)
    parts = [_line(LEFT, BOTTOM, RIGHT, BOTTOM, "axis"), _line(LEFT, TOP, LEFT, BOTTOM, "axis")]
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        parts += [
            _line(LEFT, y(tick), RIGHT, y(tick), "grid"),
            _text(LEFT - 6, y(tick) + 4, f"{tick:.0%}", "tick", "end"),
        ]
    for point in points:
        px = x(point.level)
        parts.append(_text(px, BOTTOM + 16, f"{point.level * 100:.4g}%", "tick", "middle"))
        if point.tokens is not None:
            parts.append(_text(px, BOTTOM + 30, f"{point.tokens:,} tok", "tick", "middle"))
    parts.append(_text((LEFT + RIGHT) / 2, HEIGHT - 6, "share of the context window", "tick", "middle"))
    if floor is not None and 0 <= floor <= 1:
        parts.append(_line(LEFT, y(floor), RIGHT, y(floor), "threshold", RED))
        parts.append(_text(RIGHT, y(floor) - 4, f"bound {floor:.1%}", "tick", "end", RED))
    line = " ".join(f"{x(p.level):g},{y(p.accuracy):g}" for p in points)
    parts.append(f'<polyline fill="none" stroke="{CANDIDATE_COLOR}" stroke-width="2" points="{esc(line)}"/>')
    for point in points:
        px, (low, high) = x(point.level), point.interval
        parts.append(_line(px, y(low), px, y(high), "whisker", CANDIDATE_COLOR))
        parts.append(f'<circle cx="{px:g}" cy="{y(point.accuracy):g}" r="4" fill="{CANDIDATE_COLOR}"/>')
        parts.append(_text(px + 6, y(point.accuracy) - 6, f"{point.accuracy:.1%}", "tick"))
    return _svg(HEIGHT, f"right answers of {label} by share of the context window", parts)


def context_curve_figure(rows: Sequence[Mapping[str, Any]], label: str) -> str:
    """The chart of a test's overall ``context_sweep`` rows, with its caption ("" for a test without them)."""
    points = curve_from_rows(rows)
    drops = [r for r in rows if str(r.get("metric_key") or "").startswith("context_sweep.")]
    threshold = next((r.get("threshold") for r in drops if isinstance(r.get("threshold"), (int, float))), None)
    floor = None if threshold is None or not points else points[0].accuracy - abs(float(threshold))
    svg = context_curve_svg(points, floor=floor, label=label)
    if not svg:
        return ""
    caption = (
        f"<b>right answers by share of the context window</b>, {esc(label)}; whiskers: each level's paired "
        "interval of the drop from the shortest level, placed on its rate; dashed: the bound (max_drop)"
    )
    return f"<figure>{svg}<figcaption>{caption}</figcaption></figure>"
