"""From observations to verdicts: orient each bound, run the paired statistics, apply Holm.

Every bound a user writes is a threshold on a quantity oriented so that larger is worse
(STATISTICS.md): ``max_rate`` on the candidate's rate, ``max_increase`` on the paired difference,
``max_ratio`` on the paired log-ratio, and the mirrored ``min_*``/``max_decrease`` forms. With the
one-sided (1 - alpha) bounds of that quantity: REGRESSED when the Holm-adjusted p-value of
"the bound holds" is at most alpha, PASS when the upper bound is at or below the threshold,
INCONCLUSIVE otherwise. Results are reported back in the user's orientation (rates, rate points,
candidate/baseline ratios).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from pytest_behavior.properties.base import Bound, Observation, summarize
from pytest_behavior.stats import (
    BoundResult,
    absolute_rate_bound,
    holm,
    paired_binary_bound,
    paired_log_ratio_bound,
)


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


def judge(
    observations: Sequence[tuple[str, Observation]], *, alpha: float = 0.05
) -> list[BoundVerdict]:
    """Verdicts for every evaluable bound (relative bounds need a baseline) of one test, Holm-adjusted."""
    pending = [
        _Pending(prop, obs, bound, _evaluate(obs, bound, alpha))
        for prop, obs in observations
        for bound in obs.metric.bounds
        if obs.baseline is not None or not bound.relative
    ]
    adjusted = holm([p.result.p_regress for p in pending]) if pending else []
    return [_verdict(p, p_adj, alpha) for p, p_adj in zip(pending, adjusted, strict=True)]


def _evaluate(obs: Observation, bound: Bound, alpha: float) -> BoundResult:
    base, cand, t = obs.baseline, obs.candidate, _oriented_threshold(bound)
    if bound.form == "max_rate":
        return absolute_rate_bound(cand, threshold=t, alpha=alpha)
    if bound.form == "min_rate":
        return absolute_rate_bound(1.0 - cand, threshold=t, alpha=alpha)
    assert base is not None
    if bound.form == "max_increase":
        return paired_binary_bound(base, cand, threshold=t, alpha=alpha)
    if bound.form == "max_decrease":
        return paired_binary_bound(cand, base, threshold=t, alpha=alpha)
    if bound.form == "max_ratio":
        return paired_log_ratio_bound(base, cand, threshold=t, alpha=alpha)
    return paired_log_ratio_bound(cand, base, threshold=t, alpha=alpha)


def _verdict(p: _Pending, p_adjusted: float, alpha: float) -> BoundVerdict:
    r, form = p.result, p.bound.form
    oriented_threshold = _oriented_threshold(p.bound)
    if p_adjusted <= alpha:
        verdict = Verdict.REGRESSED
    elif r.upper <= oriented_threshold:
        verdict = Verdict.PASS
    else:
        verdict = Verdict.INCONCLUSIVE
    estimate, lower, upper = _user_scale(form, r)
    obs = p.observation
    return BoundVerdict(
        property=p.property, metric=obs.metric.title, metric_key=obs.metric.key, kind=obs.metric.kind,
        bound=str(p.bound), threshold=p.bound.threshold, verdict=verdict,
        baseline=None if obs.baseline is None else summarize(obs.metric.kind, obs.baseline),
        candidate=summarize(obs.metric.kind, obs.candidate), estimate=estimate, lower=lower, upper=upper,
        p_value=r.p_regress, p_adjusted=p_adjusted, n_inputs=r.n_inputs, repeats=r.repeats, method=r.method,
    )


def _oriented_threshold(bound: Bound) -> float:
    """The threshold on the quantity that `_evaluate` tested (larger = worse)."""
    if bound.form == "min_rate":
        return 1 - bound.threshold
    if bound.form == "max_ratio":
        return math.log(bound.threshold)
    if bound.form == "min_ratio":
        return -math.log(bound.threshold)
    return bound.threshold


def _user_scale(form: str, r: BoundResult) -> tuple[float, float, float]:
    if form in ("max_rate", "max_increase"):
        return r.estimate, r.lower, r.upper
    if form in ("min_rate",):
        return 1 - r.estimate, 1 - r.upper, 1 - r.lower
    if form == "max_decrease":
        return -r.estimate, -r.upper, -r.lower
    if form == "max_ratio":
        return math.exp(r.estimate), math.exp(r.lower), math.exp(r.upper)
    return math.exp(-r.estimate), math.exp(-r.upper), math.exp(-r.lower)
