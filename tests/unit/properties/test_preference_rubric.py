"""preference and rubric: marker validation, the judge prompts they declare, and how judgments become scores."""

from __future__ import annotations

import json
import math
import warnings
from typing import Any

import pytest

from pytest_behavior.engine.golden_compare import rebuild_property
from pytest_behavior.errors import BehaviorConfigError, BehaviorJudgeUnparsedWarning, JudgeFormatError, MarkerError
from pytest_behavior.properties import judged as judged_module
from pytest_behavior.properties.base import prompt_key
from pytest_behavior.properties.judged import check_unparsed
from pytest_behavior.properties.preference import Comparison, Preference, length_controlled, tally, tally_lines
from pytest_behavior.properties.registry import parse_marker
from pytest_behavior.properties.rubric import Rubric
from pytest_behavior.spec.judge_answers import PairwiseJudgment, ScoreJudgment
from pytest_behavior.spec.judge_format import read_sections
from pytest_behavior.spec.output import Output

INPUT = {"question": "How long do refunds take?", "context": "Refunds take 14 days.", "expected": "14 days"}


def out(text: str, value: Any = INPUT) -> Output:
    return Output(text, input=value, input_id="q1")


def preference(**kwargs: Any) -> Preference:
    prop = parse_marker("preference", (), {"judge": "sim-judge/j", **kwargs})
    assert isinstance(prop, Preference)
    return prop


def rubric(**kwargs: Any) -> Rubric:
    prop = parse_marker("rubric", (), {"judge": "sim-judge/j", **kwargs})
    assert isinstance(prop, Rubric)
    return prop


@pytest.mark.parametrize(
    ("marker", "kwargs", "message"),
    [
        ("preference", {"judge": None}, "needs judge= a litellm model string"),
        ("preference", {"min_win_rate": 45}, r"min_win_rate=45 is outside \[0, 1\] \(did you mean 0.45\?\)"),
        ("preference", {"context": 3}, "context must be field names"),
        ("preference", {"criteria": ""}, "criteria must be a non-empty string"),
        ("rubric", {"scale": 1}, "scale must be an integer from 2 to 100"),
        ("rubric", {"max_decrease": 7}, "max_decrease must be a number from 0 to 4"),
        ("rubric", {"min_mean": 0}, "min_mean must be a number from 1 to 5"),
        ("rubric", {"max_decrease": None}, "needs max_decrease or min_mean"),
        ("rubric", {"rubirc": "x"}, "did you mean 'rubric'"),
        ("preference", {"expected": ()}, r"expected must be the name of one input field \(a string\), got \(\)"),
        ("rubric", {"expected": ["expected", "context"]}, "expected must be the name of one input field"),
    ],
)
def test_marker_arguments_are_checked_at_collection(marker: str, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(MarkerError, match=message):
        parse_marker(marker, (), {"judge": "sim-judge/j", **kwargs})


def test_preference_asks_for_each_pair_in_both_orders_with_the_fields_the_judge_may_see() -> None:
    prop = preference(context=("context",), expected="expected")
    request = prop.prompt_request([[out("base 1"), out("base 2")]], [[out("cand 1"), out("cand 2")]])
    assert request is not None and len(request.prompts) == 4
    first, second = (read_sections(p.user) for p in request.prompts[:2])
    assert (first["Answer A"], first["Answer B"]) == ("base 1", "cand 1")
    assert (second["Answer A"], second["Answer B"]) == ("cand 1", "base 1")
    assert first["Question"] == INPUT["question"] and first["Reference answer"] == "14 days"
    assert "Refunds take 14 days." in first.values()
    assert prop.prompt_request(None, [[out("cand")]]) is None  # no baseline: nothing to compare
    with pytest.raises(BehaviorConfigError, match="has no field 'notes'"):
        preference(context=("notes",)).prompt_request([[out("b")]], [[out("c")]])


def verdict(v: str) -> str:
    return json.dumps({"verdict": v, "reason": f"said {v}"})


@pytest.mark.parametrize(
    ("ab", "ba", "score"),
    [("B", "A", 1.0), ("A", "B", 0.0), ("tie", "tie", 0.5), ("B", "B", 0.5), ("A", "A", 0.5), ("B", None, 0.5)],
)
def test_a_comparison_scores_one_zero_or_a_half(
    ab: str, ba: str | None, score: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(judged_module, "MAX_UNPARSED_SHARE", 1.0)  # one pair: its unparsed answer is 50%
    prop = preference()
    base, cand = [[out("b")]], [[out("c")]]
    request = prop.prompt_request(base, cand)
    assert request is not None
    answers = [request.parse(verdict(ab)), None if ba is None else request.parse(verdict(ba))]
    judged = prop.with_judgments({prompt_key(p): a for p, a in zip(request.prompts, answers, strict=True)})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        [obs] = judged.observe(base, cand)
    assert obs.candidate.tolist() == [[score]] and obs.baseline is not None and obs.baseline.tolist() == [[1 - score]]
    assert [w.category for w in caught] == ([BehaviorJudgeUnparsedWarning] if ba is None else [])


def test_preference_explains_wins_ties_losses_consistency_length_and_clearest_losses() -> None:
    prop = preference()
    base = [[out("a fine long answer here")], [out("b")], [out("c")]]
    cand = [[out("short")], [out("b better answer")], [out("c2")]]
    request = prop.prompt_request(base, cand)
    assert request is not None
    answers = [verdict("A"), verdict("B"), verdict("B"), verdict("A"), verdict("tie"), verdict("tie")]
    judged = prop.with_judgments(
        {prompt_key(p): request.parse(a) for p, a in zip(request.prompts, answers, strict=True)}
    )
    lines = judged.explain(base, cand, ["q1", "q2", "q3"])
    assert lines[0].startswith("preference: 1 wins / 1 ties / 1 losses")
    assert "order consistency: 3/3 judged pairs" in lines[1] and "longer answer won 4/4" in lines[2]
    assert "win rate 0.500 raw" in lines[3]
    assert "q1: score 0.00; judge: (candidate was B) said A" in "\n".join(lines)  # a judgment it lost
    assert "    candidate: short" in lines


def test_identical_answers_are_ties_without_a_judge_call_and_stay_out_of_order_consistency() -> None:
    prop = preference()
    base = [[out("same words")], [out("b")], [out("same again")]]
    cand = [[out("same words")], [out("b better answer")], [out("same again")]]
    request = prop.prompt_request(base, cand)
    assert request is not None and len(request.prompts) == 2  # one pair judged, in both orders
    judged = prop.with_judgments(
        {prompt_key(p): request.parse(a) for p, a in zip(request.prompts, [verdict("B"), verdict("A")], strict=True)}
    )
    [obs] = judged.observe(base, cand)
    assert obs.candidate.tolist() == [[0.5], [1.0], [0.5]]
    t = tally(judged.comparisons(base, cand))
    assert (t.wins, t.ties, t.losses, t.identical, t.unparsed) == (1, 2, 0, 2, 0)
    assert (t.order_consistent, t.both_orders_parsed, t.decided_unequal_length) == (1, 1, 2)
    lines = judged.explain(base, cand, ["q1", "q2", "q3"])
    assert "2 identical pairs count as ties, not judged" in lines[0]
    assert lines[1].startswith("order consistency: 1/1 judged pairs")
    same = [[out("x")]] * 3
    assert not any("longer answer won" in line for line in prop.with_judgments({}).explain(same, same, ["a", "b", "c"]))


def test_the_length_controlled_win_rate_is_the_win_rate_at_equal_length() -> None:
    def c(score: float, base: int, cand: int) -> Comparison:
        return Comparison(score, None, None, base, cand)

    # the candidate wins exactly when it is longer: at equal length it wins half the time
    rows = [[c(1.0, 10, 40)], [c(0.0, 40, 10)], [c(1.0, 10, 40)], [c(0.0, 40, 10)], [c(0.5, 20, 20)]]
    assert length_controlled(rows) == pytest.approx(0.5)
    longer = [*rows, [c(1.0, 10, 40)]]
    assert length_controlled(longer) < sum(r[0].score for r in longer) / len(longer)
    same_ratio = [[c(1.0, 10, 40)], [c(0.0, 10, 40)], [c(1.0, 10, 40)]]
    assert math.isnan(length_controlled(same_ratio))  # nothing at equal length to extrapolate from
    assert length_controlled([[c(1.0, 20, 20)], [c(0.0, 20, 20)]]) == 0.5  # all equal length: the raw rate
    line = dict(tally_lines(tally(same_ratio)))["win_rate"]
    assert line == "win rate 0.667 raw, length-controlled not estimable (every input has the same length ratio)"


def test_rubric_scores_every_output_and_explains_the_drops_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    prop = rubric(scale=5)
    base, cand = [[out("good")], [out("fine")]], [[out("bad")], [out("fine")]]
    request = prop.prompt_request(base, cand)
    assert request is not None and len(request.prompts) == 4
    scores = {"good": 5, "fine": 4, "bad": 1}
    judgments = {
        prompt_key(p): ScoreJudgment(
            scores[read_sections(p.user)["Answer"]], 5, "why " + read_sections(p.user)["Answer"]
        )
        for p in request.prompts
    }
    judged = prop.with_judgments(judgments)
    [obs] = judged.observe(base, cand)
    assert obs.candidate.tolist() == [[1.0], [4.0]] and obs.metric.scale == (1.0, 5.0)
    lines = judged.explain(base, cand, ["q1", "q2"])
    assert "q1: 5.00 -> 1.00 (-4.00); judge: why bad" in "\n".join(lines) and "q2:" not in "\n".join(lines)
    unparsed = judged.with_judgments({**judgments, prompt_key(request.prompts[2]): None})
    with pytest.raises(JudgeFormatError, match="1 of 4 answers did not parse even when asked again, more than 2%"):
        unparsed.observe(base, cand)
    monkeypatch.setattr(judged_module, "MAX_UNPARSED_SHARE", 0.25)
    with pytest.warns(BehaviorJudgeUnparsedWarning, match="middle of the scale, 3"):
        [obs] = unparsed.observe(base, cand)
    assert obs.candidate.tolist() == [[3.0], [4.0]]


def test_unreadable_judge_answers_warn_up_to_two_percent_and_are_a_judge_error_above() -> None:
    check_unparsed("rubric", "j", 0, answers=10, meaning="m")  # nothing to say
    with pytest.warns(BehaviorJudgeUnparsedWarning, match="^the rubric judge j: 2 of 100 answers did not parse"):
        check_unparsed("rubric", "j", 2, answers=100, meaning="they score 3")
    with pytest.raises(JudgeFormatError, match="3 of 100 answers"):
        check_unparsed("rubric", "j", 3, answers=100, meaning="they score 3")


def test_describe_records_the_judge_with_its_template_version_and_hash() -> None:
    assert preference().describe()["judge"].startswith("sim-judge/j (pairwise-1, sha256 ")
    assert rubric(min_mean=4).describe()["min_mean"] == 4.0
    assert isinstance(PairwiseJudgment("A", "r"), PairwiseJudgment)


def test_the_golden_diff_command_skips_judged_properties_with_a_note() -> None:
    note = rebuild_property({"marker": "rubric", "judge": "sim-judge/j (pointwise-1, sha256 abc)", "scale": 5})
    assert isinstance(note, str) and note.startswith("skipped rubric: it is judged by an LLM judge")


def test_a_judge_bundles_identity_includes_its_fingerprint_so_changing_it_is_judge_drift() -> None:
    from pytest_behavior import Bundle

    strict = preference(judge=Bundle(model="openai/judge", system="Be strict.")).judge_id
    lenient = preference(judge=Bundle(model="openai/judge", system="Be lenient.")).judge_id
    warm = preference(judge=Bundle(model="openai/judge", system="Be strict.", temperature=0.9)).judge_id
    assert strict.startswith("openai/judge (pairwise-1, sha256 ") and ", bundle " in strict
    assert len({strict, lenient, warm}) == 3
    assert ", bundle " not in preference(judge="openai/judge").judge_id
