"""Acceptance run of the invariance check's A/A false-alarm rate (docs/statistics.md: <= 6.15% at R = 2000)."""

from __future__ import annotations

import pytest

from tests.support.invariance_sim import false_alarm_rate


@pytest.mark.simulation
@pytest.mark.parametrize(("n", "max_difference"), [(100, 0.05), (200, 0.05), (200, 0.0)])
def test_invariance_a_a_false_alarms_within_the_band(n: int, max_difference: float) -> None:
    """max_difference=0 is the strictest case: the REGRESSED side is then the exact test of "no change"."""
    rate = false_alarm_rate(2000, n=n, max_difference=max_difference)
    print(f"invariance A/A, N={n}, max_difference={max_difference}, R=2000: {rate:.4f}")
    assert rate <= 0.0615, f"A/A false-alarm rate {rate:.4f} > 6.15% at N={n}, max_difference={max_difference}"
