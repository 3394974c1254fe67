"""How a verdict's numbers read in every report: rates as percentages, changes in the bound's own terms.

The terminal diff, the summary table, the JUnit properties, the GitHub summary and the HTML report all format
through here, so a number reads the same wherever a reviewer meets it.

Intervals are named from the confidence of their two ends (``lower_level``, ``upper_level``: each end is a one-sided
bound), never from a fixed 95%: two one-sided 95% bounds make a 90% interval. When the judge shows the end that
decides REGRESSED at a Holm-adjusted level (Holm 1979, Scand. J. Statist. 6:65-70) so that the verdict agrees with
the interval, the levels differ and the reports say which end is at which level (`interval_style`,
`describe_interval`). Reports written before those fields existed read their ``confidence`` (0.95) for both ends.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

DASH = "–"
DEFAULT_LEVEL = 0.95
"""The level of each end in a report that does not say (written before ``lower_level``/``upper_level``)."""

_SCALE = {
    "max_rate": "rate",
    "min_rate": "rate",
    "max_increase": "difference",
    "max_decrease": "difference",
    "max_share_change": "difference",
    "max_ratio": "ratio",
    "min_ratio": "ratio",
    "max_p95_ratio": "ratio",
    "min_win_rate": "rate",
    "min_mean": "points",
}


_KEYWORD_FORMS = {"max_ttft_p95_ratio": "max_p95_ratio", "max_ttft_ratio": "max_ratio"}
"""Marker keywords a report shows that the judge reads as another form (`properties.base.Bound.keyword`)."""


def bound_form(bound: str) -> str:
    """The judged form of a report's bound text: ``max_ttft_p95_ratio=2`` -> ``max_p95_ratio``."""
    form = bound.split("=", 1)[0].strip()
    return _KEYWORD_FORMS.get(form, form)


def scale_of(bound: str, kind: str | None = None) -> str:
    """How a bound's estimate reads: a candidate ``rate``, a paired ``difference`` of rates, a ``ratio``, or
    ``points`` (a ``bounded`` metric's scores, as they are: a rubric's mean or its change)."""
    form = bound_form(bound)
    if kind == "bounded" and form in ("max_decrease", "max_increase"):
        return "points"
    return _SCALE.get(form, "difference")


def _missing(value: float | None) -> bool:
    return value is None or not math.isfinite(value)


def format_value(kind: str, value: float | None, *, missing: str = DASH) -> str:
    """A baseline or candidate summary: a percent for binary metrics, 4 significant digits otherwise."""
    if value is None or _missing(value):
        return missing
    return f"{100 * value:.1f}%" if kind == "binary" else f"{value:.4g}"


def format_estimate(scale: str, value: float | None, *, extra_digits: int = 0) -> str:
    """An estimate (or interval end) in its bound's terms: ``x1.23``, ``+5.0 pts``, ``12.0%``."""
    if value is None or _missing(value):
        return DASH
    if scale == "ratio":
        return f"x{value:.{2 + extra_digits}f}"
    if scale == "rate":
        return f"{100 * value:.{1 + extra_digits}f}%"
    if scale == "difference":  # + 0.0: a change that rounds to zero reads +0.0, not -0.0
        return f"{round(100 * value, 1 + extra_digits) + 0.0:+.{1 + extra_digits}f} pts"
    shown = f"{value + 0.0:.{4 + extra_digits}g}"  # + 0.0: a zero change reads 0, not -0
    return f"+{shown}" if scale == "points" and value > 0 and float(shown) != 0 else shown  # signed like pts


def _shown(scale: str, value: float, extra_digits: int) -> float:
    """The number a reader sees in `format_estimate`'s text."""
    if scale == "ratio":
        return round(value, 2 + extra_digits)
    if scale in ("rate", "difference"):
        return round(100 * value, 1 + extra_digits) / 100
    return float(f"{value:.{4 + extra_digits}g}")


def _side(value: float, threshold: float) -> int:
    return (value > threshold) - (value < threshold)


def format_end(scale: str, value: float | None, *, threshold: float | None = None) -> str:
    """An interval end, with as many more digits as it takes for the printed number to sit on the same side of
    ``threshold`` as the value (``5.0%`` for 5.01% would read as touching a 5% bound that it clears)."""
    if value is None or _missing(value) or threshold is None or not math.isfinite(threshold):
        return format_estimate(scale, value)
    for extra in range(6):
        if _side(_shown(scale, value, extra), threshold) == _side(value, threshold):
            return format_estimate(scale, value, extra_digits=extra)
    return format_estimate(scale, value, extra_digits=6)


def user_threshold(bound: str, threshold: float) -> float:
    """The threshold on the scale the change is shown on (``max_decrease=0.05`` breaks below -5 points)."""
    return -threshold if bound.split("=", 1)[0] == "max_decrease" else threshold


def format_interval(
    scale: str,
    lower: float | None,
    upper: float | None,
    *,
    marks: tuple[str, str] = ("", ""),
    threshold: float | None = None,
) -> str:
    """``[x1.10, x1.40]``, ``[+1.0, +9.0] pts``, ``[5.0%, 11.0%]``; empty when neither end is known.

    ``marks`` follow the lower and upper end: ``[+1.0 (98.75%), +9.0] pts``. With ``threshold`` (on the shown
    scale, see `user_threshold`) no end is rounded onto or across it: the verdict and the printed interval agree."""
    if _missing(lower) and _missing(upper):
        return ""
    ends = [
        format_end(scale, v, threshold=threshold).removesuffix(" pts") + (f" {m}" if m else "")
        for v, m in zip((lower, upper), marks, strict=True)
    ]
    return f"[{ends[0]}, {ends[1]}]" + (" pts" if scale == "difference" else "")


def format_p(p: float | None, *, missing: str = DASH) -> str:
    if p is None or _missing(p):
        return missing
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def format_change(verdict: Mapping[str, Any], *, with_bounds: bool = True, style: IntervalStyle | None = None) -> str:
    """``x1.45 [x1.30, x1.62]``, ``+8.0 pts [+4.1, +11.9] pts``, ``6.0% [4.2%, 8.3%]`` from a report entry: a table
    cell, whose interval is named by the table's `interval_style` (``style``: its ends marked as it says)."""
    scale = verdict.get("scale") or scale_of(verdict["bound"], verdict.get("kind"))
    estimate = format_estimate(scale, verdict["estimate"])
    if not with_bounds:
        return estimate
    return f"{estimate} {interval_text(verdict, style)}"


# ---- naming an interval by the levels of its ends ------------------------------------------------------------------


def levels(entry: Mapping[str, Any]) -> tuple[float, float]:
    """The confidence of the lower and of the upper end (each a one-sided bound) of a report entry or
    ``BoundVerdict.to_dict()``; an older report without them has ``confidence`` (0.95) for both."""
    fallback = _level(entry.get("confidence"), DEFAULT_LEVEL)
    return _level(entry.get("lower_level"), fallback), _level(entry.get("upper_level"), fallback)


def _level(value: object, fallback: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
        return fallback
    return float(value)


def percent(level: float) -> str:
    """``0.95`` -> ``95%``, ``0.9875`` -> ``98.75%``, ``1 - 0.05/3`` -> ``98.33%``: at most two decimals, rounded
    down, so a level is never shown higher than it is."""
    hundredths = math.floor(level * 10_000 + 1e-6)
    return f"{hundredths / 100:.2f}".rstrip("0").rstrip(".") + "%"


def two_sided_name(level: float) -> str:
    """The interval two one-sided bounds at ``level`` make: ``0.95`` -> ``90% interval``."""
    return f"{percent(2 * level - 1)} interval"


def decisive_ends(bound: str) -> tuple[str, ...]:
    """The end(s) of the interval that decide REGRESSED by lying beyond the threshold: ``lower`` for ``max_*``
    bounds, ``upper`` for ``min_*`` and ``max_decrease``, both for ``max_share_change`` (a move either way)."""
    form = bound_form(bound)
    if form == "max_share_change":
        return ("lower", "upper")
    if form == "max_decrease" or form.startswith("min_"):
        return ("upper",)
    return ("lower",)


def _ends(entry: Mapping[str, Any]) -> dict[str, float]:
    lower, upper = levels(entry)
    return {"lower": lower, "upper": upper}


@dataclass(frozen=True)
class IntervalStyle:
    """How a table of verdicts names its intervals: the column header, the ends marked with their level, a note.

    All ends at one level c: ``90% interval`` (for c = 0.95), nothing marked, no note. The end that decides
    REGRESSED at one level and the other end at another, in every row: ``interval (see note)`` and a note saying
    which is which. Rows at different levels: every end not at the common level carries its own, explained by the
    note.
    """

    header: str
    note: str = ""
    """Under the table when the header does not say it all."""
    base: float | None = None
    """Ends at another level than this are marked with theirs (None: no end is marked)."""
    gloss: str = ""
    """What the header means, for a legend: the note, or ``90% interval: a one-sided 95% bound at each end``."""

    def marks(self, entry: Mapping[str, Any]) -> tuple[str, str]:
        if self.base is None:
            return ("", "")
        lower, upper = levels(entry)
        return self._mark(lower), self._mark(upper)

    def _mark(self, level: float) -> str:
        return "" if self.base is None or round(level, 9) == self.base else f"({percent(level)})"


def _procedure(rows: Iterable[Mapping[str, Any]]) -> str:
    """Which multiplicity adjustment set the levels: Holm at fixed N; Bonferroni over the bounds of a sequential
    test (its rows carry ``n_max``, the input budget)."""
    sequential = [row.get("n_max") is not None for row in rows]
    if sequential and all(sequential):
        return "Bonferroni"
    return "Holm (Bonferroni in sequential mode)" if any(sequential) else "Holm"


def interval_style(entries: Iterable[Mapping[str, Any]]) -> IntervalStyle:
    """The naming of the intervals of these rows (see `IntervalStyle`)."""
    rows = list(entries)
    ends = [(end, level, end in decisive_ends(str(row["bound"]))) for row in rows for end, level in _ends(row).items()]
    every = {round(level, 9) for _, level, _ in ends} or {DEFAULT_LEVEL}
    if len(every) == 1:
        (level,) = every
        return IntervalStyle(
            header=two_sided_name(level),
            gloss=f"{two_sided_name(level)}: a one-sided {percent(level)} bound at each end",
        )
    deciding = {round(level, 9) for _, level, decisive in ends if decisive}
    others = {round(level, 9) for _, level, decisive in ends if not decisive}
    procedure = _procedure(rows)
    if len(deciding) == 1 and len(others) == 1:
        (decided,), (other,) = deciding, others
        adjusted = f", {procedure}-adjusted as p (adj.) is" if decided > other else ""
        note = (
            f"interval: the end that decides REGRESSED is a one-sided {percent(decided)} bound{adjusted}; the "
            f"other end a one-sided {percent(other)} bound"
        )
        return IntervalStyle(header="interval (see note)", note=note, gloss=note)
    base = (
        Counter(round(level, 9) for _, level, decisive in ends if not decisive).most_common(1)[0][0]
        if others
        else min(every)
    )
    marked = [(level, decisive) for _, level, decisive in ends if round(level, 9) != base]
    if all(decisive and level > base for level, decisive in marked):
        what = (
            f"a marked end lies on the side where the bound breaks, at the stricter level the {procedure} "
            "procedure tested that row at: it decides REGRESSED, as p (adj.) does"
        )
    else:
        what = "a marked end is a one-sided bound at the level shown"
    note = (
        f"interval: each end is a one-sided bound; unmarked ends are at {percent(base)} (two unmarked ends "
        f"make a {two_sided_name(base)}); {what}"
    )
    return IntervalStyle(header="interval (see note)", note=note, base=base, gloss=note)


def interval_text(entry: Mapping[str, Any], style: IntervalStyle | None = None) -> str:
    """The bracket of a table cell, its ends marked as ``style`` says; ``[–, –]`` when no end is known."""
    scale = entry.get("scale") or scale_of(entry["bound"], entry.get("kind"))
    marks = ("", "") if style is None else style.marks(entry)
    return (
        format_interval(scale, entry["lower"], entry["upper"], marks=marks, threshold=_entry_threshold(entry))
        or f"[{DASH}, {DASH}]"
    )


def _entry_threshold(entry: Mapping[str, Any]) -> float | None:
    threshold = entry.get("threshold")
    return None if threshold is None else user_threshold(str(entry["bound"]), float(threshold))


def describe_interval(entry: Mapping[str, Any]) -> str:
    """An interval that stands alone, named by its levels: ``90% interval [+1.5, +8.5] pts``, or
    ``interval [+1.5, +8.5] pts (one-sided bounds: lower 98.75% Holm-adjusted, upper 95%)``."""
    lower, upper = levels(entry)
    bracket = interval_text(entry)
    if _missing(entry["lower"]) and _missing(entry["upper"]):
        return f"interval {bracket}"  # not judged (too few inputs): no level to name
    if math.isclose(lower, upper, rel_tol=0, abs_tol=1e-9):
        return f"{two_sided_name(lower)} {bracket}"
    decisive = decisive_ends(str(entry["bound"]))
    other = min(level for end, level in _ends(entry).items() if end not in decisive) if len(decisive) == 1 else 0.0
    named = [
        f"{end} {percent(level)}" + (f" {_procedure([entry])}-adjusted" if end in decisive and level > other else "")
        for end, level in _ends(entry).items()
    ]
    return f"interval {bracket} (one-sided bounds: {', '.join(named)})"


def describe_change(entry: Mapping[str, Any]) -> str:
    """The estimate and its named interval, standing alone: ``+8.0 pts, 90% interval [+4.1, +11.9] pts``."""
    scale = entry.get("scale") or scale_of(entry["bound"], entry.get("kind"))
    return f"{format_estimate(scale, entry['estimate'])}, {describe_interval(entry)}"
