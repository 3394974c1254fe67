"""What the page and the charts share: the colors, and reading the report document safely into HTML text.

The document may hold anything (it is read back from JSON, possibly forged): every string is escaped by `esc`
and every number passes `num` (missing or non-finite numbers become None, drawn as "–").
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from typing import Any

from pytest_behavior.report.values import DASH

Doc = Mapping[str, Any]

RED = "#c81e1e"
AMBER = "#d97706"
GREEN = "#15803d"
GREY = "#6b7280"
SLATE = "#475569"
BASELINE_COLOR = "#2563eb"
CANDIDATE_COLOR = "#c026d3"
VERDICT_COLORS = {"PASS": GREEN, "REGRESSED": RED, "INCONCLUSIVE": AMBER}
OUTCOME_COLORS = {"regressed": RED, "error": GREY, "inconclusive": AMBER, "passed": GREEN, "recorded": SLATE}
MONO = 'ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono","Liberation Mono",monospace'


def property_label(prop: Doc) -> str:
    """The metric's title, with `` [segment]`` when the verdict is on one segment."""
    title = str(prop.get("metric") or prop.get("property") or prop.get("metric_key") or DASH)
    segment = prop.get("segment")
    return title if segment is None else f"{title} [{segment}]"


def floats(values: object) -> list[float]:
    return [v for v in (num(x) for x in as_list(values)) if v is not None]


def esc(value: object) -> str:
    """Data as HTML text: escaped, and with controls, bidi overrides and lone surrogates shown as escapes (a
    surrogate could not even be written as UTF-8; an override would make a test id read backwards)."""
    from pytest_behavior.sanitize import printable

    return html.escape(printable(value), quote=True)


def num(value: object) -> float | None:
    """A finite float, or None (for null, NaN, infinities, bools and anything not a number)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def as_int(value: object) -> int:
    number = num(value)
    return 0 if number is None else int(number)


def as_map(value: object) -> Doc:
    return value if isinstance(value, Mapping) else {}


def as_list(value: object) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else []


def properties_of(test: Doc) -> list[Doc]:
    return [p for p in as_list(test.get("properties")) if isinstance(p, Mapping)]


def interval_entry(prop: Doc) -> dict[str, Any]:
    """A property as `pytest_behavior.report.values` reads it, whatever the document holds (numbers or null)."""
    return {
        "bound": str(prop.get("bound") or ""),
        "scale": str(prop.get("scale") or ""),
        "estimate": num(prop.get("estimate")),
        "lower": num(prop.get("lower")),
        "upper": num(prop.get("upper")),
        "confidence": prop.get("confidence"),
        "lower_level": prop.get("lower_level"),
        "upper_level": prop.get("upper_level"),
    }


def pill(text: str, color: str) -> str:
    return f'<span class="pill" style="background:{color}">{esc(text)}</span>'


def verdict_pill(verdict: str) -> str:
    return pill(verdict or DASH, VERDICT_COLORS.get(verdict, GREY))


def outcome_pill(outcome: str) -> str:
    return pill((outcome or "unknown").upper(), OUTCOME_COLORS.get(outcome, GREY))
