"""From observations to verdicts: orient each bound, run the paired statistics, apply weighted Holm.

Every bound a user writes is a threshold on a quantity oriented so that larger is worse
(docs/statistics.md): ``max_rate`` on the candidate's rate, ``max_increase`` on the paired difference,
``max_ratio`` on the paired log-ratio, and the mirrored ``min_*``/``max_decrease`` forms.

The rule, in one place, so that every verdict agrees with the interval printed beside it:

* REGRESSED iff the Holm-adjusted p-value of "the bound holds" is below alpha. Each statistics method's p-value
  is dual to its bound on the breaking side (p < a exactly when the level-a bound lies beyond the threshold), so
  this is the same as: the breaking-side bound, computed at the level Holm tested the row at, lies beyond the
  threshold. That bound is the one shown (`BoundVerdict.lower_level` / ``upper_level`` say at which confidence).
* PASS iff the other one-sided bound, at 1 - alpha, lies within the threshold. No multiplicity is needed: a test
  passes only when every bound passes (an intersection-union test, Berger 1982, Technometrics 24:295).
* INCONCLUSIVE otherwise: the shown interval straddles (or touches) the threshold.

The family: every declared bound is one member of weight 1, judged on the whole test and, when the paired inputs
carry at least two segment names, on each segment's inputs (so a regression confined to one segment is found
without raising the suite's false alarms). A categorical bound (``max_share_change``) is one member whose weight
its category rows share. Weighted Holm (Holm 1979, Scand J Stat 6:65) over the members controls the
family-wise error under any dependence. Results are reported back in the user's orientation (rates, rate
points, candidate/baseline ratios).
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import Enum
from typing import TYPE_CHECKING, Any

from pytest_behavior import stats
from pytest_behavior.properties.base import ABSOLUTE_FORMS, Bound, Observation, summarize
from pytest_behavior.stats.result import BoundResult

if TYPE_CHECKING:
    from pytest_behavior.stats import SequentialResult


class Verdict(str, Enum):
    PASS = "PASS"
    REGRESSED = "REGRESSED"
    INCONCLUSIVE = "INCONCLUSIVE"


@dataclass(frozen=True)
class BoundVerdict:
    """One bound's verdict, in the user's orientation (``delta`` = candidate - baseline, ratios c/b)."""

    property: str
    metric: str
    metric_key: str
    kind: str
    bound: str
    threshold: float
    verdict: Verdict
    baseline: float | None
    candidate: float
    estimate: float
    lower: float
    upper: float
    p_value: float
    p_adjusted: float
    n_inputs: int
    repeats: int
    method: str
    segment: str | None = None
    """None for the overall verdict, else the segment whose inputs alone were judged."""
    advice: str = ""
    """For INCONCLUSIVE: what this run could detect and how many inputs would decide it."""
    n_max: int | None = None
    """Sequential mode: the input budget (``n_inputs`` is then the number used)."""
    confined: bool = False
    """A segment's REGRESSED verdict whose overall verdict (same metric and bound) is not REGRESSED."""
    family: str | None = None
    """The declared bound this row is part of when it is one of several rows (the categories of a
    ``max_share_change``): all of them are one member of the test's multiplicity family."""
    lower_level: float = 0.95
    """Confidence of the one-sided bound shown as ``lower`` (see ``upper_level``)."""
    upper_level: float = 0.95
    """Confidence of the one-sided bound shown as ``upper``.

    The bound on the side where the threshold breaks (``lower`` for ``max_*`` bounds, ``upper`` for ``min_*`` and
    ``max_decrease``) is at the Holm level the row was tested at, so that REGRESSED ⇔ it lies beyond the threshold;
    the other is at 1 - alpha, with no multiplicity (a test passes only when all its bounds pass: an
    intersection-union test), so that PASS ⇔ it lies within."""

    @builtins.property
    def relative(self) -> bool:
        """A bound on the change between the arms (``max_increase``, ratios), not on the candidate's own level."""
        return self.bound.split("=", 1)[0] not in ABSOLUTE_FORMS

    @builtins.property  # the field `property` shadows the builtin in this class body
    def label(self) -> str:
        """The metric, with its segment when judged on one."""
        return self.metric if self.segment is None else f"{self.metric} [{self.segment}]"

    def to_dict(self) -> dict[str, Any]:
        data = {k: getattr(self, k) for k in self.__dataclass_fields__}
        data["verdict"] = self.verdict.value
        return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in data.items()}


@dataclass(frozen=True)
class _Pending:
    property: str
    observation: Observation
    bound: Bound
    result: BoundResult
    segment: str | None = None


def judge(
    observations: Sequence[tuple[str, Observation]],
    *,
    alpha: float = 0.05,
    segments: Sequence[str | None] | None = None,
) -> list[BoundVerdict]:
    """Verdicts for every evaluable bound (relative bounds need a baseline) of one test, Holm-adjusted.

    ``segments`` names each observation row's segment (None: none); see the module docstring.
    """
    groups = segment_rows(segments)
    pending = [
        _Pending(prop, sub, bound, _evaluate(sub, bound, alpha=alpha), name)
        for name, rows in [(None, None), *groups.items()]
        for prop, obs in observations
        for sub in [obs if rows is None else _rows(obs, rows)]
        for bound in obs.metric.bounds
        if obs.baseline is not None or not bound.relative
    ]
    if not pending:
        return []
    weights = family_weights([(p.segment, p.observation.metric.family) for p in pending])
    p_values = [p.result.p_regress for p in pending]
    levels = stats.weighted_holm_levels(p_values, weights, alpha=alpha)
    adjusted = [
        _agreeing(p_adj, regressed=p_value < level, alpha=alpha)
        for p_adj, p_value, level in zip(stats.weighted_holm(p_values, weights), p_values, levels, strict=True)
    ]
    return _mark_confined(
        [
            _verdict(_at_level(p, level, alpha), p_adj, alpha, level=level)
            for p, p_adj, level in zip(pending, adjusted, levels, strict=True)
        ]
    )


def _agreeing(p_adjusted: float, *, regressed: bool, alpha: float) -> float:
    """The adjusted p-value, moved by at most a rounding step so that it is below alpha exactly when the row's
    p-value is below its level (the decision): both are computed, in different orders of operations."""
    if regressed:
        return min(p_adjusted, math.nextafter(alpha, 0.0))
    return max(p_adjusted, alpha)


def family_weights(members: Sequence[tuple[str | None, str | None]]) -> list[float]:
    """The weight of each row in the test's multiplicity family, from its (segment, metric family).

    One declared bound is one member of weight 1, on the whole test and on each segment. Rows of one family
    (the categories of a ``max_share_change`` bound) are one member: they share its weight equally, so that a
    categorical property does not dilute the test's other bounds by its number of categories.
    """
    sizes: dict[tuple[str | None, str], int] = {}
    for segment, family in members:
        if family is not None:
            sizes[(segment, family)] = sizes.get((segment, family), 0) + 1
    return [1.0 if family is None else 1.0 / sizes[(segment, family)] for segment, family in members]


def _at_level(p: _Pending, level: float, alpha: float) -> _Pending:
    """``p`` with its bound on the breaking side computed at its multiplicity level (the other stays at alpha)."""
    return p if level == alpha else replace(p, result=_evaluate(p.observation, p.bound, alpha=alpha, alpha_lower=level))


def judge_sequential(
    observations: Sequence[tuple[str, Observation]],
    results: Mapping[tuple[str, str, str], SequentialResult],
    *,
    alpha: float = 0.05,
) -> list[BoundVerdict]:
    """Verdicts of a sequential run: each bound's betting decision (Bonferroni over the bounds).

    ``p_value`` is the anytime-valid p-value 1 / wealth of the REGRESSED test, ``p_adjusted`` its Bonferroni
    adjustment. The estimate and bounds shown are the fixed-N ones on the inputs used (the breaking side at
    alpha / m), for the reader: the decision is the betting test's, which is valid at the data-dependent
    stopping time. Where that interval would tell another story than the decision (it is not what decided), it
    is not shown.
    """
    m = len(results)
    verdicts = []
    for prop, obs in observations:
        for bound in obs.metric.bounds:
            outcome = results.get((prop, obs.metric.key, str(bound)))
            if outcome is None:
                continue
            shown = _evaluate(obs, bound, alpha=alpha, alpha_lower=alpha / m)
            p_value = min(1.0, 1.0 / outcome.wealth_regress) if outcome.wealth_regress > 0 else 1.0
            verdict = _verdict(
                _Pending(prop, obs, bound, shown),
                min(1.0, m * p_value),
                alpha,
                level=alpha / m,
                decided=Verdict(outcome.decision),
            )
            method = f"{outcome.method}, Bonferroni over {m}; shown: {shown.method}"
            if _interval_verdict(shown, _oriented_threshold(bound)) is not verdict.verdict:
                verdict = replace(verdict, lower=math.nan, upper=math.nan)
                method = (
                    f"{outcome.method}, Bonferroni over {m}; the fixed-N interval tells another story and is not shown"
                )
            verdicts.append(replace(verdict, p_value=p_value, n_max=outcome.n_max, method=method))
    return verdicts


def _interval_verdict(result: BoundResult, threshold: float) -> Verdict:
    """What an interval on the oriented scale says by itself: beyond, within, or straddling the threshold."""
    if result.lower > threshold:
        return Verdict.REGRESSED
    return Verdict.PASS if result.upper <= threshold else Verdict.INCONCLUSIVE


def _mark_confined(verdicts: list[BoundVerdict]) -> list[BoundVerdict]:
    overall = {(v.metric_key, v.bound) for v in verdicts if v.segment is None and v.verdict is Verdict.REGRESSED}
    return [
        replace(v, confined=True)
        if v.segment is not None and v.verdict is Verdict.REGRESSED and (v.metric_key, v.bound) not in overall
        else v
        for v in verdicts
    ]


UNSEGMENTED = "(no segment)"
"""The group of inputs without a segment, judged as one when other inputs name a segment."""


def segment_rows(segments: Sequence[str | None] | None) -> dict[str, list[int]]:
    """Row indices per segment, in order of first appearance; empty unless there are two or more groups.

    Inputs without a segment form the group `UNSEGMENTED` once some input names one, so that a single
    named segment among unlabelled inputs is still judged on its own.
    """
    groups: dict[str, list[int]] = {}
    for row, name in enumerate(segments or ()):
        groups.setdefault(UNSEGMENTED if name is None else name, []).append(row)
    return groups if len(groups) >= 2 else {}


def _rows(obs: Observation, rows: list[int]) -> Observation:
    return replace(obs, baseline=None if obs.baseline is None else obs.baseline[rows], candidate=obs.candidate[rows])


def _evaluate(obs: Observation, bound: Bound, *, alpha: float, alpha_lower: float | None = None) -> BoundResult:
    """The bound's statistics on the oriented quantity: the breaking side's bound at ``alpha_lower`` (default
    ``alpha``), the other at ``alpha``."""
    base, cand, t = obs.baseline, obs.candidate, _oriented_threshold(bound)
    a, a_low = alpha, alpha if alpha_lower is None else alpha_lower
    if bound.form == "max_rate":
        return stats.absolute_rate_bound(cand, threshold=t, alpha=a, alpha_lower=a_low)
    if bound.form == "min_rate":
        return stats.absolute_rate_bound(1.0 - cand, threshold=t, alpha=a, alpha_lower=a_low)
    if obs.metric.kind == "bounded":
        return _evaluate_bounded(obs, bound, alpha=a, alpha_lower=a_low)
    assert base is not None
    if obs.metric.profile and bound.form in ("max_ratio", "min_ratio"):
        upper_arm, lower_arm = (base, cand) if bound.form == "max_ratio" else (cand, base)
        return stats.paired_quantile_profile_bound(
            upper_arm, lower_arm, threshold=t, quantiles=obs.metric.profile, alpha=a, alpha_lower=a_low
        )
    if bound.form == "max_increase":
        return stats.paired_binary_bound(base, cand, threshold=t, alpha=a, alpha_lower=a_low)
    if bound.form == "max_decrease":
        return stats.paired_binary_bound(cand, base, threshold=t, alpha=a, alpha_lower=a_low)
    if bound.form == "max_ratio":
        return stats.paired_log_ratio_bound(base, cand, threshold=t, alpha=a, alpha_lower=a_low)
    if bound.form == "max_p95_ratio":
        return stats.paired_quantile_log_ratio_bound(base, cand, q=0.95, threshold=t, alpha=a, alpha_lower=a_low)
    return stats.paired_log_ratio_bound(cand, base, threshold=t, alpha=a, alpha_lower=a_low)


def _evaluate_bounded(obs: Observation, bound: Bound, *, alpha: float, alpha_lower: float) -> BoundResult:
    """A ``bounded`` metric (scores in `Metric.scale`): ``min_mean`` bounds the candidate's mean of per-input means,
    negated so that larger is worse; ``max_decrease`` the paired mean drop, baseline minus candidate, and
    ``max_increase`` the paired mean rise, candidate minus baseline."""
    assert obs.metric.scale is not None, f"the bounded metric {obs.metric.key} has no scale"
    lo, hi = obs.metric.scale
    t = _oriented_threshold(bound)
    if bound.form in ("min_mean", "min_win_rate"):
        return stats.bounded_mean_bound(
            -obs.candidate, lower=-hi, upper=-lo, threshold=t, alpha=alpha, alpha_lower=alpha_lower
        )
    if bound.form in ("max_decrease", "max_increase"):
        assert obs.baseline is not None
        drop = bound.form == "max_decrease"  # oriented larger = worse: baseline - candidate, or candidate - baseline
        first, second = (obs.candidate, obs.baseline) if drop else (obs.baseline, obs.candidate)
        return stats.paired_mean_bound(
            first, second, lower=lo, upper=hi, threshold=t, alpha=alpha, alpha_lower=alpha_lower
        )
    raise ValueError(f"a bounded metric takes min_mean, min_win_rate, max_decrease or max_increase, not {bound.form}")


def _verdict(
    p: _Pending, p_adjusted: float, alpha: float, *, level: float, decided: Verdict | None = None
) -> BoundVerdict:
    """The row's verdict: REGRESSED iff its adjusted p is below alpha (then its bound on the breaking side, at
    ``level``, lies beyond the threshold), PASS iff its bound on the other side (at alpha) lies within."""
    r, form = p.result, p.bound.form
    oriented_threshold = _oriented_threshold(p.bound)
    if decided is not None:
        verdict = decided
    elif p_adjusted < alpha:
        verdict = Verdict.REGRESSED
    elif r.upper <= oriented_threshold:
        verdict = Verdict.PASS
    else:
        verdict = Verdict.INCONCLUSIVE
    estimate, lower, upper = _user_scale(form, r)
    shown = -p.bound.threshold if form == "max_decrease" else p.bound.threshold
    mirrored = form in _MIRRORED_FORMS
    # an end exactly on the threshold stays exactly on it on the user's scale (exp(log(3)) is not 3)
    if r.lower == oriented_threshold:
        upper, lower = (shown, lower) if mirrored else (upper, shown)
    if r.upper == oriented_threshold:
        lower, upper = (shown, upper) if mirrored else (lower, shown)
    breaking, holding = 1.0 - level, 1.0 - alpha
    lower_level, upper_level = (holding, breaking) if form in _MIRRORED_FORMS else (breaking, holding)
    obs = p.observation
    advice = ""
    if verdict is Verdict.INCONCLUSIVE and not (math.isfinite(r.lower) or math.isfinite(r.upper)):
        advice = r.method  # too few inputs for the method: that is the whole story
    elif verdict is Verdict.INCONCLUSIVE:
        from pytest_behavior.engine.advice import inconclusive_advice

        advice = inconclusive_advice(obs, p.bound, r, threshold=oriented_threshold, alpha=alpha, alpha_regress=level)
    return BoundVerdict(
        property=p.property,
        metric=obs.metric.title,
        metric_key=obs.metric.key,
        kind=obs.metric.kind,
        bound=str(p.bound),
        threshold=p.bound.threshold,
        verdict=verdict,
        baseline=None
        if obs.baseline is None
        else summarize(obs.metric.kind, obs.baseline, quantile=obs.metric.summary_quantile),
        candidate=summarize(obs.metric.kind, obs.candidate, quantile=obs.metric.summary_quantile),
        estimate=estimate,
        lower=lower,
        upper=upper,
        p_value=r.p_regress,
        p_adjusted=p_adjusted,
        n_inputs=r.n_inputs,
        repeats=r.repeats,
        method=r.method,
        segment=p.segment,
        advice=advice,
        family=obs.metric.family,
        lower_level=lower_level,
        upper_level=upper_level,
    )


def declared_bounds(verdicts: Sequence[BoundVerdict]) -> dict[tuple[str, ...], list[BoundVerdict]]:
    """The rows grouped by the bound the user declared: one group per bound, and one for all the rows of a
    categorical bound (its categories, both directions)."""
    groups: dict[tuple[str, ...], list[BoundVerdict]] = {}
    for v in verdicts:
        key = (v.property, v.family) if v.family is not None else (v.property, v.metric_key, v.bound)
        groups.setdefault(key, []).append(v)
    return groups


_MIRRORED_FORMS = frozenset({"min_rate", "max_decrease", "min_ratio", "min_mean", "min_win_rate"})
"""Bounds whose oriented quantity is the negative (or complement) of what the user reads: their shown ``upper``
is the bound on the breaking side."""


def _oriented_threshold(bound: Bound) -> float:
    """The threshold on the quantity that `_evaluate` tested (larger = worse)."""
    if bound.form == "min_rate":
        return 1 - bound.threshold
    if bound.form in ("max_ratio", "max_p95_ratio"):
        return math.log(bound.threshold)
    if bound.form == "min_ratio":
        return -math.log(bound.threshold)
    if bound.form in ("min_mean", "min_win_rate"):
        return -bound.threshold
    return bound.threshold


def _user_scale(form: str, r: BoundResult) -> tuple[float, float, float]:
    if form in ("max_rate", "max_increase"):
        return r.estimate, r.lower, r.upper
    if form in ("min_rate",):
        return 1 - r.estimate, 1 - r.upper, 1 - r.lower
    if form in ("max_decrease", "min_mean", "min_win_rate"):
        return -r.estimate, -r.upper, -r.lower
    if form in ("max_ratio", "max_p95_ratio"):
        return math.exp(r.estimate), math.exp(r.lower), math.exp(r.upper)
    return math.exp(-r.estimate), math.exp(-r.upper), math.exp(-r.lower)
