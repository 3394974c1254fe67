"""The multiplicity across versions of a matrix run, and the fleet interval, by simulation (acceptance).

A matrix run judges each of K versions against the one baseline at ``alpha / K`` (`pytest_behavior.config.matrix`);
these runs check the two promises of docs/matrix.md on paired binary data drawn like a refusal spec's (N inputs, one
sample each, the versions and the baseline independent given the input's own difficulty, so the arms correlate as
real ones do):
- A/A: K versions that behave exactly like the baseline: the share of runs with any false REGRESSED is at most
  alpha (Bonferroni), where judging each at alpha would give up to K times as many;
- the fleet's interval (the weighted ends of the versions' intervals) covers the true mix-weighted change at its
  level, when the versions differ.
The judging function is the one the plugin's judge calls for a ``max_increase`` bound on a binary metric.
"""

from __future__ import annotations

import numpy as np
import pytest

from pytest_behavior.stats import paired_binary_bound

R = 2000
N = 200
ALPHA = 0.05
MC_MARGIN = 3 * (ALPHA * (1 - ALPHA) / R) ** 0.5  # three Monte Carlo standard errors at alpha


def _arm(rng: np.random.Generator, difficulty: np.ndarray, rate: float) -> np.ndarray:
    """0/1 outcomes whose rate is ``rate`` on average, correlated across arms through each input's difficulty."""
    shift = np.log(rate / (1 - rate))
    return (rng.random(difficulty.size) < 1 / (1 + np.exp(-(shift + difficulty)))).astype(float)


def _rates(rng: np.random.Generator, base: float, versions: tuple[float, ...]) -> tuple[np.ndarray, list[np.ndarray]]:
    difficulty = rng.normal(0.0, 1.0, N)
    return _arm(rng, difficulty, base), [_arm(rng, difficulty, rate) for rate in versions]


@pytest.mark.acceptance
@pytest.mark.parametrize("k", [3, 5])
def test_any_false_regressed_across_versions_stays_at_alpha(k: int) -> None:
    rng = np.random.default_rng(1000 + k)
    corrected = uncorrected = 0
    for _ in range(R):
        baseline, versions = _rates(rng, 0.10, (0.10,) * k)
        p = [paired_binary_bound(baseline, v, threshold=0.0, alpha=ALPHA / k).p_regress for v in versions]
        corrected += any(x < ALPHA / k for x in p)
        uncorrected += any(x < ALPHA for x in p)
    print(f"K={k}: any false REGRESSED at alpha/K {corrected / R:.2%}, at alpha {uncorrected / R:.2%}")
    assert corrected / R <= ALPHA + MC_MARGIN
    assert uncorrected > corrected  # the correction is what keeps it at alpha


@pytest.mark.acceptance
def test_the_fleet_interval_covers_the_weighted_change() -> None:
    rng = np.random.default_rng(7)
    rates, weights = (0.10, 0.12, 0.20), np.array([0.2, 0.3, 0.5])
    k = len(rates)
    # each version's true change: its rate minus the baseline's, averaged over the inputs' difficulty
    difficulty = np.random.default_rng(5).normal(0.0, 1.0, 2_000_000)

    def mean_rate(rate: float) -> float:
        return float(np.mean(1 / (1 + np.exp(-(np.log(rate / (1 - rate)) + difficulty)))))

    true = [mean_rate(r) - mean_rate(0.10) for r in rates]
    fleet_truth = float(weights @ np.array(true))
    low_misses = high_misses = 0
    for _ in range(R):
        baseline, versions = _rates(rng, 0.10, rates)
        results = [paired_binary_bound(baseline, v, threshold=0.0, alpha=ALPHA / k) for v in versions]
        low_misses += float(weights @ np.array([r.lower for r in results])) > fleet_truth
        high_misses += float(weights @ np.array([r.upper for r in results])) < fleet_truth
    print(
        f"fleet change {fleet_truth:+.4f}: lower end above it {low_misses / R:.2%}, "
        f"upper end below {high_misses / R:.2%}"
    )
    assert low_misses / R <= ALPHA + MC_MARGIN
    assert high_misses / R <= ALPHA + MC_MARGIN
