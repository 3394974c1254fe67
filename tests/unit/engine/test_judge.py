"""Verdict orientation: every bound form turns the right way, and Holm spans a test's bounds."""

from __future__ import annotations

import numpy as np
import pytest

from pytest_behavior.engine.judge import Verdict, judge
from pytest_behavior.properties.base import Bound, Metric, Observation


def binary(rate_base: float, rate_cand: float, n: int = 400, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Coupled draws (common random numbers), like a model change that moves borderline inputs."""
    u = np.random.default_rng(seed).random((n, 1))
    return (u < rate_base).astype(float), (u < rate_cand).astype(float)


def obs(kind: str, base: np.ndarray | None, cand: np.ndarray, *bounds: Bound) -> tuple[str, Observation]:
    return ("p", Observation(Metric("m", "metric", kind, bounds), base, cand))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("rates", "bound", "expected"),
    [
        ((0.05, 0.20), Bound("max_increase", 0.03), Verdict.REGRESSED),
        ((0.05, 0.05), Bound("max_increase", 0.03), Verdict.PASS),
        ((0.20, 0.05), Bound("max_decrease", 0.03), Verdict.REGRESSED),
        ((0.20, 0.20), Bound("max_decrease", 0.03), Verdict.PASS),
        ((0.05, 0.20), Bound("max_rate", 0.10), Verdict.REGRESSED),
        ((0.05, 0.02), Bound("max_rate", 0.10), Verdict.PASS),
        ((0.95, 0.70), Bound("min_rate", 0.90), Verdict.REGRESSED),
        ((0.95, 0.99), Bound("min_rate", 0.90), Verdict.PASS),
        ((0.05, 0.06), Bound("max_increase", 0.0), Verdict.INCONCLUSIVE),
    ],
)
def test_binary_bound_orientation(rates: tuple[float, float], bound: Bound, expected: Verdict) -> None:
    base, cand = binary(*rates)
    (verdict,) = judge([obs("binary", base, cand, bound)])
    assert verdict.verdict is expected
    assert verdict.lower <= verdict.estimate <= verdict.upper
    assert verdict.baseline == pytest.approx(base.mean()) and verdict.candidate == pytest.approx(cand.mean())


@pytest.mark.parametrize(
    ("factor", "bound", "expected"),
    [
        (0.4, Bound("min_ratio", 0.8), Verdict.REGRESSED),
        (1.0, Bound("min_ratio", 0.8), Verdict.PASS),
        (1.8, Bound("max_ratio", 1.3), Verdict.REGRESSED),
        (1.0, Bound("max_ratio", 1.3), Verdict.PASS),
        (0.4, Bound("max_ratio", 1.3), Verdict.PASS),
    ],
)
def test_ratio_bound_orientation(factor: float, bound: Bound, expected: Verdict) -> None:
    rng = np.random.default_rng(1)
    base = rng.lognormal(4, 0.4, (200, 1))
    cand = base * factor * rng.lognormal(0, 0.1, (200, 1))
    (verdict,) = judge([obs("continuous", base, cand, bound)])
    assert verdict.verdict is expected
    assert verdict.estimate == pytest.approx(factor, rel=0.06)
    assert verdict.lower <= verdict.estimate <= verdict.upper


def test_relative_bounds_need_a_baseline() -> None:
    _, cand = binary(0.05, 0.05)
    verdicts = judge([obs("binary", None, cand, Bound("max_rate", 0.2), Bound("max_increase", 0.02))])
    assert [v.bound for v in verdicts] == ["max_rate=0.2"]


def test_holm_adjusts_across_the_bounds_of_a_test() -> None:
    base, cand = binary(0.05, 0.07, seed=4)
    single = judge([obs("binary", base, cand, Bound("max_increase", 0.0))])[0]
    many = judge(
        [obs("binary", base, cand, Bound("max_increase", 0.0))]
        + [obs("binary", *binary(0.3, 0.3, seed=s), Bound("max_increase", 0.0)) for s in range(5)]
    )
    assert many[0].p_value == single.p_value
    assert many[0].p_adjusted >= single.p_adjusted
    assert all(v.p_adjusted >= v.p_value for v in many)


# --------------------------------------------------------------------------------------------------
# segments
# --------------------------------------------------------------------------------------------------


def test_segments_need_two_names_and_keep_first_appearance_order() -> None:
    from pytest_behavior.engine.judge import segment_rows

    assert segment_rows(None) == {} and segment_rows(["a", "a"]) == {} and segment_rows([None, None]) == {}
    assert segment_rows(["b", None, "a", "b"]) == {"b": [0, 3], "(no segment)": [1], "a": [2]}
    assert segment_rows(["es", None, None]) == {"es": [0], "(no segment)": [1, 2]}


def test_segment_verdicts_share_one_holm_family_with_the_overall_result() -> None:
    from pytest_behavior.stats import holm

    base, cand = binary(0.05, 0.05, n=400)
    cand[300:340] = 1.0  # 40 of segment "d"'s 100 inputs turn bad
    segments = [name for name in "abcd" for _ in range(100)]
    verdicts = judge([obs("binary", base, cand, Bound("max_increase", 0.10))], segments=segments)
    assert [v.segment for v in verdicts] == [None, "a", "b", "c", "d"]
    assert [v.n_inputs for v in verdicts] == [400, 100, 100, 100, 100]
    assert [v.p_adjusted for v in verdicts] == pytest.approx(holm([v.p_value for v in verdicts]))
    by_segment = {v.segment: v for v in verdicts}
    assert by_segment["d"].verdict is Verdict.REGRESSED and by_segment["d"].confined
    assert by_segment[None].verdict is not Verdict.REGRESSED
    assert not any(v.confined for v in verdicts if v.segment != "d")


def test_a_regression_everywhere_is_not_confined() -> None:
    base, cand = binary(0.05, 0.40, n=400)
    verdicts = judge([obs("binary", base, cand, Bound("max_increase", 0.05))], segments=["a", "b"] * 200)
    assert all(v.verdict is Verdict.REGRESSED for v in verdicts)
    assert not any(v.confined for v in verdicts)


# --------------------------------------------------------------------------------------------------
# INCONCLUSIVE advice
# --------------------------------------------------------------------------------------------------


def test_inconclusive_advice_quotes_the_power_functions() -> None:
    import re

    from pytest_behavior.stats import detectable_effect_binary, n_for_pass_binary, n_for_power_paired_binary

    base, cand = binary(0.05, 0.10, n=40, seed=3)
    (verdict,) = judge([obs("binary", base, cand, Bound("max_increase", 0.05))])
    assert verdict.verdict is Verdict.INCONCLUSIVE
    rate = float(base.mean())
    # REGRESSED means "beyond the margin": the detectable increase is what 40 inputs detect with the test the
    # engine runs at that margin (Tango's score test of Delta <= 0.05)
    stated = re.search(r"can detect an increase of ≥ (\d+) points \((\d+) points beyond your margin\)", verdict.advice)
    assert stated, verdict.advice
    total = detectable_effect_binary(40, rate, margin=0.05)
    assert int(stated.group(2)) == round(100 * (total - 0.05)) and int(stated.group(1)) == round(100 * total)
    detect = n_for_power_paired_binary(rate, rate + 0.10, margin=0.05)
    hold = n_for_pass_binary(rate, 0.05)
    assert f"about {10 * -(-detect // 10):,} inputs would detect an increase of 10 points (twice your margin)" in (
        verdict.advice
    )
    assert f"about {10 * -(-hold // 10):,} would show the margin holds" in verdict.advice


def test_inconclusive_projection_shrinks_the_interval_as_one_over_root_n() -> None:
    from pytest_behavior.engine.advice import _projection
    from pytest_behavior.stats import BoundResult

    result = BoundResult(estimate=0.04, lower=0.01, upper=0.07, p_regress=0.1, n_inputs=100, repeats=1, method="x")
    # regress side: the lower bound (0.03 below the estimate) must clear the threshold 0.02 -> 100 * (3/2)^2
    assert _projection(result, 0.02) == "if the estimate holds, about 230 inputs would show a regression"
    # pass side: the upper bound (0.03 above) must get under 0.06 -> 100 * (3/2)^2 as well
    assert _projection(result, 0.06) == "if the estimate holds, about 230 inputs would show that the bound holds"
    assert _projection(result, 0.10) == ""  # already decided by this interval
    assert _projection(result, 0.04) == ""  # estimate on the threshold: no number of inputs decides it


def test_inconclusive_ratio_advice_names_a_detectable_ratio() -> None:
    rng = np.random.default_rng(5)
    base = rng.lognormal(4.0, 0.5, size=(30, 1))
    cand = base * rng.lognormal(0.1, 0.3, size=(30, 1))
    (verdict,) = judge([obs("continuous", base, cand, Bound("max_ratio", 1.1))])
    assert verdict.verdict is Verdict.INCONCLUSIVE
    assert "n=30 can detect a ratio of ×1." in verdict.advice
    (decided,) = judge([obs("continuous", base, base * 2.0, Bound("max_ratio", 1.1))])
    assert decided.verdict is Verdict.REGRESSED and decided.advice == ""


def test_inconclusive_advice_plans_at_the_level_the_row_is_tested_at() -> None:
    """Among 4 bounds a row is tested at alpha / 4 (Holm's first step): its detection figures say so, while the
    inputs to show the margin holds stay at alpha (PASS needs no multiplicity adjustment)."""
    import re

    from pytest_behavior.stats import detectable_effect_binary, n_for_pass_binary, n_for_power_paired_binary

    base, cand = binary(0.05, 0.10, n=40, seed=3)
    quiet = np.zeros_like(base)
    others = [obs("binary", quiet, quiet, Bound("max_increase", 0.5)) for _ in range(3)]
    verdicts = judge([obs("binary", base, cand, Bound("max_increase", 0.05)), *others])
    verdict = verdicts[0]
    assert verdict.verdict is Verdict.INCONCLUSIVE and verdict.lower_level == pytest.approx(1 - 0.05 / 4)
    rate = float(base.mean())
    stated = re.search(r"can detect an increase of ≥ (\d+) points", verdict.advice)
    assert stated and int(stated.group(1)) == round(100 * detectable_effect_binary(40, rate, alpha=0.0125, margin=0.05))
    detect = n_for_power_paired_binary(rate, rate + 0.10, alpha=0.0125, margin=0.05)
    hold = n_for_pass_binary(rate, 0.05, alpha=0.05)
    assert f"about {10 * -(-detect // 10):,} inputs would detect an increase of 10 points" in verdict.advice
    assert f"about {10 * -(-hold // 10):,} would show the margin holds" in verdict.advice


def test_a_categorical_bound_is_one_member_of_the_family() -> None:
    """A 3-category max_share_change adds one member (the refusal row is tested at alpha / 2, not alpha / 7):
    its 6 rows (3 categories x 2 directions) share that member's weight."""
    from pytest_behavior.properties.custom import CustomProperty

    base, cand = binary(0.05, 0.12, n=300, seed=5)
    refusal = obs("binary", base, cand, Bound("max_increase", 0.0))
    alone = judge([refusal])[0]
    categories = CustomProperty.from_marker(lambda text: text, name="decision", max_share_change=0.1)
    rows = [["approve", "review", "decline"][i % 3] for i in range(300)]
    shares = [("decision", o) for o in categories.observe([[r] for r in rows], [[r] for r in rows])]
    together = judge([refusal, *shares])
    assert len(together) == 1 + 3 * 2
    assert alone.lower_level == pytest.approx(0.95)
    assert together[0].p_adjusted == pytest.approx(min(1.0, 2 * alone.p_value))
    assert together[0].lower_level == pytest.approx(1 - 0.05 / 2)
    # the category rows hold 1/6 of one member's weight each, against the weight still in play
    in_play = 1.0 if together[0].verdict is Verdict.REGRESSED else 2.0
    assert all(max(v.lower_level, v.upper_level) == pytest.approx(1 - 0.05 / 6 / in_play) for v in together[1:])


def test_weighted_holm_is_holm_with_equal_weights_and_its_levels_agree_with_its_decisions() -> None:
    from pytest_behavior.stats import holm, weighted_holm, weighted_holm_levels

    rng = np.random.default_rng(8)
    for _ in range(2000):
        m = int(rng.integers(1, 9))
        p = list(rng.random(m) ** 3)
        weights = list(rng.choice([1.0, 0.5, 1 / 3], size=m))
        adjusted, levels = weighted_holm(p, weights), weighted_holm_levels(p, weights, alpha=0.05)
        assert all((a < 0.05) == (pi < level) for a, pi, level in zip(adjusted, p, levels, strict=True))
        assert weighted_holm(p, [1.0] * m) == holm(p)
    with pytest.raises(ValueError, match="positive weight"):
        weighted_holm([0.1, 0.2], [1.0, 0.0])


def test_a_sequential_row_never_shows_an_interval_that_disagrees_with_its_decision() -> None:
    """The betting test decides; the fixed-N interval is shown only where it tells the same story."""
    from pytest_behavior.engine.judge import judge_sequential
    from pytest_behavior.stats import SequentialResult

    base, cand = binary(0.05, 0.10, n=60, seed=2)
    observation = obs("binary", base, cand, Bound("max_increase", 0.0))
    key = ("p", "m", "max_increase=0")

    def outcome(decision: str, wealth: float) -> SequentialResult:
        return SequentialResult(
            decision=decision,
            n_used=60,
            n_max=100,
            wealth_regress=wealth,
            wealth_pass=1.0,
            estimate=0.05,
            threshold=0.0,
            alpha=0.05,
        )  # type: ignore[arg-type]

    (straddling,) = judge([observation])
    assert straddling.verdict is Verdict.INCONCLUSIVE
    (undecided,) = judge_sequential([observation], {key: outcome("INCONCLUSIVE", 3.0)})
    assert (undecided.lower, undecided.upper) == (straddling.lower, straddling.upper)
    (decided,) = judge_sequential([observation], {key: outcome("REGRESSED", 25.0)})
    assert decided.verdict is Verdict.REGRESSED and np.isnan(decided.lower) and np.isnan(decided.upper)
    assert "not shown" in decided.method
