"""Power and sample size for a judged win rate (``min_win_rate``): the inputs ``pytest-behavior power --preference
WIN_RATE MIN_WIN_RATE`` quotes (``--ties`` sets tau below, ``--repeats K --icc rho`` the repeats).

The bound (:func:`~pytest_behavior.stats.bounded_mean.bounded_mean_bound` on the per-input win scores, 1 = the
candidate wins both orders, 0 = loses both, 1/2 otherwise) is a one-sided t bound from 20-30 inputs on (its
small-N guards then rarely bind), so its power is the exact power of the one-sided one-sample t-test (Owen 1965,
:func:`~pytest_behavior.stats.power_mean.power_mean_shift`) for the shift |win rate - min_win_rate| in SDs of the
per-input win score. REGRESSED needs the true win rate below ``min_win_rate``, PASS above it; both have this power.

The SD of one input's win score comes from the win rate w and the share tau of inputs scored 1/2 (ties, and the
two orders disagreeing: a judge with position bias makes more of them): with P(1) = w - tau/2 and
P(0) = 1 - w - tau/2, Var = w (1 - w) - tau / 4. k repeats of an input with intraclass correlation rho average to
Var (1 + (k - 1) rho) / k. The default tau = 0.3 (`DEFAULT_TIE_RATE`) gives SD 0.42 at w = 0.5; with no ties it is
0.5, the largest any win score can have, and the inputs needed grow as SD^2 (0.5 instead of 0.42: 1.42 times).

References:
    Owen (1965), "The power of Student's t-test", JASA 60:320-333.
    Zheng et al. (2023), "Judging LLM-as-a-judge with MT-Bench and Chatbot Arena", arXiv 2306.05685 (position bias;
    judging both orders, an inconsistent pair counted as a tie).
"""

from __future__ import annotations

import math

from pytest_behavior.stats.checks import _check_alpha
from pytest_behavior.stats.power_mean import n_for_power_mean_shift, power_mean_shift
from pytest_behavior.stats.power_search import _check_n, _check_power

__all__ = ["DEFAULT_TIE_RATE", "n_for_win_rate", "power_win_rate", "win_score_sd"]

DEFAULT_TIE_RATE = 0.3
"""Share of inputs scored 1/2 (a tie, or the two orders disagree) assumed when no SD is given."""


def win_score_sd(win_rate: float, *, tie_rate: float = DEFAULT_TIE_RATE, repeats: int = 1, icc: float = 0.0) -> float:
    """SD of one input's win score (the mean of ``repeats`` judgments in both orders), see the module docstring.

    ``tie_rate`` must leave room for the win rate: tie_rate <= 2 min(w, 1 - w) (each 1/2 counts half a win).
    """
    if not 0.0 <= win_rate <= 1.0:
        raise ValueError(f"win_rate must be in [0, 1], got {win_rate!r}")
    if not 0.0 <= tie_rate <= 2.0 * min(win_rate, 1.0 - win_rate) + 1e-12:
        raise ValueError(f"tie_rate must be in [0, 2 min(w, 1 - w)] for win rate {win_rate!r}, got {tie_rate!r}")
    if not 0.0 <= icc <= 1.0:
        raise ValueError(f"icc must be in [0, 1], got {icc!r}")
    _check_n(repeats)
    variance = max(win_rate * (1.0 - win_rate) - tie_rate / 4.0, 0.0)
    return math.sqrt(variance * (1.0 + (repeats - 1) * icc) / repeats)


def _effect(win_rate: float, min_win_rate: float, sd: float | None) -> float:
    if not (0.0 < min_win_rate < 1.0 and 0.0 <= win_rate <= 1.0):
        raise ValueError(f"need win_rate in [0, 1] and min_win_rate in (0, 1), got {win_rate!r}, {min_win_rate!r}")
    scale = win_score_sd(win_rate, tie_rate=min(DEFAULT_TIE_RATE, 2.0 * min(win_rate, 1.0 - win_rate)))
    if sd is not None:
        if not (sd > 0.0 and math.isfinite(sd)):
            raise ValueError(f"sd must be positive, got {sd!r}")
        scale = sd
    if scale == 0.0:
        raise ValueError("the win score has no spread at this win rate: give sd")
    return abs(min_win_rate - win_rate) / scale


def power_win_rate(
    n: int, win_rate: float, min_win_rate: float, *, sd: float | None = None, alpha: float = 0.05
) -> float:
    """Power of ``min_win_rate`` at ``n`` inputs when the candidate's true win rate is ``win_rate``: of REGRESSED
    when it is below ``min_win_rate``, of PASS when above. ``sd``: SD of one input's win score (default:
    `win_score_sd` with `DEFAULT_TIE_RATE`, capped at 2 min(w, 1 - w)). Needs n >= 2."""
    _check_n(n, minimum=2)
    _check_alpha(alpha)
    return power_mean_shift(n, _effect(win_rate, min_win_rate, sd), alpha=alpha)


def n_for_win_rate(
    win_rate: float, min_win_rate: float, *, sd: float | None = None, alpha: float = 0.05, power: float = 0.8
) -> int:
    """Inputs for ``min_win_rate`` to decide with ``power`` when the true win rate is ``win_rate`` (REGRESSED below
    ``min_win_rate``, PASS above), e.g. 0.5 -> 0.4 against ``min_win_rate=0.5`` with 30% ties: 104 inputs.
    Several bounds in one test are judged with Holm: plan at alpha / (number of bounds)."""
    _check_alpha(alpha)
    _check_power(power, alpha)
    effect = _effect(win_rate, min_win_rate, sd)
    if effect == 0.0:
        raise ValueError("win_rate equals min_win_rate: no number of inputs decides a bound at its own value")
    return n_for_power_mean_shift(effect, alpha=alpha, power=power)
