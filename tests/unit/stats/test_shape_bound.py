"""The distribution-shape bound of ``length_distribution(shape=True)``: the ratio bound at every profile quantile."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pytest_behavior.engine.judge import Verdict, judge
from pytest_behavior.properties.base import Observation
from pytest_behavior.properties.registry import parse_marker
from pytest_behavior.stats import paired_quantile_log_ratio_bound, paired_quantile_profile_bound
from pytest_behavior.stats.quantile import PROFILE_QUANTILES


def lengths(
    rng: np.random.Generator, n: int, k: int, *, scale: float = 1.0, spread: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Paired lognormal word counts: an input effect shared by both arms, own noise per output."""
    effect = rng.normal(0.0, 0.33, size=(n, 1))
    base = np.exp(3.5 + effect + rng.normal(0.0, 0.5, size=(n, k)))
    cand = np.exp(3.5 + math.log(scale) + spread * (effect + rng.normal(0.0, 0.5, size=(n, k))))
    return np.maximum(1, np.round(base)), np.maximum(1, np.round(cand))


def test_a_wider_spread_with_the_same_median_breaks_the_shape_bound_but_not_the_typical_ratio() -> None:
    base, cand = lengths(np.random.default_rng(1), 300, 1, spread=2.0)
    threshold = math.log(1.3)
    profile = paired_quantile_profile_bound(base, cand, threshold=threshold)
    typical = paired_quantile_log_ratio_bound(base, cand, q=0.5, threshold=threshold)
    assert profile.p_regress <= 0.05 and profile.lower > threshold
    assert typical.p_regress > 0.05
    assert "p10/p25/p50/p75/p90" in profile.method and "min-P over 5" in profile.method


def test_the_shape_bound_is_the_largest_quantile_ratio() -> None:
    base = np.tile(np.arange(1.0, 101.0), (1, 1)).T  # 100 inputs, one output each
    cand = base * 1.5
    result = paired_quantile_profile_bound(base, cand, threshold=0.0, n_boot=200)
    assert result.estimate == pytest.approx(math.log(1.5))
    assert result.lower <= result.estimate <= result.upper


def test_identical_arms_never_regress_and_pass_a_loose_bound() -> None:
    base, _ = lengths(np.random.default_rng(2), 100, 3)
    result = paired_quantile_profile_bound(base, base.copy(), threshold=math.log(1.2))
    assert result.estimate == 0.0
    assert result.p_regress == 1.0 and result.upper <= math.log(1.2)


@pytest.mark.parametrize("bad", [dict(quantiles=()), dict(quantiles=(0.5, 1.0))])
def test_bad_quantiles_are_rejected(bad: dict[str, tuple[float, ...]]) -> None:
    base = np.ones((5, 1))
    with pytest.raises(ValueError, match="quantiles"):
        paired_quantile_profile_bound(base, base, threshold=0.0, **bad)  # type: ignore[arg-type]


def test_a_false_alarm_rate_within_alpha_when_nothing_changed() -> None:
    """A/A at the strictest bound (max_ratio=1): at most alpha plus the binomial 99% band (R = 200, N = 100)."""
    rng = np.random.default_rng(7)
    alarms = sum(
        paired_quantile_profile_bound(*lengths(rng, 100, 1), threshold=0.0, n_boot=500, seed=r).p_regress <= 0.05
        for r in range(200)
    )
    assert alarms / 200 <= 0.05 + 2.576 * math.sqrt(0.05 * 0.95 / 200)


def test_length_distribution_shape_adds_a_profile_metric_judged_both_ways() -> None:
    prop = parse_marker("length_distribution", (), {"max_ratio": 1.3, "min_ratio": 0.8, "shape": True})
    typical, shape = prop.metrics()
    assert typical.key == "length.words" and not typical.profile
    assert shape.key == "length.words.shape" and shape.profile == PROFILE_QUANTILES
    assert prop.describe()["shape"] is True
    rng = np.random.default_rng(3)
    base, cand = lengths(rng, 300, 1, spread=2.0)
    verdicts = judge(
        [
            ("length_distribution", Observation(shape, base, cand)),
            ("length_distribution", Observation(typical, base, cand)),
        ]
    )
    by = {(v.metric_key, v.bound): v.verdict for v in verdicts}
    shape_verdicts = (by[("length.words.shape", "max_ratio=1.3")], by[("length.words.shape", "min_ratio=0.8")])
    assert Verdict.REGRESSED in shape_verdicts
    assert by[("length.words", "max_ratio=1.3")] is not Verdict.REGRESSED
    assert by[("length.words", "min_ratio=0.8")] is not Verdict.REGRESSED


def test_shape_must_be_a_bool() -> None:
    from pytest_behavior.errors import MarkerError

    with pytest.raises(MarkerError, match="shape must be True or False"):
        parse_marker("length_distribution", (), {"max_ratio": 1.3, "shape": "ks"})


def test_the_shape_explanation_shows_quantiles_and_the_permutation_test() -> None:
    prop = parse_marker("length_distribution", (), {"max_ratio": 1.3, "shape": True})
    base = [[" ".join(["w"] * n)] for n in range(20, 120)]
    cand = [[" ".join(["w"] * (n if i % 2 else 3 * n))] for i, n in enumerate(range(20, 120))]
    lines = prop.explain(base, cand, [f"q{i}" for i in range(100)])
    text = "\n".join(lines)
    assert "quantiles of all outputs" in text and "p90" in text and "x" in text
    assert "any change of shape: KS" in text and "within-input permutation test" in text
