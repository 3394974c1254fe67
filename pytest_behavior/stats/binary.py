"""Paired binary differences (1 = bad: refused, invalid, ...): the bound on the increase of a bad-outcome rate.

The tests on discordant counts (mid-p McNemar, Tango) live in :mod:`~pytest_behavior.stats.discordant`, the bound
on one arm's rate in :mod:`~pytest_behavior.stats.absolute_rate`; both stay importable from here.

References:
    Fagerland, Lydersen & Laake (2013), "The McNemar test for binary matched-pairs data: mid-p and
    asymptotic are better than exact conditional", BMC Med Res Methodol 13:91 (mid-p McNemar).
    Tango (1998), "Equivalence test and confidence interval for the difference in proportions for the
    paired-sample design", Stat Med 17:891-908 (score statistic and interval).
    Miller (2024), "Adding Error Bars to Evals", arXiv 2411.00640 (per-input averaging of repeats).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.stats import binom, norm

from pytest_behavior.stats.absolute_rate import MIN_INPUTS_FOR_ICC as MIN_INPUTS_FOR_ICC
from pytest_behavior.stats.absolute_rate import _effective_counts as _effective_counts
from pytest_behavior.stats.absolute_rate import absolute_rate_bound as absolute_rate_bound
from pytest_behavior.stats.checks import _as_binary_matrix as _as_binary_matrix
from pytest_behavior.stats.checks import _check_alpha, _paired_matrices
from pytest_behavior.stats.discordant import TANGO_CONTINUITY as TANGO_CONTINUITY
from pytest_behavior.stats.discordant import _tango_lower, _tango_upper
from pytest_behavior.stats.discordant import _tango_z as _tango_z
from pytest_behavior.stats.discordant import mcnemar_midp as mcnemar_midp
from pytest_behavior.stats.discordant import tango_bounds as tango_bounds
from pytest_behavior.stats.discordant import tango_pvalue as tango_pvalue
from pytest_behavior.stats.discordant import tango_pvalue_fractional as tango_pvalue_fractional
from pytest_behavior.stats.result import BoundResult
from pytest_behavior.stats.student import _t_bounds as _t_bounds
from pytest_behavior.stats.student import _t_pvalue as _t_pvalue

__all__ = ["absolute_rate_bound", "mcnemar_midp", "paired_binary_bound", "tango_bounds", "tango_pvalue"]

_MIN_CHANGED_FOR_T = 30  # fewer inputs with a nonzero difference: the t-interval alone is too narrow


# --------------------------------------------------------------------------------------------------
# k = 1: Tango and mid-p McNemar on the discordant counts; k > 1: t, score and sign-flip tests on per-input means
# --------------------------------------------------------------------------------------------------


def _convolve(x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
    if x.size * y.size <= 4_000_000:
        return np.convolve(x, y)
    from scipy.signal import fftconvolve

    return np.clip(np.asarray(fftconvolve(x, y), dtype=np.float64), 0.0, None)


def _sign_flip_midp(diffs: NDArray[np.int64]) -> float:
    """Exact one-sided mid-p of the sign-flip permutation test on T = sum(diffs).

    Under H0 each integer difference keeps or flips its sign with probability 1/2. Differences sharing a
    magnitude a contribute a (2X - m), X ~ Bin(m, 1/2), so the permutation distribution is the convolution
    of one scaled binomial per magnitude: exact for every N (no Monte-Carlo), and with only magnitude 1
    (k = 1) it is exactly the mid-p McNemar test. p = P(T > t) + 0.5 P(T = t).
    """
    magnitudes = np.abs(diffs[diffs != 0])
    if magnitudes.size == 0:
        return 0.5
    pmf = np.ones(1)
    for a, m in zip(*np.unique(magnitudes, return_counts=True), strict=True):
        scaled = np.zeros(2 * int(a) * int(m) + 1)
        scaled[:: 2 * int(a)] = binom.pmf(np.arange(m + 1), m, 0.5)
        pmf = _convolve(pmf, scaled)
    index = int(diffs.sum()) + int(magnitudes.sum())  # pmf[j] = P(T = j - sum|d|)
    return float(min(1.0, pmf[index + 1 :].sum() + 0.5 * pmf[index]))


def _paired_k1(
    base: NDArray[np.int64], cand: NDArray[np.int64], *, threshold: float, alpha_lower: float, alpha: float
) -> BoundResult:
    n = base.shape[0]
    b = int(np.sum((base == 0) & (cand == 1)))
    c = int(np.sum((base == 1) & (cand == 0)))
    continuity = 0.0 if threshold == 0.0 else TANGO_CONTINUITY
    lower = _tango_lower(b, c, n, float(norm.isf(alpha_lower)), continuity)
    upper = _tango_upper(b, c, n, float(norm.isf(alpha)))
    # dual to the lower bound: p < a <=> lower(a) > threshold
    p_score = tango_pvalue(b, c, n, delta=threshold, continuity=continuity)
    if threshold == 0.0:
        # "No change at all" is tested exactly (mid-p McNemar); the verdict needs both tests, so that the shown
        # lower bound, the score interval's, agrees with it. When the exact test alone keeps 0 in, the shown
        # lower end is 0: the convex hull of what the combined test accepts.
        p_exact = mcnemar_midp(b, c)
        if p_exact >= alpha_lower:
            lower = min(lower, 0.0)
        p, method = max(p_exact, p_score), "mid-p McNemar and Tango score test + Tango score interval"
    else:
        p, method = p_score, "Tango score test + Tango score interval (continuity-corrected on the breaking side)"
    return BoundResult((b - c) / n, lower, upper, p, n, 1, method)


MIN_INPUTS_REPEATED = 2
"""With repeats, the inputs are the unit of inference (docs/statistics.md): one input, however many repeats, says
nothing about the next input, so fewer inputs than this are not judged (INCONCLUSIVE)."""
MIN_INPUTS_TO_PASS_REPEATED = 30
"""With repeats, fewer inputs than this cannot show that a bound holds (the upper bound is 1): the per-input
differences are skewed (a few inputs change a lot), and their mean's upper bound from few inputs under-covers,
most where the change hits some inputs and not others (input x configuration ICC, ``arm_icc`` in the simulation
grid). Simulated false PASS at the margin, 5% -> 10% refusals, ``max_increase=0.05``: N=3, k=50, input ICC 0.3:
9.3%; N=10, k=50, arm ICC 0.6: 10.3%; N=10, k=10, ICC 0.3 + 0.3: 9.4%; N=20, k=50, arm ICC 0.6: 6.5%; N=30: 5.3%
(R = 1000-2000). The breaking side keeps its level there, so a clear regression is still found."""


def _paired_repeats(
    base: NDArray[np.int64], cand: NDArray[np.int64], *, threshold: float, alpha_lower: float, alpha: float
) -> BoundResult:
    k = base.shape[1]
    diffs = cand.sum(axis=1) - base.sum(axis=1)  # k * d_i, integers
    return _differences_bound(
        diffs / k,
        diffs,
        repeats=k,
        threshold=threshold,
        alpha_lower=alpha_lower,
        alpha=alpha,
        what="a paired rate with repeats",
        pass_floor=MIN_INPUTS_TO_PASS_REPEATED,
    )


def _differences_bound(
    d: NDArray[np.float64],
    flips: NDArray[np.int64],
    *,
    repeats: int,
    threshold: float,
    alpha_lower: float,
    alpha: float,
    what: str,
    pass_floor: int,
    skew_lower: bool = False,
) -> BoundResult:
    """The bound on the mean of per-input differences d_i in [-1, 1]: t bounds and test, widened by Tango's score
    interval while fewer than 30 inputs changed, and at threshold 0 combined with the exact sign-flip test on
    ``flips`` (integers proportional to d). Below ``pass_floor`` inputs the upper bound is 1 (cannot PASS).
    ``skew_lower`` also widens the lower bound for a left-skewed sample (`student._t_bounds`)."""
    n, k = d.shape[0], repeats
    if n < MIN_INPUTS_REPEATED:
        return BoundResult(
            float(d.mean()),
            -math.inf,
            math.inf,
            1.0,
            n,
            k,
            f"{n} input: {what} needs at least {MIN_INPUTS_REPEATED} inputs "
            "(not judged; repeats do not replace inputs)",
        )
    constant = bool(np.all(d == d[0]))
    lower, upper = _t_bounds(d, alpha_lower=alpha_lower, alpha=alpha, constant=constant, skew_lower=skew_lower)
    p = _t_pvalue(d, threshold=threshold, constant=constant, skew_lower=skew_lower)
    # With few inputs that changed at all, the t-interval is too narrow (zero width when every d_i is
    # equal): at the margin it PASSes far more often than alpha (simulated 1%->6%, N=10, k=3: 17%).
    # There, Tango's score interval on the per-input differences taken as fractional discordant counts
    # (which cannot collapse) widens it; with enough changed inputs the t-interval is accurate and kept.
    # The bound and the p-value are widened together, so that they stay dual.
    if int(np.count_nonzero(d)) < _MIN_CHANGED_FOR_T:
        b_frac, c_frac, n_frac = _effective_discordance(d)
        lower = min(lower, _tango_lower(b_frac, c_frac, n_frac, float(norm.isf(alpha_lower))))
        upper = max(upper, _tango_upper(b_frac, c_frac, n_frac, float(norm.isf(alpha))))
        p = max(p, tango_pvalue_fractional(b_frac, c_frac, n_frac, delta=threshold))
    method = "t/score test + t/score interval on per-input differences"
    inputs_to_pass = 0
    if n < pass_floor:
        upper, inputs_to_pass = math.inf, pass_floor
        method += f" (fewer than {pass_floor} inputs: cannot show the bound holds)"
    if threshold == 0.0:
        p_exact = _sign_flip_midp(flips)  # exact for "no change at all"; see _paired_k1 for the hull
        if p_exact >= alpha_lower:
            lower = min(lower, 0.0)
        p = max(p, p_exact)
        method = "sign-flip permutation mid-p and t/score test + t/score interval on per-input differences"
    return BoundResult(float(d.mean()), max(lower, -1.0), min(upper, 1.0), p, n, k, method, inputs_to_pass)


def _effective_discordance(d: NDArray[np.float64]) -> tuple[float, float, float]:
    """Fractional discordant counts for Tango's score interval on per-input mean differences d_i in [-1, 1].

    Tango's variance treats each input's |d_i| as a discordance in {0, 1}, whose second moment equals its
    first: it estimates Var(d) from sum |d_i|. For the mean of k repeats the right second moment is
    sum d_i^2 (smaller: an input that changed in one repeat of three contributes 1/9, not 1/3), so the
    counts and N are scaled by g = sum |d_i| / sum d_i^2 >= 1: the estimate (b - c) / N and the discordance
    rate (b + c) / N are unchanged and the variance of the estimate becomes sum d_i^2 / N^2, as for the
    t-interval. At k = 1 (d_i in {-1, 0, 1}) g = 1 and this is Tango's interval (a Kish-style effective n).
    """
    positive, negative = float(d[d > 0].sum()), float(-d[d < 0].sum())
    second_moment = float(np.square(d).sum())
    g = (positive + negative) / second_moment if second_moment > 0 else 1.0
    return positive * g, negative * g, d.size * g


def paired_binary_bound(
    baseline: NDArray[Any],
    candidate: NDArray[Any],
    *,
    threshold: float,
    alpha: float = 0.05,
    alpha_lower: float | None = None,
) -> BoundResult:
    """Paired bound on the increase of a bad-outcome rate (Fagerland et al. 2013; Tango 1998; Miller 2024).

    ``baseline`` and ``candidate`` are (N, k) arrays of 0/1 (1 = bad), paired by row (input); a 1-D array
    means k = 1. The quantity is the mean over inputs of (candidate rate - baseline rate), larger = worse.

    k == 1: discordant pairs b (ok->bad) and c (bad->ok); Tango score bounds; ``p_regress`` is the mid-p
    McNemar test when ``threshold == 0``, else Tango's score test of H0: Delta <= threshold.

    k > 1: per-input differences d_i of the repeat means; one-sided t bounds (df = N - 1, zero width when
    all d_i are equal, +-1 when N = 1), clipped to [-1, 1]. ``p_regress``: threshold 0 -> exact sign-flip
    permutation test on sum(d_i) with the mid-p convention (the same convention as McNemar, to which it
    reduces at k = 1; the exact distribution is computed by convolution, so no Monte-Carlo seed is needed);
    threshold != 0 -> one-sided t-test of H0: mean(d) <= threshold.
    """
    _check_alpha(alpha)
    alpha_lower = alpha if alpha_lower is None else alpha_lower
    _check_alpha(alpha_lower)
    if not math.isfinite(threshold):
        raise ValueError(f"threshold must be finite, got {threshold!r}")
    base, cand = _paired_matrices(baseline, candidate)
    if base.shape[1] == 1:
        return _paired_k1(base, cand, threshold=threshold, alpha_lower=alpha_lower, alpha=alpha)
    return _paired_repeats(base, cand, threshold=threshold, alpha_lower=alpha_lower, alpha=alpha)
