"""Equivalence (TOST) for paired metrics, and the paired shift bound on the raw (non-log) scale.

"The candidate behaves like the baseline" cannot be shown by a non-significant difference test; it is shown
by rejecting both "worse by at least the margin" and "better by at least the margin" (two one-sided tests,
each at level alpha; equivalently, the two-sided (1 - 2 alpha) interval lies inside the margins).

References:
    Schuirmann (1987), "A comparison of the two one-sided tests procedure and the power approach for
    assessing the equivalence of average bioavailability", J Pharmacokinet Biopharm 15:657-680 (TOST).
    Wellek (2010), "Testing Statistical Hypotheses of Equivalence and Noninferiority", 2nd ed., CRC
    (ch. 5: paired designs; signed-rank based equivalence).
    Wilcoxon (1945), Biometrics Bulletin 1:80-83; Hodges & Lehmann (1963), Ann Math Stat 34:598-611;
    Hollander, Wolfe & Chicken (2014), "Nonparametric Statistical Methods", 3rd ed., sec. 3.3.
    Miller (2024), "Adding Error Bars to Evals", arXiv 2411.00640 (per-input averaging of repeats).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.stats import t as student_t
from scipy.stats import ttest_1samp, wilcoxon

from pytest_behavior.stats.arrays import as_metric_matrix
from pytest_behavior.stats.continuous import ZERO_METHOD, hodges_lehmann_bounds, signed_rank_bound
from pytest_behavior.stats.result import BoundResult

__all__ = ["TostResult", "paired_mean_tost", "paired_ratio_tost", "paired_shift_bound"]


@dataclass(frozen=True)
class TostResult:
    """Two one-sided tests of H0: quantity <= low_margin or quantity >= high_margin."""

    estimate: float
    """Point estimate of the quantity (mean or Hodges-Lehmann shift of the per-input differences)."""
    lower: float
    """One-sided (1 - alpha) lower bound (together with ``upper``: the two-sided (1 - 2 alpha) interval)."""
    upper: float
    """One-sided (1 - alpha) upper bound."""
    low_margin: float
    high_margin: float
    p_low: float
    """p-value of H0: quantity <= low_margin."""
    p_high: float
    """p-value of H0: quantity >= high_margin."""
    p_value: float
    """TOST p-value max(p_low, p_high)."""
    equivalent: bool
    """``p_value <= alpha``: both one-sided nulls rejected, the quantity is shown to lie inside the margins."""
    n_inputs: int
    repeats: int
    method: str


# --------------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------------


def _check_alpha(alpha: float) -> None:
    if not 0.0 < alpha <= 0.5:
        raise ValueError(f"alpha must be in (0, 0.5], got {alpha!r}")


def _as_matrix(values: NDArray[Any], name: str, *, positive: bool) -> NDArray[np.float64]:
    arr = as_metric_matrix(values, name)
    if positive and np.any(arr <= 0):
        raise ValueError(f"{name} must be > 0 (floor values at the metric's smallest unit, e.g. 1 word)")
    return arr


def _paired_differences(
    baseline: NDArray[Any], candidate: NDArray[Any], *, log: bool
) -> tuple[NDArray[np.float64], int, int]:
    """d_i = mean_k f(candidate) - mean_k f(baseline), f = log or identity; and (N, k)."""
    base = _as_matrix(baseline, "baseline", positive=log)
    cand = _as_matrix(candidate, "candidate", positive=log)
    if base.shape != cand.shape:
        raise ValueError(f"baseline {base.shape} and candidate {cand.shape} must have the same shape")
    if log:
        base, cand = np.log(base), np.log(cand)
    d = np.sort(cand, axis=1).mean(axis=1) - np.sort(base, axis=1).mean(axis=1)  # order-free: ties stay exact
    n, k = base.shape
    return d, n, k


def _margins(margin: float | tuple[float, float]) -> tuple[float, float]:
    low, high = (-float(margin), float(margin)) if isinstance(margin, (int, float)) else map(float, margin)
    if not (math.isfinite(low) and math.isfinite(high)) or not low < high:
        raise ValueError(f"margins must be finite with low < high, got ({low!r}, {high!r})")
    return low, high


def _signed_rank_greater(x: NDArray[np.float64]) -> float:
    """One-sided Wilcoxon signed-rank p of H0: location of x <= 0 (zeros dropped); 0.5 when all x_i are 0.

    The same convention as ``paired_log_ratio_bound`` (``zero_method`` = continuous.ZERO_METHOD).
    """
    if not np.any(x != 0.0):
        return 0.5
    return float(wilcoxon(x, alternative="greater", zero_method=ZERO_METHOD).pvalue)


def _t_greater(d: NDArray[np.float64], value: float) -> float:
    """One-sided t-test p of H0: mean(d) <= value (scipy.stats.ttest_1samp); degenerate samples give 0/0.5/1."""
    mean = float(d.mean())
    if d.size < 2 or bool(np.all(d == d[0])):
        if d.size >= 2 and mean != value:
            return 0.0 if mean > value else 1.0
        return 0.5
    return float(ttest_1samp(d, popmean=value, alternative="greater").pvalue)


# --------------------------------------------------------------------------------------------------
# TOST
# --------------------------------------------------------------------------------------------------


def paired_mean_tost(
    baseline: NDArray[Any], candidate: NDArray[Any], *, margin: float | tuple[float, float], alpha: float = 0.05
) -> TostResult:
    """t-based TOST for the paired mean difference (Schuirmann 1987).

    ``baseline`` and ``candidate``: (N, k) arrays, paired by row; a 1-D array means k = 1. The unit is the
    input: d_i = mean_k candidate - mean_k baseline. ``margin`` m > 0 means the margins (-m, +m); a pair
    (low, high) gives asymmetric ones. p_low is the one-sided t-test of H0: mean <= low, p_high of
    H0: mean >= high (``scipy.stats.ttest_1samp``, df = N - 1); ``equivalent`` iff max(p_low, p_high) <=
    alpha, which is the same as the Student-t (1 - 2 alpha) interval [lower, upper] lying inside the
    margins. A constant d (zero variance) is equivalent iff it lies strictly inside; N = 1 never is.
    """
    _check_alpha(alpha)
    low, high = _margins(margin)
    d, n, k = _paired_differences(baseline, candidate, log=False)
    mean = float(d.mean())
    if n < 2:
        lower, upper = -math.inf, math.inf
    elif bool(np.all(d == d[0])):
        lower = upper = mean
    else:
        half = float(student_t.isf(alpha, n - 1)) * float(d.std(ddof=1)) / math.sqrt(n)
        lower, upper = mean - half, mean + half
    p_low = _t_greater(d, low)
    p_high = _t_greater(-d, -high)
    p = max(p_low, p_high)
    return TostResult(mean, lower, upper, low, high, p_low, p_high, p, p <= alpha, n, k, "paired t TOST")


def paired_ratio_tost(
    baseline: NDArray[Any],
    candidate: NDArray[Any],
    *,
    max_ratio: float,
    min_ratio: float | None = None,
    alpha: float = 0.05,
) -> TostResult:
    """Signed-rank TOST for the paired ratio of a positive metric (Wellek 2010, ch. 5; Hodges & Lehmann 1963).

    d_i = mean_k log candidate - mean_k log baseline (as :func:`paired_log_ratio_bound`). The margins are
    (log ``min_ratio``, log ``max_ratio``), with ``min_ratio`` = 1 / ``max_ratio`` by default. p_low is the
    one-sided Wilcoxon signed-rank test (``scipy.stats.wilcoxon``, zeros dropped) of H0: location <= log
    min_ratio, p_high of H0: location >= log max_ratio; the estimate and bounds are the Hodges-Lehmann
    pseudo-median and its one-sided (1 - alpha) bounds from :func:`hodges_lehmann_bounds`, all on the log
    scale (exponentiate them for ratios).
    """
    _check_alpha(alpha)
    low_ratio = 1.0 / max_ratio if min_ratio is None else min_ratio
    if not (0.0 < low_ratio < 1.0 < max_ratio and math.isfinite(max_ratio)):
        raise ValueError(f"need 0 < min_ratio < 1 < max_ratio < inf, got ({low_ratio!r}, {max_ratio!r})")
    low, high = math.log(low_ratio), math.log(max_ratio)
    d, n, k = _paired_differences(baseline, candidate, log=True)
    estimate, lower, upper = hodges_lehmann_bounds(d, alpha=alpha)
    p_low = _signed_rank_greater(d - low)
    p_high = _signed_rank_greater(high - d)
    p = max(p_low, p_high)
    method = "Wilcoxon signed-rank TOST on log ratios + Hodges-Lehmann bounds"
    return TostResult(estimate, lower, upper, low, high, p_low, p_high, p, p <= alpha, n, k, method)


# --------------------------------------------------------------------------------------------------
# paired shift bound (raw scale)
# --------------------------------------------------------------------------------------------------


def paired_shift_bound(
    baseline: NDArray[Any],
    candidate: NDArray[Any],
    *,
    threshold: float,
    alpha: float = 0.05,
    alpha_lower: float | None = None,
) -> BoundResult:
    """Paired bound on the shift of a metric on its own scale (Wilcoxon 1945; Hodges & Lehmann 1963).

    The raw-scale mirror of :func:`paired_log_ratio_bound`, for metrics that are not positive or not
    multiplicative (a score in [0, 1], a signed difference, a count that may be 0). ``baseline`` and
    ``candidate`` are (N, k), paired by row; d_i = mean_k candidate - mean_k baseline, larger = worse.
    Estimate, bounds and ``p_regress`` as in :func:`paired_log_ratio_bound` (one shared implementation,
    :func:`~pytest_behavior.stats.continuous.signed_rank_bound`): the p-value is dual to the lower bound.
    """
    _check_alpha(alpha)
    if not math.isfinite(threshold):
        raise ValueError(f"threshold must be finite, got {threshold!r}")
    d, n, k = _paired_differences(baseline, candidate, log=False)
    return signed_rank_bound(
        d,
        threshold=threshold,
        alpha=alpha,
        alpha_lower=alpha_lower,
        n_inputs=n,
        repeats=k,
        method="Wilcoxon signed-rank + Hodges-Lehmann bounds (shift)",
    )
