"""Verdict orientation: every bound form turns the right way, and Holm spans a test's bounds."""

from __future__ import annotations

import numpy as np
import pytest

from pytest_behavior.judge import Verdict, judge
from pytest_behavior.properties.base import Bound, Metric, Observation


def binary(rate_base: float, rate_cand: float, n: int = 400, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Coupled draws (common random numbers), like a model change that moves borderline inputs."""
    u = np.random.default_rng(seed).random((n, 1))
    return (u < rate_base).astype(float), (u < rate_cand).astype(float)


def obs(kind: str, base: np.ndarray | None, cand: np.ndarray, *bounds: Bound) -> tuple[str, Observation]:
    return ("p", Observation(Metric("m", "metric", kind, bounds), base, cand))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("rates", "bound", "expected"),
    [((0.05, 0.20), Bound("max_increase", 0.03), Verdict.REGRESSED),
     ((0.05, 0.05), Bound("max_increase", 0.03), Verdict.PASS),
     ((0.20, 0.05), Bound("max_decrease", 0.03), Verdict.REGRESSED),
     ((0.20, 0.20), Bound("max_decrease", 0.03), Verdict.PASS),
     ((0.05, 0.20), Bound("max_rate", 0.10), Verdict.REGRESSED),
     ((0.05, 0.02), Bound("max_rate", 0.10), Verdict.PASS),
     ((0.95, 0.70), Bound("min_rate", 0.90), Verdict.REGRESSED),
     ((0.95, 0.99), Bound("min_rate", 0.90), Verdict.PASS),
     ((0.05, 0.06), Bound("max_increase", 0.0), Verdict.INCONCLUSIVE)],
)
def test_binary_bound_orientation(rates: tuple[float, float], bound: Bound, expected: Verdict) -> None:
    base, cand = binary(*rates)
    (verdict,) = judge([obs("binary", base, cand, bound)])
    assert verdict.verdict is expected
    assert verdict.lower <= verdict.estimate <= verdict.upper
    assert verdict.baseline == pytest.approx(base.mean()) and verdict.candidate == pytest.approx(cand.mean())


@pytest.mark.parametrize(
    ("factor", "bound", "expected"),
    [(0.4, Bound("min_ratio", 0.8), Verdict.REGRESSED), (1.0, Bound("min_ratio", 0.8), Verdict.PASS),
     (1.8, Bound("max_ratio", 1.3), Verdict.REGRESSED), (1.0, Bound("max_ratio", 1.3), Verdict.PASS),
     (0.4, Bound("max_ratio", 1.3), Verdict.PASS)],
)
def test_ratio_bound_orientation(factor: float, bound: Bound, expected: Verdict) -> None:
    rng = np.random.default_rng(1)
    base = rng.lognormal(4, 0.4, (200, 1))
    cand = base * factor * rng.lognormal(0, 0.1, (200, 1))
    (verdict,) = judge([obs("continuous", base, cand, bound)])
    assert verdict.verdict is expected
    assert verdict.estimate == pytest.approx(factor, rel=0.06)
    assert verdict.lower <= verdict.estimate <= verdict.upper


def test_relative_bounds_need_a_baseline() -> None:
    _, cand = binary(0.05, 0.05)
    verdicts = judge([obs("binary", None, cand, Bound("max_rate", 0.2), Bound("max_increase", 0.02))])
    assert [v.bound for v in verdicts] == ["max_rate=0.2"]


def test_holm_adjusts_across_the_bounds_of_a_test() -> None:
    base, cand = binary(0.05, 0.07, seed=4)
    single = judge([obs("binary", base, cand, Bound("max_increase", 0.0))])[0]
    many = judge([obs("binary", base, cand, Bound("max_increase", 0.0))] +
                 [obs("binary", *binary(0.3, 0.3, seed=s), Bound("max_increase", 0.0)) for s in range(5)])
    assert many[0].p_value == single.p_value
    assert many[0].p_adjusted >= single.p_adjusted
    assert all(v.p_adjusted >= v.p_value for v in many)
