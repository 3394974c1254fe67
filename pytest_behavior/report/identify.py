"""The text of ``pytest-behavior identify``: one row per recorded version, a legend, then the outcome: the best
match, "like none of them", or "cannot tell apart"."""

from __future__ import annotations

import math

from pytest_behavior.engine.identify import MIN_NAMED, FeatureTest, Identification, Separation, Verdict
from pytest_behavior.sanitize import one_line

_SHOWN = 3
"""Differing features shown per version, strongest first (``--json`` has them all)."""


def format_difference(test: FeatureTest) -> str:
    """``length x1.42 [1.21, 1.66] p=0.0003 Holm 0.003`` (a log feature, as a ratio field / version) or
    ``bold +8.0 pts [+3.1, +12.9] p=0.01 Holm 0.1`` (a rate): the interval and p unadjusted, then the Holm p."""
    p = f"p={test.p:.2g} Holm {test.p_holm:.2g}"
    if test.kind == "log":
        return f"{test.feature} x{_ratio(test.estimate)} [{_ratio(test.lower)}, {_ratio(test.upper)}] {p}"
    return f"{test.feature} {_points(test.estimate)} pts [{_points(test.lower)}, {_points(test.upper)}] {p}"


def _ratio(value: float) -> str:
    return "inf" if value > 700 else f"{math.exp(value):.2f}"


def _points(value: float) -> str:
    return f"{100 * value:+.1f}"


def _mode(verdict: Verdict) -> str:
    if not verdict.compared:
        return "not compared"
    if verdict.mode == "paired":
        same = f", {verdict.identical} identical" if verdict.identical else ""
        text = f"paired on {verdict.field_inputs} inputs{same}"
    else:
        text = f"unpaired {verdict.field_inputs} vs {verdict.version_inputs} inputs"
    if verdict.unused_outputs:
        text += f", first {verdict.repeats} repeat{'s' if verdict.repeats > 1 else ''} of each"
    return text


def _verdict(verdict: Verdict) -> str:
    if not verdict.compared:
        return "not compared"
    if not verdict.consistent:
        return "differs"
    return "like it" if verdict.inputs >= MIN_NAMED else "like it (few inputs)"


def _evidence(verdict: Verdict) -> str:
    if not verdict.compared:
        return verdict.reason
    if verdict.consistent:
        strongest = verdict.evidence
        return (
            f"no feature differs (closest call: {format_difference(strongest)})" if strongest else "no feature varies"
        )
    differing = sorted((t for t in verdict.tests if t.differs), key=lambda t: t.p_holm)
    more = f"; {len(differing) - _SHOWN} more" if len(differing) > _SHOWN else ""
    return "; ".join(format_difference(t) for t in differing[:_SHOWN]) + more


def _legend(alpha: float) -> str:
    return (
        f"[ ]: the {1 - alpha:.0%} interval of the mean difference, field / version (t, not adjusted; a rate's is "
        "clipped to the possible range); p: the rank test's raw p (Wilcoxon signed-rank paired, Mann-Whitney U "
        f"unpaired); Holm: p adjusted across the version's features, below {alpha:g} = differs. The rank test and "
        "the interval of the mean can disagree on a skewed feature."
    )


def _separation(separation: Separation) -> str:
    if separation.feature == "identical_outputs":
        why = f"byte-identical outputs on {separation.t:.0f} more inputs"
    else:
        why = f"{separation.feature}, t={separation.t:.2f}"
    return f"from {one_line(separation.other)} on {why} (Holm p={separation.p_holm:.2g})"


def _outcome(result: Identification) -> str:
    outcome, candidates = result.outcome, result.candidates
    if outcome == "like_none":
        nearest = result.nearest
        return (
            f"Like none of them: every compared version differs (drift, or a version not recorded). Nearest: "
            f"{one_line(nearest.version)}, which breaks on {_evidence(nearest)}"
        )
    first = candidates[0]
    if outcome == "match":
        if len(candidates) == 1:
            return f"Best match: {one_line(first.version)} (the one version consistent with the field records)"
        apart = "; ".join(_separation(s) for s in result.separations)
        return (
            f"Best match: {one_line(first.version)} (nearest of {len(candidates)} consistent versions; the field "
            f"records are nearer it than the midpoint {apart})"
        )
    if first.inputs < MIN_NAMED:
        return (
            f"Cannot tell: {one_line(first.version)} is the nearest consistent version, but on {first.inputs} inputs; "
            f"naming a version takes at least {MIN_NAMED} compared inputs (more field records, or inputs the golden "
            "files recorded)"
        )
    return (
        f"Cannot tell apart: {', '.join(one_line(v.version) for v in result.not_told_apart)}: each is consistent with "
        f"the field records, which are not significantly nearer one of them on any feature; nearest: "
        f"{one_line(first.version)}. More field records, or inputs the golden files recorded (a paired test), may "
        "tell them apart."
    )


def render_identification(result: Identification) -> str:
    from tabulate import tabulate

    rows = [
        [
            one_line(v.version),
            _mode(v),
            f"{v.distance:.2f}" if v.compared else "-",
            _verdict(v),
            _evidence(v),
        ]
        for v in result.verdicts
    ]
    table = tabulate(
        rows,
        headers=["version", "test", "distance", "verdict", "evidence: field vs version [interval] raw p, Holm p"],
        tablefmt="simple",
        disable_numparse=True,
    )
    lines = [f"field records: {one_line(result.field)} (alpha {result.alpha:g}, Holm across features)"]
    if result.left_out:
        reasons = sorted({f.reason for f in result.left_out})
        lines.append(
            f"left out {len(result.left_out)} golden file(s) whose answers are not a version's plain ones: "
            f"{one_line('; '.join(reasons))}"
        )
    lines += ["", str(table), "", _legend(result.alpha), "", _outcome(result)]
    return "\n".join(lines)
