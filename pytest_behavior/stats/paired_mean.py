"""A paired bound on the mean difference of bounded scores (a rubric's 1..5 from an LLM judge, per input and arm).

Per input, d_i = mean_k candidate - mean_k baseline, oriented by the caller so that larger is worse (for
``max_decrease=0.25`` the caller passes the arms swapped: d_i = baseline - candidate). The scores lie in
[lower, upper], so d_i lies in [-(upper - lower), upper - lower]; rescaled to [-1, 1] the d_i are judged exactly as
the per-input differences of a paired rate with repeats (:func:`~pytest_behavior.stats.binary.paired_binary_bound`,
one shared implementation): one-sided t bounds and test, the bounds widened for skew on either side (Edgeworth),
and by Tango's score interval on the d_i taken as fractional discordant counts while fewer than 30 inputs changed
(so that a sample of ties cannot collapse the interval); with threshold 0 ("no change"), combined with the exact
sign-flip permutation mid-p on sum(d_i). k = 1 is judged the same way (the scores are not 0/1, so Tango's test on
discordant pairs does not apply). Fewer than 30 inputs cannot show that a bound holds (the upper bound is the top
of the range), as for paired rates with repeats and for the same reason: when the change is confined to some inputs
the d_i are skewed and their mean's upper bound from few inputs under-covers. Simulated false PASS with the truth
on the threshold (rubric 1..5 near the ceiling, mean 4.5, a decrease of about 0.3 that varies across inputs with
SD 0.7-1 points; R = 1000-4000): N = 5: 6.6-8.5%, N = 10, k = 10: 7.0%, N = 20: 6.0-6.3%, N = 30: 4.8-5.8%. The
REGRESSED side keeps its level at every N from 2 on.

The sign-flip test needs d_i on a lattice: the per-input score sums k d_i are scaled to integers (exactly for
scores on a grid of steps 1, 1/2, ..., 1/100, as rubric scores and win scores are), else rounded to 1/200 of the
largest |k d_i|. Rounding the magnitudes the same way for every sign keeps the test exact for the rounded values.

References:
    Hall (1992), "The Bootstrap and Edgeworth Expansion", Springer, sec. 3.5 (skew widening).
    Tango (1998), Stat Med 17:891-908 (score interval); Good (2005), "Permutation, Parametric, and Bootstrap Tests
    of Hypotheses", Springer (sign-flip test).
    Miller (2024), "Adding Error Bars to Evals", arXiv 2411.00640 (per-input averaging of repeats).
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pytest_behavior.stats.binary import MIN_INPUTS_TO_PASS_REPEATED, _differences_bound
from pytest_behavior.stats.bounded_mean import _check_bounds, _in_range
from pytest_behavior.stats.checks import _check_alpha
from pytest_behavior.stats.result import BoundResult

__all__ = ["paired_mean_bound"]

_GRID_STEPS = (1, 2, 3, 4, 5, 6, 8, 10, 12, 20, 100)
"""Scale factors tried to put the per-input score sums on an integer lattice (steps 1, 1/2, ..., 1/100)."""
_ROUNDED_LEVELS = 200
"""Off a lattice, |k d_i| is rounded to this many levels of its largest value (for the sign-flip test only)."""
_MAX_LATTICE = 1_000_000
"""Largest sum of integer magnitudes the exact convolution is asked for (larger: rounded as off a lattice)."""


def _sign_flip_lattice(sums: NDArray[np.float64]) -> NDArray[np.int64]:
    """Integers proportional to ``sums`` (the k d_i), exactly when they lie on a grid of `_GRID_STEPS`, else the
    magnitudes rounded to `_ROUNDED_LEVELS` levels with the signs kept (zeros stay zeros)."""
    largest = float(np.max(np.abs(sums)))
    if largest == 0.0:
        return np.zeros(sums.size, dtype=np.int64)
    for step in _GRID_STEPS:
        scaled = sums * step
        rounded = np.round(scaled)
        if np.all(np.abs(scaled - rounded) <= 1e-9 * max(1.0, largest * step)):
            if float(np.abs(rounded).sum()) <= _MAX_LATTICE:
                return rounded.astype(np.int64)
            break
    return np.round(sums / largest * _ROUNDED_LEVELS).astype(np.int64)


def paired_mean_bound(
    baseline: NDArray[Any],
    candidate: NDArray[Any],
    *,
    lower: float,
    upper: float,
    threshold: float,
    alpha: float = 0.05,
    alpha_lower: float | None = None,
) -> BoundResult:
    """Paired bound on the mean over inputs of d_i = mean_k candidate - mean_k baseline (module docstring).

    ``baseline`` and ``candidate``: (N, k) scores in [``lower``, ``upper``], paired by row (a 1-D array means
    k = 1); larger d = worse. ``threshold`` is on the scores' scale (``max_decrease=0.25`` scale points: 0.25 with
    the arms swapped). ``p_regress`` tests H0: mean(d) <= threshold, dual to ``lower`` (at ``alpha_lower``, default
    ``alpha``); ``upper`` is at ``alpha``. All d_i equal give zero-width t bounds, widened by Tango's interval.
    Fewer than 2 inputs are not judged: infinite bounds, p = 1 and a method string that says why.
    """
    _check_alpha(alpha)
    alpha_lower = alpha if alpha_lower is None else alpha_lower
    _check_alpha(alpha_lower)
    _check_bounds(lower, upper)
    width = float(upper) - float(lower)
    if not -width <= threshold <= width:
        raise ValueError(f"threshold must lie in [-(upper - lower), upper - lower] = [{-width!r}, {width!r}]")
    base = _in_range(baseline, "baseline", lower, upper)
    cand = _in_range(candidate, "candidate", lower, upper)
    if base.shape != cand.shape:
        raise ValueError(f"baseline {base.shape} and candidate {cand.shape} must have the same shape")
    k = base.shape[1]
    # sorted before summing: the same scores in another order give exactly the same sum, so ties stay exact zeros
    sums = np.sort(cand, axis=1).sum(axis=1) - np.sort(base, axis=1).sum(axis=1)
    result = _differences_bound(
        np.clip(sums / (k * width), -1.0, 1.0),
        _sign_flip_lattice(sums),
        repeats=k,
        threshold=threshold / width,
        alpha_lower=alpha_lower,
        alpha=alpha,
        what="a paired mean",
        pass_floor=MIN_INPUTS_TO_PASS_REPEATED,
        skew_lower=True,
    )
    if not math.isfinite(result.lower):  # too few inputs to be judged: the shared method string says why
        return replace(result, estimate=result.estimate * width)
    return BoundResult(
        result.estimate * width,
        result.lower * width,
        result.upper * width,
        result.p_regress,
        result.n_inputs,
        result.repeats,
        _method(threshold=threshold, n=result.n_inputs),
        result.inputs_to_pass,
    )


def _method(*, threshold: float, n: int) -> str:
    method = "t/score test + t/score interval on per-input score differences"
    if threshold == 0.0:
        method = "sign-flip permutation mid-p and " + method
    if n < MIN_INPUTS_TO_PASS_REPEATED:
        method += f" (fewer than {MIN_INPUTS_TO_PASS_REPEATED} inputs: cannot show the bound holds)"
    return method
