"""Power and sample size to PASS a paired ``max_increase`` bound when nothing changed (non-inferiority).

References:
    Nam (1997), "Establishing equivalence of two treatments and sample size requirements in matched-pairs
    design", Biometrics 53:1422-1430.
    Tango (1998), Stat Med 17:891-908 (the restricted MLE under Delta = margin).
"""

from __future__ import annotations

import math

from scipy.stats import norm

from pytest_behavior.stats.checks import _check_alpha
from pytest_behavior.stats.power_binary import discordant_probabilities
from pytest_behavior.stats.power_search import _check_base_rate, _check_n, _check_power

__all__ = ["n_for_pass_binary", "power_pass_binary"]


def _restricted_p10(p01: float, p10: float, margin: float) -> float:
    """Tango's (1998) restricted MLE of p10 under Delta = margin, evaluated at the expected proportions."""
    b_coef = -(p01 + p10) + (2.0 - p01 + p10) * margin
    c_coef = -p10 * margin * (1.0 - margin)
    root = math.sqrt(max(b_coef * b_coef - 8.0 * c_coef, 0.0))
    q = (root - b_coef) / 4.0 if b_coef <= 0.0 else -2.0 * c_coef / (root + b_coef)
    return max(q, 0.0, -margin)


def _pass_sds(base_rate: float, margin: float, rho: float) -> tuple[float, float]:
    """(SD of the score statistic under Delta = margin, SD of the estimate under the truth Delta = 0), per input."""
    _check_base_rate(base_rate)
    p01, p10 = (0.0, 0.0) if base_rate == 0.0 else discordant_probabilities(base_rate, base_rate, rho=rho)
    q = _restricted_p10(p01, p10, margin)
    return math.sqrt(2.0 * q + margin * (1.0 - margin)), math.sqrt(p01 + p10)


def power_pass_binary(n: int, base_rate: float, margin: float, *, rho: float = 0.0, alpha: float = 0.05) -> float:
    """Probability that the one-sided Tango upper bound of the paired difference falls below ``margin``.

    Normal approximation (Nam 1997) when the true difference is 0 (both arms at ``base_rate``): the upper
    bound is below the margin iff Tango's score statistic at the margin is below -z_{1-alpha}, so
    power = Phi((margin sqrt(n) - z_{1-alpha} s0) / s1) with s0^2 = 2 q + margin (1 - margin), q Tango's
    (1998) restricted MLE of p10 under Delta = margin evaluated at the expected proportions, and
    s1^2 = p01 + p10 the variance of one d_i under the truth. It ignores the discreteness of the counts.
    """
    _check_n(n)
    _check_alpha(alpha)
    if not 0.0 < margin < 1.0:
        raise ValueError(f"margin must be in (0, 1), got {margin!r}")
    s0, s1 = _pass_sds(base_rate, margin, rho)
    excess = margin * math.sqrt(n) - float(norm.isf(alpha)) * s0
    if s1 == 0.0:  # base rate 0: no discordant pair ever, so the bound is the same in every run
        return 1.0 if excess > 0.0 else 0.0
    return float(norm.cdf(excess / s1))


def n_for_pass_binary(
    base_rate: float, margin: float, *, rho: float = 0.0, alpha: float = 0.05, power: float = 0.8
) -> int:
    """Inputs needed to PASS a paired ``max_increase=margin`` bound with probability ``power`` when nothing changed.

    Non-inferiority sample size for paired proportions (Nam 1997; Tango 1998), true difference 0:
    n = ceil(((z_{1-alpha} s0 + z_power s1) / margin)^2), with s0 and s1 as in :func:`power_pass_binary`.
    A normal approximation: simulated with the Tango upper bound of ``paired_binary_bound`` it is within a
    few points of the requested power when n (p01 + p10) is at least about 10 discordant pairs.
    """
    _check_alpha(alpha)
    _check_power(power, alpha)
    if not 0.0 < margin < 1.0:
        raise ValueError(f"margin must be in (0, 1), got {margin!r}")
    s0, s1 = _pass_sds(base_rate, margin, rho)
    z_a, z_b = float(norm.isf(alpha)), float(norm.ppf(power))
    return max(1, math.ceil(((z_a * s0 + z_b * s1) / margin) ** 2 - 1e-9))
