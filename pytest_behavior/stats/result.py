"""The common result type of every bound computed in :mod:`pytest_behavior.stats`."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["BoundResult"]


@dataclass(frozen=True)
class BoundResult:
    """One-sided evidence about an oriented quantity (larger = worse) against a threshold.

    The decision rule of the plugin (see ``docs/statistics.md``, "Three outcomes, one rule") is applied by the
    caller: REGRESSED if ``lower`` is above the threshold, PASS if ``upper`` is at or below it, otherwise
    INCONCLUSIVE. ``lower`` and ``upper`` are each one-sided (1 - alpha) bounds, so together they form a
    two-sided (1 - 2 alpha) interval.
    """

    estimate: float
    """Point estimate of the quantity."""
    lower: float
    """One-sided (1 - alpha) lower confidence bound of the quantity."""
    upper: float
    """One-sided (1 - alpha) upper confidence bound of the quantity."""
    p_regress: float
    """p-value of H0: quantity <= threshold (small => the bound is broken)."""
    n_inputs: int
    """Number of inputs (paired units) used."""
    repeats: int
    """Number of repeats k per input and arm."""
    method: str
    """Short human name of the method, e.g. ``"mid-p McNemar + Tango score interval"``."""
    inputs_to_pass: int = 0
    """When the method cannot show that a bound holds with this few inputs (its PASS-side bound is the top of the
    range), the number of inputs it needs for that; 0 otherwise."""
