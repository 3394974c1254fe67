"""Unit tests of pytest_behavior.stats: reference values, cross-checks against scipy/statsmodels, and small
seeded simulations (A/A false alarms, coverage, power) on a reduced grid of docs/statistics.md."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy import stats as sps
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from pytest_behavior.stats import (
    BoundResult,
    absolute_rate_bound,
    hodges_lehmann_bounds,
    holm,
    mcnemar_midp,
    paired_binary_bound,
    paired_log_ratio_bound,
    tango_bounds,
    tango_pvalue,
)
from pytest_behavior.stats.binary import _sign_flip_midp, _tango_z
from pytest_behavior.stats.continuous import _critical_rank, _signed_rank_cdf, _walsh_layout, _walsh_order_stats

Z95 = float(sps.norm.isf(0.05))
GRID = [(b, c) for b in range(16) for c in range(16)]


# --------------------------------------------------------------------------------------------------
# mid-p McNemar
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("b", "c"), GRID)
def test_mcnemar_midp_matches_direct_sum(b: int, c: int) -> None:
    m = b + c
    direct = sum(math.comb(m, x) for x in range(b + 1, m + 1)) / 2**m + 0.5 * math.comb(m, b) / 2**m
    assert mcnemar_midp(b, c) == pytest.approx(direct, abs=1e-12)


@pytest.mark.parametrize(("b", "c"), [bc for bc in GRID if sum(bc) > 0])
def test_mcnemar_midp_relates_to_scipy_and_statsmodels(b: int, c: int) -> None:
    m = b + c
    pmf = float(sps.binom.pmf(b, m, 0.5))
    one_sided_exact = sps.binomtest(b, m, 0.5, alternative="greater").pvalue
    assert mcnemar_midp(b, c) == pytest.approx(one_sided_exact - 0.5 * pmf, abs=1e-12)
    # statsmodels' exact McNemar is two-sided: 2 * P(X <= min(b, c)) capped at 1, and
    # P(X <= min(b, c)) = P(X >= max(b, c)) by symmetry, which is the one-sided p of the larger count.
    two_sided = mcnemar(np.array([[0, b], [c, 0]]), exact=True).pvalue
    larger_one_sided = mcnemar_midp(max(b, c), min(b, c)) + 0.5 * float(sps.binom.pmf(max(b, c), m, 0.5))
    assert two_sided == pytest.approx(min(1.0, 2.0 * larger_one_sided), abs=1e-12)


def test_mcnemar_midp_symmetry_and_direction() -> None:
    for b, c in GRID:
        assert mcnemar_midp(b, c) + mcnemar_midp(c, b) == pytest.approx(1.0, abs=1e-12)
    assert mcnemar_midp(0, 0) == 0.5
    assert mcnemar_midp(12, 1) < 0.01
    assert mcnemar_midp(1, 12) > 0.99


# --------------------------------------------------------------------------------------------------
# Tango score interval
# --------------------------------------------------------------------------------------------------


def test_tango_closed_form_without_discordant_pairs() -> None:
    # b = c = 0: Z(D) = -sqrt(n D / (1 - D)) for D > 0, so Z(U) = -z gives U = z^2 / (n + z^2).
    lower, upper = tango_bounds(0, 0, 300, alpha=0.05)
    assert upper == pytest.approx(Z95**2 / (300 + Z95**2), rel=1e-9)
    assert upper == pytest.approx(2.706 / (300 + 2.706), rel=1e-3)
    assert lower == pytest.approx(-upper, rel=1e-9)


def test_tango_matches_propcis_reference() -> None:
    # R: PropCIs::scoreci.mp(b = 25, c = 28, n = 618, conf.level = 0.90) -> [-0.0148, 0.0247]
    # for the difference (28 - 25) / 618 (scoreci.mp estimates (c - b) / n).
    lower, upper = tango_bounds(28, 25, 618, alpha=0.05)
    assert round(lower, 4) == -0.0148
    assert round(upper, 4) == 0.0247


def test_tango_null_statistic_is_asymptotic_mcnemar() -> None:
    # at Delta = 0 the restricted MLE is q = (b + c) / 2n and Z = (b - c) / sqrt(b + c)
    for b, c, n in [(5, 3, 100), (30, 10, 200), (1, 9, 10), (7, 0, 50)]:
        assert tango_pvalue(b, c, n, delta=0.0) == pytest.approx(sps.norm.sf((b - c) / math.sqrt(b + c)))


@pytest.mark.parametrize(("b", "c", "n"), [(5, 3, 100), (30, 10, 200), (0, 4, 40), (12, 0, 30), (2, 2, 5)])
def test_tango_bounds_invert_the_score_test(b: int, c: int, n: int) -> None:
    lower, upper = tango_bounds(b, c, n, alpha=0.05)
    estimate = (b - c) / n
    assert -1.0 < lower < estimate < upper < 1.0
    assert _tango_z(b, c, n, lower) == pytest.approx(Z95, abs=1e-6)
    assert _tango_z(b, c, n, upper) == pytest.approx(-Z95, abs=1e-6)
    assert tango_pvalue(b, c, n, delta=lower) == pytest.approx(0.05, abs=1e-6)
    assert tango_pvalue(b, c, n, delta=upper) == pytest.approx(0.95, abs=1e-6)


def test_tango_bounds_monotone_in_alpha() -> None:
    previous = (-math.inf, math.inf)
    for alpha in (0.001, 0.01, 0.025, 0.05, 0.1, 0.2):
        lower, upper = tango_bounds(17, 9, 120, alpha=alpha)
        assert previous[0] < lower <= 8 / 120 <= upper < previous[1]
        previous = (lower, upper)


def test_tango_edge_cases_are_finite() -> None:
    z2 = Z95**2
    assert tango_bounds(0, 0, 0, alpha=0.05) == (-1.0, 1.0)
    lower, upper = tango_bounds(40, 0, 40, alpha=0.05)
    assert upper == 1.0 and lower == pytest.approx((40 - z2) / (40 + z2), rel=1e-9)
    lower, upper = tango_bounds(0, 40, 40, alpha=0.05)
    assert lower == -1.0 and upper == pytest.approx(-(40 - z2) / (40 + z2), rel=1e-9)
    for b, c, n in [(1, 0, 1), (0, 1, 1), (0, 0, 1), (3, 2, 5), (0, 0, 10**6), (10**6, 0, 10**6)]:
        lower, upper = tango_bounds(b, c, n, alpha=0.05)
        assert -1.0 <= lower <= (b - c) / n <= upper <= 1.0
        for delta in (-1.0, -0.5, 0.0, 0.5, 0.999999, 1.0):
            assert 0.0 <= tango_pvalue(b, c, n, delta=delta) <= 1.0
    with pytest.raises(ValueError):
        tango_bounds(3, 3, 5, alpha=0.05)


# --------------------------------------------------------------------------------------------------
# Holm
# --------------------------------------------------------------------------------------------------


def test_holm_matches_statsmodels() -> None:
    rng = np.random.default_rng(7)
    for m in (1, 2, 3, 5, 10, 25):
        for _ in range(3):  # multipletests costs ~40 ms per call
            p = rng.uniform(0, 1, m) ** 3
            if m > 2:
                p[1] = p[0]  # ties
            expected = multipletests(p, method="holm")[1]
            np.testing.assert_allclose(holm(list(p)), expected, rtol=0, atol=1e-12)


def test_holm_properties() -> None:
    assert holm([]) == []
    p = [0.04, 0.001, 0.03, 0.5, 0.2]
    adjusted = holm(p)
    assert all(a >= q for a, q in zip(adjusted, p, strict=True))
    order = np.argsort(p)
    assert np.all(np.diff(np.asarray(adjusted)[order]) >= 0)
    assert adjusted[1] == pytest.approx(0.005) and max(adjusted) <= 1.0
    with pytest.raises(ValueError):
        holm([0.1, 1.5])
    with pytest.raises(ValueError):
        holm([math.nan])


# --------------------------------------------------------------------------------------------------
# absolute rate
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("x", "n"), [(0, 20), (1, 20), (7, 50), (50, 50), (3, 300), (120, 400)])
def test_absolute_rate_k1_is_exact_binomial_and_clopper_pearson(x: int, n: int) -> None:
    values = np.r_[np.ones(x), np.zeros(n - x)]
    result = absolute_rate_bound(values, threshold=0.1, alpha=0.05)
    lower, upper = proportion_confint(x, n, alpha=0.10, method="beta")
    assert result.lower == pytest.approx(lower, abs=1e-10)
    assert result.upper == pytest.approx(upper, abs=1e-10)
    assert result.estimate == x / n and result.n_inputs == n and result.repeats == 1
    expected_p = sps.binomtest(x, n, 0.1, alternative="greater").pvalue
    assert result.p_regress == pytest.approx(expected_p, rel=1e-9, abs=1e-300)


def test_absolute_rate_threshold_edges_are_finite() -> None:
    for values in (np.zeros((30, 1)), np.ones((30, 1)), np.zeros((30, 3)), np.eye(3)[np.arange(30) % 3]):
        for threshold in (0.0, 1.0):
            result = absolute_rate_bound(values, threshold=threshold)
            fields = [result.estimate, result.lower, result.upper, result.p_regress]
            assert all(math.isfinite(v) for v in fields)
    assert absolute_rate_bound(np.zeros((30, 1)), threshold=0.0).p_regress == 1.0
    assert absolute_rate_bound(np.eye(3)[np.arange(30) % 3], threshold=0.0).p_regress == 0.0
    assert absolute_rate_bound(np.ones((30, 3)), threshold=1.0).p_regress == 1.0


def test_absolute_rate_perfectly_correlated_repeats_count_once() -> None:
    rng = np.random.default_rng(3)
    per_input = (rng.random(80) < 0.15).astype(int)
    single = absolute_rate_bound(per_input, threshold=0.1)
    repeated = absolute_rate_bound(np.repeat(per_input[:, None], 4, axis=1), threshold=0.1)
    assert repeated.repeats == 4
    assert repeated.lower == pytest.approx(single.lower, rel=1e-9)
    assert repeated.upper == pytest.approx(single.upper, rel=1e-9)
    assert repeated.p_regress == pytest.approx(single.p_regress, rel=1e-9)


def test_absolute_rate_uncorrelated_repeats_count_fully() -> None:
    # every input has exactly one bad repeat out of 3: no between-input variation, the ICC's upper limit is 0,
    # so n_eff = N k and the result is the exact binomial on all N k outcomes
    values = np.eye(3, dtype=int)[np.arange(150) % 3]
    result = absolute_rate_bound(values, threshold=0.25)
    lower, upper = proportion_confint(150, 450, alpha=0.10, method="beta")
    assert (result.lower, result.upper) == pytest.approx((lower, upper), rel=1e-9)
    assert result.p_regress == pytest.approx(sps.binom.sf(149, 450, 0.25), rel=1e-9)


def test_absolute_rate_with_repeats_counts_each_of_few_inputs_once() -> None:
    # below MIN_INPUTS_FOR_ICC the ICC cannot be estimated well: each input's rate is one observation (n_eff = N)
    values = np.eye(3, dtype=int)[np.arange(60) % 3]
    result = absolute_rate_bound(values, threshold=0.25)
    assert result.upper == pytest.approx(sps.beta.ppf(0.95, 20 + 1, 60 - 20), rel=1e-9)
    assert result.p_regress == pytest.approx(sps.beta.cdf(0.25, 20, 60 - 20 + 1), rel=1e-9)


# --------------------------------------------------------------------------------------------------
# paired binary
# --------------------------------------------------------------------------------------------------


def test_paired_binary_k1_uses_mcnemar_and_tango() -> None:
    baseline = np.r_[np.zeros(12), np.ones(5), np.zeros(70), np.ones(13)].astype(int)
    candidate = np.r_[np.ones(12), np.zeros(5), np.zeros(70), np.ones(13)].astype(int)
    result = paired_binary_bound(baseline, candidate, threshold=0.0)
    assert isinstance(result, BoundResult)
    assert result.estimate == pytest.approx(7 / 100)
    # no change at all: both the exact test and the score test (the interval's dual) must reject
    assert result.p_regress == pytest.approx(max(mcnemar_midp(12, 5), tango_pvalue(12, 5, 100, delta=0.0)))
    assert (result.lower, result.upper) == pytest.approx(tango_bounds(12, 5, 100, alpha=0.05))
    margin = paired_binary_bound(baseline[:, None], candidate[:, None], threshold=0.05)
    assert margin.p_regress == pytest.approx(tango_pvalue(12, 5, 100, delta=0.05, continuity=0.5))
    with pytest.raises(ValueError):
        paired_binary_bound(baseline, candidate[:-1], threshold=0.0)
    with pytest.raises(ValueError):
        paired_binary_bound(baseline * 2, candidate, threshold=0.0)


def _brute_sign_flip_midp(diffs: NDArray[np.int64]) -> float:
    observed = int(diffs.sum())
    totals = [int(np.dot(signs, diffs)) for signs in itertools.product((-1, 1), repeat=diffs.size)]
    greater = sum(t > observed for t in totals)
    equal = sum(t == observed for t in totals)
    return (greater + 0.5 * equal) / len(totals)


def test_sign_flip_is_exact_and_reduces_to_mcnemar() -> None:
    rng = np.random.default_rng(11)
    for _ in range(10):
        diffs = rng.integers(-3, 4, size=12)
        assert _sign_flip_midp(diffs) == pytest.approx(_brute_sign_flip_midp(diffs), abs=1e-12)
    # magnitudes all equal (k = 1, or k identical repeats) is the mid-p McNemar test
    diffs = np.r_[np.ones(9), -np.ones(4), np.zeros(30)].astype(np.int64)
    assert _sign_flip_midp(diffs) == pytest.approx(mcnemar_midp(9, 4), abs=1e-12)
    assert _sign_flip_midp(3 * diffs) == pytest.approx(mcnemar_midp(9, 4), abs=1e-12)
    assert _sign_flip_midp(np.zeros(5, dtype=np.int64)) == 0.5


def test_paired_binary_repeats() -> None:
    rng = np.random.default_rng(5)
    baseline = (rng.random((60, 3)) < 0.2).astype(int)
    candidate = (rng.random((60, 3)) < 0.3).astype(int)
    d = candidate.mean(axis=1) - baseline.mean(axis=1)
    result = paired_binary_bound(baseline, candidate, threshold=0.0)
    assert result.repeats == 3 and result.n_inputs == 60
    assert result.estimate == pytest.approx(d.mean())
    half = sps.t.isf(0.05, 59) * d.std(ddof=1) / math.sqrt(60)
    assert (result.lower, result.upper) == pytest.approx((d.mean() - half, d.mean() + half))
    assert result.p_regress == pytest.approx(_sign_flip_midp(candidate.sum(1) - baseline.sum(1)))
    margin = paired_binary_bound(baseline, candidate, threshold=0.02)
    expected = sps.ttest_1samp(d, 0.02, alternative="greater").pvalue
    assert margin.p_regress == pytest.approx(expected)
    constant = paired_binary_bound(np.zeros((10, 2)), np.zeros((10, 2)), threshold=0.0)
    # no input changed: the interval must not collapse to a point (a false PASS at any margin)
    assert (constant.estimate, constant.p_regress) == (0.0, 0.5)
    assert constant.lower < -0.1 and constant.upper > 0.1


# --------------------------------------------------------------------------------------------------
# Hodges-Lehmann and the paired log ratio
# --------------------------------------------------------------------------------------------------


def _walsh(d: NDArray[np.float64]) -> NDArray[np.float64]:
    rows, cols = np.triu_indices(d.size)
    return np.sort((d[rows] + d[cols]) / 2.0)


def test_hodges_lehmann_estimate_and_bounds_from_walsh_averages() -> None:
    rng = np.random.default_rng(13)
    for n in (1, 2, 5, 8, 20, 51, 120):
        d = rng.standard_t(3, size=n)
        walsh = _walsh(d)
        estimate, lower, upper = hodges_lehmann_bounds(d, alpha=0.05)
        assert estimate == pytest.approx(float(np.median(walsh)))
        c = _critical_rank(n, 0.05)
        if c == 0:
            assert (lower, upper) == (-math.inf, math.inf)
        else:
            assert (lower, upper) == (walsh[c - 1], walsh[walsh.size - c])
            assert lower <= estimate <= upper
    assert hodges_lehmann_bounds(np.full(30, 2.5)) == (2.5, 2.5, 2.5)
    with pytest.raises(ValueError):
        hodges_lehmann_bounds(np.array([]))


def test_signed_rank_exact_distribution_and_normal_approximation() -> None:
    n = 10
    sums = np.array([sum(s) for r in range(n + 1) for s in itertools.combinations(range(1, n + 1), r)])
    brute_cdf = np.array([(sums <= t).mean() for t in range(n * (n + 1) // 2 + 1)])
    np.testing.assert_allclose(_signed_rank_cdf(n), brute_cdf, atol=1e-15)
    for n in (12, 30, 50):
        c = _critical_rank(n, 0.05)
        cdf = _signed_rank_cdf(n)
        assert cdf[c - 1] <= 0.05 < cdf[c]
    # just above the exact range the normal approximation takes over; near n = 50 both agree closely
    for n in (45, 50):
        total = n * (n + 1) / 2
        approx = math.floor(total / 2 + 0.5 - Z95 * math.sqrt(n * (n + 1) * (2 * n + 1) / 24))
        assert abs(_critical_rank(n, 0.05) - approx) <= 1
    assert abs(_critical_rank(51, 0.05) - int(np.searchsorted(_signed_rank_cdf(51), 0.05, "right"))) <= 1


def test_walsh_order_statistics_by_bisection_match_materialized() -> None:
    d = np.random.default_rng(17).lognormal(size=2100)  # above the materialization limit
    walsh = _walsh(d)
    ranks = [1, 12345, walsh.size // 2, walsh.size - 7, walsh.size]
    got = _walsh_order_stats(d, ranks)
    np.testing.assert_allclose(got, walsh[np.asarray(ranks) - 1], rtol=1e-12)


def test_walsh_order_statistics_materialized_are_exact_and_columns_cached_read_only() -> None:
    rng = np.random.default_rng(29)
    for n in (1, 2, 7, 300, 2000):
        for d in (rng.standard_t(3, size=n), rng.integers(-3, 4, size=n) / 7.0):  # with and without ties
            walsh = _walsh(d)
            ranks = sorted({1, (walsh.size + 1) // 2, walsh.size // 2 + 1, max(1, walsh.size // 20), walsh.size})
            for _ in range(2):  # the second call reuses the cached index pairs
                assert _walsh_order_stats(d, ranks) == [float(walsh[r - 1]) for r in ranks]
        cols, starts = _walsh_layout(n)
        rows = np.triu_indices(n)[0]
        assert np.array_equal(cols, np.triu_indices(n)[1])
        assert np.array_equal(starts[:-1], np.searchsorted(rows, np.arange(n))) and starts[-1] == rows.size
        assert not cols.flags.writeable and not starts.flags.writeable and cols is _walsh_layout(n)[0]


def test_paired_log_ratio_basics() -> None:
    rng = np.random.default_rng(19)
    baseline = rng.lognormal(6, 0.6, size=(80, 2))
    result = paired_log_ratio_bound(baseline, baseline * 1.3, threshold=math.log(1.2))
    assert result.estimate == pytest.approx(math.log(1.3), abs=1e-9)
    assert result.lower == pytest.approx(math.log(1.3), abs=1e-9)
    assert result.p_regress < 1e-6 and result.repeats == 2 and result.n_inputs == 80
    same = paired_log_ratio_bound(baseline, baseline, threshold=0.0)
    assert (same.estimate, same.lower, same.upper) == (0.0, 0.0, 0.0)
    assert same.p_regress == pytest.approx(1.0)  # every d_i at the threshold: no evidence of a regression
    with pytest.raises(ValueError, match="> 0"):
        paired_log_ratio_bound(np.zeros(20), np.ones(20), threshold=0.0)
    with pytest.raises(ValueError):
        paired_log_ratio_bound(-baseline, baseline, threshold=0.0)
    with pytest.raises(ValueError):
        paired_log_ratio_bound(baseline, baseline[:, :1], threshold=0.0)


# --------------------------------------------------------------------------------------------------
# seeded simulations (reduced grid; R = 1000, 99% band around alpha = 0.05 is about [0.033, 0.068])
# --------------------------------------------------------------------------------------------------

N_SIM = 100
R_SIM = 1000
Sampler = Callable[[np.random.Generator], tuple[NDArray[np.float64], NDArray[np.float64]]]


def _binary_arms(rate_base: float, rate_cand: float, k: int, heterogeneity: float = 0.0) -> Sampler:
    """Independent arms; with heterogeneity > 0 a per-input latent shift (ICC-like) shared by both arms."""

    def sample(rng: np.random.Generator) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        latent = heterogeneity * rng.standard_normal((N_SIM, 1))
        base = sps.norm.cdf(sps.norm.ppf(rate_base) + latent)
        cand = sps.norm.cdf(sps.norm.ppf(rate_cand) + latent)
        u, v = rng.random((N_SIM, k)), rng.random((N_SIM, k))
        return (u < base).astype(float), (v < cand).astype(float)

    return sample


def _length_arms(ratio: float, k: int) -> Sampler:
    def sample(rng: np.random.Generator) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        scale = rng.lognormal(5.0, 0.8, size=(N_SIM, 1))  # per-input typical length
        base = np.round(scale * rng.lognormal(0.0, 0.4, size=(N_SIM, k)))
        cand = np.round(ratio * scale * rng.lognormal(0.0, 0.4, size=(N_SIM, k)))
        return base, cand

    return sample


def _simulate(
    sampler: Sampler, bound: Callable[..., BoundResult], *, seed: int, runs: int = R_SIM
) -> list[BoundResult]:
    rng = np.random.default_rng(seed)
    return [bound(*sampler(rng), threshold=0.0) for _ in range(runs)]


def _rejection_rate(results: list[BoundResult]) -> float:
    return float(np.mean([r.p_regress <= 0.05 for r in results]))


@pytest.mark.parametrize(
    ("name", "sampler", "bound"),
    [
        ("binary k=1", _binary_arms(0.2, 0.2, 1), paired_binary_bound),
        ("binary k=3 heterogeneous", _binary_arms(0.2, 0.2, 3, heterogeneity=0.8), paired_binary_bound),
        ("log ratio k=1", _length_arms(1.0, 1), paired_log_ratio_bound),
    ],
)
def test_aa_false_alarm_rate(name: str, sampler: Sampler, bound: Callable[..., BoundResult]) -> None:
    rate = _rejection_rate(_simulate(sampler, bound, seed=2024))
    assert 0.02 <= rate <= 0.0615, f"{name}: A/A false alarm rate {rate:.4f}"


@pytest.mark.parametrize(
    ("name", "sampler", "bound", "truth"),
    [
        ("Tango k=1", _binary_arms(0.2, 0.27, 1), paired_binary_bound, 0.07),
        ("t-interval k=3", _binary_arms(0.2, 0.27, 3, heterogeneity=0.8), paired_binary_bound, None),
    ],
)
def test_binary_interval_coverage(
    name: str, sampler: Sampler, bound: Callable[..., BoundResult], truth: float | None
) -> None:
    if truth is None:  # with heterogeneity: the mean difference over the latent input effect, by quadrature
        nodes, weights = np.polynomial.hermite_e.hermegauss(80)
        shift = sps.norm.cdf(sps.norm.ppf(0.27) + 0.8 * nodes) - sps.norm.cdf(sps.norm.ppf(0.2) + 0.8 * nodes)
        truth = float(np.dot(weights, shift) / math.sqrt(2 * math.pi))
    results = _simulate(sampler, bound, seed=99)
    covered = np.mean([r.lower <= truth <= r.upper for r in results])
    below = np.mean([r.lower <= truth for r in results])
    assert 0.875 <= covered <= 0.925, f"{name}: 90% interval coverage {covered:.4f}"
    assert below >= 0.937, f"{name}: one-sided lower bound coverage {below:.4f}"


def test_hodges_lehmann_coverage() -> None:
    rng = np.random.default_rng(23)
    results = [hodges_lehmann_bounds(0.3 + rng.standard_t(3, size=40)) for _ in range(R_SIM)]
    covered = np.mean([lo <= 0.3 <= up for _, lo, up in results])
    assert 0.875 <= covered <= 0.935, f"HL 90% coverage {covered:.4f}"


def test_power_rises_with_effect_size() -> None:
    effects = [0.0, 0.05, 0.1, 0.15, 0.2]
    binary_power = [
        _rejection_rate(_simulate(_binary_arms(0.2, 0.2 + e, 1), paired_binary_bound, seed=31, runs=300))
        for e in effects
    ]
    assert all(a < b for a, b in itertools.pairwise(binary_power)), binary_power
    assert binary_power[-1] >= 0.8
    ratios = [1.0, 1.05, 1.1, 1.15, 1.2]
    length_power = [
        _rejection_rate(_simulate(_length_arms(r, 1), paired_log_ratio_bound, seed=37, runs=300)) for r in ratios
    ]
    assert all(a < b for a, b in itertools.pairwise(length_power)), length_power
    assert length_power[-1] >= 0.8
