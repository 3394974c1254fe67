"""Power and sample size for the plugin's default tests (the table "Sample sizes to quote" of docs/statistics.md).

Every function is one-sided, k = 1 (one sample per input and arm), and speaks of a bad-outcome rate or a
shift that grows when behavior gets worse. The formulas were chosen because they reproduce the table:

* paired binary — the *exact* unconditional power of the one-sided mid-p McNemar test the plugin runs
  (:func:`pytest_behavior.stats.mcnemar_midp`): the number of discordant pairs is Bin(n, p01 + p10) and,
  given it, the ok->bad count is binomial with probability p01 / (p01 + p10) (Miettinen 1968's
  conditional model). The table's eight paired cells are met to within one input, whereas the normal
  approximations of Connor (1987) and Miettinen (1968) are off by up to 7%.
* unpaired, per arm — the normal approximation with the pooled variance under H0 and the unpooled one
  under H1, without continuity correction (Fleiss, Levin & Paik 2003, sec. 4.2); it meets the table exactly.
* mean shift in SD units of the paired difference — the exact power of the one-sided one-sample (paired)
  t-test from the noncentral t distribution (Owen 1965); 0.2 SD -> 156 and 0.5 SD -> 27 as in the table
  (the normal formula gives 155 and 25). The plugin's Wilcoxon signed-rank test has an asymptotic relative
  efficiency of 3/pi = 0.955 against the t-test for normal differences (Hodges & Lehmann 1956) and at
  least 0.864 for any continuous symmetric law, so for normal data it needs about 5% more inputs and for
  heavy tails fewer.

Discordant probabilities for correlated arms come from a latent bivariate normal model (a Gaussian
copula): input i is bad in an arm when its latent normal variable falls below the quantile of that arm's
rate, and the two latent variables have correlation ``rho``.

References:
    Miettinen (1968), "The matched pairs design in the case of all-or-none responses", Biometrics 24:339-352.
    Connor (1987), "Sample size for testing differences in proportions for the paired-sample design",
    Biometrics 43:207-211.
    Fagerland, Lydersen & Laake (2013), BMC Med Res Methodol 13:91 (the mid-p McNemar test).
    Fleiss, Levin & Paik (2003), "Statistical Methods for Rates and Proportions", 3rd ed., Wiley, sec. 4.2.
    Owen (1965), "The power of Student's t-test", JASA 60:320-333.
    Hodges & Lehmann (1956), "The efficiency of some nonparametric competitors of the t-test",
    Ann Math Stat 27:324-335.
    Tango (1998), Stat Med 17:891-908, and Nam (1997), "Establishing equivalence of two treatments and
    sample size requirements in matched-pairs design", Biometrics 53:1422-1430 (non-inferiority sizes).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray
from scipy import optimize
from scipy.stats import binom, multivariate_normal, nct, norm
from scipy.stats import t as student_t

from pytest_behavior.stats.binary import TANGO_CONTINUITY

__all__ = [
    "detectable_effect_binary",
    "detectable_effect_mean_shift",
    "discordant_probabilities",
    "n_for_pass_binary",
    "n_for_power_mean_shift",
    "n_for_power_paired_binary",
    "n_for_power_unpaired_binary",
    "power_mean_shift",
    "power_paired_binary",
    "power_pass_binary",
    "power_unpaired_binary",
]

_N_LIMIT = 10_000_000
"""Largest sample size searched; a requirement above it raises ValueError (the effect is too small)."""
_TAIL_SDS = 12.0
"""Discordant counts further than this many SDs from their mean are ignored in the exact power sum."""


# --------------------------------------------------------------------------------------------------
# validation helpers
# --------------------------------------------------------------------------------------------------


def _check_alpha(alpha: float) -> None:
    if not 0.0 < alpha <= 0.5:
        raise ValueError(f"alpha must be in (0, 0.5], got {alpha!r}")


def _check_power(power: float, alpha: float) -> None:
    if not alpha < power < 1.0:
        raise ValueError(f"power must be in (alpha, 1), got {power!r}")


def _check_rate(rate: float, name: str) -> None:
    if not 0.0 < rate < 1.0:
        raise ValueError(f"{name} must be a rate in (0, 1), got {rate!r}")


def _check_base_rate(rate: float) -> None:
    """A base rate may be 0: a baseline that never shows the bad outcome is common (no refusal, no invalid JSON)."""
    if not 0.0 <= rate < 1.0:
        raise ValueError(f"base_rate must be a rate in [0, 1), got {rate!r}")


def _check_rho(rho: float) -> None:
    if not -1.0 < rho < 1.0:
        raise ValueError(f"rho must be in (-1, 1), got {rho!r}")


def _check_n(n: int, minimum: int = 1) -> None:
    if int(n) != n or n < minimum:
        raise ValueError(f"n must be an integer >= {minimum}, got {n!r}")


def _smallest_n(power_at: Callable[[int], float], target: float, *, start: int, minimum: int = 1) -> int:
    """Smallest n >= minimum with power_at(n) >= target, for a power that increases with n.

    An exponential search from ``start`` brackets the crossing, bisection finds it, and a final step-down
    returns the first n of that crossing. (The exact power of a discrete test is slightly saw-toothed in n;
    the crossing found is the one a monotone approximation would give, typically the first.)
    """
    too_many = f"more than {_N_LIMIT} inputs would be needed: the effect is too small"
    lo, hi = minimum - 1, max(start, minimum)  # invariant: power(lo) < target <= power(hi), lo may be virtual
    if hi > _N_LIMIT:
        raise ValueError(too_many)
    while power_at(hi) < target:
        lo, hi = hi, 2 * hi
        if hi > _N_LIMIT:
            raise ValueError(too_many)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if power_at(mid) >= target:
            hi = mid
        else:
            lo = mid
    while hi > minimum and power_at(hi - 1) >= target:
        hi -= 1
    return hi


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
    """Tango's score statistic Z(margin) for arrays of counts: ``stats.binary._tango_z`` vectorised (margin > 0),
    since the power sums over every m and the scalar version made planning take minutes."""
    b_coef = -b - c + (2.0 * n - b + c) * margin
    c_coef = -c * margin * (1.0 - margin)
    root = np.sqrt(np.maximum(b_coef * b_coef - 8.0 * n * c_coef, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.where(b_coef <= 0.0, (root - b_coef) / (4.0 * n), -2.0 * c_coef / (root + b_coef))
    q = np.maximum(np.nan_to_num(q, nan=0.0), 0.0)
    numerator = b - c - n * margin - TANGO_CONTINUITY  # the engine's test of a margin (stats.binary)
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
    base_rate: float, candidate_rate: float, *, rho: float = 0.0, alpha: float = 0.05, power: float = 0.8,
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
        raise ValueError(f"candidate_rate must exceed base_rate + margin, got {base_rate!r} -> {candidate_rate!r}"
                         + (f" (margin {margin!r})" if margin else ""))
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
# paired binary, PASS side: non-inferiority margin
# --------------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------------
# mean shift of the paired difference: exact one-sided t-test power
# --------------------------------------------------------------------------------------------------


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
