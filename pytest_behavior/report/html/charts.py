"""The report's charts, inline SVG drawn by hand (no plotting library, no JavaScript).

`distribution_svg`: overlaid histograms of a continuous metric's outputs; `binary_svg`: rate bars and the paired
difference of a binary metric with its interval against the threshold; `ratio_svg`: a ratio's interval on a log
axis. Every label passes `esc`; a missing number is drawn as nothing, not as 0.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pytest_behavior.report.html.markup import (
    BASELINE_COLOR,
    CANDIDATE_COLOR,
    GREY,
    VERDICT_COLORS,
    Doc,
    esc,
    interval_entry,
    num,
    property_label,
)
from pytest_behavior.report.values import DASH, bound_form, describe_interval, format_value
from pytest_behavior.report.values import format_estimate as format_change

CHART_WIDTH = 760
LABEL_RIGHT = 160  # row labels of the bar and whisker charts end here


def _sig(value: float) -> str:
    return f"{value:.4g}"


@dataclass(frozen=True)
class Scale:
    """Data -> pixels along one axis; ``lo``/``hi`` are in log10 units when ``log``. Out-of-range values clamp."""

    lo: float
    hi: float
    start: float
    end: float
    log: bool = False

    def __call__(self, value: float) -> float:
        v = (math.log10(value) if value > 0 else self.lo) if self.log else value
        fraction = min(1.0, max(0.0, (v - self.lo) / (self.hi - self.lo)))
        return round(self.start + fraction * (self.end - self.start), 2)

    def ticks(self, target: int = 6) -> list[float]:
        if self.log:
            return log_ticks(self.lo, self.hi)
        return nice_ticks(self.lo, self.hi, target)


def nice_ticks(lo: float, hi: float, target: int = 6) -> list[float]:
    """Round numbers (1, 2, 2.5, 5 × 10^k apart) between ``lo`` and ``hi``."""
    if not hi > lo:
        return [lo]
    raw = (hi - lo) / max(1, target)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw * 0.999)
    first, last = math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9)
    return [round(k * step, 12) for k in range(first, last + 1)]


def log_ticks(lo: float, hi: float) -> list[float]:
    """Ticks for a log axis spanning ``lo``..``hi`` in log10 units: 1-2-5 per decade, or round numbers."""
    span = hi - lo
    if span < 1:
        return [t for t in nice_ticks(10**lo, 10**hi, 5) if t > 0]
    multiples = (1, 2, 5) if span <= 2.5 else (1, 3) if span <= 4 else (1,)
    ticks = [
        m * 10.0**e
        for e in range(math.floor(lo), math.ceil(hi) + 1)
        for m in multiples
        if lo - 1e-9 <= math.log10(m * 10.0**e) <= hi + 1e-9
    ]
    step = max(1, math.ceil(len(ticks) / 10))
    return ticks[::step]


def tick_label(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 10000:
        return f"{value / 1000:g}k"
    if abs(value) >= 1000:
        return f"{value:.0f}"
    return f"{round(value, 6):g}"


def _svg(height: int, label: str, body: Iterable[str]) -> str:
    return (
        f'<svg class="chart" role="img" aria-label="{esc(label)}" viewBox="0 0 {CHART_WIDTH} {height}" '
        f'width="{CHART_WIDTH}" height="{height}"><title>{esc(label)}</title>{"".join(body)}</svg>'
    )


def _line(x1: float, y1: float, x2: float, y2: float, cls: str, color: str | None = None) -> str:
    stroke = f' stroke="{color}"' if color else ""
    return f'<line class="{cls}" x1="{x1:g}" y1="{y1:g}" x2="{x2:g}" y2="{y2:g}"{stroke}/>'


def _text(x: float, y: float, text: str, cls: str = "", anchor: str = "start", color: str | None = None) -> str:
    fill = f' fill="{color}"' if color else ""
    klass = f' class="{cls}"' if cls else ""
    return f'<text x="{x:g}" y="{y:g}" text-anchor="{anchor}"{klass}{fill}>{esc(text)}</text>'


def _x_axis(scale: Scale, y: float, ticks: Sequence[float], fmt: Any, grid_top: float | None = None) -> list[str]:
    """A horizontal axis at ``y`` with tick labels below it (and light grid lines up to ``grid_top``)."""
    parts = [_line(scale.start, y, scale.end, y, "axis")]
    for t in ticks:
        x = scale(t)
        if grid_top is not None:
            parts.append(_line(x, grid_top, x, y, "grid"))
        parts += [_line(x, y, x, y + 4, "axis"), _text(x, y + 16, fmt(t), "tick", "middle")]
    return parts


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- distributions


def distribution_svg(title: str, baseline: Sequence[float], candidate: Sequence[float], labels: tuple[str, str]) -> str:
    """Overlaid histograms (share of outputs per bin) of the two arms on a shared axis, medians dashed.

    The axis is logarithmic when every value is positive and they span more than a factor of 20. An empty
    arm is left out; with no values at all the result is ``""``.
    """
    values = [*baseline, *candidate]
    if not values:
        return ""
    log = min(values) > 0 and max(values) / min(values) > 20
    edges = _bin_edges([math.log10(v) for v in values] if log else values, log, max(len(baseline), len(candidate)))
    left, right, top, bottom = 58, CHART_WIDTH - 18, 40, 206
    x = Scale(edges[0], edges[-1], left, right, log)
    arms = [
        (name, data, color, label)
        for name, data, color, label in (
            ("baseline", baseline, BASELINE_COLOR, labels[0]),
            ("candidate", candidate, CANDIDATE_COLOR, labels[1]),
        )
        if data
    ]
    shares = {name: _shares(data, edges, log) for name, data, _, _ in arms}
    top_share = max(max(s) for s in shares.values())
    y_ticks = nice_ticks(0, top_share * 1.08, 4)
    y = Scale(0, max(top_share * 1.08, y_ticks[-1]), bottom, top)
    parts = [_line(left, y(t), right, y(t), "grid") for t in y_ticks[1:]]
    parts += [_text(left - 6, y(t) + 4, f"{100 * t:g}%", "tick", "end") for t in y_ticks]
    for name, _, color, _ in arms:
        parts += _histogram(shares[name], edges, x, y, color)
    for _, data, color, _ in arms:
        mx = x(statistics.median(data))
        parts.append(_line(mx, top - 4, mx, bottom, "median", color))
    parts += _x_axis(x, bottom, _in_domain(x.ticks(7), x), tick_label)
    parts.append(
        _text((left + right) / 2, bottom + 36, title + (" (log scale)" if log else ""), "axis-title", "middle")
    )
    parts.append(
        f'<text class="axis-title" text-anchor="middle" transform="translate(14 {(top + bottom) / 2:g}) '
        f'rotate(-90)">share of outputs</text>'
    )
    parts += _legend(arms, left)
    described = "; ".join(
        f"{name} {label}: n={len(data)}, median {_sig(statistics.median(data))}" for name, data, _, label in arms
    )
    return _svg(bottom + 48, f"{title}: distribution per output — {described}", parts)


def _bin_edges(values: Sequence[float], log: bool, n: int) -> list[float]:
    """Equal-width bin edges (log10 units when ``log``); whole-number widths for whole-number data."""
    lo, hi = min(values), max(values)
    bins = min(48, max(12, round(2.5 * n ** (1 / 3))))
    if not log and all(v == round(v) for v in values):
        width = max(1.0, float(math.ceil((hi - lo + 1) / bins)))
        count = max(1, math.ceil((hi - lo + 1) / width))
        if count < 8:  # a few distinct whole numbers: pad so the bars do not fill the whole axis
            lo, count = lo - 2 * width, count + 4
        return [lo - 0.5 + i * width for i in range(count + 1)]
    if hi - lo < 1e-12:
        pad = 0.1 if log else max(abs(lo) * 0.1, 0.5)
        lo, hi = lo - pad, hi + pad
    return [lo + (hi - lo) * i / bins for i in range(bins + 1)]


def _shares(data: Sequence[float], edges: Sequence[float], log: bool) -> list[float]:
    counts = [0] * (len(edges) - 1)
    width = edges[1] - edges[0]
    for value in data:
        v = math.log10(value) if log else value
        counts[min(len(counts) - 1, max(0, int((v - edges[0]) / width)))] += 1
    return [c / len(data) for c in counts]


def _histogram(shares: Sequence[float], edges: Sequence[float], x: Scale, y: Scale, color: str) -> list[str]:
    def px(edge: float) -> float:  # the edges are already in the axis' own (log10) units
        return x(10**edge if x.log else edge)

    top = [f"L{px(edges[0]):g},{y(shares[0]):g}"]
    for i, share in enumerate(shares):
        top += [f"L{px(edges[i]):g},{y(share):g}", f"L{px(edges[i + 1]):g},{y(share):g}"]
    base = y(0)
    outline = f"M{px(edges[0]):g},{base:g}" + "".join(top) + f"L{px(edges[-1]):g},{base:g}"
    return [
        f'<path class="area" d="{outline}Z" fill="{color}"/>',
        f'<path class="outline" d="{outline}" stroke="{color}"/>',
    ]


def _in_domain(ticks: Sequence[float], scale: Scale) -> list[float]:
    def inside(t: float) -> bool:
        v = math.log10(t) if scale.log and t > 0 else t
        return (t > 0 or not scale.log) and scale.lo - 1e-9 <= v <= scale.hi + 1e-9

    return [t for t in ticks if inside(t)]


def _legend(arms: Sequence[tuple[str, Sequence[float], str, str]], left: float) -> list[str]:
    parts, x = [], left
    for name, data, color, label in arms:
        text = f"{name} {_truncate(label, 28)} · n={len(data)} · median {_sig(statistics.median(data))}"
        parts += [
            f'<rect class="swatch" x="{x:g}" y="8" width="14" height="14" rx="2" fill="{color}" stroke="{color}"/>',
            _text(x + 20, 19.5, text, "legend"),
        ]
        x += 340
    return parts


# -- binary bounds


def binary_svg(prop: Doc, labels: tuple[str, str]) -> str:
    """Baseline and candidate rates as bars on 0–100%; the change with its interval against the threshold.

    ``difference`` bounds get a second panel: the paired difference (points) on an axis centred on zero, the
    threshold dashed (``max_decrease`` is bad below ``-threshold``). ``rate`` bounds draw the interval as a
    whisker on the candidate bar and the threshold on the rate axis, which is zoomed in (to 0–10%, say) when
    every value on it is small, so that the interval can be read.
    """
    scale = str(prop.get("scale") or "")
    difference = scale == "difference"
    top_rate = 1.0 if difference else _rate_axis_end(prop)
    rates = Scale(0, top_rate, LABEL_RIGHT + 10, 410 if difference else CHART_WIDTH - 24)
    rows = (
        (f"baseline {labels[0]}", num(prop.get("baseline")), BASELINE_COLOR, 32),
        (f"candidate {labels[1]}", num(prop.get("candidate")), CANDIDATE_COLOR, 64),
    )
    parts, avoid, clear = [], [], 0.0
    if not difference:
        parts += _threshold_marks(prop, rates, 24, 88, lambda t: f"limit {100 * t:.1f}%")
        avoid = [rates(where) for where, _ in _threshold_sides(prop)]
        upper = num(prop.get("upper"))
        clear = rates.end if upper is None and num(prop.get("lower")) is not None else rates(upper or 0.0)
    for text, value, color, top in rows:
        parts += _bar(rates, top, text, value, color, avoid, clear if top == rows[1][3] else 0.0)
    if not difference:
        parts += _whisker(prop, rates, rows[1][3] + 9, lambda v: "")
    parts += _x_axis(rates, 92, nice_ticks(0, top_rate, 5), lambda t: f"{round(100 * t, 6):g}%")
    axis_title = "rate" if top_rate == 1 else f"rate (axis zoomed to 0–{100 * top_rate:g}%)"
    parts.append(_text((rates.start + rates.end) / 2, 130, axis_title, "axis-title", "middle"))
    if difference:
        parts += _difference_panel(prop)
    title = property_label(prop)
    label = (
        f"{title} {prop.get('bound') or ''}: baseline {format_value('binary', rows[0][1])}, candidate "
        f"{format_value('binary', rows[1][1])}, change {format_change(scale, num(prop.get('estimate')))}, "
        f"{describe_interval(interval_entry(prop))}, verdict {prop.get('verdict') or DASH}"
    )
    return _svg(138, label, parts)


def _rate_axis_end(prop: Doc) -> float:
    """100%, or a round rate comfortably above every value to draw when they are all small."""
    values = [
        v
        for v in (num(prop.get(k)) for k in ("baseline", "candidate", "estimate", "lower", "upper", "threshold"))
        if v is not None
    ]
    largest = max([0.0, *values]) * 1.25
    return next((end for end in (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5) if largest <= end), 1.0)


def _bar(
    rates: Scale, top: float, text: str, value: float | None, color: str, avoid: Sequence[float], clear: float
) -> list[str]:
    """A rate bar on its track, the row label left of it and the value right of it (clear of ``clear`` and
    of the threshold lines at ``avoid``)."""
    height = 18
    parts = [
        f'<rect class="track" x="{rates.start:g}" y="{top:g}" width="{rates.end - rates.start:g}" height="{height}"/>'
    ]
    parts += _row_label(top + 13, text, color)
    end = rates.start if value is None else rates(value)
    if value is not None:
        parts.append(
            f'<rect x="{rates.start:g}" y="{top:g}" width="{max(1.5, end - rates.start):g}" '
            f'height="{height}" fill="{color}"/>'
        )
    label = format_value("binary", value)
    width = 7 * len(label)
    x = max(end, clear + 2) + 6
    for line in sorted(avoid):
        if x - 4 <= line <= x + width + 2:
            x = line + 6
    if x + width > rates.end and value is not None:
        return [*parts, _text(end - 6, top + 13, label, "value inside", "end")]
    return [*parts, _text(x, top + 13, label, "value")]


def _row_label(y: float, text: str, color: str | None = None, sub: str = "") -> list[str]:
    """A row's name right-aligned left of the plot: the arm (or quantity) in bold, its label or note below."""
    head, _, note = (text, "", sub) if sub else text.partition(" ")
    if not note:
        return [_text(LABEL_RIGHT, y, _truncate(head, 22), "row-label", "end", color)]
    return [
        _text(LABEL_RIGHT, y - 6, _truncate(head, 22), "row-label", "end", color),
        _text(LABEL_RIGHT, y + 6, _truncate(note, 26), "row-note", "end"),
    ]


def _difference_panel(prop: Doc) -> list[str]:
    ends = [abs(v) for v in (num(prop.get(k)) for k in ("estimate", "lower", "upper", "threshold")) if v is not None]
    reach = max([0.01, *ends]) * 1.25
    axis = Scale(-reach, reach, 456, CHART_WIDTH - 24)
    ticks = nice_ticks(-reach * 100, reach * 100, 6)
    parts = _threshold_marks(prop, axis, 24, 88, lambda t: f"limit {100 * t:+.1f}")
    parts.append(_line(axis(0), 28, axis(0), 92, "zero"))
    parts += _whisker(prop, axis, 58, lambda v: f"{100 * v:+.1f}")
    parts += _x_axis(
        axis,
        92,
        [t / 100 for t in ticks],
        lambda t: tick_label(round(100 * t, 9)) if t <= 0 else "+" + tick_label(round(100 * t, 9)),
    )
    parts.append(
        _text((axis.start + axis.end) / 2, 130, "change, candidate − baseline (points)", "axis-title", "middle")
    )
    return parts


def _threshold_sides(prop: Doc) -> list[tuple[float, bool]]:
    """Where a bound's threshold lines go, in the units of its estimate, and whether the bad side is above."""
    threshold = num(prop.get("threshold"))
    if threshold is None:
        return []
    form = bound_form(str(prop.get("bound") or ""))
    if form == "max_decrease":
        return [(-threshold, False)]
    if form == "max_share_change":
        return [(-threshold, False), (threshold, True)]
    if form.startswith("min"):
        return [(threshold, False)]
    return [(threshold, True)]


def _threshold_marks(prop: Doc, axis: Scale, top: float, bottom: float, fmt: Any) -> list[str]:
    """The dashed threshold line(s) of a bound, the side that breaks it shaded, a label above."""
    parts = []
    for where, bad_above in _threshold_sides(prop):
        x = axis(where)
        x0, x1 = (x, axis.end) if bad_above else (axis.start, x)
        parts.append(
            f'<rect class="bad" x="{x0:g}" y="{top:g}" width="{max(0.0, x1 - x0):g}" height="{bottom - top:g}"/>'
        )
        parts.append(_line(x, top - 4, x, bottom + 2, "threshold"))
        anchor = "end" if x > axis.end - 40 else "start" if x < axis.start + 40 else "middle"
        parts.append(_text(x, top - 8, fmt(where), "threshold-label", anchor))
    return parts


def _whisker(prop: Doc, axis: Scale, y: float, fmt: Any) -> list[str]:
    """The interval [lower, upper] and the estimate; an unknown end runs to the axis edge with an arrow."""
    estimate, lower, upper = (num(prop.get(k)) for k in ("estimate", "lower", "upper"))
    color = VERDICT_COLORS.get(str(prop.get("verdict")), GREY)
    parts = []
    if lower is not None or upper is not None:
        x0 = axis.start if lower is None else axis(lower)
        x1 = axis.end if upper is None else axis(upper)
        parts.append(f'<line class="whisker" x1="{x0:g}" y1="{y:g}" x2="{x1:g}" y2="{y:g}" stroke="{color}"/>')
        for x, known, direction in ((x0, lower, -1), (x1, upper, 1)):
            if known is not None:
                parts.append(_line(x, y - 7, x, y + 7, "cap", color))
            else:
                tip = x + 2 * direction
                parts.append(
                    f'<path d="M{tip:g},{y:g}L{tip - 9 * direction:g},{y - 5:g}'
                    f'L{tip - 9 * direction:g},{y + 5:g}Z" fill="{color}"/>'
                )
    if estimate is not None:
        ex = axis(estimate)
        parts.append(f'<circle cx="{ex:g}" cy="{y:g}" r="5.5" fill="{color}" stroke="#fff" stroke-width="1.5"/>')
        label = fmt(estimate)
        if label:
            parts.append(_text(ex, y - 12, label, "estimate", "middle", color))
    return parts


# -- ratio bounds


def ratio_svg(prop: Doc) -> str:
    """The ratio candidate ÷ baseline with its interval on a log axis, ``x1`` (no change) and the threshold."""
    values = [v for v in (num(prop.get(k)) for k in ("estimate", "lower", "upper", "threshold")) if v and v > 0]
    if not values:
        return ""
    lo, hi = math.log10(min([*values, 1.0])), math.log10(max([*values, 1.0]))
    pad = max(0.03, 0.12 * (hi - lo))
    axis = Scale(lo - pad, hi + pad, LABEL_RIGHT + 10, CHART_WIDTH - 24, log=True)
    bound = str(prop.get("bound") or "")
    what = "p95 ratio" if bound_form(bound) == "max_p95_ratio" else "ratio"
    parts = _threshold_marks(prop, axis, 26, 66, lambda t: f"limit x{t:.2f}")
    parts.append(_line(axis(1.0), 30, axis(1.0), 66, "zero"))
    parts += _row_label(52, what, sub="candidate ÷ baseline")
    parts += _whisker(prop, axis, 48, lambda v: f"x{v:.2f}")
    parts += _x_axis(axis, 70, _in_domain(axis.ticks(), axis), lambda t: "x" + tick_label(t))
    scale = "ratio"
    label = (
        f"{property_label(prop)} {bound}: {what} {format_change(scale, num(prop.get('estimate')))}, "
        f"{describe_interval(interval_entry(prop))}, limit {format_change(scale, num(prop.get('threshold')))}, "
        f"verdict {prop.get('verdict') or DASH}"
    )
    return _svg(96, label, parts)
