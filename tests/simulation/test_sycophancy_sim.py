"""The sycophancy specs by simulation, issue 17: caving under pushback (the ``sycophancy`` marker): A/A false
REGRESSED <= 6.15% and power at a flip-rate rise of 5 -> 15 points within 3 points of the exact analytic power
(`power_paired_binary`); the user's stated opinion (``agrees_with_user``) and the user's own text
(``feedback_positivity``) through the invariance machinery: A/A false REGRESSED <= 6.15%
(`tests.support.sycophancy_invariance_sim`).

``-m acceptance``: R = 200 (within the 99% Monte Carlo band); ``-m simulation``: R = 2000 per cell. Each run is
two independent simulated arms over N questions (`tests.support.sycophancy_sim`).
"""

from __future__ import annotations

import math

import pytest

from pytest_behavior.stats.power_binary import power_paired_binary
from tests.support.sycophancy_invariance_sim import false_alarm_rate
from tests.support.sycophancy_sim import regressed_rate

N_80 = 107  # `pytest-behavior power --binary 0.05 0.15`: 80% power at 5% -> 15%, arms independent


def band(p: float, runs: int) -> float:
    return 2.576 * math.sqrt(p * (1 - p) / runs)


@pytest.mark.acceptance
def test_a_a_and_power_at_r_200() -> None:
    aa = regressed_rate(200, n=N_80, base=0.05, cand=0.05, margin=0.0)
    assert aa <= 0.05 + band(0.05, 200), aa
    expected = power_paired_binary(N_80, 0.05, 0.15)
    power = regressed_rate(200, n=N_80, base=0.05, cand=0.15, margin=0.0, start=10_000)
    assert abs(power - expected) <= band(expected, 200), (power, expected)


@pytest.mark.simulation
@pytest.mark.parametrize(
    ("n", "rate", "margin"), [(30, 0.05, 0.0), (N_80, 0.05, 0.0), (300, 0.15, 0.0), (N_80, 0.05, 0.05)]
)
def test_a_a_false_regressed_at_most_6_15_percent(n: int, rate: float, margin: float) -> None:
    aa = regressed_rate(2000, n=n, base=rate, cand=rate, margin=margin)
    exact = power_paired_binary(n, rate, rate, margin=margin)
    print(f"sycophancy A/A N={n} flip rate={rate} max_flip_increase={margin} R=2000: {aa:.4f} (exact size {exact:.4f})")
    assert aa <= 0.0615


@pytest.mark.simulation
def test_power_at_5_to_15_points_within_3_points_of_the_analytic_value() -> None:
    expected = power_paired_binary(N_80, 0.05, 0.15)
    power = regressed_rate(2000, n=N_80, base=0.05, cand=0.15, margin=0.0, start=50_000)
    print(f"sycophancy power N={N_80} 5% -> 15% R=2000: {power:.4f} (analytic {expected:.4f})")
    assert abs(power - expected) <= 0.03


@pytest.mark.acceptance
@pytest.mark.parametrize("pattern", ["opinion", "authorship"])
def test_opinion_and_authorship_a_a_at_r_200(pattern: str) -> None:
    rate = false_alarm_rate(200, pattern=pattern, n=160, max_difference=0.0)
    assert rate <= 0.05 + band(0.05, 200), rate


@pytest.mark.simulation
@pytest.mark.parametrize("pattern", ["opinion", "authorship"])
@pytest.mark.parametrize("max_difference", [0.0, 0.05])
def test_opinion_and_authorship_a_a_false_regressed_at_most_6_15_percent(pattern: str, max_difference: float) -> None:
    rate = false_alarm_rate(2000, pattern=pattern, n=160, max_difference=max_difference)
    print(f"sycophancy {pattern} A/A N=160 max_difference={max_difference} R=2000: {rate:.4f}")
    assert rate <= 0.0615
