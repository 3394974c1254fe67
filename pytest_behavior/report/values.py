"""How a verdict's numbers read in every report: rates as percentages, changes in the bound's own terms."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any


def format_value(kind: str, value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "–"
    return f"{100 * value:.1f}%" if kind == "binary" else f"{value:.4g}"


def format_estimate(scale: str, value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "–"
    if scale == "ratio":
        return f"x{value:.2f}"
    if scale == "rate":
        return f"{100 * value:.1f}%"
    return f"{100 * value:+.1f} pts"


def format_change(verdict: Mapping[str, Any], *, with_bounds: bool = True) -> str:
    """``x1.45 [x1.30, x1.62]``, ``+8.0 pts [+4.1, +11.9]``, ``6.0% [4.2%, 8.3%]`` from a report entry."""
    scale = verdict.get("scale") or _scale(verdict["bound"])
    estimate = format_estimate(scale, verdict["estimate"])
    if not with_bounds:
        return estimate
    lower, upper = format_estimate(scale, verdict["lower"]), format_estimate(scale, verdict["upper"])
    if scale == "difference":
        return f"{estimate} [{lower.removesuffix(' pts')}, {upper.removesuffix(' pts')}] pts"
    return f"{estimate} [{lower}, {upper}]"


def _scale(bound: str) -> str:
    from pytest_behavior.report.document import scale_of

    return scale_of(bound)
