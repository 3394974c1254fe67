"""correctness(match="llm:<model>"): marker arguments, the judge prompts it declares (one per output and reference),
any-of references, undecided outputs scored against the candidate, the diff with the judge's reason, and what
golden files record."""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from pytest_behavior.engine.golden_compare import rebuild_property
from pytest_behavior.errors import BehaviorConfigError, BehaviorJudgeUnparsedWarning, MarkerError
from pytest_behavior.properties.base import prompt_key
from pytest_behavior.properties.correctness import Correctness, LlmCorrectness
from pytest_behavior.properties.registry import parse_marker
from pytest_behavior.spec.judge_format import REFERENCE, read_sections
from pytest_behavior.spec.output import Output, with_input

JUDGE = "sim-judge/j"
Texts = list[list[Output]]
Judge = Callable[[Mapping[str, str]], "str | None"]


def llm(**kwargs: Any) -> LlmCorrectness:
    prop = parse_marker("correctness", (), {"match": f"llm:{JUDGE}", "max_decrease": 0.05, **kwargs})
    assert isinstance(prop, LlmCorrectness)
    return prop


def out(text: str, reference: Any, *, input_id: str = "q0", **fields: Any) -> Output:
    record = {"question": f"What is asked in {input_id}?", "expected": reference, **fields}
    return with_input(text, record, input_id=input_id)


def arm(*pairs: tuple[str, Any]) -> Texts:
    """One output per input: (output text, reference value)."""
    return [[out(text, reference, input_id=f"q{i}")] for i, (text, reference) in enumerate(pairs)]


def verdict(word: str, reason: str = "") -> str:
    return json.dumps({"verdict": word, "reason": reason or f"judged {word}"})


def contains_reference(sections: Mapping[str, str]) -> str | None:
    """A judge that finds an answer equivalent when it holds the reference (case aside)."""
    same = sections["Reference answer"].casefold() in sections["Answer"].casefold()
    return verdict("equivalent" if same else "different", f"the answer {'states' if same else 'lacks'} it")


def judged(prop: LlmCorrectness, judge: Judge, baseline: Texts | None, candidate: Texts) -> LlmCorrectness:
    """``prop`` with the judgments ``judge`` gives to each prompt it asks for (None: the answer did not parse)."""
    request = prop.prompt_request(baseline, candidate)
    assert request is not None
    answers = {prompt_key(p): judge(read_sections(p.user)) for p in request.prompts}
    return prop.with_judgments({key: None if a is None else request.parse(a) for key, a in answers.items()})


def last_column(table: str) -> str:
    """The text of a grid table's last column (the candidate's outputs), its wrapped lines joined by spaces."""
    cells = [line.split("|")[-2].strip() for line in table.splitlines() if line.startswith("|")]
    return " ".join(cell for cell in cells if cell)


# --- the marker ----------------------------------------------------------------------------------------------------


def test_the_judge_is_named_in_the_matcher_or_given_with_judge() -> None:
    named = llm()
    given = llm(match="llm", judge=JUDGE)
    assert named == given and named.judge == JUDGE and named.matcher.name == "llm"
    assert named.judge_id == f"{JUDGE} ({REFERENCE.version}, sha256 {REFERENCE.sha256[:12]})"
    assert not named.sequential_capable and Correctness.sequential_capable
    assert llm(match=f"llm: {JUDGE} ").judge == JUDGE
    assert llm(context="notes").context == ("notes",)
    assert not hasattr(parse_marker("correctness", (), {"max_decrease": 0.05}), "judge_id")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"match": "llm:"}, "match='llm:' names no judge model; write match='llm:<litellm model>'"),
        ({"match": "llm:  "}, "names no judge model"),
        ({"match": "llm"}, "match='llm' needs judge= a litellm model string"),
        ({"match": "llm", "judge": 3}, "needs judge= a litellm model string (e.g. 'openai/gpt-4o-mini') or a model"),
        ({"match": "llm", "judge": " "}, "needs judge= a litellm model string"),
        (
            {"match": "exact", "judge": JUDGE},
            "judge= goes with match='llm' (an LLM judge of equivalence with the reference), not ",
        ),
        ({"match": "number", "judge": JUDGE}, "not match='number'"),
        ({"judge": "other"}, "names the judge and judge= gives another ('other'); give it once"),
        ({"match": "exact", "context": "notes"}, "context= names input fields the LLM judge of match='llm' sees"),
        ({"tolerance": 0.1}, "tolerance= and rel_tolerance= go with match='number', not match='llm:sim-judge/j'"),
        ({"choices": "options"}, "choices= names the options of match='choice'"),
        ({"context": 3}, "context must be field names"),
        ({"match": "lm:x"}, "'llm:<model>' (an LLM judge)"),
    ],
)
def test_marker_errors_name_the_marker(kwargs: dict[str, Any], message: str) -> None:
    arguments = {"match": f"llm:{JUDGE}", "max_decrease": 0.05, **kwargs}
    with pytest.raises(MarkerError, match=r"@pytest\.mark\.correctness") as info:
        parse_marker("correctness", (), arguments)
    assert message in str(info.value)


# --- the prompts ---------------------------------------------------------------------------------------------------


def test_one_prompt_per_output_and_reference_with_the_question_the_context_and_the_reference() -> None:
    prop = llm(context=("notes",))
    candidate = [[out("It is 14 days.", ["14 days", 14], notes="Refunds take 14 days.")]]
    request = prop.prompt_request(None, candidate)
    assert request is not None and request.judge == JUDGE and request.name == "correctness judge"
    first, second = (read_sections(p.user) for p in request.prompts)
    assert first == {
        "Question": "What is asked in q0?",
        "Context: notes": "Refunds take 14 days.",
        "Reference answer": "14 days",
        "Answer": "It is 14 days.",
    }
    assert second["Reference answer"] == "14"  # a number is shown as JSON text
    assert all(p.system == REFERENCE.system for p in request.prompts)


def test_both_arms_are_judged_and_an_answer_given_twice_is_one_prompt() -> None:
    baseline, candidate = arm(("Paris", "Paris"), ("Rome", "Rome")), arm(("Paris", "Paris"), ("Lyon", "Rome"))
    request = llm().prompt_request(baseline, candidate)
    assert request is not None and len(request.prompts) == 4
    assert len({prompt_key(p) for p in request.prompts}) == 3


def test_an_unusable_reference_is_an_error_naming_the_input_and_field() -> None:
    with pytest.raises(BehaviorConfigError, match="input 'q0', field 'expected': the reference answer ' ' is empty"):
        llm().prompt_request(None, arm(("x", " ")))
    with pytest.raises(BehaviorConfigError, match="input 'q0', field 'expected': the input has no field 'expected'"):
        llm().prompt_request(None, [[with_input("x", {"question": "q"}, input_id="q0")]])
    with pytest.raises(BehaviorConfigError, match="input 'q0' has no field 'notes'"):
        llm(context="notes").prompt_request(None, arm(("x", "y")))


# --- the judgments -------------------------------------------------------------------------------------------------


def test_right_when_the_judge_finds_any_reference_equivalent() -> None:
    candidate = arm(("It is NYC.", ["New York", "NYC"]), ("Boston", ["New York", "NYC"]), ("nyc!", "NYC"))
    prop = judged(llm(), contains_reference, None, candidate)
    [obs] = prop.observe(None, candidate)
    assert obs.baseline is None and obs.candidate.tolist() == [[1.0], [0.0], [1.0]]
    assert [prop.is_right(row[0]) for row in candidate] == [True, False, True]


def test_an_output_without_a_readable_verdict_counts_against_the_candidate_and_is_warned(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pytest_behavior.properties import judged as judged_module

    monkeypatch.setattr(judged_module, "MAX_UNPARSED_SHARE", 1.0)  # six outputs: the scoring, not the threshold

    def unreadable_for_lyon(sections: Mapping[str, str]) -> str | None:
        return None if sections["Answer"] == "Lyon" else contains_reference(sections)

    baseline = arm(("Lyon", "Paris"), ("Rome", "Rome"), ("Lyon", ["Lyon", "Nice"]))
    candidate = arm(("Paris", "Paris"), ("Lyon", "Rome"), ("Nice", ["Lyon", "Nice"]))
    prop = judged(llm(), unreadable_for_lyon, baseline, candidate)
    with pytest.warns(BehaviorJudgeUnparsedWarning) as caught:
        [obs] = prop.observe(baseline, candidate)
    assert obs.baseline is not None
    assert obs.baseline.tolist() == [[1.0], [1.0], [1.0]]  # undecided in the baseline: right
    assert obs.candidate.tolist() == [[1.0], [0.0], [1.0]]  # undecided in the candidate: wrong
    [warning] = caught
    assert str(warning.message) == (
        f"the correctness judge {prop.judge_id}: 4 of 6 answers did not parse even when asked again; 3 of 6 "
        "outputs are left without a verdict; outputs left without a verdict count against the candidate: right in "
        "the baseline, wrong in the candidate"
    )
    lines = prop.explain(baseline, candidate, ["q0", "q1", "q2"])
    assert "judge: no readable verdict even when asked again, counted wrong (candidate)" in last_column(lines[1])
    assert lines[-1] == (
        "unparsed judge answers (after one re-ask): 4; 3 outputs without a verdict (outputs left without a verdict "
        "count against the candidate: right in the baseline, wrong in the candidate)"
    )


def test_every_answer_readable_warns_nothing() -> None:
    candidate = arm(("Paris", "Paris"))
    prop = judged(llm(), contains_reference, None, candidate)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        prop.observe(None, candidate)
    assert not [w for w in seen if issubclass(w.category, BehaviorJudgeUnparsedWarning)]


def test_the_diff_shows_the_judges_reason_for_the_candidates_wrong_answer() -> None:
    baseline = arm(("Refunds take 14 days.", "14 days"), ("Ships in 2 days.", "2 days"))
    candidate = arm(("Refunds take 30 days.", "14 days"), ("Ships in 2 days.", "2 days"))
    prop = judged(llm(), contains_reference, baseline, candidate)
    heading, table = prop.explain(baseline, candidate, ["q0", "q1"])
    assert heading == (
        f"right -> wrong - correct answers (match='llm', judge {prop.judge_id}): 1 inputs went right -> wrong, "
        "0 wrong -> right (showing 1):"
    )
    assert "[right] Refunds take 14 days." in table and "[wrong] Refunds take 30 days." in table
    assert "judge: the answer lacks it" in last_column(table) and "states" not in table  # the candidate's only
    assert "Ships" not in table


def test_golden_files_record_the_judge_and_a_golden_diff_skips_the_property() -> None:
    prop = llm(context=("notes",), min_rate=0.8)
    assert prop.describe() == {
        "marker": "correctness",
        "expected": "expected",
        "match": "llm",
        "judge": prop.judge_id,
        "context": ["notes"],
        "max_decrease": 0.05,
        "min_rate": 0.8,
    }
    rebuilt = rebuild_property(prop.describe())
    assert isinstance(rebuilt, LlmCorrectness) and rebuilt.context == ("notes",)
    with pytest.raises(BehaviorConfigError, match=r"judged by an LLM judge .*diff judges offline only"):
        rebuilt.observe(None, arm(("x", "y")))
