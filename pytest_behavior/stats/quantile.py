"""A tail quantile of two arms compared as a ratio (latency p95): the paired cluster bootstrap.

The quantity is ``log(Q_q(candidate) / Q_q(baseline))`` over all outputs of the paired inputs. Inputs are
resampled with replacement, each input taking its repeats of *both* arms along (the pairing and the
within-input correlation are kept: a slow input is slow in both arms). The bounds are percentile bounds
(Efron & Tibshirani 1993, ch. 13); the p-value for H0 "log ratio <= threshold" is the share of bootstrap
estimates at or below the threshold, with the +1 correction of Davison & Hinkley (1997, eq. 4.11), so that
``p <= alpha`` exactly when the lower bound clears the threshold.

A tail quantile needs data in the tail: with few outputs above it (20 inputs have one above their p95) the
interval is wide and the verdict usually INCONCLUSIVE, as it should be.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from pytest_behavior.stats.result import BoundResult

__all__ = ["PROFILE_QUANTILES", "paired_quantile_log_ratio_bound", "paired_quantile_profile_bound"]

DEFAULT_BOOTSTRAPS = 2000
MIN_INPUTS = 2
"""Fewer paired inputs than this give an unbounded, INCONCLUSIVE result (one input has nothing to resample)."""
_FLOOR = 1e-9  # latencies and costs are positive; a recorded 0 must not make the log ratio infinite


def paired_quantile_log_ratio_bound(
    baseline: NDArray[np.float64], candidate: NDArray[np.float64], *, q: float = 0.95, threshold: float,
    alpha: float = 0.05, n_boot: int = DEFAULT_BOOTSTRAPS, seed: int = 0,
) -> BoundResult:
    """Bounds on ``log(Q_q(candidate) / Q_q(baseline))``; arrays are (inputs, repeats), rows paired."""
    base = np.maximum(np.asarray(baseline, dtype=float), _FLOOR)
    cand = np.maximum(np.asarray(candidate, dtype=float), _FLOOR)
    if base.shape != cand.shape or base.ndim != 2 or base.shape[0] < 1:
        raise ValueError(f"need paired (inputs, repeats) arrays, got {base.shape} and {cand.shape}")
    if not 0 < q < 1:
        raise ValueError(f"q must be in (0, 1), got {q}")
    n, k = base.shape
    estimate = _log_ratio(base.reshape(1, -1), cand.reshape(1, -1), q)[0]
    if n < MIN_INPUTS:
        return _too_few(float(estimate), n, k, f"the p{round(100 * q)} ratio bound")
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, n, size=(n_boot, n))
    boot = _log_ratio(base[rows].reshape(n_boot, n * k), cand[rows].reshape(n_boot, n * k), q)
    lower, upper = np.quantile(boot, [alpha, 1 - alpha])
    p_regress = (1 + int(np.count_nonzero(boot <= threshold))) / (n_boot + 1)
    return BoundResult(estimate=float(estimate), lower=float(lower), upper=float(upper), p_regress=p_regress,
                       n_inputs=n, repeats=k,
                       method=f"paired cluster bootstrap of the p{round(100 * q)} ratio ({n_boot} resamples)")


def _too_few(estimate: float, n: int, k: int, what: str) -> BoundResult:
    """No decision from fewer inputs than the cluster bootstrap needs: unbounded on both sides, p = 1, so the
    verdict is INCONCLUSIVE (repeats do not help: the input is the unit that is resampled)."""
    return BoundResult(estimate=estimate, lower=-math.inf, upper=math.inf, p_regress=1.0, n_inputs=n, repeats=k,
                       method=f"{n} input{'' if n == 1 else 's'}: {what} needs at least {MIN_INPUTS} inputs "
                              "(not judged)")


def _log_ratio(base: NDArray[np.float64], cand: NDArray[np.float64], q: float) -> NDArray[np.float64]:
    result: NDArray[np.float64] = np.log(np.quantile(cand, q, axis=1)) - np.log(np.quantile(base, q, axis=1))
    return result


PROFILE_QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)
"""The quantiles a distribution-shape bound holds at: the body and both shoulders, not the extreme tails
(which need far more data than a behavioral suite has; `latency_bound(max_p95_ratio=)` bounds one tail)."""


def paired_quantile_profile_bound(
    baseline: NDArray[np.float64], candidate: NDArray[np.float64], *, threshold: float,
    quantiles: tuple[float, ...] = PROFILE_QUANTILES, alpha: float = 0.05, n_boot: int = DEFAULT_BOOTSTRAPS,
    seed: int = 0,
) -> BoundResult:
    """Bounds on the largest ``log(Q_q(candidate) / Q_q(baseline))`` over ``quantiles``: the shape of the whole
    distribution, held to the ratio bound at every quantile.

    A change of spread or tails that keeps the median (answers both more often terse and more often
    rambling) moves the outer quantiles apart although the paired median ratio stays at 1; this quantity
    sees it. All quantiles use the same paired cluster bootstraps (inputs resampled with both arms' repeats).

    - ``upper`` = the largest per-quantile upper bound at level ``alpha``: the true maximum sits at some
      quantile q*, and P(its value > upper_q*) <= alpha, so "PASS when upper <= threshold" keeps its level
      (an intersection-union test, Berger 1982, Technometrics 24:295) with no multiplicity penalty.
    - ``lower`` = the largest per-quantile lower bound at level ``alpha / m`` (Bonferroni over the m
      quantiles), and ``p_regress`` = m times the smallest per-quantile bootstrap p-value (capped at 1), so
      that "some quantile broke the bound" is claimed at family-wise level ``alpha``.
    """
    base = np.maximum(np.asarray(baseline, dtype=float), _FLOOR)
    cand = np.maximum(np.asarray(candidate, dtype=float), _FLOOR)
    if base.shape != cand.shape or base.ndim != 2 or base.shape[0] < 1:
        raise ValueError(f"need paired (inputs, repeats) arrays, got {base.shape} and {cand.shape}")
    if not quantiles or not all(0 < q < 1 for q in quantiles):
        raise ValueError(f"quantiles must be in (0, 1), got {quantiles}")
    n, k = base.shape
    m = len(quantiles)
    qs = np.asarray(quantiles)
    estimates = _log_ratios(base.reshape(1, -1), cand.reshape(1, -1), qs)[:, 0]  # (m,)
    if n < MIN_INPUTS:
        return _too_few(float(estimates.max()), n, k, "the distribution-shape bound")
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, n, size=(n_boot, n))
    boot = _log_ratios(base[rows].reshape(n_boot, n * k), cand[rows].reshape(n_boot, n * k), qs)  # (m, n_boot)
    uppers = np.quantile(boot, 1 - alpha, axis=1)
    lowers = np.quantile(boot, alpha / m, axis=1)
    p_each = (1 + np.count_nonzero(boot <= threshold, axis=1)) / (n_boot + 1)
    labels = "/".join(f"p{round(100 * q)}" for q in quantiles)
    return BoundResult(
        estimate=float(estimates.max()), lower=float(lowers.max()), upper=float(uppers.max()),
        p_regress=float(min(1.0, m * p_each.min())), n_inputs=n, repeats=k,
        method=f"largest {labels} ratio, paired cluster bootstrap ({n_boot} resamples, Bonferroni over {m})",
    )


def _log_ratios(base: NDArray[np.float64], cand: NDArray[np.float64], qs: NDArray[np.float64]) -> NDArray[np.float64]:
    """(quantiles, rows) log ratios of each row's quantiles."""
    result: NDArray[np.float64] = np.log(np.quantile(cand, qs, axis=1)) - np.log(np.quantile(base, qs, axis=1))
    return result
