"""Sequential mode: one betting test per bound, fed one input at a time, deciding when sampling stops.

Each bound becomes a per-input value in a known range and a threshold (docs/statistics.md, "Sequential mode"):

========================  =====================================================  ===========  =========
bound                     per-input value                                        range        threshold
========================  =====================================================  ===========  =========
``max_rate=p``            candidate's mean over its repeats                      [0, 1]       p
``min_rate=p``            1 - that mean                                          [0, 1]       1 - p
``max_increase=d``        candidate mean - baseline mean                         [-1, 1]      d
``max_decrease=d``        baseline mean - candidate mean                         [-1, 1]      d
``max_ratio=r``           1 if the log ratio is above log r, 0 below, 1/2 tied   [0, 1]       1/2
``min_ratio=r``           the same with the ratio's sides swapped                [0, 1]       1/2
========================  =====================================================  ===========  =========

A ratio becomes the sign of (log ratio - log r), bounded as betting needs: REGRESSED means the median
log ratio is above log r (a sequential sign test). The tests of one spec are combined by Bonferroni
(each at alpha / m), which holds at any stopping time; the sampler stops when every test has decided.
Segments are not judged in sequential mode: the stopping rule serves the overall result only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pytest_behavior.errors import BehaviorConfigError
from pytest_behavior.properties.base import Bound, Property, Texts

if TYPE_CHECKING:  # numpy/scipy are imported when a sequential test runs, not when markers are checked
    from pytest_behavior.stats import SequentialResult, SequentialTest

BoundKey = tuple[str, str, str]
"""(marker name, metric key, bound) — identifies a bound within a spec."""


@dataclass(frozen=True)
class _Scale:
    threshold: float
    lo: float
    hi: float


def _scale(bound: Bound) -> _Scale:
    if bound.form == "max_rate":
        return _Scale(bound.threshold, 0.0, 1.0)
    if bound.form == "min_rate":
        return _Scale(1.0 - bound.threshold, 0.0, 1.0)
    if bound.form in ("max_increase", "max_decrease"):
        return _Scale(bound.threshold, -1.0, 1.0)
    return _Scale(0.5, 0.0, 1.0)


def _value(bound: Bound, base: Sequence[float] | None, cand: Sequence[float]) -> float:
    cand_mean = sum(cand) / len(cand)
    if bound.form == "max_rate":
        return cand_mean
    if bound.form == "min_rate":
        return 1.0 - cand_mean
    assert base is not None
    base_mean = sum(base) / len(base)
    if bound.form == "max_increase":
        return cand_mean - base_mean
    if bound.form == "max_decrease":
        return base_mean - cand_mean
    floor = 1.0  # as the fixed-N test: an empty answer counts as one word or character
    log_ratio = sum(math.log(max(v, floor)) for v in cand) / len(cand) - sum(
        math.log(max(v, floor)) for v in base
    ) / len(base)
    if bound.form == "min_ratio":
        log_ratio, limit = -log_ratio, -math.log(bound.threshold)
    else:
        limit = math.log(bound.threshold)
    if math.isclose(log_ratio, limit, abs_tol=1e-12):
        return 0.5
    return 1.0 if log_ratio > limit else 0.0


def sequential_problems(properties: Sequence[Property]) -> list[str]:
    """Bounds that cannot be decided sequentially (threshold at the edge of the values), as messages."""
    problems = []
    for prop in properties:
        if not prop.sequential_capable or prop.judge_request() is not None:
            problems.append(
                f"@pytest.mark.{prop.marker_name} is not judged sequentially (it compares the arms over "
                "all inputs); use sequential=False on this test"
            )
            continue
        for metric in prop.metrics():
            for bound in metric.bounds:
                scale = _scale(bound)
                if not scale.lo < scale.threshold < scale.hi:
                    problems.append(
                        f"@pytest.mark.{prop.marker_name}: {bound} cannot be decided sequentially (the threshold is "
                        "at the edge of the possible values); use sequential=False on this test"
                    )
    return problems


class SequentialJudge:
    """Feeds each input's outputs to one :class:`SequentialTest` per evaluable bound of the spec."""

    def __init__(self, properties: Sequence[Property], *, has_baseline: bool, alpha: float, n_max: int) -> None:
        self.properties = tuple(properties)
        self.tests: dict[BoundKey, tuple[Bound, SequentialTest]] = {}
        from pytest_behavior.stats import SequentialTest

        keys = [
            (prop.marker_name, metric.key, bound)
            for prop in properties
            for metric in prop.metrics()
            for bound in metric.bounds
            if has_baseline or not bound.relative
        ]
        if not keys:
            raise BehaviorConfigError("sequential mode needs at least one bound to decide")
        problems = sequential_problems(properties)
        if problems:
            raise BehaviorConfigError("; ".join(problems))
        self.alpha_each = alpha / len(keys)
        for marker, metric_key, bound in keys:
            scale = _scale(bound)
            test = SequentialTest(
                threshold=scale.threshold, lo=scale.lo, hi=scale.hi, alpha=self.alpha_each, n_max=n_max
            )
            self.tests[(marker, metric_key, str(bound))] = (bound, test)

    @property
    def decided(self) -> bool:
        return all(test.decision is not None for _, test in self.tests.values())

    def feed(self, baseline: Sequence[str] | None, candidate: Sequence[str]) -> bool:
        """Consume one input's outputs (its repeats); True once every bound is decided."""
        rows_base: Texts | None = None if baseline is None else [baseline]
        for prop in self.properties:
            for obs in prop.observe(rows_base, [candidate]):
                for bound in obs.metric.bounds:
                    entry = self.tests.get((prop.marker_name, obs.metric.key, str(bound)))
                    if entry is None:
                        continue
                    base = None if obs.baseline is None else obs.baseline[0].tolist()
                    entry[1].update(_value(bound, base, obs.candidate[0].tolist()))
        return self.decided

    def results(self) -> Mapping[BoundKey, SequentialResult]:
        return {key: test.result() for key, (_, test) in self.tests.items()}
