"""Power and sample size for a mean shift of the paired difference: the exact one-sided t-test (Owen 1965).

The plugin's Wilcoxon signed-rank test has an asymptotic relative efficiency of 3/pi = 0.955 against the t-test for
normal differences (Hodges & Lehmann 1956): divide a size from here by it.

References:
    Owen (1965), "The power of Student's t-test", JASA 60:320-333.
    Hodges & Lehmann (1956), "The efficiency of some nonparametric competitors of the t-test",
    Ann Math Stat 27:324-335.
"""

from __future__ import annotations

import math

from scipy import optimize
from scipy.stats import nct, norm
from scipy.stats import t as student_t

from pytest_behavior.stats.checks import _check_alpha
from pytest_behavior.stats.power_search import _check_n, _check_power, _smallest_n

__all__ = ["detectable_effect_mean_shift", "n_for_power_mean_shift", "power_mean_shift"]


def power_mean_shift(n: int, effect_size: float, *, alpha: float = 0.05) -> float:
    """Exact power of the one-sided paired (one-sample) t-test for a shift of ``effect_size`` SDs (Owen 1965).

    ``effect_size`` = mean(d) / SD(d) of the paired differences. With df = n - 1 and the critical value
    t* = t_{1-alpha, n-1}, power = P(T' > t*), T' ~ noncentral t(df, effect_size sqrt(n)). Needs n >= 2.
    """
    _check_n(n, minimum=2)
    _check_alpha(alpha)
    if not math.isfinite(effect_size):
        raise ValueError(f"effect_size must be finite, got {effect_size!r}")
    df = n - 1
    critical = float(student_t.isf(alpha, df))
    return float(nct.sf(critical, df, effect_size * math.sqrt(n)))


def n_for_power_mean_shift(effect_size: float, *, alpha: float = 0.05, power: float = 0.8) -> int:
    """Inputs needed for the one-sided paired t-test to detect a shift of ``effect_size`` SDs (exact, Owen 1965).

    docs/statistics.md: 0.2 SD -> 156, 0.5 SD -> 27. The normal formula ((z_{1-alpha} + z_power) / effect)^2 gives
    155 and 25; the t distribution's heavier tails cost the difference at small n. For the Wilcoxon
    signed-rank test divide by its efficiency (3/pi for normal differences, see the module docstring).
    """
    _check_alpha(alpha)
    _check_power(power, alpha)
    if not effect_size > 0.0 or not math.isfinite(effect_size):
        raise ValueError(f"effect_size must be positive, got {effect_size!r}")
    z_a, z_b = float(norm.isf(alpha)), float(norm.ppf(power))
    start = max(2, math.floor(((z_a + z_b) / effect_size) ** 2))
    return _smallest_n(lambda n: power_mean_shift(n, effect_size, alpha=alpha), power, start=start, minimum=2)


def detectable_effect_mean_shift(n: int, *, alpha: float = 0.05, power: float = 0.8) -> float:
    """Smallest shift (in SDs of the paired difference) the one-sided t-test detects with ``power`` at ``n``."""
    _check_n(n, minimum=2)
    _check_alpha(alpha)
    _check_power(power, alpha)

    def gap(effect: float) -> float:
        return power_mean_shift(n, effect, alpha=alpha) - power

    top = 1.0
    while gap(top) < 0.0:
        top *= 2.0
    return float(optimize.brentq(gap, 0.0, top, xtol=1e-10))
