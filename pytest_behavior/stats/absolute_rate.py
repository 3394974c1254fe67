"""A bound on one arm's bad-outcome rate (1 = bad): exact binomial and Clopper-Pearson, Kish effective n for repeats.

References:
    Clopper & Pearson (1934), Biometrika 26:404-413 (exact binomial bounds).
    Kish (1965), "Survey Sampling", Wiley (design effect and effective sample size).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import special
from scipy.stats import beta, binom
from scipy.stats import f as f_dist

from pytest_behavior.stats.checks import _as_binary_matrix, _check_alpha
from pytest_behavior.stats.result import BoundResult

__all__ = ["absolute_rate_bound"]


def _clopper_pearson(x: float, n: float, *, alpha_lower: float, alpha: float) -> tuple[float, float]:
    """One-sided Clopper-Pearson bounds, lower at level ``alpha_lower`` and upper at ``alpha``; x and n may be
    non-integer (Kish effective counts). The lower bound is dual to the binomial tail p = I_t(x, n - x + 1):
    lower > t exactly when p < alpha_lower."""
    lower = 0.0 if x <= 0.0 else float(beta.ppf(alpha_lower, x, n - x + 1.0))
    upper = 1.0 if x >= n else float(beta.ppf(1.0 - alpha, x + 1.0, n - x))
    return lower, upper


MIN_INPUTS_FOR_ICC = 100
"""Below this many inputs the repeats' intraclass correlation is taken as 1 (n_eff = N: each input's rate is one
bounded observation, for which the binomial is the extremal law, Hoeffding 1956), because it cannot be estimated
well enough: with the ANOVA estimate, false PASS exactly at the threshold reached 7.7-22% (5% and 20% rates,
latent ICC 0.3-0.6, N = 2-20, k = 10-50; R = 2000), and even its 95% upper confidence limit left 6.5-9.5% at
N = 10-50 with ICC 0.6. From 100 inputs the upper confidence limit is used (all cells <= 5%)."""


def _icc_upper(values: NDArray[np.int64], *, confidence: float = 0.95) -> float:
    """Upper confidence limit of the intraclass correlation of the repeats, clipped to [0, 1], from the one-way
    random-effects ANOVA F ratio (Searle 1971, "Linear Models", sec. 9.7): (F / F_L - 1) / (F / F_L + k - 1),
    F_L the (1 - confidence) quantile of F(N - 1, N (k - 1)). 1 when there is no within-input variation or too
    few inputs (see `MIN_INPUTS_FOR_ICC`): the conservative value, n_eff = N."""
    n, k = int(values.shape[0]), int(values.shape[1])
    if n < MIN_INPUTS_FOR_ICC:
        return 1.0
    rates = values.mean(axis=1)
    msb = k * float(np.sum((rates - rates.mean()) ** 2)) / (n - 1)
    msw = float(np.sum((values - rates[:, None]) ** 2)) / (n * (k - 1))
    if msw <= 0.0:
        return 1.0
    ratio = (msb / msw) / float(f_dist.ppf(1.0 - confidence, n - 1, n * (k - 1)))
    return min(max((ratio - 1.0) / (ratio + k - 1.0), 0.0), 1.0)


def _effective_counts(values: NDArray[np.int64]) -> tuple[float, float]:
    """Kish effective (x, n): deff = 1 + (k - 1) ICC, n_eff = N k / deff, x_eff = rate n_eff (ICC: `_icc_upper`)."""
    n, k = values.shape
    deff = 1.0 + (k - 1) * _icc_upper(values)
    n_eff = n * k / deff
    return float(values.mean()) * n_eff, n_eff


def _upper_tail(x: float, n: float, p0: float) -> float:
    """P(X >= x), X ~ Bin(n, p0), as the regularized incomplete beta I_p0(x, n - x + 1) (any real x, n)."""
    if x <= 0.0:
        return 1.0
    return float(special.betainc(x, n - x + 1.0, p0))


def absolute_rate_bound(
    values: NDArray[Any], *, threshold: float, alpha: float = 0.05, alpha_lower: float | None = None
) -> BoundResult:
    """Bound on the candidate's bad-outcome rate (Clopper & Pearson 1934; Kish 1965).

    ``values``: (N, k) of 0/1 (1 = bad); a 1-D array means k = 1. ``p_regress`` tests H0: rate <= threshold.

    k == 1: exact binomial test p = P(X >= x | N, threshold) and one-sided Clopper-Pearson bounds.
    k > 1: the repeats of one input are correlated, so the N k outcomes are worth n_eff = N k / deff
    independent ones, deff = 1 + (k - 1) ICC with the upper 95% confidence limit of the one-way ANOVA ICC of the
    per-input rates from 100 inputs on, and ICC = 1 (n_eff = N) below (see `MIN_INPUTS_FOR_ICC`). The
    Clopper-Pearson bounds and the binomial tail are evaluated through the beta distribution with the non-integer
    counts x_eff = rate n_eff, n_eff.
    Thresholds 0 and 1 are valid: p is 1 when x = 0 or threshold = 1, and 0 when x > 0 and threshold = 0.
    """
    _check_alpha(alpha)
    alpha_lower = alpha if alpha_lower is None else alpha_lower
    _check_alpha(alpha_lower)
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be a rate in [0, 1], got {threshold!r}")
    matrix = _as_binary_matrix(values, "values")
    n, k = matrix.shape
    if k == 1:
        x = int(matrix.sum())
        lower, upper = _clopper_pearson(x, n, alpha_lower=alpha_lower, alpha=alpha)
        p = float(binom.sf(x - 1, n, threshold))
        return BoundResult(x / n, lower, upper, p, n, 1, "exact binomial + Clopper-Pearson")
    x_eff, n_eff = _effective_counts(matrix)
    lower, upper = _clopper_pearson(x_eff, n_eff, alpha_lower=alpha_lower, alpha=alpha)
    p = _upper_tail(x_eff, n_eff, threshold)
    method = "Kish effective-n binomial + Clopper-Pearson"
    return BoundResult(float(matrix.mean()), lower, upper, p, n, k, method)
