"""Power and sample size of the binary-rate tests that look for an increase: paired (exact) and unpaired.

* paired — the *exact* unconditional power of the one-sided mid-p McNemar test the plugin runs
  (:func:`pytest_behavior.stats.mcnemar_midp`), or of Tango's score test of a margin: the number of discordant
  pairs is Bin(n, p01 + p10) and, given it, the ok->bad count is binomial with probability p01 / (p01 + p10)
  (Miettinen 1968's conditional model). Discordant probabilities for correlated arms come from a latent
  bivariate normal model (a Gaussian copula).
* unpaired, per arm — the normal approximation with the pooled variance under H0 and the unpooled one
  under H1, without continuity correction (Fleiss, Levin & Paik 2003, sec. 4.2).

References:
    Miettinen (1968), "The matched pairs design in the case of all-or-none responses", Biometrics 24:339-352.
    Connor (1987), "Sample size for testing differences in proportions for the paired-sample design",
    Biometrics 43:207-211.
    Fagerland, Lydersen & Laake (2013), BMC Med Res Methodol 13:91 (the mid-p McNemar test).
    Tango (1998), Stat Med 17:891-908 (the score test of a margin).
    Fleiss, Levin & Paik (2003), "Statistical Methods for Rates and Proportions", 3rd ed., Wiley, sec. 4.2.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray
from scipy import optimize
from scipy.stats import binom, multivariate_normal, norm

from pytest_behavior.stats.checks import _check_alpha
from pytest_behavior.stats.discordant import TANGO_CONTINUITY
from pytest_behavior.stats.power_search import (
    _check_base_rate,
    _check_n,
    _check_power,
    _check_rate,
    _check_rho,
    _smallest_n,
)

__all__ = [
    "detectable_effect_binary",
    "discordant_probabilities",
    "n_for_power_paired_binary",
    "n_for_power_unpaired_binary",
    "power_paired_binary",
    "power_unpaired_binary",
]

_TAIL_SDS = 12.0
"""Discordant counts further than this many SDs from their mean are ignored in the exact power sum."""


# --------------------------------------------------------------------------------------------------
# paired binary: exact power of the one-sided mid-p McNemar test
# --------------------------------------------------------------------------------------------------


def discordant_probabilities(base_rate: float, candidate_rate: float, *, rho: float = 0.0) -> tuple[float, float]:
    """(p01, p10): probabilities of an ok->bad and a bad->ok pair (1 = bad) for two paired binary arms.

    Latent bivariate normal model with correlation ``rho`` (``rho = 0``: independent arms): the joint
    probability that both arms are bad is P11 = Phi2(Phi^-1(base_rate), Phi^-1(candidate_rate); rho)
    (scipy.stats.multivariate_normal.cdf), p01 = candidate_rate - P11, p10 = base_rate - P11.
    """
    _check_base_rate(base_rate)
    _check_rate(candidate_rate, "candidate_rate")
    _check_rho(rho)
    if rho == 0.0 or base_rate == 0.0:  # a base arm that is never bad has no pair bad in both arms
        both = base_rate * candidate_rate
    else:
        point = [float(norm.ppf(base_rate)), float(norm.ppf(candidate_rate))]
        cov = [[1.0, rho], [rho, 1.0]]
        both = float(multivariate_normal.cdf(point, mean=[0.0, 0.0], cov=cov, abseps=1e-12, releps=1e-10))
        both = min(max(both, base_rate + candidate_rate - 1.0, 0.0), base_rate, candidate_rate)
    return max(candidate_rate - both, 0.0), max(base_rate - both, 0.0)


def _smallest_rejecting(
    m: NDArray[np.int64], rejects: Callable[[NDArray[np.int64]], NDArray[np.bool_]]
) -> NDArray[np.int64]:
    """Per m, the smallest b in 0..m with ``rejects(b)`` (m + 1: never), by vectorised bisection.

    Both tests below reject on b >= a critical count given m discordant pairs (their p-value falls as b grows),
    so the rejection region is found by bisection instead of scoring every table.
    """
    lo = np.zeros_like(m)
    hi = m + 1
    while np.any(lo < hi):
        mid = (lo + hi) // 2
        ok = rejects(mid)
        hi = np.where(ok, mid, hi)
        lo = np.where(ok, lo, mid + 1)
    return hi


def _midp_critical(m: NDArray[np.int64], alpha: float) -> NDArray[np.int64]:
    """Smallest b with P(X > b) + P(X = b) / 2 <= alpha, X ~ Bin(m, 1/2), per m (mid-p McNemar)."""
    return _smallest_rejecting(m, lambda b: binom.sf(b, m, 0.5) + 0.5 * binom.pmf(b, m, 0.5) <= alpha)


def _tango_z_grid(b: NDArray[np.float64], c: NDArray[np.float64], n: int, margin: float) -> NDArray[np.float64]:
    """Tango's score statistic Z(margin) for arrays of counts: ``stats.discordant._tango_z`` vectorised (margin > 0),
    since the power sums over every m and the scalar version made planning take minutes."""
    b_coef = -b - c + (2.0 * n - b + c) * margin
    c_coef = -c * margin * (1.0 - margin)
    root = np.sqrt(np.maximum(b_coef * b_coef - 8.0 * n * c_coef, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.where(b_coef <= 0.0, (root - b_coef) / (4.0 * n), -2.0 * c_coef / (root + b_coef))
    q = np.maximum(np.nan_to_num(q, nan=0.0), 0.0)
    numerator = b - c - n * margin - TANGO_CONTINUITY  # the engine's test of a margin (stats.discordant)
    return np.asarray(numerator / np.sqrt(n * (2.0 * q + margin * (1.0 - margin))), dtype=np.float64)


def _tango_critical(m: NDArray[np.int64], n: int, margin: float, alpha: float) -> NDArray[np.int64]:
    """Smallest b with ``tango_pvalue(b, m - b, n, delta=margin, continuity=TANGO_CONTINUITY) <= alpha``, per m
    (m + 1: never).

    Given m discordant pairs, Tango's Z(margin) increases with b (the numerator 2 b - m - n margin grows
    faster than the restricted variance), so the REGRESSED tables are b >= the critical count.
    """

    def rejects(b: NDArray[np.int64]) -> NDArray[np.bool_]:
        z = _tango_z_grid(b.astype(np.float64), (m - b).astype(np.float64), n, margin)
        return np.asarray(norm.sf(z) <= alpha)

    return _smallest_rejecting(m, rejects)


def _exact_power(n: int, p01: float, p10: float, critical: Callable[[NDArray[np.int64]], NDArray[np.int64]]) -> float:
    """P(reject) summed over the number m of discordant pairs (Bin(n, p01 + p10)) and b | m (Bin(m, pi)), where
    the test rejects on b >= ``critical(m)``; m outside ``_TAIL_SDS`` standard deviations adds nothing visible."""
    psi = p01 + p10
    if psi <= 0.0:
        return 0.0
    pi = p01 / psi
    sd = math.sqrt(n * psi * (1.0 - psi))
    first = max(0, math.floor(n * psi - _TAIL_SDS * sd - 1.0))
    last = min(n, math.ceil(n * psi + _TAIL_SDS * sd + 1.0))
    m = np.arange(first, last + 1, dtype=np.int64)
    reject = binom.sf(critical(m) - 1, m, pi)  # P(b >= critical | m)
    return float(np.clip(np.sum(binom.pmf(m, n, psi) * reject), 0.0, 1.0))


def _power_mcnemar(n: int, p01: float, p10: float, alpha: float) -> float:
    return _exact_power(n, p01, p10, lambda m: _midp_critical(m, alpha))


def _power_tango(n: int, p01: float, p10: float, margin: float, alpha: float) -> float:
    """Exact power of the one-sided Tango score test of Delta <= margin (as :func:`_power_mcnemar`)."""
    return _exact_power(n, p01, p10, lambda m: _tango_critical(m, n, margin, alpha))


def power_paired_binary(
    n: int, base_rate: float, candidate_rate: float, *, rho: float = 0.0, alpha: float = 0.05, margin: float = 0.0
) -> float:
    """Exact power of the paired test the plugin runs for ``max_increase=margin`` with ``n`` inputs, k = 1.

    ``margin = 0``: the one-sided mid-p McNemar test (Fagerland et al. 2013).
    P(reject) = sum_m P(M = m) P(B >= b*(m) | m), M ~ Bin(n, p01 + p10) discordant pairs, B | m ~ Bin(m,
    p01 / (p01 + p10)) ok->bad pairs, b*(m) the smallest count whose mid-p value is <= alpha; (p01, p10)
    from :func:`discordant_probabilities`. Reject means ``mcnemar_midp(b, c) <= alpha``, exactly the
    REGRESSED side of ``paired_binary_bound(..., threshold=0)``.

    ``margin > 0``: the one-sided Tango (1998) score test of Delta <= margin, the same sum over (m, b) with
    reject meaning ``tango_pvalue(b, c, n, delta=margin) <= alpha`` (the REGRESSED side of
    ``paired_binary_bound(..., threshold=margin)``).
    """
    _check_n(n)
    _check_alpha(alpha)
    if not 0.0 <= margin < 1.0:
        raise ValueError(f"margin must be in [0, 1), got {margin!r}")
    p01, p10 = discordant_probabilities(base_rate, candidate_rate, rho=rho)
    if margin > 0.0:
        return _power_tango(int(n), p01, p10, margin, alpha)
    return _power_mcnemar(int(n), p01, p10, alpha)


def _connor_n(p01: float, p10: float, alpha: float, power: float) -> float:
    """Connor (1987) normal-approximation sample size, used as the starting point of the exact search."""
    psi, delta = p01 + p10, p01 - p10
    z_a, z_b = float(norm.isf(alpha)), float(norm.ppf(power))
    return (z_a * math.sqrt(psi) + z_b * math.sqrt(max(psi - delta * delta, 0.0))) ** 2 / (delta * delta)


def n_for_power_paired_binary(
    base_rate: float,
    candidate_rate: float,
    *,
    rho: float = 0.0,
    alpha: float = 0.05,
    power: float = 0.8,
    margin: float = 0.0,
) -> int:
    """Inputs needed for the plugin's paired test to detect ``base_rate -> candidate_rate`` (k = 1).

    Smallest n with :func:`power_paired_binary` >= ``power`` (see :func:`_smallest_n` for the saw-tooth of a
    discrete test), searched from Connor's (1987) normal approximation: the mid-p McNemar test for
    ``margin = 0``, Tango's score test of Delta <= margin otherwise. docs/statistics.md: 5% -> 10% needs 338
    (independent arms) and 264 (latent correlation 0.5). Raises ValueError unless
    candidate_rate > base_rate + margin.
    """
    _check_alpha(alpha)
    _check_power(power, alpha)
    if not 0.0 <= margin < 1.0:
        raise ValueError(f"margin must be in [0, 1), got {margin!r}")
    if not candidate_rate > base_rate + margin:
        raise ValueError(
            f"candidate_rate must exceed base_rate + margin, got {base_rate!r} -> {candidate_rate!r}"
            + (f" (margin {margin!r})" if margin else "")
        )
    p01, p10 = discordant_probabilities(base_rate, candidate_rate, rho=rho)
    if margin > 0.0:
        start = max(1, math.floor(0.5 * _connor_n(p01 - margin, p10, alpha, power)))
        return _smallest_n(lambda n: _power_tango(n, p01, p10, margin, alpha), power, start=start)
    start = max(1, math.floor(0.8 * _connor_n(p01, p10, alpha, power)))
    return _smallest_n(lambda n: _power_mcnemar(n, p01, p10, alpha), power, start=start)


def detectable_effect_binary(
    n: int, base_rate: float, *, rho: float = 0.0, alpha: float = 0.05, power: float = 0.8, margin: float = 0.0
) -> float:
    """Smallest rate increase the plugin's paired test detects with probability ``power`` at ``n`` inputs.

    Solves :func:`power_paired_binary` (n, base_rate, base_rate + d, margin=margin) = power for d in
    (margin, 1 - base_rate) by Brent's method: the mid-p McNemar test for ``margin = 0``, Tango's score test
    of Delta <= margin otherwise, so ``d`` is the whole increase (``d - margin`` of it beyond the margin).
    Returns ``math.inf`` when even a candidate that is always bad is not detected with that probability
    (n too small). Example message: "n=40 can detect a refusal increase of >= d points".
    """
    _check_n(n)
    _check_alpha(alpha)
    _check_power(power, alpha)
    _check_base_rate(base_rate)
    _check_rho(rho)
    if not 0.0 <= margin < 1.0:
        raise ValueError(f"margin must be in [0, 1), got {margin!r}")

    def gap(d: float) -> float:
        return power_paired_binary(n, base_rate, base_rate + d, rho=rho, alpha=alpha, margin=margin) - power

    top = (1.0 - base_rate) * (1.0 - 1e-9)
    if top <= margin or gap(top) < 0.0:
        return math.inf
    bottom = min(margin + 1e-9, (margin + top) / 2.0)
    if gap(bottom) >= 0.0:
        return bottom
    return float(optimize.brentq(gap, bottom, top, xtol=1e-7))


# --------------------------------------------------------------------------------------------------
# unpaired binary: two-proportion normal approximation
# --------------------------------------------------------------------------------------------------


def power_unpaired_binary(n_per_arm: int, base_rate: float, candidate_rate: float, *, alpha: float = 0.05) -> float:
    """Power of the one-sided pooled two-proportion z-test with ``n_per_arm`` in each arm (Fleiss et al. 2003).

    Phi((Delta sqrt(n) - z_{1-alpha} sqrt(2 pbar (1 - pbar))) / sqrt(p0 q0 + p1 q1)), pbar = (p0 + p1) / 2,
    Delta = p1 - p0, no continuity correction. Only for data that cannot be paired. For rare events the
    approximation is conservative: at the table's sizes the simulated power of the pooled z-test is
    0.81-0.84 where this gives 0.80 (5% -> 15% and 1% -> 5% deviate most).
    """
    _check_n(n_per_arm)
    _check_alpha(alpha)
    _check_base_rate(base_rate)
    _check_rate(candidate_rate, "candidate_rate")
    pbar = (base_rate + candidate_rate) / 2.0
    null_sd = math.sqrt(2.0 * pbar * (1.0 - pbar))
    alt_sd = math.sqrt(base_rate * (1.0 - base_rate) + candidate_rate * (1.0 - candidate_rate))
    delta = candidate_rate - base_rate
    return float(norm.cdf((delta * math.sqrt(n_per_arm) - float(norm.isf(alpha)) * null_sd) / alt_sd))


def n_for_power_unpaired_binary(
    base_rate: float, candidate_rate: float, *, alpha: float = 0.05, power: float = 0.8
) -> int:
    """Inputs per arm for the one-sided pooled two-proportion z-test (Fleiss, Levin & Paik 2003, sec. 4.2).

    n = ceil(((z_{1-alpha} sqrt(2 pbar qbar) + z_power sqrt(p0 q0 + p1 q1)) / (p1 - p0))^2), no continuity
    correction. docs/statistics.md: 5% -> 10% needs 343 per arm. Raises ValueError unless candidate_rate > base_rate.
    """
    _check_alpha(alpha)
    _check_power(power, alpha)
    _check_base_rate(base_rate)
    _check_rate(candidate_rate, "candidate_rate")
    if not candidate_rate > base_rate:
        raise ValueError(f"candidate_rate must exceed base_rate, got {base_rate!r} -> {candidate_rate!r}")
    pbar = (base_rate + candidate_rate) / 2.0
    null_sd = math.sqrt(2.0 * pbar * (1.0 - pbar))
    alt_sd = math.sqrt(base_rate * (1.0 - base_rate) + candidate_rate * (1.0 - candidate_rate))
    z_a, z_b = float(norm.isf(alpha)), float(norm.ppf(power))
    n = ((z_a * null_sd + z_b * alt_sd) / (candidate_rate - base_rate)) ** 2
    return max(1, math.ceil(n - 1e-9))
