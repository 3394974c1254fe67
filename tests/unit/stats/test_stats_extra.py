"""Unit tests of the shape, categorical, equivalence and unpaired statistics: cross-checks against scipy and
statsmodels, exact small cases by brute force, and small seeded simulations (A/A false alarms, coverage)."""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy import optimize
from scipy import stats as sps
from statsmodels.stats.contingency_tables import SquareTable
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep
from statsmodels.stats.proportion import test_proportions_2indep as sm_test_proportions_2indep

from pytest_behavior.stats import mcnemar_midp, paired_log_ratio_bound
from pytest_behavior.stats import permutation as permutation_module
from pytest_behavior.stats import shape as shape_module
from pytest_behavior.stats.categorical import categorical_shift, stuart_maxwell_chi2
from pytest_behavior.stats.equivalence import paired_mean_tost, paired_ratio_tost, paired_shift_bound
from pytest_behavior.stats.permutation import sign_flip_test
from pytest_behavior.stats.shape import distribution_shift
from pytest_behavior.stats.unpaired import (
    _difference_order_stats,
    _mann_whitney_cdf,
    hodges_lehmann_shift_bounds,
    miettinen_nurminen_bounds,
    miettinen_nurminen_pvalue,
    unpaired_log_ratio_bound,
    unpaired_rate_bound,
    unpaired_shift_bound,
)

# 99% binomial band around 0.95 for R = 500 runs: the simulated 95% coverage must fall inside.
COVERAGE_BAND_R500 = (0.925, 0.975)


def _labels_from_table(table: NDArray[np.int64]) -> tuple[list[str], list[str]]:
    base: list[str] = []
    cand: list[str] = []
    for i, j in itertools.product(range(table.shape[0]), repeat=2):
        base += [f"c{i}"] * int(table[i, j])
        cand += [f"c{j}"] * int(table[i, j])
    return base, cand


# --------------------------------------------------------------------------------------------------
# Stuart-Maxwell / categorical
# --------------------------------------------------------------------------------------------------

TABLES = [
    np.array([[20, 5, 3], [2, 30, 4], [6, 1, 25]]),
    np.array([[10, 0, 1, 0], [2, 8, 0, 1], [0, 3, 5, 0], [1, 0, 2, 9]]),  # sparse
    np.array([[0, 1, 0], [0, 0, 2], [1, 0, 0]]),  # very sparse, no agreement at all
    np.array([[5, 1], [4, 7]]),
    np.array([[50, 2, 0, 0, 1], [0, 40, 3, 0, 0], [1, 0, 30, 2, 0], [0, 0, 0, 20, 4], [3, 1, 0, 0, 10]]),
]


@pytest.mark.parametrize("table", TABLES)
def test_stuart_maxwell_matches_statsmodels(table: NDArray[np.int64]) -> None:
    statistic, df, p = stuart_maxwell_chi2(table)
    reference = SquareTable(table, shift_zeros=False).homogeneity()
    assert statistic == pytest.approx(reference.statistic, rel=1e-9)
    assert df == reference.df == table.shape[0] - 1
    assert p == pytest.approx(reference.pvalue, rel=1e-9, abs=1e-14)
    # the label-level function computes the same statistic from sum_i d_i d_i'
    base, cand = _labels_from_table(table)
    result = categorical_shift(base, cand, permutations=500)
    assert result.statistic == pytest.approx(statistic, rel=1e-9)
    assert result.df == df
    assert result.p_chi2 == pytest.approx(p, rel=1e-9, abs=1e-14)
    assert np.array_equal(np.array(result.table), table)


def test_stuart_maxwell_drops_categories_that_never_change() -> None:
    # category 2 only on the diagonal: statsmodels' S is singular; here df falls to 1 and W is the test
    # of the 2 x 2 sub-table
    table = np.array([[10, 6, 0], [1, 12, 0], [0, 0, 7]])
    statistic, df, _ = stuart_maxwell_chi2(table)
    reference = SquareTable(table[:2, :2], shift_zeros=False).homogeneity()
    assert df == 1
    assert statistic == pytest.approx(reference.statistic, rel=1e-9)
    assert stuart_maxwell_chi2(np.diag([3, 4, 5])) == (0.0, 0, 1.0)


@pytest.mark.parametrize(("b", "c"), [(4, 1), (7, 2), (3, 3), (9, 0)])
def test_permutation_p_is_exact_mcnemar_for_two_categories(b: int, c: int) -> None:
    # 2 x 2: W = (b - c)^2 / (b + c); enumerating the 2^(b+c) swaps gives the exact two-sided McNemar test
    base = ["ok"] * b + ["bad"] * c + ["ok"] * 5
    cand = ["bad"] * b + ["ok"] * c + ["ok"] * 5
    result = categorical_shift(base, cand, permutations=4096)
    assert result.p_permutation == pytest.approx(sps.binomtest(b, b + c, 0.5).pvalue, abs=1e-12)


def test_permutation_p_close_to_chi2_on_a_dense_table() -> None:
    rng = np.random.default_rng(7)
    n = 600
    base = rng.choice(4, p=[0.4, 0.3, 0.2, 0.1], size=n)
    cand = np.where(rng.random(n) < 0.6, base, rng.choice(4, p=[0.3, 0.3, 0.25, 0.15], size=n))
    result = categorical_shift(base, cand, permutations=20000, seed=3)
    assert 0.001 < result.p_chi2 < 0.2  # a borderline case, where agreement matters
    assert result.p_permutation == pytest.approx(result.p_chi2, rel=0.15)


def test_categorical_aa_false_alarms_and_conservative_chi2_on_sparse_tables() -> None:
    rng = np.random.default_rng(11)
    probs = [0.5, 0.2, 0.1, 0.1, 0.05, 0.05]
    runs, n = 400, 30
    alarms_perm = alarms_chi2 = 0
    for r in range(runs):
        latent = rng.choice(6, p=probs, size=n)
        base = np.where(rng.random(n) < 0.5, latent, rng.choice(6, p=probs, size=n))
        cand = np.where(rng.random(n) < 0.5, latent, rng.choice(6, p=probs, size=n))
        result = categorical_shift(base, cand, permutations=300, seed=r)
        alarms_perm += result.p_permutation <= 0.05
        alarms_chi2 += result.p_chi2 <= 0.05
    assert 0.02 <= alarms_perm / runs <= 0.0615
    assert alarms_chi2 < alarms_perm  # the chi-square approximation wastes power on sparse tables


def test_per_category_diagnosis() -> None:
    table = np.array([[30, 15, 1], [1, 25, 2], [2, 1, 20]])
    base, cand = _labels_from_table(table)
    result = categorical_shift(base, cand, permutations=200)
    assert result.categories == ("c0", "c1", "c2")
    raw = []
    for j, change in enumerate(result.changes):
        gained = int(table[:, j].sum() - table[j, j])
        lost = int(table[j, :].sum() - table[j, j])
        assert (change.inputs_gained, change.inputs_lost) == (gained, lost)
        expected = min(1.0, 2 * min(mcnemar_midp(gained, lost), mcnemar_midp(lost, gained)))
        assert change.p_value == pytest.approx(expected, abs=1e-12)
        assert change.baseline_share == pytest.approx(table[j, :].sum() / table.sum())
        assert change.candidate_share == pytest.approx(table[:, j].sum() / table.sum())
        raw.append(change.p_value)
    holm_ref = multipletests(raw, method="holm")[1]
    assert [c.p_holm for c in result.changes] == pytest.approx(list(holm_ref), abs=1e-12)
    assert result.changes[0].p_holm < 0.05 and result.changes[1].p_holm < 0.05  # c0 -> c1 is the change
    assert result.changes[2].p_holm > 0.5


def test_categorical_repeats_use_per_input_proportions() -> None:
    rng = np.random.default_rng(5)
    base1 = rng.choice(["a", "b", "c"], size=40)
    cand1 = np.where(rng.random(40) < 0.6, base1, rng.choice(["a", "b", "c"], size=40))
    single = categorical_shift(base1, cand1, permutations=500)
    # k identical repeats per input carry no more information than one: same statistic and p-values
    repeated = categorical_shift(np.repeat(base1[:, None], 3, axis=1), np.repeat(cand1[:, None], 3, axis=1))
    assert repeated.repeats == 3 and single.repeats == 1
    assert repeated.statistic == pytest.approx(single.statistic, rel=1e-9)
    assert repeated.p_permutation == pytest.approx(single.p_permutation)
    assert [c.p_value for c in repeated.changes] == pytest.approx([c.p_value for c in single.changes])
    # labels may be tuples (k = 1) or rows of a list (k > 1)
    keysets = categorical_shift([("a", "b"), ("a",), ("a", "b")], [("a", "b"), ("a", "b"), ("a", "b")])
    assert keysets.categories == (("a",), ("a", "b"))
    rows = categorical_shift([["x", "y"], ["x", "x"]], [["y", "y"], ["x", "y"]])
    assert rows.repeats == 2 and rows.categories == ("x", "y")
    with pytest.raises(ValueError, match="pair them"):
        categorical_shift(["a"], ["a", "b"])


# --------------------------------------------------------------------------------------------------
# distribution shape
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("k", [1, 3])
def test_shape_statistics_match_scipy(k: int) -> None:
    rng = np.random.default_rng(k)
    base = rng.lognormal(size=(40, k))
    cand = rng.lognormal(0.2, 1.3, size=(40, k))
    ties_b, ties_c = rng.integers(0, 5, size=(40, k)).astype(float), rng.integers(0, 6, size=(40, k)).astype(float)
    for b, c in [(base, cand), (ties_b, ties_c)]:
        ks = distribution_shift(b, c, statistic="ks", permutations=100)
        energy = distribution_shift(b, c, statistic="energy", permutations=100)
        assert ks.statistic == pytest.approx(sps.ks_2samp(c.ravel(), b.ravel()).statistic, abs=1e-12)
        assert energy.statistic == pytest.approx(sps.energy_distance(c.ravel(), b.ravel()), rel=1e-9)
        assert ks.wasserstein == pytest.approx(sps.wasserstein_distance(c.ravel(), b.ravel()), rel=1e-12)
        assert (ks.n_inputs, ks.repeats) == (40, k)


@pytest.mark.parametrize("statistic", ["ks", "energy"])
def test_shape_exact_p_matches_brute_force(statistic: str) -> None:
    rng = np.random.default_rng(3)
    n, k = 8, 2
    base = rng.lognormal(size=(n, k))
    cand = rng.lognormal(0.5, 1.0, size=(n, k))

    def stat(b: NDArray[np.float64], c: NDArray[np.float64]) -> float:
        if statistic == "ks":
            return float(sps.ks_2samp(c.ravel(), b.ravel()).statistic)
        return float(sps.energy_distance(c.ravel(), b.ravel()))

    observed = stat(base, cand)
    null = []
    for swap in itertools.product([False, True], repeat=n):
        s = np.array(swap)[:, None]
        null.append(stat(np.where(s, cand, base), np.where(s, base, cand)))
    expected = float(np.mean(np.array(null) >= observed - 1e-12))
    result = distribution_shift(base, cand, statistic=statistic, permutations=256)  # type: ignore[arg-type]
    assert "exact" in result.method
    assert result.p_value == pytest.approx(expected, abs=1e-12)


def test_shape_aa_false_alarms_and_pooled_negative_control() -> None:
    # per-input effect shared by the arms plus a per-(input, arm) effect shared by that arm's repeats: the
    # arms stay exchangeable within each input, but the N k outputs of one arm are not independent
    rng = np.random.default_rng(0)
    runs, n, k = 2000, 30, 3  # R = 2000 as in docs/statistics.md; one R = 1000 seed gave 0.070 (R = 8000: 0.050)
    alarms = {"ks": 0, "energy": 0, "pooled ks_2samp": 0}
    for r in range(runs):
        shared = 0.5 * rng.normal(size=(n, 1))
        base = np.exp(shared + 0.8 * rng.normal(size=(n, 1)) + 0.3 * rng.normal(size=(n, k)))
        cand = np.exp(shared + 0.8 * rng.normal(size=(n, 1)) + 0.3 * rng.normal(size=(n, k)))
        for statistic in ("ks", "energy"):
            result = distribution_shift(base, cand, statistic=statistic, permutations=199, seed=r)
            alarms[statistic] += result.p_value <= 0.05
        alarms["pooled ks_2samp"] += sps.ks_2samp(cand.ravel(), base.ravel()).pvalue <= 0.05
    rates = {name: count / runs for name, count in alarms.items()}
    assert 0.02 <= rates["ks"] <= 0.0615, rates
    assert 0.02 <= rates["energy"] <= 0.0615, rates
    assert rates["pooled ks_2samp"] > 0.10, rates  # treating repeats as independent: false alarms


def test_shape_detects_a_variance_change_the_mean_test_cannot() -> None:
    rng = np.random.default_rng(1)
    runs, n = 40, 150
    shape_hits = mean_hits = 0
    for r in range(runs):
        base = rng.normal(0.0, 1.0, size=n)
        cand = rng.normal(0.0, 2.0, size=n)  # same mean and median, twice the spread
        shape_hits += distribution_shift(base, cand, statistic="energy", permutations=199, seed=r).p_value <= 0.05
        mean_hits += sps.ttest_rel(cand, base).pvalue <= 0.05
    assert shape_hits / runs >= 0.9
    assert mean_hits / runs <= 0.15


def test_shape_is_seeded_and_validates() -> None:
    rng = np.random.default_rng(2)
    base, cand = rng.normal(size=(50, 2)), rng.normal(0.3, 1.0, size=(50, 2))
    first = distribution_shift(base, cand, seed=4)
    assert first == distribution_shift(base, cand, seed=4)
    with pytest.raises(ValueError, match="same shape"):
        distribution_shift(base, cand[:10])
    with pytest.raises(ValueError, match="statistic"):
        distribution_shift(base, cand, statistic="t")  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------------
# the sign-flip (within-input swap) permutation engine of categorical_shift and distribution_shift
# --------------------------------------------------------------------------------------------------


def _mc_tolerance(p: float, *draws: int) -> float:
    """4 standard errors of a difference of independent Monte-Carlo p-values (plus the +1 of (b+1)/(B+1))."""
    variance = max(p * (1.0 - p), 0.01) * sum(1.0 / b for b in draws)
    return 4.0 * math.sqrt(variance) + sum(1.0 / b for b in draws)


def _swap(base: NDArray[Any], cand: NDArray[Any], signs: NDArray[Any]) -> tuple[NDArray[Any], NDArray[Any]]:
    flip = (np.asarray(signs) < 0).reshape((-1,) + (1,) * (base.ndim - 1))
    return np.where(flip, cand, base), np.where(flip, base, cand)


def _scipy_sign_flip_p(n: int, stat: Callable[[NDArray[np.float64]], float], resamples: int) -> float:
    """scipy.stats.permutation_test on one sample of +-1 swap signs, non-vectorised: the reference null."""
    result = sps.permutation_test(
        (np.ones(n),),
        stat,
        permutation_type="samples",
        vectorized=False,
        n_resamples=resamples,
        alternative="greater",
        rng=np.random.default_rng(12345),
    )
    return float(result.pvalue)


def _categorical_data(seed: int, n: int, k: int) -> tuple[NDArray[Any], NDArray[Any]]:
    rng = np.random.default_rng(seed)
    base = rng.choice(["a", "b", "c", "d"], p=[0.4, 0.3, 0.2, 0.1], size=(n, k))
    other = rng.choice(["a", "b", "c", "d"], p=[0.25, 0.3, 0.25, 0.2], size=(n, k))
    cand = np.where(rng.random((n, k)) < 0.6, base, other)
    return (base[:, 0], cand[:, 0]) if k == 1 else (base, cand)


@pytest.mark.parametrize(("seed", "n", "k"), [(21, 80, 1), (23, 40, 2)])
def test_categorical_monte_carlo_p_matches_scipy_permutation_test(seed: int, n: int, k: int) -> None:
    base, cand = _categorical_data(seed, n, k)
    ours = categorical_shift(base, cand, permutations=20000, seed=1)
    categories = list(ours.categories)

    def shares(labels: NDArray[Any]) -> NDArray[np.float64]:
        rows = labels.reshape(n, -1)
        return np.stack([(rows == c).mean(axis=1) for c in categories], axis=1)

    d = shares(cand) - shares(base)  # independent route: pinv of S, not the module's eigendecomposition
    inverse = np.linalg.pinv(d.T @ d, rcond=1e-10)

    def stat(signs: NDArray[np.float64]) -> float:
        total = signs @ d
        return float(total @ inverse @ total)

    assert stat(np.ones(n)) == pytest.approx(ours.statistic, rel=1e-9)
    reference = _scipy_sign_flip_p(n, stat, 3000)
    assert 0.005 < reference < 0.7  # a case where the comparison means something
    assert abs(ours.p_permutation - reference) <= _mc_tolerance(reference, 20000, 3000)


@pytest.mark.parametrize("statistic", ["ks", "energy"])
def test_shape_monte_carlo_p_matches_scipy_permutation_test(statistic: str) -> None:
    rng = np.random.default_rng(31)
    n, k = 25, 2
    base = rng.lognormal(size=(n, k))
    cand = rng.lognormal(0.3, 1.3, size=(n, k))
    metric = sps.ks_2samp if statistic == "ks" else sps.energy_distance

    def stat(signs: NDArray[np.float64]) -> float:
        b, c = _swap(base, cand, signs)
        value = metric(c.ravel(), b.ravel())
        return float(getattr(value, "statistic", value))

    ours = distribution_shift(base, cand, statistic=statistic, permutations=20000, seed=2)  # type: ignore[arg-type]
    assert ours.statistic == pytest.approx(stat(np.ones(n)), rel=1e-9)
    reference = _scipy_sign_flip_p(n, stat, 2000)
    assert 0.005 < reference < 0.7
    assert abs(ours.p_value - reference) <= _mc_tolerance(reference, 20000, 2000)


@pytest.mark.parametrize("statistic", ["ks", "energy"])
def test_shape_monte_carlo_p_converges_to_the_exact_p(statistic: str) -> None:
    rng = np.random.default_rng(5)
    n, k = 14, 3  # 2^14 = 16384 patterns: exact enumeration is cheap, and checked against brute force above
    base = rng.lognormal(size=(n, k))
    cand = rng.lognormal(0.3, 1.2, size=(n, k))
    exact = distribution_shift(base, cand, statistic=statistic, permutations=2**n)  # type: ignore[arg-type]
    assert "exact, 16384" in exact.method
    for seed in range(3):
        sampled = distribution_shift(base, cand, statistic=statistic, permutations=4000, seed=seed)  # type: ignore[arg-type]
        assert "Monte-Carlo, 4000" in sampled.method
        assert sampled.statistic == exact.statistic
        assert abs(sampled.p_value - exact.p_value) <= _mc_tolerance(exact.p_value, 4000)


def test_permutation_batches_and_chunks_do_not_change_the_null(monkeypatch: pytest.MonkeyPatch) -> None:
    # tiny batches (several per call) and one sorted value per chunk (the carry between chunks, tie groups
    # split across chunks): exact p-values are unchanged, Monte-Carlo ones stay seeded and within MC error
    rng = np.random.default_rng(9)
    ties_b = rng.integers(0, 4, size=(10, 2)).astype(float)
    ties_c = rng.integers(0, 5, size=(10, 2)).astype(float)
    labels_b, labels_c = _categorical_data(3, 12, 2)
    default = {st: distribution_shift(ties_b, ties_c, statistic=st, permutations=1024) for st in ("ks", "energy")}
    default_cat = categorical_shift(labels_b, labels_c, permutations=4096)
    default_mc = distribution_shift(ties_b, ties_c, statistic="energy", permutations=3000, seed=1)
    monkeypatch.setattr(permutation_module, "_BATCH_ELEMENTS", 100)
    monkeypatch.setattr(shape_module, "_CHUNK_CELLS", 1)
    for st, expected in default.items():
        got = distribution_shift(ties_b, ties_c, statistic=st, permutations=1024)  # type: ignore[arg-type]
        assert "exact" in got.method
        assert got.statistic == pytest.approx(expected.statistic, rel=1e-12)
        assert got.p_value == expected.p_value
    assert categorical_shift(labels_b, labels_c, permutations=4096).p_permutation == default_cat.p_permutation
    small = distribution_shift(ties_b, ties_c, statistic="energy", permutations=3000, seed=1)
    assert small == distribution_shift(ties_b, ties_c, statistic="energy", permutations=3000, seed=1)
    assert abs(small.p_value - default_mc.p_value) <= _mc_tolerance(default_mc.p_value, 3000, 3000)


def test_sign_flip_p_values_are_super_uniform_under_h0() -> None:
    # Phipson & Smyth (2010): with B draws, p = (b + 1) / (B + 1) gives P(p <= u) <= u exactly; for a
    # continuous statistic P(p <= 0.05) = 5 / 100 at B = 99. Exact enumeration: P(p <= u) <= u too.
    rng = np.random.default_rng(17)
    runs, m = 10000, 25
    for permutations, exact in ((99, False), (2**9, True)):
        size = 9 if exact else m
        pvalues = np.empty(runs)
        for r in range(runs):
            x = rng.standard_t(3, size=size)

            def stat(signs: NDArray[np.int8], x: NDArray[np.float64] = x) -> NDArray[np.float64]:
                return np.abs(x @ signs)

            observed, pvalues[r], was_exact = sign_flip_test(stat, size, permutations=permutations, seed=r)
            assert was_exact == exact and observed == pytest.approx(abs(x.sum()))
        for u in (0.01, 0.05, 0.10):
            # 99.9% one-sided binomial band above u for R = 10000 runs
            assert np.mean(pvalues <= u) <= u + 3.1 * math.sqrt(u * (1 - u) / runs), (permutations, u)
        assert 0.04 <= np.mean(pvalues <= 0.05) <= 0.06
        if not exact:  # the Monte-Carlo p-value is never 0 and takes the values (b + 1) / 100
            assert pvalues.min() >= 0.01 and np.allclose(pvalues * 100, np.round(pvalues * 100))


def test_categorical_aa_permutation_p_is_super_uniform_with_repeats() -> None:
    # k = 3 repeats sharing a per-input latent label; arms exchangeable within each input
    rng = np.random.default_rng(23)
    probs = [0.45, 0.25, 0.15, 0.1, 0.05]
    runs, n, k = 1000, 40, 3
    pvalues = np.empty(runs)
    for r in range(runs):
        latent = rng.choice(5, p=probs, size=(n, 1))
        base = np.where(rng.random((n, k)) < 0.6, latent, rng.choice(5, p=probs, size=(n, k)))
        cand = np.where(rng.random((n, k)) < 0.6, latent, rng.choice(5, p=probs, size=(n, k)))
        pvalues[r] = categorical_shift(base, cand, permutations=199, seed=r).p_permutation
    # 99% one-sided binomial band above 0.05 for R = 1000 runs: 0.05 + 2.33 * 0.0069
    assert np.mean(pvalues <= 0.05) <= 0.066
    assert np.mean(pvalues <= 0.20) <= 0.20 + 2.33 * math.sqrt(0.16 / runs)
    assert np.mean(pvalues) >= 0.47  # not anti-conservative on average either (uniform: 0.5)


def test_categorical_permutation_p_is_seeded() -> None:
    base, cand = _categorical_data(4, 300, 1)
    first = categorical_shift(base, cand, seed=8)
    assert first == categorical_shift(base, cand, seed=8)
    other = categorical_shift(base, cand, seed=9)
    assert other.statistic == first.statistic
    assert abs(other.p_permutation - first.p_permutation) <= _mc_tolerance(first.p_permutation, 2000, 2000)


# --------------------------------------------------------------------------------------------------
# equivalence (TOST) and the paired shift bound
# --------------------------------------------------------------------------------------------------


def test_mean_tost_inside_and_outside_the_margins() -> None:
    rng = np.random.default_rng(8)
    base = rng.normal(10.0, 1.0, size=(200, 2))
    cand = base + rng.normal(0.02, 0.3, size=(200, 2))
    inside = paired_mean_tost(base, cand, margin=0.1)
    assert inside.equivalent and inside.p_value < 0.01
    assert -0.1 < inside.lower <= inside.estimate <= inside.upper < 0.1
    d = cand.mean(axis=1) - base.mean(axis=1)
    assert inside.p_low == pytest.approx(sps.ttest_1samp(d, -0.1, alternative="greater").pvalue)
    assert inside.p_high == pytest.approx(sps.ttest_1samp(d, 0.1, alternative="less").pvalue)
    assert not paired_mean_tost(base, cand, margin=0.01).equivalent
    shifted = paired_mean_tost(base, cand + 0.3, margin=0.1)
    assert not shifted.equivalent and shifted.p_high > 0.5
    asymmetric = paired_mean_tost(base, cand + 0.3, margin=(-0.05, 0.5))
    assert asymmetric.equivalent
    assert paired_mean_tost(base, base + 0.01, margin=0.1).equivalent  # constant d strictly inside


def test_mean_tost_false_equivalence_at_the_margin() -> None:
    rng = np.random.default_rng(9)
    runs, n, margin = 1000, 40, 0.2
    false_equivalence = 0
    for _ in range(runs):
        base = rng.normal(size=n)
        cand = base + rng.normal(margin, 0.5, size=n)  # true difference exactly at the upper margin
        false_equivalence += paired_mean_tost(base, cand, margin=margin).equivalent
    assert false_equivalence / runs <= 0.0615


def test_ratio_tost_inside_and_outside_the_margins() -> None:
    rng = np.random.default_rng(10)
    base = rng.lognormal(5.0, 0.8, size=(120, 1))
    cand = base * np.exp(rng.normal(0.02, 0.1, size=(120, 1)))
    inside = paired_ratio_tost(base, cand, max_ratio=1.1)
    assert inside.equivalent
    assert math.log(1 / 1.1) < inside.lower < inside.upper < math.log(1.1)
    assert not paired_ratio_tost(base, cand * 1.2, max_ratio=1.1).equivalent
    assert not paired_ratio_tost(base, cand, max_ratio=1.01).equivalent
    assert paired_ratio_tost(base, cand * 1.2, max_ratio=1.3, min_ratio=0.95).equivalent
    d = np.log(cand).ravel() - np.log(base).ravel()
    assert inside.p_high == pytest.approx(sps.wilcoxon(math.log(1.1) - d, alternative="greater").pvalue)


def test_paired_shift_bound_is_the_log_ratio_bound_without_logs() -> None:
    rng = np.random.default_rng(12)
    base = rng.lognormal(3.0, 0.5, size=(60, 3))
    cand = base * rng.lognormal(0.1, 0.3, size=(60, 3))
    for threshold in (0.0, 0.05, 0.2):
        shift = paired_shift_bound(np.log(base), np.log(cand), threshold=threshold)
        ratio = paired_log_ratio_bound(base, cand, threshold=threshold)
        assert (shift.estimate, shift.lower, shift.upper) == pytest.approx((ratio.estimate, ratio.lower, ratio.upper))
        # the same up to a Walsh average that rounding puts on the other side of the threshold
        assert shift.p_regress == pytest.approx(ratio.p_regress, rel=0.05)
        assert (shift.n_inputs, shift.repeats) == (60, 3)
    d = cand.mean(axis=1) - base.mean(axis=1)
    raw = paired_shift_bound(base, cand, threshold=1.0)
    wilcoxon_p = sps.wilcoxon(d - 1.0, alternative="greater").pvalue
    assert wilcoxon_p <= raw.p_regress == pytest.approx(wilcoxon_p, rel=0.05)  # and the bound's dual test
    assert paired_shift_bound(base, base, threshold=0.0).p_regress == pytest.approx(1.0)  # all tied: no evidence


# --------------------------------------------------------------------------------------------------
# unpaired: Miettinen-Nurminen rate difference
# --------------------------------------------------------------------------------------------------

RATE_CASES = [(0, 30, 3, 30), (1, 10, 9, 10), (50, 400, 70, 380), (12, 100, 12, 100), (30, 40, 20, 45), (2, 25, 0, 30)]


def _reference_mn_pvalue(x_b: float, n_b: float, x_c: float, n_c: float, delta: float) -> float:
    """Miettinen-Nurminen p from a numerically maximised restricted likelihood (no closed-form cubic)."""

    def negloglik(p_b: float) -> float:
        p_c = p_b + delta
        terms = [(x_b, p_b), (n_b - x_b, 1 - p_b), (x_c, p_c), (n_c - x_c, 1 - p_c)]
        return -sum(count * math.log(max(prob, 1e-300)) for count, prob in terms if count > 0)

    bounds = (max(0.0, -delta), min(1.0, 1.0 - delta))
    p_b = optimize.minimize_scalar(negloglik, bounds=bounds, method="bounded", options={"xatol": 1e-13}).x
    p_c = p_b + delta
    n = n_b + n_c
    variance = (p_c * (1 - p_c) / n_c + p_b * (1 - p_b) / n_b) * n / (n - 1)
    return float(sps.norm.sf((x_c / n_c - x_b / n_b - delta) / math.sqrt(variance)))


@pytest.mark.parametrize(("x_b", "n_b", "x_c", "n_c"), RATE_CASES)
def test_miettinen_nurminen_pvalue_matches_references(x_b: int, n_b: int, x_c: int, n_c: int) -> None:
    for delta in (-0.3, -0.1, 0.05, 0.2):
        expected = _reference_mn_pvalue(x_b, n_b, x_c, n_c, delta)
        assert miettinen_nurminen_pvalue(x_b, n_b, x_c, n_c, delta=delta) == pytest.approx(expected, abs=1e-7)
    # delta = 0 (pooled restricted estimate): statsmodels' score test agrees. For delta != 0 statsmodels <= 0.15
    # uses a wrong linear coefficient in the Miettinen-Nurminen cubic (statsmodels issue #10269), so its
    # score test and score interval are not a reference there.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        reference = sm_test_proportions_2indep(
            x_c, n_c, x_b, n_b, value=0.0, method="score", compare="diff", alternative="larger"
        ).pvalue
    if math.isfinite(reference):
        assert miettinen_nurminen_pvalue(x_b, n_b, x_c, n_c, delta=0.0) == pytest.approx(reference, abs=1e-12)


@pytest.mark.parametrize(("x_b", "n_b", "x_c", "n_c"), [(5, 50, 12, 60), (50, 400, 70, 380), (30, 40, 20, 45)])
def test_miettinen_nurminen_interval_close_to_newcombe(x_b: int, n_b: int, x_c: int, n_c: int) -> None:
    # Newcombe's hybrid score interval (statsmodels "newcomb") is a different but close method (Newcombe 1998)
    lower, upper = miettinen_nurminen_bounds(x_b, n_b, x_c, n_c, alpha=0.025)
    ref_lower, ref_upper = confint_proportions_2indep(x_c, n_c, x_b, n_b, method="newcomb", alpha=0.05)
    assert lower == pytest.approx(ref_lower, abs=0.01)
    assert upper == pytest.approx(ref_upper, abs=0.01)


@pytest.mark.parametrize(("x_b", "n_b", "x_c", "n_c"), [*RATE_CASES, (5, 50, 12, 60), (0, 30, 0, 30)])
def test_miettinen_nurminen_bounds_invert_the_test(x_b: int, n_b: int, x_c: int, n_c: int) -> None:
    lower, upper = miettinen_nurminen_bounds(x_b, n_b, x_c, n_c, alpha=0.05)
    if lower > -1.0:
        assert miettinen_nurminen_pvalue(x_b, n_b, x_c, n_c, delta=lower) == pytest.approx(0.05, abs=1e-7)
    if upper < 1.0:
        assert miettinen_nurminen_pvalue(x_b, n_b, x_c, n_c, delta=upper) == pytest.approx(0.95, abs=1e-7)


def test_miettinen_nurminen_restricted_mle_on_a_boundary() -> None:
    # 0/30 vs 0/30 under p_c - p_b = -0.1: the restricted MLE is p_b = 0.1, p_c = 0, so
    # z = 0.1 / sqrt(0.1 * 0.9 / 30 * 60 / 59)
    z = 0.1 / math.sqrt(0.1 * 0.9 / 30 * 60 / 59)
    assert miettinen_nurminen_pvalue(0, 30, 0, 30, delta=-0.1) == pytest.approx(sps.norm.sf(z), rel=1e-9)


def _coverage_rate(k: int, icc_scale: float, seed: int, *, pooled: bool = False) -> float:
    rng = np.random.default_rng(seed)
    runs, n_b, n_c, p_b, p_c = 500, 80, 100, 0.15, 0.25
    covered = 0
    for _ in range(runs):
        arms = []
        for n, p in ((n_b, p_b), (n_c, p_c)):
            if icc_scale > 0:
                a = p / icc_scale
                rates = rng.beta(a, (1 - p) / icc_scale, size=(n, 1))
            else:
                rates = np.full((n, 1), p)
            arms.append((rng.random((n, k)) < rates).astype(int))
        base, cand = arms
        if pooled:  # negative control: N k outputs treated as independent
            base, cand = base.reshape(-1), cand.reshape(-1)
        result = unpaired_rate_bound(base, cand, threshold=0.0, alpha=0.025)
        covered += result.lower <= p_c - p_b <= result.upper
    return covered / runs


def test_unpaired_rate_interval_coverage() -> None:
    low, high = COVERAGE_BAND_R500
    assert low <= _coverage_rate(1, 0.0, seed=1) <= high
    # k = 3 repeats with strong per-input heterogeneity (ICC = 0.5): Kish effective n keeps coverage
    assert low <= _coverage_rate(3, 1.0, seed=2) <= high
    assert _coverage_rate(3, 1.0, seed=2, pooled=True) < low


def test_unpaired_rate_bound_aa_and_fields() -> None:
    rng = np.random.default_rng(4)
    runs, alarms = 1000, 0
    for _ in range(runs):
        alarms += unpaired_rate_bound(rng.random(150) < 0.1, rng.random(120) < 0.1, threshold=0.0).p_regress <= 0.05
    assert 0.02 <= alarms / runs <= 0.0615
    base = np.array([0] * 90 + [1] * 10)
    cand = np.array([0] * 70 + [1] * 30)
    result = unpaired_rate_bound(base, cand, threshold=0.05)
    assert result.estimate == pytest.approx(0.2)
    assert result.lower > 0.05 and result.p_regress < 0.05  # REGRESSED and the test agree
    assert (result.n_inputs, result.repeats) == (200, 1)


# --------------------------------------------------------------------------------------------------
# unpaired: Mann-Whitney U and the two-sample Hodges-Lehmann shift
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("m", "n"), [(1, 1), (3, 4), (4, 4), (2, 6), (5, 3)])
def test_mann_whitney_null_distribution_by_enumeration(m: int, n: int) -> None:
    counts = np.zeros(m * n + 1)
    for ys in itertools.combinations(range(m + n), n):
        xs = set(range(m + n)) - set(ys)
        counts[sum(y > x for y in ys for x in xs)] += 1
    assert np.allclose(_mann_whitney_cdf(m, n), np.cumsum(counts) / counts.sum(), atol=1e-14)


@pytest.mark.parametrize(("m", "n", "seed"), [(6, 7, 0), (12, 15, 1), (30, 25, 2)])
def test_hodges_lehmann_shift_bounds_invert_the_exact_mann_whitney_test(m: int, n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=m), rng.normal(0.5, 1.0, size=n)
    estimate, lower, upper = hodges_lehmann_shift_bounds(x, y, alpha=0.05)
    assert estimate == pytest.approx(float(np.median(np.subtract.outer(y, x))))
    eps = 1e-9

    def p_greater(theta: float) -> float:
        return float(sps.mannwhitneyu(y - theta, x, alternative="greater", method="exact").pvalue)

    def p_less(theta: float) -> float:
        return float(sps.mannwhitneyu(y - theta, x, alternative="less", method="exact").pvalue)

    # the bounds are the last shifts the one-sided exact test does not reject
    assert p_greater(lower - eps) <= 0.05 < p_greater(lower + eps)
    assert p_less(upper + eps) <= 0.05 < p_less(upper - eps)


def test_difference_order_stats_bisection_matches_materialized(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=70), rng.standard_t(3, size=90)
    ranks = [1, 17, 3150, 6300]
    direct = _difference_order_stats(x, y, ranks)
    monkeypatch.setattr("pytest_behavior.stats.unpaired._MATERIALIZE_MAX", 10)
    assert _difference_order_stats(x, y, ranks) == pytest.approx(direct, abs=1e-12)


def test_unpaired_shift_coverage_and_aa() -> None:
    rng = np.random.default_rng(6)
    runs, covered, alarms = 500, 0, 0
    for _ in range(runs):
        x, y = rng.standard_t(3, size=35), rng.standard_t(3, size=60) + 0.4  # m <= 50 exact, n > 50 normal
        result = unpaired_shift_bound(x, y, threshold=0.0, alpha=0.025)
        covered += result.lower <= 0.4 <= result.upper
        alarms += unpaired_shift_bound(x, y - 0.4, threshold=0.0).p_regress <= 0.05
    low, high = COVERAGE_BAND_R500
    assert low <= covered / runs <= high
    assert 0.02 <= alarms / runs <= 0.07  # R = 500: 99% band around 0.05 reaches 0.075


@pytest.mark.parametrize("k", [1, 3])
def test_unpaired_log_ratio_p_matches_scipy_mann_whitney(k: int) -> None:
    rng = np.random.default_rng(k)
    base = rng.lognormal(4.0, 0.7, size=(45, k))
    cand = rng.lognormal(4.3, 0.7, size=(38, k))
    threshold = math.log(1.1)
    result = unpaired_log_ratio_bound(base, cand, threshold=threshold)
    x, y = np.log(base).mean(axis=1), np.log(cand).mean(axis=1)
    assert result.p_regress == pytest.approx(sps.mannwhitneyu(y - threshold, x, alternative="greater").pvalue)
    assert (result.estimate, result.lower, result.upper) == pytest.approx(hodges_lehmann_shift_bounds(x, y))
    assert (result.n_inputs, result.repeats) == (83, k)
    assert result.lower > threshold or result.p_regress >= 0.05
    assert unpaired_log_ratio_bound(base, base, threshold=0.0).p_regress > 0.4
    assert unpaired_log_ratio_bound(np.ones(5), np.ones(5), threshold=0.0).p_regress == 0.5
