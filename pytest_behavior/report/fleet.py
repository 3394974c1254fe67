"""The fleet view: each bound as users experience it, given who runs which version (the mix).

For a bound whose change is a rate, a difference of rates or a mean score, the fleet's change is the mix-weighted
change, ``sum(w_v * change_v)``; for a ratio (lengths, latency), the mix-weighted geometric mean of the ratios. Its
interval is the same weighting of the versions' interval ends. That interval is valid whatever the correlation
between versions (they share the baseline and the inputs): each version is judged at ``alpha / K``, so all K
versions' intervals hold at once with probability at least ``1 - alpha`` (Bonferroni), and then so does any
weighted sum of them. The fleet verdict reads that interval against the bound as a test's verdict does:
REGRESSED when it lies wholly beyond the threshold, PASS when wholly within, else INCONCLUSIVE.

Which versions drive a fleet regression: each version's weighted excess over the threshold,
``w_v * (change_v - threshold)`` on the breaking side; the versions with a positive excess, largest first, with
their share of it. Two-sided bounds (``max_share_change``) have no fleet value: a move one way in one version and
the other way in another does not average out for the users of either.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pytest_behavior.report.matrix import Column, Matrix
from pytest_behavior.report.values import (
    decisive_ends,
    format_estimate,
    format_interval,
    format_value,
    scale_of,
    user_threshold,
)


@dataclass(frozen=True)
class Driver:
    version: str
    weight: float
    share: float
    """Of the positive weighted excess over the threshold (0..1)."""


@dataclass(frozen=True)
class FleetBound:
    column: Column
    scale: str
    verdict: str
    """PASS, REGRESSED, INCONCLUSIVE, or "-" when the fleet has no value for this bound (see ``note``)."""
    estimate: float | None = None
    lower: float | None = None
    upper: float | None = None
    threshold: float | None = None
    candidate: float | None = None
    """The mix-weighted candidate value of a rate or mean (None for other metrics)."""
    kind: str = ""
    drivers: tuple[Driver, ...] = ()
    note: str = ""


PERCENTILE_FORMS = frozenset({"max_p95_ratio", "max_ttft_p95_ratio"})
"""Bounds on a percentile: the fleet's p95 is the p95 of the mixture, which lies in the slowest group's tail whatever
the weights, not a mix of the versions' p95s; they are judged per version only."""


def fleet_view(matrix: Matrix, weights: Mapping[str, float]) -> list[FleetBound]:
    """One fleet row per bound of the matrix."""
    mix = {version: weight for version, weight in weights.items() if weight > 0 and math.isfinite(weight)}
    total = sum(mix.values())
    if not mix or not math.isfinite(total):
        return [
            FleetBound(column, scale_of(column.bound), "-", note="no version has a weight") for column in matrix.columns
        ]
    mix = {version: weight / total for version, weight in mix.items()}
    return [_fleet_bound(matrix, column, mix) for column in matrix.columns]


def _fleet_bound(matrix: Matrix, column: Column, mix: Mapping[str, float]) -> FleetBound:
    entries = {version: matrix.cell(version, column).entry for version in mix}
    missing = sorted(version for version, entry in entries.items() if entry is None or not _judged(entry))
    any_entry = next((e for e in entries.values() if e is not None), None)
    scale = str((any_entry or {}).get("scale") or scale_of(column.bound))
    if "upper" in decisive_ends(column.bound) and "lower" in decisive_ends(column.bound):
        return FleetBound(column, scale, "-", note="two-sided bound: judged per version only")
    if column.bound.split("=", 1)[0].strip() in PERCENTILE_FORMS:
        return FleetBound(
            column, scale, "-", note="a percentile of a mix is not a mix of percentiles: per version only"
        )
    if missing:
        return FleetBound(column, scale, "-", note=f"no judged value for {', '.join(missing)}")
    if any(entry is not None and entry.get("n_max") is not None for entry in entries.values()):
        # sequential mode: each version stopped on its own inputs, its interval shown at a data-dependent stop
        return FleetBound(column, scale, "-", note="sequential mode: judged per version only")
    judged = {version: entry for version, entry in entries.items() if entry is not None}
    assert any_entry is not None
    to, back = (math.log, math.exp) if scale == "ratio" else (float, float)
    combined = {
        key: back(sum(w * to(float(judged[v][key])) for v, w in mix.items())) for key in ("estimate", "lower", "upper")
    }
    threshold = user_threshold(column.bound, float(any_entry["threshold"]))
    breaks_above = decisive_ends(column.bound) == ("lower",)
    lower, upper = combined["lower"], combined["upper"]
    if (lower > threshold) if breaks_above else (upper < threshold):
        verdict = "REGRESSED"
    elif (upper <= threshold) if breaks_above else (lower >= threshold):
        verdict = "PASS"
    else:
        verdict = "INCONCLUSIVE"
    sign = 1.0 if breaks_above else -1.0
    excess = {v: w * sign * (to(float(judged[v]["estimate"])) - to(threshold)) for v, w in mix.items()}
    positive = sum(x for x in excess.values() if x > 0)
    drivers = tuple(
        Driver(version=v, weight=mix[v], share=x / positive)
        for v, x in sorted(excess.items(), key=lambda item: -item[1])
        if x > 0
    )
    kinds = {str(e.get("kind")) for e in judged.values()}
    candidate = (
        sum(w * float(judged[v]["candidate"]) for v, w in mix.items())
        if kinds <= {"binary", "bounded"} and all(_finite(e, "candidate") for e in judged.values())
        else None
    )
    return FleetBound(
        column,
        scale,
        verdict,
        estimate=combined["estimate"],
        lower=lower,
        upper=upper,
        threshold=threshold,
        candidate=candidate,
        kind=kinds.pop() if len(kinds) == 1 else "",
        drivers=drivers,
    )


def _finite(entry: Mapping[str, Any] | None, key: str) -> bool:
    value = None if entry is None else entry.get(key)
    return isinstance(value, (int, float)) and math.isfinite(value)


def _judged(entry: Mapping[str, Any]) -> bool:
    return all(_finite(entry, key) for key in ("estimate", "lower", "upper", "threshold")) and (
        entry.get("scale") != "ratio" or min(float(entry["estimate"]), float(entry["lower"])) > 0
    )


def change_text(row: FleetBound) -> str:
    if row.estimate is None:
        return "-"
    interval = format_interval(row.scale, row.lower, row.upper, threshold=row.threshold)
    return f"{format_estimate(row.scale, row.estimate)} {interval}"


def drivers_text(row: FleetBound, *, limit: int = 3) -> str:
    if row.verdict != "REGRESSED" or not row.drivers:
        return row.note
    shown = ", ".join(f"{d.version} ({100 * d.share:.0f}%)" for d in row.drivers[:limit])
    return f"driven by {shown}"


def mix_text(weights: Mapping[str, float]) -> str:
    return ", ".join(f"{version} {100 * weight:.0f}%" for version, weight in weights.items())


def fleet_lines(rows: Sequence[FleetBound], weights: Mapping[str, float], *, versions: Sequence[str]) -> list[str]:
    """The terminal's fleet table."""
    from tabulate import tabulate

    from pytest_behavior.report.matrix import short_test

    table = [
        [
            short_test(row.column.test),
            row.column.title,
            format_value(row.kind, row.candidate, missing="-"),
            change_text(row),
            row.verdict,
            drivers_text(row),
        ]
        for row in rows
    ]
    headers = ["test", "bound", "fleet value", "fleet change (interval)", "verdict", "which versions"]
    left_out = [v for v in versions if weights.get(v, 0) <= 0]
    lines = [
        f"fleet mix: {mix_text(weights)}"
        + (f" (not in the mix: {', '.join(left_out)})" if left_out else "")
        + "; each interval holds for all versions at once (docs/matrix.md)"
    ]
    return lines + str(tabulate(table, headers=headers, tablefmt="simple", disable_numparse=True)).splitlines()


def fleet_markdown(
    rows: Sequence[FleetBound], weights: Mapping[str, float], *, escape: Callable[[str], str]
) -> list[str]:
    """The fleet table in Markdown (the GitHub job summary, the card); ``escape`` as for `matrix_markdown`."""
    from pytest_behavior.report.matrix import short_test

    lines = [
        f"**Fleet** ({escape(mix_text(weights))}; each interval holds for all versions at once)",
        "",
        "| test | bound | verdict | fleet change [interval] | which versions |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {escape(short_test(row.column.test))} | {escape(row.column.title)} | {row.verdict} | "
        f"{escape(change_text(row))} | {escape(drivers_text(row))} |"
        for row in rows
    ]
    return [*lines, ""]


def fleet_json(rows: Sequence[FleetBound], weights: Mapping[str, float]) -> dict[str, Any]:
    return {
        "weights": dict(weights),
        "bounds": [
            {
                "test": row.column.test,
                "metric": row.column.metric,
                "metric_key": row.column.metric_key,
                "bound": row.column.bound,
                "scale": row.scale,
                "verdict": row.verdict,
                "estimate": row.estimate,
                "lower": row.lower,
                "upper": row.upper,
                "threshold": row.threshold,
                "candidate": row.candidate,
                "drivers": [{"version": d.version, "weight": d.weight, "share": d.share} for d in row.drivers],
                "note": row.note,
            }
            for row in rows
        ],
    }
