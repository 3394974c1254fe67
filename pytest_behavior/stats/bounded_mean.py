"""A bound on the mean of bounded per-input scores (an LLM judge's win score, a rubric score) against a threshold.

The quantity is the mean over inputs of the per-input means of values in [lower, upper], oriented so that larger is
worse: for ``min_win_rate=w`` the caller passes the loss score 1 - s (s = 1 win, 1/2 tie, 0 loss) and the threshold
1 - w; for ``min_mean=m`` on a rubric, the complemented score (lower + upper - score) and lower + upper - m.

The bound is one-sided Student t on the N per-input means (df = N - 1), widened on either side for skew by the
Edgeworth term (:mod:`~pytest_behavior.stats.student`). While fewer than 30 inputs lie off the most common
per-input value (`MIN_SPREAD_FOR_T`: few inputs, or mostly ties), it is widened to the hull of two more bounds, each
with its dual p-value (``p_regress`` is the largest of the p-values, so it stays dual to the lowest lower bound):

* Clopper-Pearson on the full range. Among laws on [lower, upper] with a given mean, the two-point law on the ends
  is the extremal one (Hoeffding 1956), so the per-input means, rescaled to y in [0, 1], are read as x = sum y_i
  successes in n_eff = N g trials, g = ybar (1 - ybar) / v >= 1: a Kish effective sample size, the binomial with
  the sample's own variance v. It cannot collapse: v is at least ybar (1 - ybar) / N (n_eff <= N^2), and
  3 ybar (1 - ybar) / N when every input has the same mean (the rule of three: 3/N of the inputs could lie at an
  end of the range without any of N showing it; a sample all at an end gets the plain Clopper-Pearson bound).
* Clopper-Pearson on the observed range [min y, max y], alike: for scores on few points (ties and rare losses) the
  mean is a scaled binomial count, skewed far more than the sample skewness shows.

Why (simulated while choosing the method, R = 2000, truth on the threshold): the t bound alone gave 7.1% false
REGRESSED (win rate 0.3, no ties, k = 3, N = 10), 18-52% false PASS at N = 2-5 with 70% ties (a sample of ties has
no spread), 12% false PASS at N = 20 with 90% ties and 10% losses (no loss among 20 inputs) and 7% at N = 300 with
95% ties and 5% losses (skew); the full-range Clopper-Pearson bound alone kept the errors below 5% but almost never
decided below 30 rubric inputs (0.0-0.5% REGRESSED at the threshold), and the hull of all three at every N cost 3-4
points of power at 100-400 inputs. As built, both errors stay at most 5.8% at every N and k of the acceptance grid
(``tests/simulation/bounded_mean_grid.py``: win rates 0.3 and 0.5 with 0-90% ties, rubric means at mid-scale and at
the ceiling), and once the scores show their spread the bound is the plain t bound, with the power that
:func:`~pytest_behavior.stats.power_preference.n_for_win_rate` quotes (within 1.5 points). Below 10 inputs it is
conservative (REGRESSED 0-3.5% at the threshold): the price of a bound that stays valid on a handful of tied or
discrete scores.

References:
    Hall (1992), "The Bootstrap and Edgeworth Expansion", Springer, sec. 3.5.
    Hoeffding (1956), "On the distribution of the number of successes in independent trials", Ann Math Stat
    27:713-721 (the binomial as the extremal law).
    Clopper & Pearson (1934), Biometrika 26:404-413; Kish (1965), "Survey Sampling" (effective sample size).
    Miller (2024), "Adding Error Bars to Evals", arXiv 2411.00640 (per-input averaging of repeats).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pytest_behavior.stats.absolute_rate import _clopper_pearson, _upper_tail
from pytest_behavior.stats.arrays import as_metric_matrix
from pytest_behavior.stats.checks import _check_alpha
from pytest_behavior.stats.result import BoundResult
from pytest_behavior.stats.student import _t_bounds, _t_pvalue

__all__ = ["bounded_mean_bound"]

MIN_INPUTS_BOUNDED = 2
"""Fewer inputs are not judged (INCONCLUSIVE): one input, however many repeats, says nothing about the next."""
MIN_SPREAD_FOR_T = 30
"""From this many inputs off the most common per-input value on, the t bound alone is used: its spread then shows
the values the scores take (below, a sample of ties or of rare losses can miss a value it has not seen)."""
_RULE_OF_THREE = 3.0
"""Variance floor multiplier, in units of ybar (1 - ybar) / N, for a sample whose inputs all have the same mean."""
METHOD = "one-sided t (Edgeworth skew widening) on per-input means"
METHOD_SMALL = (
    METHOD + ", with Kish-effective Clopper-Pearson bounds (full and observed range): fewer than "
    f"{MIN_SPREAD_FOR_T} inputs off the most common value"
)


def _check_bounds(lower: float, upper: float) -> None:
    if not (math.isfinite(lower) and math.isfinite(upper) and lower < upper):
        raise ValueError(f"need finite lower < upper, got lower={lower!r}, upper={upper!r}")


def _in_range(values: NDArray[Any], name: str, lower: float, upper: float) -> NDArray[np.float64]:
    """``values`` as a finite (N, k) float matrix with every value in [lower, upper]."""
    arr = as_metric_matrix(values, name)
    if np.any(arr < lower) or np.any(arr > upper):
        raise ValueError(f"{name} must lie in [lower, upper] = [{lower!r}, {upper!r}]")
    return arr


def _kish_clopper_pearson(
    y: NDArray[np.float64], *, threshold: float, alpha_lower: float, alpha: float, floor: float
) -> tuple[float, float, float]:
    """(lower, upper, p) of the Kish-effective Clopper-Pearson bound for values y in [0, 1] (module docstring,
    items 2 and 3): n_eff = N g, g = ybar (1 - ybar) / max(v, floor ybar (1 - ybar) / N), g >= 1, x_eff = ybar n_eff.
    p = P(Bin(n_eff, threshold) >= x_eff), dual to the lower bound; a threshold outside [0, 1) (the observed range's
    scale) is decided by the range alone: p = 0 below it, 1 from its top."""
    n = y.size
    mean = float(y.mean())
    cap = mean * (1.0 - mean)
    variance = max(float(y.var(ddof=1)), floor * cap / n)
    n_eff = n * max(cap / variance, 1.0) if variance > 0.0 else float(n)
    x_eff = mean * n_eff
    lower, upper = _clopper_pearson(x_eff, n_eff, alpha_lower=alpha_lower, alpha=alpha)
    if threshold < 0.0:
        return lower, upper, 0.0
    if threshold >= 1.0:
        return lower, upper, 1.0
    return lower, upper, _upper_tail(x_eff, n_eff, threshold)


def _off_mode(y: NDArray[np.float64]) -> int:
    """How many values differ from the most common one."""
    return int(y.size - np.unique(y, return_counts=True)[1].max())


def _hull(
    y: NDArray[np.float64], *, threshold: float, alpha_lower: float, alpha: float
) -> tuple[float, float, float, str]:
    """(lower, upper, p, method) on the [0, 1] scale: the t bound, and the hull with the two Clopper-Pearson bounds
    while fewer than `MIN_SPREAD_FOR_T` inputs lie off the most common value (module docstring)."""
    constant = bool(np.all(y == y[0]))
    lower, upper = _t_bounds(y, alpha_lower=alpha_lower, alpha=alpha, constant=constant, skew_lower=True)
    p = _t_pvalue(y, threshold=threshold, constant=constant, skew_lower=True)
    if _off_mode(y) >= MIN_SPREAD_FOR_T:
        return lower, upper, p, METHOD
    floor = _RULE_OF_THREE if constant else 1.0
    members = [_kish_clopper_pearson(y, threshold=threshold, alpha_lower=alpha_lower, alpha=alpha, floor=floor)]
    low, high = float(y.min()), float(y.max())
    if high > low:
        width = high - low
        z_lower, z_upper, z_p = _kish_clopper_pearson(
            (y - low) / width, threshold=(threshold - low) / width, alpha_lower=alpha_lower, alpha=alpha, floor=1.0
        )
        members.append((low + width * z_lower, low + width * z_upper, z_p))
    for member_lower, member_upper, member_p in members:
        lower, upper, p = min(lower, member_lower), max(upper, member_upper), max(p, member_p)
    return lower, upper, p, METHOD_SMALL


def bounded_mean_bound(
    values: NDArray[Any],
    *,
    lower: float,
    upper: float,
    threshold: float,
    alpha: float = 0.05,
    alpha_lower: float | None = None,
) -> BoundResult:
    """Bound on the mean over inputs of bounded scores, oriented larger = worse (module docstring for the method).

    ``values``: (N, k) scores in [``lower``, ``upper``], rows = inputs (a 1-D array means k = 1); the k repeats of
    an input are averaged first. ``p_regress`` tests H0: mean <= ``threshold`` and is dual to ``lower`` (computed at
    ``alpha_lower``, default ``alpha``); ``upper`` is at ``alpha``. Fewer than 2 inputs are not judged: infinite
    bounds, p = 1 and a method string that says why. The threshold must lie in [lower, upper].
    """
    _check_alpha(alpha)
    alpha_lower = alpha if alpha_lower is None else alpha_lower
    _check_alpha(alpha_lower)
    _check_bounds(lower, upper)
    lower, upper = float(lower), float(upper)
    if not lower <= threshold <= upper:
        raise ValueError(f"threshold must lie in [lower, upper] = [{lower!r}, {upper!r}], got {threshold!r}")
    matrix = _in_range(values, "values", lower, upper)
    n, k = matrix.shape
    means = np.sort(matrix, axis=1).mean(axis=1)  # order-free: the same outputs in another order, the same mean
    if n < MIN_INPUTS_BOUNDED:
        method = (
            f"{n} input: a mean over inputs needs at least {MIN_INPUTS_BOUNDED} inputs "
            "(not judged; repeats do not replace inputs)"
        )
        return BoundResult(float(means.mean()), -math.inf, math.inf, 1.0, n, k, method)
    width = upper - lower
    y = np.clip((means - lower) / width, 0.0, 1.0)
    low, high, p, method = _hull(y, threshold=(threshold - lower) / width, alpha_lower=alpha_lower, alpha=alpha)
    estimate = float(means.mean())
    return BoundResult(estimate, max(lower + width * low, lower), min(lower + width * high, upper), p, n, k, method)
