"""Multiplicity control across the properties checked in one test.

Reference: Holm (1979), "A simple sequentially rejective multiple test procedure", Scand J Stat 6:65-70.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["holm", "weighted_holm", "weighted_holm_levels"]


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm (1979) step-down adjusted p-values, monotone, capped at 1, in the input order.

    With p_(1) <= ... <= p_(m), the adjusted value of p_(i) is max_{j <= i} min(1, (m - j + 1) p_(j)).
    Controls the family-wise error rate under any dependence. Raises ValueError for values outside [0, 1].
    """
    values = [float(p) for p in pvalues]
    if any(math.isnan(p) or not 0.0 <= p <= 1.0 for p in values):
        raise ValueError(f"p-values must be in [0, 1], got {values!r}")
    m = len(values)
    order = sorted(range(m), key=values.__getitem__)
    adjusted = [0.0] * m
    running = 0.0
    for step, index in enumerate(order):
        running = max(running, min(1.0, (m - step) * values[index]))
        adjusted[index] = running
    return adjusted


def weighted_holm(pvalues: Sequence[float], weights: Sequence[float]) -> list[float]:
    """Weighted Holm (1979) adjusted p-values, in the input order: reject H_i at level alpha iff the value < alpha.

    The sequentially rejective weighted Bonferroni test: with I the hypotheses not yet rejected, reject the one
    with the smallest p_i / w_i when p_i < alpha w_i / sum_{l in I} w_l, and repeat. It is a closed test, so it
    controls the family-wise error rate under any dependence; equal weights give `holm`. The adjusted value of the
    j-th in the order of p / w is max over l <= j of min(1, W_l p_(l) / w_(l)), W_l the weight still in play at
    step l. Weights must be positive.
    """
    values = [float(p) for p in pvalues]
    if any(math.isnan(p) or not 0.0 <= p <= 1.0 for p in values):
        raise ValueError(f"p-values must be in [0, 1], got {values!r}")
    if len(weights) != len(values) or any(not w > 0 for w in weights):
        raise ValueError(f"need one positive weight per p-value, got {list(weights)!r}")
    order = sorted(range(len(values)), key=lambda i: values[i] / weights[i])
    remaining = math.fsum(weights)
    adjusted = [0.0] * len(values)
    running = 0.0
    for index in order:
        running = max(running, min(1.0, remaining * values[index] / weights[index]))
        adjusted[index] = running
        remaining -= weights[index]
    return adjusted


def weighted_holm_levels(pvalues: Sequence[float], weights: Sequence[float], *, alpha: float) -> list[float]:
    """The level each hypothesis was (or, if kept, would next be) tested at by `weighted_holm` at ``alpha``.

    A rejected hypothesis: alpha w_i / W at its step, which its p-value is below. A kept one: alpha w_i / W_J, W_J
    the weight of all kept hypotheses, which its p-value is at or above. The procedure is stepped here on the
    p-values themselves (rejected iff p < its level), so the decision and the level cannot disagree by a rounding
    step; `weighted_holm`'s adjusted values give the same decisions up to that rounding. A confidence bound at
    this level is therefore beyond the threshold exactly for the rejected hypotheses: the bounds shown are
    compatible with the decisions (for the kept ones these are the compatible bounds of Strassburger & Bretz
    2008, Stat Med 27:4914; for a rejected one, the bound of the step that rejected it).
    """
    order = sorted(range(len(pvalues)), key=lambda i: float(pvalues[i]) / weights[i])  # the steps' order
    levels = [0.0] * len(pvalues)
    remaining = math.fsum(weights)
    steps = iter(order)
    for index in steps:
        level = alpha * weights[index] / remaining
        levels[index] = level
        if not float(pvalues[index]) < level:  # the first kept one: every later one is kept too
            for kept in steps:
                levels[kept] = alpha * weights[kept] / remaining
            break
        remaining -= weights[index]
    return levels
