"""What an INCONCLUSIVE verdict needs: how much this run could see, and how many inputs would decide it.

Three figures, each computed from this run's own data (the baseline rate, the spread of the paired
differences) so that the advice fits the property at hand:

* *detectable*: the smallest change this many inputs detect with 80% power at the run's alpha
  (:func:`pytest_behavior.stats.detectable_effect_binary` for paired rates: the exact power of the test the
  engine runs at that margin, as ``pytest-behavior power --detect N --base RATE --margin M`` prints; for
  ratios the threshold times exp of the t-test's detectable shift in SDs of the per-input log ratios,
  divided by the Wilcoxon test's efficiency 3/pi; for judged scores, ``bounded`` metrics, the t-test's detectable
  shift in SDs of the per-input values the bound is on);
* *margin*: for paired rates with a non-zero ``max_increase`` margin, the inputs needed to detect an
  increase of twice the margin (REGRESSED means "beyond the margin", so detecting the margin itself
  is not possible; :func:`~pytest_behavior.stats.n_for_power_paired_binary` with the margin) and to
  PASS when nothing changed (:func:`~pytest_behavior.stats.n_for_pass_binary`);
* *projection*: the inputs at which the interval, narrowing as 1/sqrt(n) around the same estimate,
  would no longer contain the threshold (any bound); where the method cannot show a bound holds with this few
  inputs at all (`BoundResult.inputs_to_pass`), that number instead.
"""

from __future__ import annotations

import math
from typing import Any

from pytest_behavior.properties.base import Bound, Observation
from pytest_behavior.stats.result import BoundResult

POWER = 0.8
WILCOXON_EFFICIENCY = 3 / math.pi  # asymptotic relative efficiency vs the t-test (Hodges & Lehmann 1956)
_MAX_QUOTED = 1_000_000


def inconclusive_advice(
    obs: Observation,
    bound: Bound,
    result: BoundResult,
    *,
    threshold: float,
    alpha: float,
    alpha_regress: float | None = None,
) -> str:
    """One sentence for an INCONCLUSIVE bound; ``threshold`` is on the oriented scale ``result`` uses.

    ``alpha_regress`` is the level the row's REGRESSED side is tested at (its multiplicity level in the test's
    family, see `pytest_behavior.engine.judge`; default ``alpha``): detection figures use it, so that the N quoted has
    the power stated in this test. Showing that the bound holds needs no adjustment and uses ``alpha``.
    """
    alpha_regress = alpha if alpha_regress is None else alpha_regress
    parts = [
        p
        for p in (
            _detectable(obs, bound, result, alpha_regress),
            *_margin(obs, bound, alpha_regress=alpha_regress, alpha_pass=alpha),
            _projection(result, threshold),
        )
        if p
    ]
    return "; ".join(parts)


def _baseline_bad_rate(obs: Observation, bound: Bound) -> float | None:
    """The oriented test's baseline rate of the bad outcome (``max_decrease`` tests 1 - rate)."""
    if obs.baseline is None:
        return None
    rate = float(obs.baseline.mean())
    return 1.0 - rate if bound.form == "max_decrease" else rate


def _points(value: float) -> str:
    return f"{100 * value:.0f} point" + ("" if round(100 * value) == 1 else "s")


def _detectable(obs: Observation, bound: Bound, result: BoundResult, alpha: float) -> str:
    from pytest_behavior.stats import detectable_effect_binary, detectable_effect_mean_shift

    n = result.n_inputs
    if obs.metric.kind == "binary" and bound.relative:
        rate = _baseline_bad_rate(obs, bound)
        margin = bound.threshold
        if rate is None or rate + margin >= 1.0:
            return ""
        # REGRESSED needs the increase to exceed the margin: the exact power of the test the engine runs
        # there (Tango's score test of Delta <= margin; mid-p McNemar without a margin), as `power --detect`
        total = detectable_effect_binary(
            n, min(max(rate, 0.0), 1 - 1e-6), alpha=alpha, power=POWER, margin=max(margin, 0.0)
        )
        change = "a decrease" if bound.form == "max_decrease" else "an increase"
        if not math.isfinite(total):
            return f"n={n} is too few to detect {change} of any size with {POWER:.0%} power"
        beyond = f" ({_points(total - margin)} beyond your margin)" if margin > 0 else ""
        return f"n={n} can detect {change} of ≥ {_points(total)}{beyond} ({POWER:.0%} power)"
    if obs.metric.kind == "continuous" and bound.relative and n >= 3 and obs.baseline is not None:
        sd = _log_ratio_sd(obs)
        if sd is None:
            return ""
        shift = detectable_effect_mean_shift(n, alpha=alpha, power=POWER) * sd / math.sqrt(WILCOXON_EFFICIENCY)
        # REGRESSED needs the log ratio beyond log(threshold) by the detectable shift
        ratio = bound.threshold * (math.exp(-shift) if bound.form == "min_ratio" else math.exp(shift))
        return f"n={n} can detect a ratio of ×{ratio:.2f} ({POWER:.0%} power)"
    if obs.metric.kind == "bounded" and n >= 3:
        return _detectable_bounded(obs, bound, n, alpha)
    return ""


def _detectable_bounded(obs: Observation, bound: Bound, n: int, alpha: float) -> str:
    """A judged score's bounds are one-sided t bounds on per-input means (`stats.bounded_mean_bound`,
    `stats.paired_mean_bound`): the detectable change is the t-test's shift in SDs of this run's per-input values."""
    import numpy as np

    from pytest_behavior.stats import detectable_effect_mean_shift

    candidate = obs.candidate.mean(axis=1)
    if bound.form in ("max_decrease", "max_increase"):
        if obs.baseline is None:
            return ""
        values = obs.baseline.mean(axis=1) - candidate
    else:
        values = candidate
    sd = float(np.std(values, ddof=1))
    if not (sd > 0 and math.isfinite(sd)):
        return ""
    shift = detectable_effect_mean_shift(n, alpha=alpha, power=POWER) * sd
    if bound.form in ("max_decrease", "max_increase"):
        change = "drop" if bound.form == "max_decrease" else "rise"
        return f"n={n} can detect a {change} of ≥ {bound.threshold + shift:.2f} ({POWER:.0%} power)"
    what = "win rate" if bound.form == "min_win_rate" else "mean"
    return f"n={n} can detect a {what} of ≤ {bound.threshold - shift:.2f} ({POWER:.0%} power)"


def _log_ratio_sd(obs: Observation) -> float | None:
    import numpy as np

    assert obs.baseline is not None
    floor = 1.0
    d = np.log(np.maximum(obs.candidate, floor)).mean(axis=1) - np.log(np.maximum(obs.baseline, floor)).mean(axis=1)
    sd = float(np.std(d, ddof=1)) if d.size > 1 else 0.0
    return sd if sd > 0 and math.isfinite(sd) else None


def _margin(obs: Observation, bound: Bound, *, alpha_regress: float, alpha_pass: float) -> tuple[str, ...]:
    from pytest_behavior.stats import n_for_pass_binary, n_for_power_paired_binary

    if obs.metric.kind != "binary" or bound.form != "max_increase" or not 0 < bound.threshold < 1:
        return ()
    rate = _baseline_bad_rate(obs, bound)
    if rate is None or rate + bound.threshold >= 1:
        return ()
    rate = max(rate, 1e-4)
    out = []
    try:  # an increase of twice the margin (`margin` beyond it), by the power of the engine's test at the margin
        detect = n_for_power_paired_binary(
            rate, rate + 2 * bound.threshold, alpha=alpha_regress, power=POWER, margin=bound.threshold
        )
        out.append(
            f"about {_count(detect)} inputs would detect an increase of {_points(2 * bound.threshold)} "
            "(twice your margin)"
        )
    except ValueError:
        pass
    hold = n_for_pass_binary(rate, bound.threshold, alpha=alpha_pass, power=POWER)
    out.append(f"about {_count(hold)} would show the margin holds if nothing changed")
    return tuple(out)


def _projection(result: BoundResult, threshold: float) -> str:
    gap = result.estimate - threshold
    if not math.isfinite(gap) or gap == 0 or result.n_inputs < 2:
        return ""
    if gap < 0 and result.inputs_to_pass > result.n_inputs:  # the PASS side is floored, not narrowing as 1/sqrt(n)
        return f"showing that the bound holds needs at least {result.inputs_to_pass} inputs"
    width = (result.estimate - result.lower) if gap > 0 else (result.upper - result.estimate)
    if not math.isfinite(width) or width <= 0:
        return ""
    needed = math.ceil(result.n_inputs * (width / abs(gap)) ** 2)
    if needed <= result.n_inputs:
        return ""
    side = "a regression" if gap > 0 else "that the bound holds"
    return f"if the estimate holds, about {_count(needed)} inputs would show {side}"


def _count(n: Any) -> str:
    n = int(n)
    if n > _MAX_QUOTED:
        return f"more than {_MAX_QUOTED:,}"
    if n >= 100:  # rounded up to tens: a sample size quoted low would leave the next run undecided too
        return f"{10 * math.ceil(n / 10):,}"
    return str(n)
