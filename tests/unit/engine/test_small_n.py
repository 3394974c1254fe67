"""Too few inputs is INCONCLUSIVE, never an error (issue 13 §2): the tail-quantile and shape bounds at N = 1."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pytest_behavior import stats
from pytest_behavior.engine.judge import Verdict, judge
from pytest_behavior.properties.base import Bound, Metric, Observation
from pytest_behavior.stats.quantile import PROFILE_QUANTILES, inputs_needed

CONTINUOUS_FORMS = ("max_ratio", "min_ratio", "max_p95_ratio")
BINARY_FORMS = ("max_increase", "max_decrease", "max_rate", "min_rate")


def arms(n: int, k: int, *, binary: bool, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    if binary:
        return (rng.random((n, k)) < 0.3).astype(float), (rng.random((n, k)) < 0.3).astype(float)
    return rng.lognormal(5, 0.5, (n, k)), rng.lognormal(5, 0.5, (n, k))


def observation(form: str, n: int, k: int, *, profile: bool = False) -> Observation:
    binary = form in BINARY_FORMS
    threshold = 0.05 if binary else 1.3
    base, cand = arms(n, k, binary=binary)
    metric = Metric(
        "m",
        "metric",
        "binary" if binary else "continuous",
        (Bound(form, threshold),),  # type: ignore[arg-type]
        summary_quantile=0.95 if form == "max_p95_ratio" else None,
        profile=PROFILE_QUANTILES if profile else (),
    )
    return Observation(metric, base, cand)


CASES = [(form, False) for form in (*CONTINUOUS_FORMS, *BINARY_FORMS)] + [("max_ratio", True), ("min_ratio", True)]


@pytest.mark.parametrize("repeats", [1, 50])
@pytest.mark.parametrize("n", [1, 2])
@pytest.mark.parametrize(("form", "profile"), CASES)
def test_every_bound_form_judges_one_or_two_inputs(form: str, profile: bool, n: int, repeats: int) -> None:
    verdicts = judge([("p", observation(form, n, repeats, profile=profile))])
    assert len(verdicts) == 1
    assert verdicts[0].n_inputs == n


@pytest.mark.parametrize(("form", "profile"), CASES)
def test_a_segment_of_one_input_is_judged_without_error(form: str, profile: bool) -> None:
    segments = ["common"] * 8 + ["rare"]
    verdicts = judge([("p", observation(form, 9, 3, profile=profile))], segments=segments)
    rare = [v for v in verdicts if v.segment == "rare"]
    assert len(rare) == 1 and rare[0].n_inputs == 1


@pytest.mark.parametrize("repeats", [1, 50])
@pytest.mark.parametrize("profile", [False, True])
def test_one_input_gives_an_unbounded_inconclusive_result_naming_the_reason(profile: bool, repeats: int) -> None:
    form = "max_ratio" if profile else "max_p95_ratio"
    [verdict] = judge([("p", observation(form, 1, repeats, profile=profile))])
    assert verdict.verdict is Verdict.INCONCLUSIVE
    assert verdict.p_value == 1.0
    assert verdict.lower == 0.0 and verdict.upper == math.inf  # x0 .. x∞: nothing is claimed
    needed = inputs_needed(PROFILE_QUANTILES if profile else (0.95,), repeats)
    assert (
        f"1 input: the {'distribution-shape' if profile else 'p95 ratio'} bound needs at least {needed}"
        in verdict.method
    )


def test_a_segment_of_one_input_is_inconclusive_and_does_not_sap_the_others() -> None:
    """The one-input segment takes p = 1, so Holm's step-down is not made stricter by it for the other bounds."""
    base, cand = arms(60, 3, binary=False)
    cand = cand * 3.0  # far slower: the overall bound regresses
    metric = Metric("m", "latency", "continuous", (Bound("max_p95_ratio", 1.3),), summary_quantile=0.95)
    verdicts = judge([("p", Observation(metric, base, cand))], segments=["a"] * 59 + ["b"])
    by_segment = {v.segment: v for v in verdicts}
    assert by_segment[None].verdict is Verdict.REGRESSED
    assert by_segment["b"].verdict is Verdict.INCONCLUSIVE


def test_the_bootstrap_judges_from_the_validated_number_of_inputs() -> None:
    """Two inputs are not judged any more (issue 13: 20-40% false verdicts); the validated N is (stats.quantile)."""
    base, cand = arms(2, 5, binary=False)
    assert stats.paired_quantile_log_ratio_bound(base, cand, threshold=math.log(1.3)).p_regress == 1.0
    base, cand = arms(inputs_needed((0.95,), 5), 5, binary=False)
    result = stats.paired_quantile_log_ratio_bound(base, cand, threshold=math.log(1.3))
    assert "bootstrap" in result.method and math.isfinite(result.lower) and math.isfinite(result.upper)


def test_arms_that_do_not_pair_are_still_a_value_error() -> None:
    with pytest.raises(ValueError, match="need paired"):
        stats.paired_quantile_log_ratio_bound(np.ones((3, 2)), np.ones((2, 2)), threshold=0.0)
    with pytest.raises(ValueError, match="need paired"):
        stats.paired_quantile_profile_bound(np.ones((0, 2)), np.ones((0, 2)), threshold=0.0)
