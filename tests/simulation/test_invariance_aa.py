"""Acceptance run of the invariance check's A/A false-alarm rate (docs/statistics.md: <= 6.15% at R = 2000).

``-m acceptance``: R = 200 at the marker's defaults; ``-m simulation``: R = 2000 at three settings. The default run
has a 20-run smoke version (tests/unit/properties/test_invariance.py).
"""

from __future__ import annotations

import math

import pytest

from tests.support.invariance_sim import false_alarm_rate

ALPHA_BAND_200 = 0.05 + 2.576 * math.sqrt(0.05 * 0.95 / 200)


@pytest.mark.acceptance
def test_a_perturbation_insensitive_bundle_rarely_raises_a_false_alarm() -> None:
    """A/A: the overall bounds and four perturbation groups, Holm-adjusted, R = 200 (within the 99% band of 5%)."""
    assert false_alarm_rate(200) <= ALPHA_BAND_200


@pytest.mark.simulation
@pytest.mark.parametrize(("n", "max_difference"), [(100, 0.05), (200, 0.05), (200, 0.0)])
def test_invariance_a_a_false_alarms_within_the_band(n: int, max_difference: float) -> None:
    """max_difference=0 is the strictest case: the REGRESSED side is then the exact test of "no change"."""
    rate = false_alarm_rate(2000, n=n, max_difference=max_difference)
    print(f"invariance A/A, N={n}, max_difference={max_difference}, R=2000: {rate:.4f}")
    assert rate <= 0.0615, f"A/A false-alarm rate {rate:.4f} > 6.15% at N={n}, max_difference={max_difference}"
