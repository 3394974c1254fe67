"""Unpaired (two-sample) bounds, only for data that cannot be paired by input (see docs/statistics.md).

Inputs are still the unit: with k > 1 repeats, the per-input means (continuous) or the Kish effective counts
computed from the per-input rates (binary) replace the N k outputs, which are not independent.

References:
    Miettinen & Nurminen (1985), "Comparative analysis of two rates", Stat Med 4:213-226 (score test and
    interval for a difference of independent proportions, with the n / (n - 1) variance correction).
    Farrington & Manning (1990), "Test statistics and sample size formulae for comparative binomial trials
    with null hypothesis of non-zero risk difference or non-unity relative risk", Stat Med 9:1447-1454.
    Newcombe (1998), "Interval estimation for the difference between independent proportions", Stat Med
    17:873-890 (comparison of intervals; the score interval is among the recommended ones).
    Kish (1965), "Survey Sampling", Wiley (design effect, effective sample size).
    Mann & Whitney (1947), Ann Math Stat 18:50-60; Hodges & Lehmann (1963), Ann Math Stat 34:598-611;
    Hollander, Wolfe & Chicken (2014), "Nonparametric Statistical Methods", 3rd ed., sec. 4.3 (two-sample
    shift estimate and distribution-free confidence bounds from the ordered pairwise differences).
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import optimize
from scipy.stats import mannwhitneyu, norm

from pytest_behavior.stats.arrays import as_metric_matrix
from pytest_behavior.stats.binary import _as_binary_matrix, _effective_counts
from pytest_behavior.stats.result import BoundResult

__all__ = [
    "hodges_lehmann_shift_bounds",
    "miettinen_nurminen_bounds",
    "miettinen_nurminen_pvalue",
    "unpaired_log_ratio_bound",
    "unpaired_rate_bound",
    "unpaired_shift_bound",
]

_EDGE = 1e-12
_XTOL = 1e-13
EXACT_MAX_N = 50
"""Largest per-arm size for which the Mann-Whitney critical value comes from the exact null distribution."""
_MATERIALIZE_MAX = 4_000_000
"""Largest m n for which all pairwise differences are built; above, order statistics are found by bisection."""


def _check_alpha(alpha: float) -> None:
    if not 0.0 < alpha <= 0.5:
        raise ValueError(f"alpha must be in (0, 0.5], got {alpha!r}")


def _check_threshold(threshold: float) -> None:
    if not math.isfinite(threshold):
        raise ValueError(f"threshold must be finite, got {threshold!r}")


# --------------------------------------------------------------------------------------------------
# Miettinen-Nurminen score test and interval for p_cand - p_base
# --------------------------------------------------------------------------------------------------


def _check_rate_counts(x_base: float, n_base: float, x_cand: float, n_cand: float) -> None:
    if not (0.0 <= x_base <= n_base and 0.0 <= x_cand <= n_cand and n_base > 0 and n_cand > 0):
        raise ValueError(f"need 0 <= x <= n and n > 0 per arm, got ({x_base}, {n_base}), ({x_cand}, {n_cand})")
    if n_base + n_cand <= 1.0:
        raise ValueError("need more than one observation in total")


def _mn_restricted(x_base: float, n_base: float, x_cand: float, n_cand: float, delta: float) -> tuple[float, float]:
    """Restricted MLE (p_cand, p_base) under p_cand - p_base = delta: the cubic of Miettinen & Nurminen (1985).

    Closed-form (trigonometric) root as in Farrington & Manning (1990); delta = 0 gives the pooled rate.
    """
    n = n_base + n_cand
    count = x_base + x_cand
    if delta == 0.0:
        pooled = count / n
        return pooled, pooled
    b2 = (n_cand + 2.0 * n_base) * delta - n - count
    b1 = (n_base * delta - n - 2.0 * x_base) * delta + count
    b0 = x_base * delta * (1.0 - delta)
    shift = b2 / (3.0 * n)
    q = shift**3 - b1 * b2 / (6.0 * n * n) + b0 / (2.0 * n)
    p = math.copysign(math.sqrt(max(shift * shift - b1 / (3.0 * n), 0.0)), q)
    if p == 0.0:
        p_base = -shift
    else:
        angle = (math.pi + math.acos(min(max(q / p**3, -1.0), 1.0))) / 3.0
        p_base = 2.0 * p * math.cos(angle) - shift
    p_base = min(max(p_base, max(0.0, -delta)), min(1.0, 1.0 - delta))
    return p_base + delta, p_base


def _mn_z(x_base: float, n_base: float, x_cand: float, n_cand: float, delta: float) -> float:
    """Miettinen-Nurminen score statistic (p^_cand - p^_base - delta) / sqrt(V~ n / (n - 1))."""
    numerator = x_cand / n_cand - x_base / n_base - delta
    p_cand, p_base = _mn_restricted(x_base, n_base, x_cand, n_cand, delta)
    n = n_base + n_cand
    variance = (p_cand * (1.0 - p_cand) / n_cand + p_base * (1.0 - p_base) / n_base) * n / (n - 1.0)
    if variance <= 0.0:
        if abs(numerator) <= 1e-15:
            return 0.0
        return math.copysign(math.inf, numerator)
    return numerator / math.sqrt(variance)


def miettinen_nurminen_bounds(
    x_base: float, n_base: float, x_cand: float, n_cand: float, *, alpha: float
) -> tuple[float, float]:
    """One-sided (1 - alpha) bounds for p_cand - p_base by inverting the Miettinen & Nurminen (1985) score test.

    The lower bound solves z(L) = z_{1-alpha}, the upper z(U) = -z_{1-alpha}, z the score statistic with the
    restricted MLE under each candidate difference; clipped to [-1, 1]. Counts may be non-integer (Kish
    effective counts). Matches statsmodels ``confint_proportions_2indep(method="score")`` at level 2 alpha.
    """
    _check_alpha(alpha)
    _check_rate_counts(x_base, n_base, x_cand, n_cand)
    z = float(norm.isf(alpha))
    estimate = x_cand / n_cand - x_base / n_base

    def f(delta: float) -> float:
        return _mn_z(x_base, n_base, x_cand, n_cand, delta)

    left, right = -1.0 + _EDGE, 1.0 - _EDGE
    if estimate <= left or f(left) <= z:
        lower = -1.0
    else:
        lower = float(optimize.brentq(lambda d: f(d) - z, left, estimate, xtol=_XTOL))
    if estimate >= right or f(right) >= -z:
        upper = 1.0
    else:
        upper = float(optimize.brentq(lambda d: f(d) + z, estimate, right, xtol=_XTOL))
    return lower, upper


def miettinen_nurminen_pvalue(x_base: float, n_base: float, x_cand: float, n_cand: float, *, delta: float) -> float:
    """One-sided p of H0: p_cand - p_base <= delta, 1 - Phi(z(delta)) (Miettinen & Nurminen 1985).

    delta >= 1 gives 1.0; delta <= -1 is evaluated just inside -1.
    """
    _check_rate_counts(x_base, n_base, x_cand, n_cand)
    if delta >= 1.0:
        return 1.0
    delta = max(delta, -1.0 + _EDGE)
    return float(norm.sf(_mn_z(x_base, n_base, x_cand, n_cand, delta)))


def unpaired_rate_bound(
    baseline: NDArray[Any], candidate: NDArray[Any], *, threshold: float, alpha: float = 0.05
) -> BoundResult:
    """Unpaired bound on p_cand - p_base for binary outcomes, 1 = bad (Miettinen & Nurminen 1985; Kish 1965).

    ``baseline`` (N_b, k_b) and ``candidate`` (N_c, k_c) are 0/1 arrays of *different* inputs (a 1-D array
    means k = 1). k = 1: counts x / N per arm. k > 1: each arm's repeats are correlated within an input, so
    it counts as n_eff = N k / deff outcomes, deff = 1 + (k - 1) ICC (one-way ANOVA ICC of the per-input
    rates, the same as :func:`absolute_rate_bound`), with x_eff = rate n_eff. The bounds invert the
    Miettinen-Nurminen score statistic and ``p_regress`` is its one-sided test of H0: p_cand - p_base <=
    threshold, so REGRESSED (lower > threshold) and p_regress < alpha always agree. ``n_inputs`` counts the
    inputs of both arms; ``repeats`` is the larger k.
    """
    _check_alpha(alpha)
    _check_threshold(threshold)
    base = _as_binary_matrix(baseline, "baseline")
    cand = _as_binary_matrix(candidate, "candidate")
    counts: list[float] = []
    for arm in (base, cand):
        if arm.shape[1] == 1:
            counts += [float(arm.sum()), float(arm.shape[0])]
        else:
            counts += list(_effective_counts(arm))
    x_base, n_base, x_cand, n_cand = counts
    lower, upper = miettinen_nurminen_bounds(x_base, n_base, x_cand, n_cand, alpha=alpha)
    p = miettinen_nurminen_pvalue(x_base, n_base, x_cand, n_cand, delta=threshold)
    k = max(base.shape[1], cand.shape[1])
    method = "Miettinen-Nurminen score test + interval" + (" (Kish effective n)" if k > 1 else "")
    estimate = float(cand.mean() - base.mean())
    return BoundResult(estimate, lower, upper, p, base.shape[0] + cand.shape[0], k, method)


# --------------------------------------------------------------------------------------------------
# Mann-Whitney U and the two-sample Hodges-Lehmann shift
# --------------------------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _mann_whitney_cdf(m: int, n: int) -> NDArray[np.float64]:
    """Exact null CDF P(U <= u), u = 0..m n, U = #{(i, j): y_j > x_i}, no ties (Mann & Whitney 1947).

    Probability recurrence on the largest of the m + n values: it is an x (prob. m / (m + n), adds 0 to U)
    or a y (prob. n / (m + n), adds m): p_{m,n}(u) = m/(m+n) p_{m-1,n}(u) + n/(m+n) p_{m,n-1}(u - m).
    Only convex combinations, so it is numerically stable.
    """
    # row[j] = pmf of U for (i, j) at the current i; start with i = 0: U = 0 for every j
    row = [np.ones(1) for _ in range(n + 1)]
    for i in range(1, m + 1):
        new = [np.ones(1)]  # j = 0: no y, U = 0
        for j in range(1, n + 1):
            pmf = np.zeros(i * j + 1)
            pmf[: row[j].size] += i / (i + j) * row[j]
            pmf[i : i + new[j - 1].size] += j / (i + j) * new[j - 1]
            new.append(pmf)
        row = new
    cdf = np.cumsum(row[n])
    cdf.setflags(write=False)
    return cdf


def _mann_whitney_critical(m: int, n: int, alpha: float) -> int:
    """Largest C with P(U <= C - 1) <= alpha; exact when both sizes are <= EXACT_MAX_N, else normal with
    continuity correction C = floor(m n / 2 + 1/2 - z_{1-alpha} sqrt(m n (m + n + 1) / 12))."""
    if max(m, n) <= EXACT_MAX_N:
        return int(np.searchsorted(_mann_whitney_cdf(min(m, n), max(m, n)), alpha, side="right"))
    sd = math.sqrt(m * n * (m + n + 1) / 12.0)
    return max(0, math.floor(m * n / 2.0 + 0.5 - float(norm.isf(alpha)) * sd))


def _difference_count(xs: NDArray[np.float64], ys: NDArray[np.float64], theta: float) -> int:
    """#{(i, j): y_j - x_i <= theta} for ascending ``xs``."""
    return int(np.sum(xs.size - np.searchsorted(xs, ys - theta, side="left")))


def _difference_order_stats(x: NDArray[np.float64], y: NDArray[np.float64], ranks: list[int]) -> list[float]:
    """Order statistics (1-based ranks) of the m n pairwise differences y_j - x_i."""
    if x.size * y.size <= _MATERIALIZE_MAX:
        diffs = (y[None, :] - x[:, None]).ravel()
        diffs = np.partition(diffs, sorted({r - 1 for r in ranks}))
        return [float(diffs[r - 1]) for r in ranks]
    xs = np.sort(x)
    out: list[float] = []
    for rank in ranks:
        lo, hi = float(y.min() - xs[-1]), float(y.max() - xs[0])
        if _difference_count(xs, y, lo) >= rank:
            out.append(lo)
            continue
        for _ in range(200):
            mid = lo + (hi - lo) / 2.0
            if not lo < mid < hi:
                break
            if _difference_count(xs, y, mid) >= rank:
                hi = mid
            else:
                lo = mid
        out.append(hi)
    return out


def hodges_lehmann_shift_bounds(
    baseline: NDArray[Any], candidate: NDArray[Any], *, alpha: float = 0.05
) -> tuple[float, float, float]:
    """(estimate, lower, upper) of the two-sample shift candidate - baseline (Hodges & Lehmann 1963).

    The estimate is the median of the m n differences y_j - x_i (x = baseline, y = candidate); the one-sided
    (1 - alpha) bounds are D_(C) and D_(mn + 1 - C), C the largest integer with P(U <= C - 1) <= alpha under
    the Mann-Whitney null (Hollander, Wolfe & Chicken 2014, sec. 4.3), exact when both sizes are <= 50.
    When the samples are too small for any bound (C = 0) the bounds are -inf and +inf.
    """
    _check_alpha(alpha)
    x = np.asarray(baseline, dtype=np.float64).ravel()
    y = np.asarray(candidate, dtype=np.float64).ravel()
    if x.size == 0 or y.size == 0:
        raise ValueError("hodges_lehmann_shift_bounds needs at least one value per arm")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError("values must be finite")
    m, n = x.size, y.size
    total = m * n
    c = _mann_whitney_critical(m, n, alpha)
    ranks = [(total + 1) // 2, total // 2 + 1]
    if c >= 1:
        ranks += [c, total + 1 - c]
    stats = _difference_order_stats(x, y, ranks)
    estimate = (stats[0] + stats[1]) / 2.0
    if c < 1:
        return estimate, -math.inf, math.inf
    return estimate, stats[2], stats[3]


def _unit_means(values: NDArray[Any], name: str, *, log: bool) -> tuple[NDArray[np.float64], int]:
    arr = as_metric_matrix(values, name)
    if log:
        if np.any(arr <= 0):
            raise ValueError(f"{name} must be > 0 (floor values at the metric's smallest unit, e.g. 1 word)")
        arr = np.log(arr)
    return arr.mean(axis=1), int(arr.shape[1])


def _mann_whitney_greater(x: NDArray[np.float64], y: NDArray[np.float64]) -> float:
    """One-sided Mann-Whitney p of H0: y is not stochastically larger than x (scipy, method "auto").

    All values tied gives 0.5 (no evidence either way).
    """
    pooled = np.concatenate([x, y])
    if np.all(pooled == pooled[0]):
        return 0.5
    return float(mannwhitneyu(y, x, alternative="greater").pvalue)


def _unpaired_shift(
    baseline: NDArray[Any], candidate: NDArray[Any], *, threshold: float, alpha: float, log: bool
) -> BoundResult:
    _check_alpha(alpha)
    _check_threshold(threshold)
    x, k_base = _unit_means(baseline, "baseline", log=log)
    y, k_cand = _unit_means(candidate, "candidate", log=log)
    estimate, lower, upper = hodges_lehmann_shift_bounds(x, y, alpha=alpha)
    p = _mann_whitney_greater(x, y - threshold)
    scale = "log ratio" if log else "shift"
    method = f"Mann-Whitney U + Hodges-Lehmann two-sample bounds ({scale}, per-input means)"
    return BoundResult(estimate, lower, upper, p, x.size + y.size, max(k_base, k_cand), method)


def unpaired_log_ratio_bound(
    baseline: NDArray[Any], candidate: NDArray[Any], *, threshold: float, alpha: float = 0.05
) -> BoundResult:
    """Unpaired bound on the log ratio of a positive metric (Mann & Whitney 1947; Hodges & Lehmann 1963).

    ``baseline`` (N_b, k_b) and ``candidate`` (N_c, k_c) hold positive values of different inputs; a 1-D
    array means k = 1. The units are the per-input means of log values (the repeats of one input are not
    independent). Under a location-shift model on the log scale the quantity is the shift
    log(candidate) - log(baseline); ``threshold`` is on the log scale (log of a ``max_ratio``).
    estimate/lower/upper: :func:`hodges_lehmann_shift_bounds`; ``p_regress``: one-sided
    ``scipy.stats.mannwhitneyu`` (method "auto": exact for small samples without ties, else normal with tie
    and continuity corrections) of candidate - threshold against baseline. ``n_inputs`` counts both arms.
    """
    return _unpaired_shift(baseline, candidate, threshold=threshold, alpha=alpha, log=True)


def unpaired_shift_bound(
    baseline: NDArray[Any], candidate: NDArray[Any], *, threshold: float, alpha: float = 0.05
) -> BoundResult:
    """Unpaired bound on the shift of a metric on its own scale: :func:`unpaired_log_ratio_bound` without logs.

    Units are the per-input means; the quantity is the Hodges-Lehmann shift candidate - baseline, tested
    with the one-sided Mann-Whitney U test of H0: shift <= threshold (Mann & Whitney 1947).
    """
    return _unpaired_shift(baseline, candidate, threshold=threshold, alpha=alpha, log=False)
