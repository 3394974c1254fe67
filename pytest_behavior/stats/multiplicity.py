"""Multiplicity control across the properties checked in one test.

Reference: Holm (1979), "A simple sequentially rejective multiple test procedure", Scand J Stat 6:65-70.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["holm"]


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
