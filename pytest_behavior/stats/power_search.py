"""What the power functions share: their argument checks and the search for the smallest n that reaches a power."""

from __future__ import annotations

from collections.abc import Callable

_N_LIMIT = 10_000_000
"""Largest sample size searched; a requirement above it raises ValueError (the effect is too small)."""


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
