"""The text of ``pytest-behavior identify``: one row per recorded version, then the best match or "like none"."""

from __future__ import annotations

import math

from pytest_behavior.engine.identify import FeatureTest, Identification, Verdict
from pytest_behavior.sanitize import one_line

_SHOWN = 3
"""Differing features shown per version, strongest first (``--json`` has them all)."""


def format_difference(test: FeatureTest) -> str:
    """``length x1.42 [1.21, 1.66] p=0.0003`` (a log feature, as a ratio field / version) or
    ``bold +8.0 pts [+3.1, +12.9] p=0.01`` (a rate), the p Holm-adjusted."""
    p = f"p={test.p_holm:.2g}"
    if test.kind == "log":
        return f"{test.feature} x{_ratio(test.estimate)} [{_ratio(test.lower)}, {_ratio(test.upper)}] {p}"
    return f"{test.feature} {_points(test.estimate)} pts [{_points(test.lower)}, {_points(test.upper)}] {p}"


def _ratio(value: float) -> str:
    return "inf" if value > 700 else f"{math.exp(value):.2f}"


def _points(value: float) -> str:
    return f"{100 * value:+.1f}"


def _mode(verdict: Verdict) -> str:
    if verdict.mode == "paired":
        same = f", {verdict.identical} identical" if verdict.identical else ""
        return f"paired on {verdict.field_inputs} inputs{same}"
    return f"unpaired {verdict.field_inputs} vs {verdict.version_inputs} inputs"


def _evidence(verdict: Verdict) -> str:
    if verdict.consistent:
        strongest = verdict.evidence
        return (
            f"no feature differs (closest call: {format_difference(strongest)})" if strongest else "no feature varies"
        )
    differing = sorted((t for t in verdict.tests if t.differs), key=lambda t: t.p_holm)
    more = f"; {len(differing) - _SHOWN} more" if len(differing) > _SHOWN else ""
    return "; ".join(format_difference(t) for t in differing[:_SHOWN]) + more


def render_identification(result: Identification) -> str:
    from tabulate import tabulate

    rows = [
        [
            one_line(v.version),
            _mode(v),
            f"{v.distance:.2f}",
            "like it" if v.consistent else "differs",
            _evidence(v),
        ]
        for v in result.verdicts
    ]
    table = tabulate(
        rows,
        headers=["version", "test", "distance", "verdict", "evidence (field / version, Holm p)"],
        tablefmt="simple",
        disable_numparse=True,
    )
    lines = [f"field records: {one_line(result.field)} (alpha {result.alpha:g}, Holm across features)", "", str(table)]
    best = result.best
    if best is not None:
        others = [v.version for v in result.verdicts if v.consistent and v is not best]
        also = f"; also consistent: {', '.join(one_line(o) for o in others)}" if others else ""
        lines += ["", f"Best match: {one_line(best.version)} (nearest consistent version{also})"]
    else:
        nearest = result.verdicts[0]
        lines += [
            "",
            f"Like none of them: every recorded version differs (drift, or a version not recorded). Nearest: "
            f"{one_line(nearest.version)}, which breaks on {_evidence(nearest)}",
        ]
    return "\n".join(lines)
