"""Paired continuous metrics on the log scale: Wilcoxon signed-rank test and Hodges-Lehmann bounds.

References:
    Wilcoxon (1945), "Individual comparisons by ranking methods", Biometrics Bulletin 1:80-83.
    Hodges & Lehmann (1963), "Estimates of location based on rank tests", Ann Math Stat 34:598-611.
    Hollander, Wolfe & Chicken (2014), "Nonparametric Statistical Methods", 3rd ed., Wiley, section 3.3
    (distribution-free confidence bounds from the ordered Walsh averages).
    Pratt (1959), "Remarks on zeros and ties in the Wilcoxon signed rank procedures", JASA 54:655-667.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.stats import norm, wilcoxon

from pytest_behavior.stats.arrays import as_metric_matrix
from pytest_behavior.stats.result import BoundResult

__all__ = ["hodges_lehmann_bounds", "hodges_lehmann_dual_pvalue", "paired_log_ratio_bound"]

EXACT_MAX_N = 50
"""Largest n for which the critical value comes from the exact signed-rank distribution."""
_MATERIALIZE_MAX_N = 2000
"""Largest n for which all n (n + 1) / 2 Walsh averages are built; above it order statistics are found by
bisection on a counting function (O(n log n) memory-free per step)."""
_WALSH_BLOCK = 1 << 16
"""The Walsh averages are built about this many at a time (bounded temporaries: fewer fresh pages per call)."""
ZERO_METHOD = "wilcox"
"""How ``paired_log_ratio_bound`` treats d_i equal to the threshold (see its docstring)."""


# --------------------------------------------------------------------------------------------------
# signed-rank critical values
# --------------------------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _signed_rank_cdf(n: int) -> NDArray[np.float64]:
    """Exact null CDF P(T+ <= t), t = 0..n(n+1)/2, by a dynamic programme over subset sums of {1..n}.

    Counts stay below 2**50 for n <= 50, so float64 holds them exactly.
    """
    total = n * (n + 1) // 2
    counts = np.zeros(total + 1)
    counts[0] = 1.0
    for rank in range(1, n + 1):
        counts[rank:] = counts[rank:] + counts[:-rank].copy()
    cdf = np.cumsum(counts) / 2.0**n
    cdf.setflags(write=False)
    return cdf


def _critical_rank(n: int, alpha: float) -> int:
    """Largest C with P(T+ <= C - 1) <= alpha (0 when even the most extreme outcome is too likely).

    Exact for n <= EXACT_MAX_N; above, the normal approximation with continuity correction
    C = floor(M/2 + 1/2 - z_{1-alpha} sqrt(n (n+1) (2n+1) / 24)), M = n (n+1) / 2.
    """
    if n <= EXACT_MAX_N:
        return int(np.searchsorted(_signed_rank_cdf(n), alpha, side="right"))
    total = n * (n + 1) / 2.0
    sd = math.sqrt(n * (n + 1) * (2 * n + 1) / 24.0)
    return max(0, math.floor(total / 2.0 + 0.5 - float(norm.isf(alpha)) * sd))


# --------------------------------------------------------------------------------------------------
# order statistics of the Walsh averages
# --------------------------------------------------------------------------------------------------


def _walsh_count(sorted_d: NDArray[np.float64], theta: float) -> int:
    """#{i <= j : (d_i + d_j) / 2 <= theta} for ascending ``sorted_d``."""
    idx = np.searchsorted(sorted_d, 2.0 * theta - sorted_d, side="right")
    return int(np.clip(idx - np.arange(sorted_d.size), 0, None).sum())


def _walsh_rank_bisect(sorted_d: NDArray[np.float64], rank: int) -> float:
    """The rank-th smallest (1-based) Walsh average by bisection on theta (to floating-point precision)."""
    lo, hi = float(sorted_d[0]), float(sorted_d[-1])
    if _walsh_count(sorted_d, lo) >= rank:
        return lo
    for _ in range(200):
        mid = lo + (hi - lo) / 2.0
        if not lo < mid < hi:
            break
        if _walsh_count(sorted_d, mid) >= rank:
            hi = mid
        else:
            lo = mid
    return hi


@lru_cache(maxsize=4)
def _walsh_layout(n: int) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """(cols, starts) of the n (n + 1) / 2 pairs i <= j in ``np.triu_indices(n)`` order, cached read-only:
    ``cols`` = ``np.triu_indices(n)[1]`` and row i's pairs are ``starts[i]:starts[i + 1]``. Rebuilding
    ``np.triu_indices`` took most of the time of the Walsh averages. n <= _MATERIALIZE_MAX_N, so an entry
    takes at most 16 MB (4 MB at n = 1000)."""
    sizes = np.arange(n, 0, -1)  # row i has n - i pairs
    starts = np.concatenate([[0], np.cumsum(sizes)]).astype(np.intp)
    cols = np.arange(starts[-1], dtype=np.intp) - np.repeat(starts[:-1] - np.arange(n), sizes).astype(np.intp)
    for array in (cols, starts):
        array.setflags(write=False)
    return cols, starts


def _walsh_averages(sorted_d: NDArray[np.float64]) -> NDArray[np.float64]:
    """All (d_i + d_j) / 2, i <= j, in ``np.triu_indices`` order: bit-identical to ``(d[rows] + d[cols]) / 2``
    (the same IEEE operations; addition is commutative), built in blocks of rows so that no temporary is as
    large as the result (fresh pages from the OS on every call cost more than the arithmetic)."""
    n = sorted_d.size
    cols, starts = _walsh_layout(n)
    walsh = np.empty(int(starts[-1]))
    step = max(1, _WALSH_BLOCK // n)
    for first in range(0, n, step):
        last = min(first + step, n)
        block = walsh[starts[first] : starts[last]]
        block[...] = sorted_d[cols[starts[first] : starts[last]]]  # d_j
        block += np.repeat(sorted_d[first:last], np.arange(n - first, n - last, -1))  # + d_i
        block /= 2.0
    return walsh


def _walsh_order_stats(d: NDArray[np.float64], ranks: list[int]) -> list[float]:
    """Order statistics (1-based ranks) of the Walsh averages (d_i + d_j) / 2, i <= j."""
    sorted_d = np.sort(d)
    n = sorted_d.size
    if n > _MATERIALIZE_MAX_N:
        return [_walsh_rank_bisect(sorted_d, r) for r in ranks]
    walsh = _walsh_averages(sorted_d)
    kth = sorted({r - 1 for r in ranks})
    walsh.partition(kth)
    return [float(walsh[r - 1]) for r in ranks]


def hodges_lehmann_bounds(
    d: NDArray[Any], *, alpha: float = 0.05, alpha_lower: float | None = None
) -> tuple[float, float, float]:
    """(estimate, lower, upper): Hodges-Lehmann (1963) pseudo-median and its one-sided bounds, the lower at level
    ``alpha_lower`` (default ``alpha``) and the upper at ``alpha``.

    The estimate is the median of the M = n (n + 1) / 2 Walsh averages. The bounds invert the one-sided
    Wilcoxon signed-rank test (Hollander, Wolfe & Chicken 2014, sec. 3.3): lower = W_(C), upper = W_(M+1-C)
    with C the largest integer such that P(T+ <= C - 1) <= alpha under H0, exact for n <= 50 and from the
    normal approximation above. When n is too small for a bound at its level (C = 0, e.g. n <= 4 at
    alpha = 0.05), that bound is -inf (lower) or +inf (upper). Raises ValueError for an empty or non-finite ``d``.
    """
    alpha_lower = alpha if alpha_lower is None else alpha_lower
    for level in (alpha, alpha_lower):
        if not 0.0 < level <= 0.5:
            raise ValueError(f"alpha must be in (0, 0.5], got {level!r}")
    arr = np.asarray(d, dtype=np.float64).ravel()
    if arr.size == 0:
        raise ValueError("hodges_lehmann_bounds needs at least one value")
    if not np.all(np.isfinite(arr)):
        raise ValueError("d must be finite")
    n = arr.size
    total = n * (n + 1) // 2
    c_lower, c_upper = _critical_rank(n, alpha_lower), _critical_rank(n, alpha)
    ranks = [(total + 1) // 2, total // 2 + 1]  # equal when M is odd
    ranks += [max(c_lower, 1), total + 1 - max(c_upper, 1)]
    stats = _walsh_order_stats(arr, ranks)
    estimate = (stats[0] + stats[1]) / 2.0
    return (estimate, stats[2] if c_lower >= 1 else -math.inf, stats[3] if c_upper >= 1 else math.inf)


def hodges_lehmann_dual_pvalue(d: NDArray[Any], *, threshold: float) -> float:
    """The p-value of H0 "location <= threshold" that is dual to the lower bound of `hodges_lehmann_bounds`:
    ``p <= a`` exactly when the level-``a`` lower bound is above ``threshold``.

    With #{Walsh averages <= threshold} = w, the lower bound W_(C) clears the threshold iff w <= C - 1, i.e. iff
    P(T+ <= w) <= a under H0: p = P(T+ <= w), exact for n <= 50 and from the same continuity-corrected normal
    approximation as `_critical_rank` above. Walsh averages equal to the threshold count against the regression
    claim (a tie is no evidence of a change).
    """
    sorted_d = np.sort(np.asarray(d, dtype=np.float64).ravel())
    n = sorted_d.size
    w = _walsh_count(sorted_d, threshold)
    if n <= EXACT_MAX_N:
        return float(_signed_rank_cdf(n)[w])
    total = n * (n + 1) / 2.0
    sd = math.sqrt(n * (n + 1) * (2 * n + 1) / 24.0)
    return float(norm.cdf((w + 0.5 - total / 2.0) / sd))


# --------------------------------------------------------------------------------------------------
# paired log-ratio bound
# --------------------------------------------------------------------------------------------------


def _as_metric_matrix(values: NDArray[Any], name: str) -> NDArray[np.float64]:
    return as_metric_matrix(values, name, positive=True)


def _signed_rank_pvalue(x: NDArray[np.float64]) -> float:
    """One-sided Wilcoxon signed-rank p of H0: location of x <= 0; 0.5 when every x_i is 0."""
    if not np.any(x != 0.0):
        return 0.5
    result = wilcoxon(x, alternative="greater", zero_method=ZERO_METHOD)
    return float(result.pvalue)


def paired_log_ratio_bound(
    baseline: NDArray[Any],
    candidate: NDArray[Any],
    *,
    threshold: float,
    alpha: float = 0.05,
    alpha_lower: float | None = None,
) -> BoundResult:
    """Paired bound on the log ratio of a positive, skewed metric (Wilcoxon 1945; Hodges & Lehmann 1963).

    ``baseline`` and ``candidate`` are (N, k) arrays of positive metrics (length, latency, cost), paired by
    row; a 1-D array means k = 1. Per input, d_i = mean_k log(candidate) - mean_k log(baseline), so that
    exp(estimate) is the candidate/baseline ratio a user's ``max_ratio`` speaks of. Zero is not a valid
    value: the caller floors at the metric's smallest unit (an empty answer counts as 1 word or 1
    character). The quantity is the location of d and ``threshold`` is on the log scale (the caller
    passes log(max_ratio)).

    estimate/lower/upper come from :func:`hodges_lehmann_bounds` (lower at ``alpha_lower``, upper at ``alpha``).
    ``p_regress`` needs two tests to agree: the one-sided Wilcoxon signed-rank test (scipy.stats.wilcoxon,
    alternative="greater") of d - threshold, and the test dual to the Hodges-Lehmann lower bound
    (:func:`hodges_lehmann_dual_pvalue`); it is the larger of the two, so that a REGRESSED verdict always shows a
    lower bound beyond the threshold. When the Wilcoxon test alone keeps the threshold in, the shown lower
    bound is the threshold (the hull of what the combined test accepts). Zeros (inputs whose d_i equals the
    threshold, e.g. identical outputs in an A/A run) are dropped by the Wilcoxon test (``zero_method="wilcox"``):
    by symmetry that test stays exact conditionally on the number of zeros. The dual test counts them against
    the regression claim, as it must: the quantity is the pseudo-median of d, and inputs exactly at the
    threshold hold it there (with 50% identical outputs an A/A run's pseudo-median is exactly 0). So with many
    d_i exactly at the threshold the combined test is conservative at that boundary (simulated A/A, 50%
    identical outputs, N = 30, threshold 0: 0.3%); it only happens for a ratio bound of exactly 1
    (``max_ratio=1``), since identical outputs give d_i = 0 and log(r) != 0 otherwise. The Wilcoxon test alone
    rejected there 5-6% of the time while the Hodges-Lehmann interval still contained 0: a REGRESSED verdict
    beside an interval that said otherwise. When every d_i equals the threshold, p is ~1.
    """
    base = _as_metric_matrix(baseline, "baseline")
    cand = _as_metric_matrix(candidate, "candidate")
    if base.shape != cand.shape:
        raise ValueError(f"baseline {base.shape} and candidate {cand.shape} must have the same shape")
    if not math.isfinite(threshold):
        raise ValueError(f"threshold must be finite, got {threshold!r}")
    # sorted before summing, so that the same outputs in another order give exactly the same mean: identical
    # outputs must give d_i = 0 exactly, not +-4e-16 that would break ties at a ratio bound of 1
    d = np.sort(np.log(cand), axis=1).mean(axis=1) - np.sort(np.log(base), axis=1).mean(axis=1)
    n, k = base.shape
    return signed_rank_bound(
        d,
        threshold=threshold,
        alpha=alpha,
        alpha_lower=alpha_lower,
        n_inputs=n,
        repeats=k,
        method="Wilcoxon signed-rank + Hodges-Lehmann bounds",
    )


def signed_rank_bound(
    d: NDArray[np.float64],
    *,
    threshold: float,
    alpha: float,
    alpha_lower: float | None,
    n_inputs: int,
    repeats: int,
    method: str,
) -> BoundResult:
    """The bound on the location of the per-input differences ``d`` shared by the log-ratio and shift bounds:
    Hodges-Lehmann bounds, and the larger of the Wilcoxon p-value and the p-value dual to the lower bound (see
    :func:`paired_log_ratio_bound`)."""
    alpha_lower = alpha if alpha_lower is None else alpha_lower
    estimate, lower, upper = hodges_lehmann_bounds(d, alpha=alpha, alpha_lower=alpha_lower)
    p_wilcoxon = _signed_rank_pvalue(d - threshold)
    if p_wilcoxon >= alpha_lower:
        lower = min(lower, threshold)
    p = max(p_wilcoxon, hodges_lehmann_dual_pvalue(d, threshold=threshold))
    return BoundResult(estimate, lower, upper, p, n_inputs, repeats, method)
