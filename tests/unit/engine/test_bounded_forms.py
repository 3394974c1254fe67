"""The ``bounded`` metric's bound forms in `engine.judge`: ``min_win_rate`` (relative: needs a baseline), ``min_mean``
and ``max_decrease`` in scale points, decided by `stats.bounded_mean_bound` and `stats.paired_mean_bound`."""

from __future__ import annotations

import numpy as np
import pytest

from pytest_behavior.engine.judge import Verdict, judge
from pytest_behavior.properties.base import Bound, Metric, Observation


def bounded(values: list[list[float]], bound: Bound, base: list[list[float]] | None = None, scale=(0.0, 1.0)):  # type: ignore[no-untyped-def]
    metric = Metric(key="m", title="m", kind="bounded", bounds=(bound,), scale=scale)
    b = None if base is None else np.asarray(base, dtype=np.float64)
    return [("p", Observation(metric, b, np.asarray(values, dtype=np.float64)))]


def test_min_win_rate_regresses_below_and_passes_above_and_needs_a_baseline() -> None:
    low = [[0.0]] * 24 + [[0.5]] * 16  # win rate 0.2
    [v] = judge(bounded(low, Bound("min_win_rate", 0.45), base=[[1 - x[0]] for x in low]))
    assert v.verdict is Verdict.REGRESSED and v.estimate == pytest.approx(0.2) and v.upper < 0.45
    high = [[1.0]] * 20 + [[0.5]] * 20
    [v] = judge(bounded(high, Bound("min_win_rate", 0.45), base=[[1 - x[0]] for x in high]))
    assert v.verdict is Verdict.PASS and v.lower > 0.45
    assert judge(bounded(low, Bound("min_win_rate", 0.45))) == []  # no baseline: not judged


def test_rubric_forms_max_decrease_in_scale_points_and_min_mean() -> None:
    base = [[5.0], [4.0], [5.0], [4.0]] * 10
    cand = [[3.0], [3.0], [4.0], [3.0]] * 10
    [v] = judge(bounded(cand, Bound("max_decrease", 0.25), base=base, scale=(1.0, 5.0)))
    assert v.verdict is Verdict.REGRESSED and v.estimate == pytest.approx(-1.25)
    same = [[5.0], [4.0], [5.0], [4.0]] * 30
    [v] = judge(bounded(same, Bound("max_decrease", 0.25), base=same, scale=(1.0, 5.0)))
    assert v.verdict is Verdict.PASS and v.estimate == 0.0
    [v] = judge(bounded(cand, Bound("min_mean", 4.0), scale=(1.0, 5.0)))
    assert v.verdict is Verdict.REGRESSED and v.estimate == pytest.approx(3.25)


def test_a_bounded_metrics_change_reads_in_points() -> None:
    from pytest_behavior.report.values import format_estimate, scale_of

    assert (
        scale_of("max_decrease=0.25", "bounded") == "points" and scale_of("max_decrease=0.05", "binary") == "difference"
    )
    assert scale_of("min_win_rate=0.45") == "rate"
    assert (format_estimate("points", -0.85), format_estimate("points", -0.0)) == ("-0.85", "0")
    assert (format_estimate("points", 0.175), format_estimate("difference", -0.00001)) == ("+0.175", "+0.0 pts")


@pytest.mark.parametrize("kind", ["bounded", "binary"])
def test_inconclusive_advice_under_the_pass_floor_names_the_floor_not_a_projection(kind: str) -> None:
    """Below 30 inputs a paired bound with repeats cannot PASS (its upper bound is the top of the range): the
    advice says so, instead of projecting that top as if it narrowed like an interval (it read "about 5,120")."""
    rng = np.random.default_rng(3)
    if kind == "bounded":
        base = rng.integers(3, 6, size=(20, 2)).astype(float)
        cand, bound, scale = base.copy(), Bound("max_decrease", 0.25), (1.0, 5.0)
    else:
        base = (rng.random((20, 3)) < 0.2).astype(float)
        cand, bound, scale = base.copy(), Bound("max_increase", 0.05), (0.0, 1.0)
    metric = Metric(key="m", title="m", kind=kind, bounds=(bound,), scale=scale)  # type: ignore[arg-type]
    [v] = judge([("p", Observation(metric, base, cand))])
    assert v.verdict is Verdict.INCONCLUSIVE
    assert "showing that the bound holds needs at least 30 inputs" in v.advice, v.advice
    assert "would show that the bound holds" not in v.advice


def test_inconclusive_advice_for_a_judged_score_quotes_the_t_tests_detectable_change() -> None:
    """The bound is a one-sided t bound on per-input values: the detectable change is that test's shift in SDs of
    this run's values (`detectable_effect_mean_shift`), beyond the threshold."""
    from pytest_behavior.stats import detectable_effect_mean_shift

    rng = np.random.default_rng(5)
    base = rng.integers(2, 6, size=(40, 1)).astype(float)
    cand = base - (rng.random((40, 1)) < 0.25)  # a quarter point lower: at the margin, undecided
    [v] = judge(bounded(cand.tolist(), Bound("max_decrease", 0.25), base=base.tolist(), scale=(1.0, 5.0)))
    assert v.verdict is Verdict.INCONCLUSIVE, v
    shift = detectable_effect_mean_shift(40, alpha=0.05) * float(np.std(base[:, 0] - cand[:, 0], ddof=1))
    assert f"n=40 can detect a drop of ≥ {0.25 + shift:.2f} (80% power)" in v.advice, v.advice
    wins = [[0.5]] * 20 + [[0.0]] * 9 + [[1.0]] * 11  # win rate 0.5375 against 0.5: undecided
    [w] = judge(bounded(wins, Bound("min_win_rate", 0.5), base=[[1 - x[0]] for x in wins]))
    assert w.verdict is Verdict.INCONCLUSIVE, w
    sd = float(np.std([x[0] for x in wins], ddof=1))
    detect = 0.5 - detectable_effect_mean_shift(40, alpha=0.05) * sd
    assert f"n=40 can detect a win rate of ≤ {detect:.2f} (80% power)" in w.advice, w.advice
