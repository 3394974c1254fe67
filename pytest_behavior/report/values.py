"""How a verdict's numbers read in every report: rates as percentages, changes in the bound's own terms.

The terminal diff, the summary table, the JUnit properties, the GitHub summary and the HTML report all format
through here, so a number reads the same wherever a reviewer meets it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

DASH = "–"

_SCALE = {"max_rate": "rate", "min_rate": "rate", "max_increase": "difference", "max_decrease": "difference",
          "max_share_change": "difference", "max_ratio": "ratio", "min_ratio": "ratio", "max_p95_ratio": "ratio"}


def scale_of(bound: str) -> str:
    """How a bound's estimate reads: a candidate ``rate``, a paired ``difference`` of rates, or a ``ratio``."""
    return _SCALE.get(bound.split("=", 1)[0], "difference")


def _missing(value: float | None) -> bool:
    return value is None or not math.isfinite(value)


def format_value(kind: str, value: float | None, *, missing: str = DASH) -> str:
    """A baseline or candidate summary: a percent for binary metrics, 4 significant digits otherwise."""
    if value is None or _missing(value):
        return missing
    return f"{100 * value:.1f}%" if kind == "binary" else f"{value:.4g}"


def format_estimate(scale: str, value: float | None) -> str:
    """An estimate (or interval end) in its bound's terms: ``x1.23``, ``+5.0 pts``, ``12.0%``."""
    if value is None or _missing(value):
        return DASH
    if scale == "ratio":
        return f"x{value:.2f}"
    if scale == "rate":
        return f"{100 * value:.1f}%"
    if scale == "difference":
        return f"{100 * value:+.1f} pts"
    return f"{value:.4g}"


def format_interval(scale: str, lower: float | None, upper: float | None) -> str:
    """``[x1.10, x1.40]``, ``[+1.0, +9.0] pts``, ``[5.0%, 11.0%]``; empty when neither end is known."""
    if _missing(lower) and _missing(upper):
        return ""
    if scale == "difference":
        ends = [format_estimate(scale, v).removesuffix(" pts") for v in (lower, upper)]
        return f"[{ends[0]}, {ends[1]}] pts"
    return f"[{format_estimate(scale, lower)}, {format_estimate(scale, upper)}]"


def format_p(p: float | None, *, missing: str = DASH) -> str:
    if p is None or _missing(p):
        return missing
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def format_change(verdict: Mapping[str, Any], *, with_bounds: bool = True) -> str:
    """``x1.45 [x1.30, x1.62]``, ``+8.0 pts [+4.1, +11.9] pts``, ``6.0% [4.2%, 8.3%]`` from a report entry."""
    scale = verdict.get("scale") or scale_of(verdict["bound"])
    estimate = format_estimate(scale, verdict["estimate"])
    if not with_bounds:
        return estimate
    interval = format_interval(scale, verdict["lower"], verdict["upper"]) or f"[{DASH}, {DASH}]"
    return f"{estimate} {interval}"
