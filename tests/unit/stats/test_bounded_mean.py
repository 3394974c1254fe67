"""Bounded scores (issue 15): ``bounded_mean_bound`` (a judged win rate, a rubric mean), ``paired_mean_bound`` (a
rubric's paired change), the Student-t module they share with the paired rates, and the win-rate sample sizes.

Reference values, duality of every p-value with its bound, the small-N floors (INCONCLUSIVE, never an error), ties
and constant samples, and a seeded smoke of the acceptance grid (``tests/simulation/test_bounded_mean_grid.py`` runs
it at R = 2000 under ``-m acceptance``).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy import stats as sps

from pytest_behavior import stats
from pytest_behavior.stats import (
    bounded_mean_bound,
    n_for_win_rate,
    paired_mean_bound,
    power_mean_shift,
    power_win_rate,
    tango_bounds,
    win_score_sd,
)
from pytest_behavior.stats.binary import _sign_flip_midp
from pytest_behavior.stats.bounded_mean import MIN_SPREAD_FOR_T
from pytest_behavior.stats.paired_mean import _sign_flip_lattice
from pytest_behavior.stats.student import _t_bounds, _t_pvalue
from tests.simulation import bounded_mean_grid as bg

ALPHAS = (0.05, 0.025, 0.0125, 0.005)


def _preference(rng: np.random.Generator, n: int, k: int, *, win: float = 0.5, tie: float = 0.3) -> NDArray[np.float64]:
    """Loss scores 1 - s, s in {0, 1/2, 1}: P(1/2) = tie, P(s = 1) = win - tie / 2."""
    u = rng.random((n, k))
    return np.where(u < tie, 0.5, np.where(u < tie + win - tie / 2, 0.0, 1.0))


def _rubric(rng: np.random.Generator, n: int, k: int, mu: float = 3.5) -> NDArray[np.float64]:
    latent = mu + 0.5 * rng.standard_normal((n, 1)) + 0.6 * rng.standard_normal((n, k))
    return np.clip(np.round(latent), 1, 5)


# --------------------------------------------------------------------------------------------------
# the shared t bounds
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
def test_skew_widened_lower_bound_and_its_p_value_are_dual(seed: int) -> None:
    rng = np.random.default_rng(seed)
    d = rng.beta(5, 1, size=int(rng.integers(3, 60)))  # left-skewed
    plain_lower, plain_upper = _t_bounds(d, alpha_lower=0.05, alpha=0.05, constant=False)
    lower, upper = _t_bounds(d, alpha_lower=0.05, alpha=0.05, constant=False, skew_lower=True)
    assert lower <= plain_lower and upper == plain_upper
    for threshold in np.linspace(d.mean() - 0.3, d.mean() + 0.1, 41):
        p = _t_pvalue(d, threshold=threshold, constant=False, skew_lower=True)
        for a in ALPHAS:
            bound = _t_bounds(d, alpha_lower=a, alpha=0.05, constant=False, skew_lower=True)[0]
            assert (p < a) == (bound > threshold), (threshold, a, p, bound)


def test_without_skew_lower_the_p_value_is_the_t_test() -> None:
    d = np.array([0.1, 0.4, 0.35, 0.9, 0.2, 0.0, 0.3])
    expected = sps.ttest_1samp(d, 0.1, alternative="greater").pvalue
    assert _t_pvalue(d, threshold=0.1, constant=False) == pytest.approx(expected, rel=1e-12)
    right_skewed = np.array([0.0, 0.0, 0.1, 0.0, 0.9, 0.05])  # no left skew: the widening changes nothing
    assert _t_pvalue(right_skewed, threshold=0.1, constant=False, skew_lower=True) == _t_pvalue(
        right_skewed, threshold=0.1, constant=False
    )


# --------------------------------------------------------------------------------------------------
# bounded_mean_bound
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("n", "k", "tie"), [(2, 1, 0.3), (5, 3, 0.7), (12, 1, 0.0), (40, 3, 0.3), (150, 1, 0.3)])
def test_bounded_mean_p_value_is_dual_to_its_lower_bound(n: int, k: int, tie: float) -> None:
    rng = np.random.default_rng(n * 10 + k)
    for _ in range(2):
        values = _preference(rng, n, k, win=0.45, tie=tie)
        for threshold in np.linspace(0.0, 1.0, 11):
            p = bounded_mean_bound(values, lower=0, upper=1, threshold=threshold).p_regress
            for a in ALPHAS:
                result = bounded_mean_bound(values, lower=0, upper=1, threshold=threshold, alpha_lower=a)
                assert (p < a) == (result.lower > threshold), (threshold, a, p, result)
                assert result.p_regress == p  # p does not depend on the levels


def test_bounded_mean_reference_values() -> None:
    scores = np.array([1.0, 0.5, 0.5, 0.0, 1.0, 0.5, 1.0, 0.0, 0.5, 1.0] * 4)  # 40 inputs, 12 off the mode 1/2
    result = bounded_mean_bound(scores, lower=0, upper=1, threshold=0.55)
    assert result.estimate == pytest.approx(0.6)
    assert (result.n_inputs, result.repeats) == (40, 1)
    assert "Clopper-Pearson" in result.method
    # 28 of 40 inputs lie off the most common value (1/2 and 1 each 12 times, 0 8 times): the t bound alone
    spread = np.array([1.0] * 12 + [0.5] * 12 + [0.0] * 8 + [0.25] * 8)
    assert MIN_SPREAD_FOR_T > 40 - 12
    wide = np.concatenate([spread, [0.75] * 10, [0.9] * 10])  # 60 inputs, 48 off the mode
    alone = bounded_mean_bound(wide, lower=0, upper=1, threshold=0.5)
    t_lower, t_upper = _t_bounds(wide, alpha_lower=0.05, alpha=0.05, constant=False, skew_lower=True)
    assert (alone.lower, alone.upper) == pytest.approx((t_lower, t_upper), rel=1e-12)
    p_t = _t_pvalue(wide, threshold=0.5, constant=False, skew_lower=True)
    assert alone.p_regress == pytest.approx(p_t, rel=1e-12)


def test_bounded_mean_is_affine_and_order_invariant() -> None:
    rng = np.random.default_rng(3)
    scores = _rubric(rng, 25, 3)
    base = bounded_mean_bound(scores, lower=1, upper=5, threshold=3.2)
    unit = bounded_mean_bound((scores - 1) / 4, lower=0, upper=1, threshold=(3.2 - 1) / 4)
    assert unit.p_regress == pytest.approx(base.p_regress, rel=1e-9, abs=1e-12)
    assert 1 + 4 * unit.lower == pytest.approx(base.lower) and 1 + 4 * unit.upper == pytest.approx(base.upper)
    shuffled = rng.permuted(scores[rng.permutation(25)], axis=1)
    again = bounded_mean_bound(shuffled, lower=1, upper=5, threshold=3.2)
    assert again.p_regress == pytest.approx(base.p_regress, rel=1e-9)
    assert (again.lower, again.upper) == pytest.approx((base.lower, base.upper), rel=1e-9)


@pytest.mark.parametrize("n", [2, 5, 20, 100])
def test_a_sample_without_spread_never_collapses(n: int) -> None:
    """All inputs tied at 1/2: the rule of three (3/N of the inputs could sit at an end unseen) keeps the interval
    open; all at the top of the range: Clopper-Pearson's alpha^(1/N)."""
    ties = bounded_mean_bound(np.full(n, 0.5), lower=0, upper=1, threshold=0.5)
    half = ties.upper - 0.5
    assert ties.lower < 0.5 < ties.upper and half == pytest.approx(0.5 - ties.lower)
    if n >= 20:  # the floor: variance 3 ybar (1 - ybar) / N of the per-input values, n_eff = N^2 / 3
        assert half == pytest.approx(float(sps.norm.isf(0.05)) * math.sqrt(3 * 0.25) / n, rel=0.05)
    top = bounded_mean_bound(np.ones((n, 3)), lower=0, upper=1, threshold=0.9)
    assert top.lower == pytest.approx(0.05 ** (1 / n)) and top.upper == 1.0
    assert top.p_regress < 0.05 if 0.05 ** (1 / n) > 0.9 else top.p_regress >= 0.05


def test_bounded_mean_below_two_inputs_is_not_judged() -> None:
    result = bounded_mean_bound(np.array([[0.0, 0.5, 1.0]]), lower=0, upper=1, threshold=0.5)
    assert (result.lower, result.upper, result.p_regress) == (-math.inf, math.inf, 1.0)
    assert result.estimate == 0.5 and result.repeats == 3
    assert "at least 2 inputs" in result.method


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"values": np.array([0.5, 1.2]), "threshold": 0.5}, "must lie in"),
        ({"values": np.array([0.5, np.nan]), "threshold": 0.5}, "finite"),
        ({"values": np.array([0.5, 0.7]), "threshold": 1.5}, "threshold must lie"),
        ({"values": np.array([0.5, 0.7]), "threshold": 0.5, "alpha": 0.7}, "alpha"),
        ({"values": np.array([0.5, 0.7]), "threshold": 0.5, "upper": 0.0}, "lower < upper"),
        ({"values": np.zeros((2, 2, 2)), "threshold": 0.5}, r"\(N, k\)"),
    ],
)
def test_bounded_mean_rejects_bad_arguments(kwargs: dict[str, object], match: str) -> None:
    options = {"lower": 0.0, "upper": 1.0, **kwargs}
    with pytest.raises(ValueError, match=match):
        bounded_mean_bound(**options)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------------
# paired_mean_bound
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("n", "k"), [(2, 1), (6, 3), (30, 1), (80, 3)])
def test_paired_mean_p_value_is_dual_to_its_lower_bound(n: int, k: int) -> None:
    rng = np.random.default_rng(n + k)
    for _ in range(2):
        base = _rubric(rng, n, k)
        cand = np.clip(base - (rng.random((n, k)) < 0.3), 1, 5)
        for threshold in [-0.5, -0.1, 0.0, 0.1, 0.25, 0.5, 1.0]:
            p = paired_mean_bound(cand, base, lower=1, upper=5, threshold=threshold).p_regress
            for a in ALPHAS:
                result = paired_mean_bound(cand, base, lower=1, upper=5, threshold=threshold, alpha_lower=a)
                assert (p < a) == (result.lower > threshold), (threshold, a, p, result)


def test_paired_mean_at_threshold_zero_includes_the_exact_sign_flip_test() -> None:
    base = np.array([3, 4, 2, 5, 3, 4, 4, 3], dtype=float)
    cand = np.array([2, 4, 1, 3, 3, 3, 4, 4], dtype=float)
    result = paired_mean_bound(cand, base, lower=1, upper=5, threshold=0.0)
    d = (base - cand).astype(int)
    brute = [float(np.sum(d * signs)) for signs in itertools.product((-1, 1), repeat=d.size)]
    observed = float(d.sum())
    midp = (sum(t > observed for t in brute) + 0.5 * sum(t == observed for t in brute)) / len(brute)
    assert _sign_flip_midp(d) == pytest.approx(midp)
    assert result.p_regress >= midp and "sign-flip" in result.method
    assert result.estimate == pytest.approx(d.mean())


def test_paired_mean_ties_and_constant_differences() -> None:
    """All d_i = 0 (identical scores): Tango's interval on fractional counts, never zero width; 30 or more inputs
    all changed by the same amount: the t bounds' zero width at that amount."""
    scores = _rubric(np.random.default_rng(5), 40, 1)
    same = paired_mean_bound(scores, scores, lower=1, upper=5, threshold=0.25)
    lower, upper = tango_bounds(0, 0, 40, alpha=0.05)
    assert (same.estimate, same.lower, same.upper) == pytest.approx((0.0, 4 * lower, 4 * upper))
    assert same.p_regress > 0.5
    lowered = np.clip(scores, 2, 5)
    shifted = paired_mean_bound(lowered - 1, lowered, lower=1, upper=5, threshold=0.25)
    assert shifted.lower == shifted.upper == shifted.estimate == 1.0 and shifted.p_regress == 0.0


def test_paired_mean_cannot_pass_below_30_inputs_and_is_not_judged_below_2() -> None:
    rng = np.random.default_rng(8)
    base = _rubric(rng, 29, 1)
    few = paired_mean_bound(base, base, lower=1, upper=5, threshold=0.25)
    assert few.upper == 4.0 and "fewer than 30 inputs" in few.method
    enough = paired_mean_bound(_rubric(rng, 30, 1), _rubric(rng, 30, 1), lower=1, upper=5, threshold=0.25)
    assert enough.upper < 4.0 and "fewer than" not in enough.method
    one = paired_mean_bound(np.array([[4.0, 5.0]]), np.array([[3.0, 3.0]]), lower=1, upper=5, threshold=0.0)
    assert (one.lower, one.upper, one.p_regress) == (-math.inf, math.inf, 1.0)
    assert one.estimate == pytest.approx(-1.5) and "at least 2 inputs" in one.method


def test_paired_mean_is_affine_invariant_and_accepts_off_lattice_scores() -> None:
    rng = np.random.default_rng(9)
    base, cand = _rubric(rng, 35, 3), _rubric(rng, 35, 3, mu=3.3)
    on_scale = paired_mean_bound(cand, base, lower=1, upper=5, threshold=0.0)
    unit = paired_mean_bound((cand - 1) / 4, (base - 1) / 4, lower=0, upper=1, threshold=0.0)
    assert unit.p_regress == pytest.approx(on_scale.p_regress, rel=1e-9)
    assert 4 * unit.lower == pytest.approx(on_scale.lower) and 4 * unit.upper == pytest.approx(on_scale.upper)
    noisy = paired_mean_bound(cand + rng.uniform(-0.01, 0, cand.shape), base, lower=0.9, upper=5, threshold=0.0)
    assert 0.0 <= noisy.p_regress <= 1.0 and noisy.lower < noisy.upper


def test_sign_flip_lattice() -> None:
    halves = np.array([0.5, -1.5, 0.0, 2.0])
    assert _sign_flip_lattice(halves).tolist() == [1, -3, 0, 4]
    assert _sign_flip_lattice(np.array([3.0, -1.0])).tolist() == [3, -1]
    assert _sign_flip_lattice(np.zeros(3)).tolist() == [0, 0, 0]
    off = _sign_flip_lattice(np.array([math.pi, -math.pi / 2, 0.001]))
    assert off.tolist() == [200, -100, 0]


def test_paired_mean_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="same shape"):
        paired_mean_bound(np.ones((3, 2)), np.ones((3, 1)), lower=0, upper=1, threshold=0.0)
    with pytest.raises(ValueError, match="threshold must lie"):
        paired_mean_bound(np.ones(3), np.ones(3), lower=1, upper=5, threshold=4.5)
    with pytest.raises(ValueError, match="must lie in"):
        paired_mean_bound(np.full(3, 6.0), np.ones(3), lower=1, upper=5, threshold=0.0)


# --------------------------------------------------------------------------------------------------
# sample sizes for min_win_rate
# --------------------------------------------------------------------------------------------------


def test_win_score_sd() -> None:
    assert win_score_sd(0.5, tie_rate=0.0) == 0.5
    assert win_score_sd(0.5) == pytest.approx(math.sqrt(0.25 - 0.3 / 4))
    assert win_score_sd(0.4, tie_rate=0.2, repeats=3, icc=0.5) == pytest.approx(math.sqrt((0.24 - 0.05) * 2 / 3))
    with pytest.raises(ValueError, match="tie_rate"):
        win_score_sd(0.3, tie_rate=0.7)  # at most 60% ties leave room for a 30% win rate


def test_n_for_win_rate() -> None:
    assert n_for_win_rate(0.4, 0.5) == 104
    assert n_for_win_rate(0.4, 0.45) == 410
    assert n_for_win_rate(0.4, 0.5, sd=0.5) == stats.n_for_power_mean_shift(0.2)
    n = n_for_win_rate(0.55, 0.45)  # PASS: the same t power on the other side
    assert power_win_rate(n, 0.55, 0.45) >= 0.8 > power_win_rate(n - 1, 0.55, 0.45)
    assert power_win_rate(50, 0.4, 0.5, sd=0.4) == pytest.approx(power_mean_shift(50, 0.25))
    powers = [power_win_rate(100, w, 0.5) for w in (0.48, 0.45, 0.42, 0.4)]
    assert powers == sorted(powers)
    with pytest.raises(ValueError, match="equals"):
        n_for_win_rate(0.5, 0.5)


# --------------------------------------------------------------------------------------------------
# smoke of the acceptance grid
# --------------------------------------------------------------------------------------------------


SMOKE = [
    bg.Cell(bg.Preference(0.5, 0.7), 5, 1),
    bg.Cell(bg.Preference(0.3, 0.3), 30, 3),
    bg.Cell(bg.RubricMean(4.5, 1.0), 10, 1),
    bg.Cell(bg.RubricPaired(3.5, 0.5, identical=0.5), 30, 3),
    bg.Cell(bg.RubricPaired(4.5, 1.0, 0.7, margin=True), 30, 1),
    bg.Cell(bg.RubricPaired(3.5, 0.5), 1, 3),
]


@pytest.mark.parametrize("cell", SMOKE, ids=lambda c: c.label)
def test_grid_smoke(cell: bg.Cell) -> None:
    """R = 150: no exception, no verdict disagreeing with its bound, INCONCLUSIVE below 2 inputs, and no error rate
    or coverage whose 99% band lies beyond its limit (at this R only a gross error is decisive)."""
    result = bg.run_cell(cell, 150, stage="smoke")
    decisive = [f for f in bg.failures(result) if f.decisive or f.check in ("agreement", "floor")]
    assert not decisive, "\n".join(map(str, decisive))


def test_true_decrease_of_the_margin_cells_is_the_margin() -> None:
    for setting in bg.SETTINGS["rubric paired"]:
        assert isinstance(setting, bg.RubricPaired)
        assert setting.truth() == pytest.approx(bg.MARGIN if setting.margin else 0.0, abs=1e-9)
    (scores,) = bg.RubricMean(3.5, 0.5).draw(np.random.default_rng(0), 1, 200_000, 1)
    assert 6.0 - scores.mean() == pytest.approx(bg.mean_score(3.5, 0.5), abs=0.01)
    (loss,) = bg.Preference(0.3, 0.3).draw(np.random.default_rng(1), 1, 100_000, 3)
    assert 1.0 - loss.mean() == pytest.approx(0.3, abs=0.005) and np.mean(loss == 0.5) == pytest.approx(0.3, abs=0.005)
