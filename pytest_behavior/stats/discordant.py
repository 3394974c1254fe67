"""Tests and bounds on the discordant counts of paired binary outcomes: mid-p McNemar and Tango's score statistic.

b = #pairs ok->bad (baseline 0, candidate 1), c = #pairs bad->ok, n = #pairs; Delta = p01 - p10.

References:
    Fagerland, Lydersen & Laake (2013), "The McNemar test for binary matched-pairs data: mid-p and
    asymptotic are better than exact conditional", BMC Med Res Methodol 13:91 (mid-p McNemar).
    Tango (1998), "Equivalence test and confidence interval for the difference in proportions for the
    paired-sample design", Stat Med 17:891-908 (score statistic and interval).
"""

from __future__ import annotations

import math

from scipy import optimize
from scipy.stats import binom, norm

from pytest_behavior.stats.checks import _check_alpha, _check_counts

__all__ = ["mcnemar_midp", "tango_bounds", "tango_pvalue", "tango_pvalue_fractional"]

_EDGE = 1e-12  # distance from +-1 at which Tango's statistic is evaluated instead of the endpoint
_XTOL = 1e-13
TANGO_CONTINUITY = 0.5
"""Half a table unit taken off b - c in Tango's REGRESSED test of a margin (and in the lower bound, its dual).

Without it the score test is liberal with few inputs: false REGRESSED exactly at the margin 6.4-7.0% at N = 10-30,
20% baseline rate, margin 10 points (R = 4000, 99% band +-1.0). With it: 2.2-4.5% there and 4.5% at N = 100,
for about 2 points of power (5% -> 15% at N = 338: 72.5% -> 70.4%). The upper bound (the PASS side, already at or
under its level) and the exact test of no change at all are not corrected."""


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


def tango_pvalue_fractional(b: float, c: float, n: float, *, delta: float) -> float:
    """`tango_pvalue` for fractional discordance (per-input mean differences of k repeats)."""
    if n == 0 or delta >= 1.0:
        return 1.0
    return float(norm.sf(_tango_z(b, c, n, max(delta, -1.0 + _EDGE))))
