"""Paired binary differences and absolute rates (1 = bad: refused, invalid, ...).

References:
    Fagerland, Lydersen & Laake (2013), "The McNemar test for binary matched-pairs data: mid-p and
    asymptotic are better than exact conditional", BMC Med Res Methodol 13:91 (mid-p McNemar).
    Tango (1998), "Equivalence test and confidence interval for the difference in proportions for the
    paired-sample design", Stat Med 17:891-908 (score statistic and interval).
    Clopper & Pearson (1934), Biometrika 26:404-413 (exact binomial bounds).
    Kish (1965), "Survey Sampling", Wiley (design effect and effective sample size).
    Miller (2024), "Adding Error Bars to Evals", arXiv 2411.00640 (per-input averaging of repeats).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import optimize, special
from scipy.stats import beta, binom, norm, skew
from scipy.stats import f as f_dist
from scipy.stats import t as student_t

from pytest_behavior.stats.result import BoundResult

__all__ = [
    "absolute_rate_bound",
    "mcnemar_midp",
    "paired_binary_bound",
    "tango_bounds",
    "tango_pvalue",
]

_EDGE = 1e-12  # distance from +-1 at which Tango's statistic is evaluated instead of the endpoint
_XTOL = 1e-13
TANGO_CONTINUITY = 0.5
"""Half a table unit taken off b - c in Tango's REGRESSED test of a margin (and in the lower bound, its dual).

Without it the score test is liberal with few inputs: false REGRESSED exactly at the margin 6.4-7.0% at N = 10-30,
20% baseline rate, margin 10 points (R = 4000, 99% band +-1.0). With it: 2.2-4.5% there and 4.5% at N = 100,
for about 2 points of power (5% -> 15% at N = 338: 72.5% -> 70.4%). The upper bound (the PASS side, already at or
under its level) and the exact test of no change at all are not corrected."""
_MIN_CHANGED_FOR_T = 30  # fewer inputs with a nonzero difference: the t-interval alone is too narrow


# --------------------------------------------------------------------------------------------------
# validation helpers
# --------------------------------------------------------------------------------------------------


def _check_alpha(alpha: float) -> None:
    if not 0.0 < alpha <= 0.5:
        raise ValueError(f"alpha must be in (0, 0.5], got {alpha!r}")


def _check_counts(b: int, c: int, n: int) -> None:
    if min(b, c) < 0 or b + c > n:
        raise ValueError(f"need 0 <= b, c and b + c <= n, got b={b}, c={c}, n={n}")


def _as_binary_matrix(values: NDArray[Any], name: str) -> NDArray[np.int64]:
    """Return ``values`` as an (N, k) int matrix of 0/1; a 1-D array is read as k = 1."""
    arr = np.asarray(values)
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2:
        raise ValueError(f"{name} must have shape (N, k), got {arr.shape}")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name} is empty: shape {arr.shape}")
    if not np.isin(arr, (0, 1)).all():
        raise ValueError(f"{name} must contain only 0/1 (1 = bad)")
    return arr.astype(np.int64)


def _paired_matrices(
    baseline: NDArray[Any], candidate: NDArray[Any]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    base = _as_binary_matrix(baseline, "baseline")
    cand = _as_binary_matrix(candidate, "candidate")
    if base.shape != cand.shape:
        raise ValueError(f"baseline {base.shape} and candidate {cand.shape} must have the same shape")
    return base, cand


# --------------------------------------------------------------------------------------------------
# mid-p McNemar
# --------------------------------------------------------------------------------------------------


def mcnemar_midp(b: int, c: int) -> float:
    """One-sided mid-p McNemar test; H1: P(ok->bad) > P(bad->ok).

    ``b`` = #pairs ok->bad (baseline 0, candidate 1), ``c`` = #pairs bad->ok.
    p = P(X > b) + 0.5 P(X = b) with X ~ Bin(b + c, 1/2) (Fagerland, Lydersen & Laake 2013).
    With no discordant pairs (b = c = 0) the formula gives 0.5.
    """
    _check_counts(b, c, b + c)
    m = b + c
    return float(binom.sf(b, m, 0.5) + 0.5 * binom.pmf(b, m, 0.5))


# --------------------------------------------------------------------------------------------------
# Tango's score statistic and interval
# --------------------------------------------------------------------------------------------------


def _tango_restricted_q(b: float, c: float, n: float, delta: float) -> float:
    """Restricted MLE of p10 under Delta = delta: the positive root of A q^2 + B q + C = 0 (Tango 1998)."""
    a_coef = 2.0 * n
    b_coef = -b - c + (2.0 * n - b + c) * delta
    c_coef = -c * delta * (1.0 - delta)
    root = math.sqrt(max(b_coef * b_coef - 4.0 * a_coef * c_coef, 0.0))
    # numerically stable form of (root - B) / (2A), avoiding cancellation when B > 0
    q = (root - b_coef) / (2.0 * a_coef) if b_coef <= 0.0 else -2.0 * c_coef / (root + b_coef)
    return max(q, 0.0, -delta)


def _tango_z(b: float, c: float, n: float, delta: float, continuity: float = 0.0) -> float:
    """Tango's score statistic Z(delta) = (b - c - n delta - continuity) / sqrt(n (2 q + delta (1 - delta)))."""
    numerator = b - c - n * delta - continuity
    q = _tango_restricted_q(b, c, n, delta)
    variance = n * (2.0 * q + delta * (1.0 - delta))
    if variance <= 0.0:
        if numerator == 0.0:
            return 0.0
        return math.copysign(math.inf, numerator)
    return numerator / math.sqrt(variance)


def _tango_lower(b: float, c: float, n: float, z: float, continuity: float = 0.0) -> float:
    """Solve Z(L) = z on [-1, estimate]; -1 when Z stays below z on the whole range."""
    estimate = (b - c) / n
    left = -1.0 + _EDGE
    if c == n or estimate <= left or _tango_z(b, c, n, left, continuity) <= z:
        return -1.0
    return float(optimize.brentq(lambda d: _tango_z(b, c, n, d, continuity) - z, left, estimate, xtol=_XTOL))


def _tango_upper(b: float, c: float, n: float, z: float) -> float:
    """Solve Z(U) = -z on [estimate, 1]; 1 when Z stays above -z on the whole range."""
    estimate = (b - c) / n
    right = 1.0 - _EDGE
    if b == n or estimate >= right or _tango_z(b, c, n, right) >= -z:
        return 1.0
    return float(optimize.brentq(lambda d: _tango_z(b, c, n, d) + z, estimate, right, xtol=_XTOL))


def tango_bounds(b: int, c: int, n: int, *, alpha: float) -> tuple[float, float]:
    """One-sided (1 - alpha) lower and upper bounds for Delta = p01 - p10 (Tango 1998, Stat Med 17:891).

    The bounds invert Tango's score statistic Z(D) = (b - c - n D) / sqrt(n (2 q(D) + D (1 - D))), with
    q(D) the restricted MLE of p10: the lower bound solves Z(L) = z_{1-alpha}, the upper Z(U) = -z_{1-alpha}.
    Bounds are clipped to [-1, 1]. Edge cases: n = 0 gives (-1, 1); b = n gives upper 1; c = n gives
    lower -1; b = c = 0 gives the closed form -+ z^2 / (n + z^2).
    """
    _check_alpha(alpha)
    _check_counts(b, c, n)
    if n == 0:
        return -1.0, 1.0
    z = float(norm.isf(alpha))
    return _tango_lower(b, c, n, z), _tango_upper(b, c, n, z)


def tango_pvalue(b: int, c: int, n: int, *, delta: float, continuity: float = 0.0) -> float:
    """One-sided p of H0: Delta <= delta via Tango's (1998) score statistic: 1 - Phi(Z(delta)).

    delta >= 1 gives 1.0 (H0 holds for every table); delta <= -1 is evaluated just inside -1.
    n = 0 (no data) gives 1.0. ``continuity`` is taken off b - c (see `TANGO_CONTINUITY`).
    """
    _check_counts(b, c, n)
    if n == 0 or delta >= 1.0:
        return 1.0
    delta = max(delta, -1.0 + _EDGE)
    return float(norm.sf(_tango_z(b, c, n, delta, continuity)))


# --------------------------------------------------------------------------------------------------
# paired binary, k > 1: t-interval and sign-flip permutation test on per-input differences
# --------------------------------------------------------------------------------------------------


def _t_bounds(d: NDArray[np.float64], *, alpha_lower: float, alpha: float, constant: bool) -> tuple[float, float]:
    """One-sided Student-t bounds of mean(d): lower at level ``alpha_lower``, upper at ``alpha``; zero width when
    all d_i are equal (the caller never passes a single input: see `MIN_INPUTS_REPEATED`).

    The upper bound (the PASS side) is widened for a right-skewed sample by the Edgeworth term of the studentized
    mean, gamma (2 t^2 + 1) / (6 sqrt(n)) standard errors (Hall 1992, "The Bootstrap and Edgeworth Expansion",
    Springer, sec. 3.5): a change confined to a few inputs makes the per-input differences skewed and the plain t
    bound too low (false PASS at the margin 6.8% -> 5.8%, N = 100, k = 10, input x configuration ICC 0.3). The
    lower bound stays the t-test's dual.
    """
    mean = float(d.mean())
    if constant:
        return mean, mean
    n = d.size
    se = float(d.std(ddof=1)) / math.sqrt(n)
    t_upper = float(student_t.isf(alpha, n - 1))
    gamma = max(float(skew(d, bias=False)), 0.0) if n > 2 else 0.0
    upper = mean + se * (t_upper + gamma * (2.0 * t_upper**2 + 1.0) / (6.0 * math.sqrt(n)))
    return mean - float(student_t.isf(alpha_lower, n - 1)) * se, upper


def _t_pvalue(d: NDArray[np.float64], *, threshold: float, constant: bool) -> float:
    """One-sided t-test of H0: mean(d) <= threshold; a constant sample gives 0, 0.5 or 1."""
    mean = float(d.mean())
    if constant or d.size < 2:
        if constant and mean != threshold:
            return 0.0 if mean > threshold else 1.0
        return 0.5
    se = float(d.std(ddof=1)) / math.sqrt(d.size)
    return float(student_t.sf((mean - threshold) / se, d.size - 1))


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
    n, k = base.shape
    diffs = cand.sum(axis=1) - base.sum(axis=1)  # k * d_i, integers
    d = diffs / k
    if n < MIN_INPUTS_REPEATED:
        return BoundResult(float(d.mean()), -math.inf, math.inf, 1.0, n, k,
                           f"{n} input: a paired rate with repeats needs at least {MIN_INPUTS_REPEATED} inputs "
                           "(not judged; repeats do not replace inputs)")
    constant = bool(np.all(diffs == diffs[0]))
    lower, upper = _t_bounds(d, alpha_lower=alpha_lower, alpha=alpha, constant=constant)
    p = _t_pvalue(d, threshold=threshold, constant=constant)
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
    if n < MIN_INPUTS_TO_PASS_REPEATED:
        upper = math.inf
        method += f" (fewer than {MIN_INPUTS_TO_PASS_REPEATED} inputs: cannot show the bound holds)"
    if threshold == 0.0:
        p_exact = _sign_flip_midp(diffs)  # exact for "no change at all"; see _paired_k1 for the hull
        if p_exact >= alpha_lower:
            lower = min(lower, 0.0)
        p = max(p, p_exact)
        method = "sign-flip permutation mid-p and t/score test + t/score interval on per-input differences"
    return BoundResult(float(d.mean()), max(lower, -1.0), min(upper, 1.0), p, n, k, method)


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


def tango_pvalue_fractional(b: float, c: float, n: float, *, delta: float) -> float:
    """`tango_pvalue` for fractional discordance (per-input mean differences of k repeats)."""
    if n == 0 or delta >= 1.0:
        return 1.0
    return float(norm.sf(_tango_z(b, c, n, max(delta, -1.0 + _EDGE))))


def paired_binary_bound(
    baseline: NDArray[Any], candidate: NDArray[Any], *, threshold: float, alpha: float = 0.05,
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


# --------------------------------------------------------------------------------------------------
# absolute rate: exact binomial / Clopper-Pearson, Kish effective n for repeats
# --------------------------------------------------------------------------------------------------


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
