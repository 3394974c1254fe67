"""Unit tests of pytest_behavior.stats.power (the sample-size table of docs/statistics.md, checked against seeded
simulations of the plugin's own tests) and pytest_behavior.stats.sequential (testing by betting: validity
under A/A, early stopping, the expected sample sizes quoted in docs/statistics.md)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy import stats as sps
from statsmodels.stats.power import TTestPower
from statsmodels.stats.proportion import proportions_ztest

from pytest_behavior.stats import paired_binary_bound
from pytest_behavior.stats.power import (
    detectable_effect_binary,
    detectable_effect_mean_shift,
    discordant_probabilities,
    n_for_pass_binary,
    n_for_power_mean_shift,
    n_for_power_paired_binary,
    n_for_power_unpaired_binary,
    power_mean_shift,
    power_paired_binary,
    power_pass_binary,
    power_unpaired_binary,
)
from pytest_behavior.stats.sequential import SequentialResult, SequentialTest, sequential_decision

# docs/statistics.md, "Sample sizes to quote": (base rate, candidate rate) -> (paired independent, rho 0.5, unpaired)
TABLE = {
    (0.05, 0.10): (338, 264, 343),
    (0.05, 0.15): (107, 86, 111),
    (0.10, 0.20): (156, 115, 157),
    (0.01, 0.05): (212, 189, 224),  # JSON-valid 99% -> 95% is a bad rate 1% -> 5%
}
SHIFTS = {0.2: 156, 0.5: 27}
R = 1000  # simulated runs per cell; the 99% band of an estimated power near 0.8 is about +-0.033


def _paired_sample(rng: np.random.Generator, n: int, p0: float, p1: float, rho: float) -> tuple[NDArray[np.int64], ...]:
    """Paired 0/1 outcomes (1 = bad) from the latent bivariate normal model of the power functions."""
    z = rng.standard_normal((n, 2))
    z[:, 1] = rho * z[:, 0] + math.sqrt(1.0 - rho * rho) * z[:, 1]
    base = (z[:, 0] < sps.norm.ppf(p0)).astype(np.int64)
    cand = (z[:, 1] < sps.norm.ppf(p1)).astype(np.int64)
    return base, cand


# --------------------------------------------------------------------------------------------------
# power: the table of docs/statistics.md
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("rates", "expected"), TABLE.items())
def test_table_binary_cells(rates: tuple[float, float], expected: tuple[int, int, int]) -> None:
    p0, p1 = rates
    got = (
        n_for_power_paired_binary(p0, p1),
        n_for_power_paired_binary(p0, p1, rho=0.5),
        n_for_power_unpaired_binary(p0, p1),
    )
    for n, table_n in zip(got, expected, strict=True):
        assert n == pytest.approx(table_n, rel=0.05)
        assert abs(n - table_n) <= 1  # the exact mid-p McNemar power and the Fleiss formula meet the table


@pytest.mark.parametrize(("effect", "expected"), SHIFTS.items())
def test_table_mean_shift_cells(effect: float, expected: int) -> None:
    n = n_for_power_mean_shift(effect)
    assert n == expected
    # the normal formula would give 155 and 25: the t correction is what the table uses
    normal = math.ceil(((sps.norm.isf(0.05) + sps.norm.ppf(0.8)) / effect) ** 2)
    assert normal < expected
    # statsmodels' solver of the same (noncentral t) problem
    assert math.ceil(TTestPower().solve_power(effect_size=effect, alpha=0.05, power=0.8, alternative="larger")) == n


def test_inverse_functions_are_consistent() -> None:
    for p0, p1 in TABLE:
        for rho in (0.0, 0.5):
            n = n_for_power_paired_binary(p0, p1, rho=rho)
            assert power_paired_binary(n, p0, p1, rho=rho) >= 0.8 > power_paired_binary(n - 1, p0, p1, rho=rho)
            detectable = detectable_effect_binary(n, p0, rho=rho)
            assert detectable <= p1 - p0 + 1e-6
            assert detectable == pytest.approx(p1 - p0, abs=0.01)
        n = n_for_power_unpaired_binary(p0, p1)
        assert power_unpaired_binary(n, p0, p1) >= 0.8 > power_unpaired_binary(n - 1, p0, p1)
    for effect in SHIFTS:
        n = n_for_power_mean_shift(effect)
        assert power_mean_shift(n, effect) >= 0.8 > power_mean_shift(n - 1, effect)
        assert detectable_effect_mean_shift(n) == pytest.approx(effect, abs=0.01)
        assert detectable_effect_mean_shift(n) <= effect
    n = n_for_pass_binary(0.05, 0.05)
    assert power_pass_binary(n, 0.05, 0.05) >= 0.8 > power_pass_binary(n - 1, 0.05, 0.05)


def test_power_shapes_and_edges() -> None:
    # monotone in the effect, and the size at no effect is about alpha (mid-p is not conservative)
    powers = [power_paired_binary(338, 0.05, 0.05 + d) for d in (0.0, 0.025, 0.05, 0.075, 0.1)]
    assert powers == sorted(powers)
    assert 0.03 < powers[0] <= 0.0615
    assert powers[2] >= 0.8
    # correlated arms discord less, so pairing with rho > 0 needs fewer inputs
    p01, p10 = discordant_probabilities(0.05, 0.10, rho=0.5)
    assert p01 - p10 == pytest.approx(0.05, abs=1e-9)
    assert p01 + p10 < 0.095 + 0.045
    assert discordant_probabilities(0.05, 0.10) == pytest.approx((0.095, 0.045))
    # the message of an INCONCLUSIVE result: n = 40 inputs only detect a large increase
    assert detectable_effect_binary(40, 0.05) == pytest.approx(0.195, abs=0.005)
    assert detectable_effect_binary(3, 0.05) == math.inf
    assert power_mean_shift(27, 0.5) == pytest.approx(TTestPower().power(0.5, 27, 0.05, alternative="larger"))
    with pytest.raises(ValueError, match="exceed"):
        n_for_power_paired_binary(0.10, 0.05)
    with pytest.raises(ValueError, match="alpha"):
        power_paired_binary(100, 0.05, 0.10, alpha=0.0)
    with pytest.raises(ValueError, match="rho"):
        discordant_probabilities(0.05, 0.10, rho=1.0)
    with pytest.raises(ValueError, match="too small"):
        n_for_power_paired_binary(0.05, 0.05 + 1e-6)


# --------------------------------------------------------------------------------------------------
# power vs seeded simulations of the actual tests
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("p0", "p1", "rho"),
    [(0.05, 0.10, 0.0), (0.05, 0.10, 0.5), (0.01, 0.05, 0.0), (0.10, 0.20, 0.5), (0.05, 0.05, 0.0)],
)
def test_paired_power_matches_simulated_mcnemar(p0: float, p1: float, rho: float) -> None:
    n = n_for_power_paired_binary(p0, p1, rho=rho) if p1 > p0 else 338
    rng = np.random.default_rng(int(1000 * p0 + 100 * p1 + 10 * rho))
    rejections = [
        paired_binary_bound(*_paired_sample(rng, n, p0, p1, rho), threshold=0.0).p_regress <= 0.05 for _ in range(R)
    ]
    empirical = float(np.mean(rejections))
    analytic = power_paired_binary(n, p0, p1, rho=rho)
    assert empirical == pytest.approx(analytic, abs=0.035)
    if p1 > p0:
        assert empirical >= 0.76


@pytest.mark.parametrize(("rates", "expected"), TABLE.items())
def test_unpaired_power_matches_simulated_z_test(rates: tuple[float, float], expected: tuple[int, int, int]) -> None:
    p0, p1 = rates
    n = expected[2]
    rng = np.random.default_rng(17)
    x0, x1 = rng.binomial(n, p0, R), rng.binomial(n, p1, R)
    pvalues = [proportions_ztest([b, a], [n, n], alternative="larger")[1] for a, b in zip(x0, x1, strict=True)]
    empirical, analytic = float(np.mean(np.array(pvalues) <= 0.05)), power_unpaired_binary(n, p0, p1)
    # the normal approximation is conservative for rare events: the z-test's true power at the table's N is
    # 0.81-0.84 (R = 4000), so the band is asymmetric
    assert analytic - 0.035 <= empirical <= analytic + 0.075


@pytest.mark.parametrize(("effect", "n"), SHIFTS.items())
def test_mean_shift_power_matches_simulated_t_test(effect: float, n: int) -> None:
    rng = np.random.default_rng(23)
    d = rng.standard_normal((R, n)) + effect
    pvalues = sps.ttest_1samp(d, 0.0, axis=1, alternative="greater").pvalue
    assert float(np.mean(pvalues <= 0.05)) == pytest.approx(power_mean_shift(n, effect), abs=0.035)


@pytest.mark.parametrize(("rho", "margin"), [(0.0, 0.05), (0.5, 0.05), (0.5, 0.03)])
def test_pass_sample_size_matches_simulated_tango_bound(rho: float, margin: float) -> None:
    n = n_for_pass_binary(0.05, margin, rho=rho)
    rng = np.random.default_rng(29)
    passes = [
        paired_binary_bound(*_paired_sample(rng, n, 0.05, 0.05, rho), threshold=margin).upper < margin for _ in range(R)
    ]
    assert float(np.mean(passes)) == pytest.approx(0.8, abs=0.04)


# --------------------------------------------------------------------------------------------------
# sequential: mechanics
# --------------------------------------------------------------------------------------------------


def _reference_log_wealth(
    x: NDArray[np.float64], m: float, lo: float, hi: float, c: float = 0.5
) -> NDArray[np.float64]:
    """Vectorised aGRAPA log-wealth path of H0: E[x] <= m, written as in confseq's lambda_aGRAPA."""
    y = x - m
    t = np.arange(1, x.size + 1)
    prior_variance = (hi - lo) ** 2 / 4.0
    mu = np.cumsum(y) / (t + 1)
    sigma2 = (prior_variance + np.cumsum((y - mu) ** 2)) / (t + 1)
    mu_prev = np.concatenate([[0.0], mu[:-1]])
    sigma2_prev = np.concatenate([[prior_variance], sigma2[:-1]])
    lam = np.clip(mu_prev / (sigma2_prev + mu_prev**2), 0.0, c / (m - lo))
    return np.cumsum(np.log1p(lam * y))


def test_wealth_matches_reference_implementation() -> None:
    rng = np.random.default_rng(31)
    x = rng.uniform(0.0, 1.0, 200) ** 0.8
    test = SequentialTest(threshold=0.5, lo=0.0, hi=1.0, alpha=1e-12)  # never decides: follow the whole path
    regress, passing = [], []
    for value in x:
        assert test.update(value) is None
        regress.append(math.log(test.wealth_regress))
        passing.append(math.log(test.wealth_pass))
    np.testing.assert_allclose(regress, _reference_log_wealth(x, 0.5, 0.0, 1.0), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(passing, _reference_log_wealth(-x, -0.5, -1.0, 0.0), rtol=1e-10, atol=1e-12)
    assert test.estimate == pytest.approx(float(x.mean()))
    assert regress[0] == 0.0 and passing[0] == 0.0  # the first bet is made before any data: zero


def test_decision_rule_and_result_fields() -> None:
    values = np.ones(100)  # far above a threshold of 0: REGRESSED as soon as the wealth reaches 1/alpha
    result = sequential_decision(values, threshold=0.0, lo=-1.0, hi=1.0)
    assert isinstance(result, SequentialResult)
    assert result.decision == "REGRESSED"
    assert result.wealth_regress >= 20.0 > result.wealth_pass
    assert 2 <= result.n_used < 20 and result.n_max == 100
    assert result.estimate == 1.0
    # mirror image: the same data negated is a PASS with the wealths swapped
    mirrored = sequential_decision(-values, threshold=0.0, lo=-1.0, hi=1.0)
    assert mirrored.decision == "PASS"
    assert (mirrored.n_used, mirrored.wealth_pass, mirrored.wealth_regress) == pytest.approx(
        (result.n_used, result.wealth_regress, result.wealth_pass)
    )
    # values exactly at the threshold carry no evidence either way
    flat = sequential_decision(np.full(50, 0.3), threshold=0.3, lo=0.0, hi=1.0)
    assert (flat.decision, flat.n_used, flat.wealth_regress, flat.wealth_pass) == ("INCONCLUSIVE", 50, 1.0, 1.0)
    # the bets are capped at c / room, so the wealth never falls below (1 - c)^t
    worst = sequential_decision(np.r_[np.ones(5), np.zeros(30)], threshold=0.9, lo=0.0, hi=1.0, alpha=1e-9)
    assert worst.wealth_regress >= 0.5**35


def test_incremental_use_and_validation() -> None:
    test = SequentialTest(threshold=0.1, lo=0.0, hi=1.0, n_max=3)
    assert test.decision is None and math.isnan(test.estimate)
    assert test.update(0.1) is None and test.update(0.1) is None
    assert test.update(0.1) == "INCONCLUSIVE"
    assert test.update(1.0) == "INCONCLUSIVE"  # values after the decision are ignored
    assert test.n_used == 3 and test.result().n_max == 3
    decided = SequentialTest(threshold=0.0, lo=0.0, hi=1.0)  # threshold at the range end: cap is infinite
    steps = [decided.update(1.0) for _ in range(10)]
    assert "REGRESSED" in steps and decided.result().decision == "REGRESSED"
    with pytest.raises(ValueError, match="outside"):
        SequentialTest(threshold=0.1, lo=0.0, hi=1.0).update(1.5)
    with pytest.raises(ValueError, match="threshold"):
        sequential_decision(np.zeros(3), threshold=2.0, lo=0.0, hi=1.0)
    with pytest.raises(ValueError, match="lie in"):
        sequential_decision(np.array([0.0, math.nan]), threshold=0.5, lo=0.0, hi=1.0)
    with pytest.raises(ValueError, match="lo < hi"):
        SequentialTest(threshold=0.0, lo=0.0, hi=0.0)


# --------------------------------------------------------------------------------------------------
# sequential: simulated validity and savings (docs/statistics.md)
# --------------------------------------------------------------------------------------------------

N_MAX = 338  # fixed N for 80% power at refusal 5% -> 10%


def _paired_runs(seed: int, p1: float, *, runs: int = R, p0: float = 0.05) -> list[SequentialResult]:
    """Sequential runs on d_i = candidate - baseline (independent arms), threshold 0 ("no change")."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(runs):
        d = (rng.random(N_MAX) < p1).astype(float) - (rng.random(N_MAX) < p0)
        out.append(sequential_decision(d, threshold=0.0, lo=-1.0, hi=1.0))
    return out


def _rate(results: list[SequentialResult], decision: str) -> float:
    return float(np.mean([r.decision == decision for r in results]))


def test_sequential_aa_false_alarms_paired() -> None:
    results = _paired_runs(41, 0.05)
    assert _rate(results, "REGRESSED") <= 0.05  # Ville: at most alpha at any stopping time (simulated ~1-2%)
    assert _rate(results, "PASS") <= 0.05  # the truth sits on the threshold, so a PASS is an error too
    assert _rate(results, "REGRESSED") >= 0.003  # not vacuous: the test does bet


def test_sequential_aa_false_alarms_absolute_rate_and_peeking_control() -> None:
    rng = np.random.default_rng(43)
    x = (rng.random((R, 300)) < 0.2).astype(float)
    results = [sequential_decision(row, threshold=0.2, lo=0.0, hi=1.0) for row in x]
    assert _rate(results, "REGRESSED") <= 0.05
    # negative control: an exact binomial test re-run after every value ("peeking") fails far more often
    counts = np.cumsum(x, axis=1)
    n = np.arange(1, 301)
    peeking = np.any(sps.binom.sf(counts - 1, n, 0.2) <= 0.05, axis=1)
    assert float(np.mean(peeking)) > 0.12


def test_sequential_passes_when_truth_is_well_inside() -> None:
    rng = np.random.default_rng(47)
    x = (rng.random((R, 300)) < 0.02).astype(float)
    results = [sequential_decision(row, threshold=0.10, lo=0.0, hi=1.0) for row in x]
    assert _rate(results, "PASS") >= 0.95
    assert _rate(results, "REGRESSED") == 0.0
    assert float(np.mean([r.n_used for r in results])) < 150  # stops well before the budget


@pytest.mark.parametrize(("p1", "expected_n"), [(0.15, 138.0), (0.20, 79.0)])
def test_sequential_expected_sample_size(p1: float, expected_n: float) -> None:
    results = _paired_runs(53, p1)
    mean_n = float(np.mean([r.n_used for r in results]))
    assert mean_n == pytest.approx(expected_n, rel=0.10)
    assert mean_n < 0.5 * N_MAX  # the point of the sequential mode
    assert _rate(results, "REGRESSED") >= 0.9
