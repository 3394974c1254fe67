"""The correctness property: marker validation at collection, right/wrong per output against the input's reference,
errors naming the input and field, the right -> wrong diff, and the settings it records."""

from __future__ import annotations

import functools
from typing import Any

import pytest

from pytest_behavior.engine.golden_compare import rebuild_property
from pytest_behavior.errors import BehaviorConfigError, MarkerError
from pytest_behavior.properties.correctness import Correctness
from pytest_behavior.properties.registry import parse_marker, registered_markers
from pytest_behavior.spec.output import Output, with_input


def prop(**kwargs: Any) -> Correctness:
    parsed = parse_marker("correctness", (), {"max_decrease": 0.05, **kwargs})
    assert isinstance(parsed, Correctness)
    return parsed


def answers(*pairs: tuple[str, Any], field: str = "expected") -> list[list[str]]:
    """One output per input: (output text, reference value) -> an output carrying an input {question, field}."""
    return [
        [with_input(text, {"question": f"q{i}", field: reference}, input_id=f"q{i}")]
        for i, (text, reference) in enumerate(pairs)
    ]


def test_the_marker_is_registered_with_its_metric() -> None:
    assert registered_markers()["correctness"] is Correctness
    [metric] = prop(min_rate=0.8).metrics()
    assert (metric.key, metric.title, metric.kind) == ("correctness", "correct answers", "binary")
    assert [str(b) for b in metric.bounds] == ["min_rate=0.8", "max_decrease=0.05"]


def test_each_output_is_right_or_wrong_against_its_own_input() -> None:
    [obs] = prop().observe(
        answers(("Paris", "Paris"), ("Rome", "Paris"), ("42", "42")),
        answers(("paris.", "Paris"), ("Paris", "Paris"), ("41", "42")),
    )
    assert obs.baseline is not None and obs.baseline.tolist() == [[1.0], [0.0], [1.0]]
    assert obs.candidate.tolist() == [[1.0], [1.0], [0.0]]


def test_a_list_of_references_counts_any_of_them() -> None:
    [obs] = prop(match="contains").observe(None, answers(("It is NYC.", ["New York", "NYC"]), ("Boston", ["NYC"])))
    assert obs.candidate.tolist() == [[1.0], [0.0]]


def test_repeats_are_judged_one_by_one() -> None:
    record = {"expected": "B"}
    row = [with_input(t, record, input_id="q") for t in ("Answer: B", "Answer: C", "(b)")]
    [obs] = prop(match="choice").observe(None, [row])
    assert obs.candidate.tolist() == [[1.0, 0.0, 1.0]]


def test_another_field_and_the_options_field() -> None:
    outputs = [
        [with_input("It must be Rome.", {"gold": "C", "options": ["Paris", "London", "Rome"]}, input_id="mc1")],
        [with_input("B) Paris", {"gold": "Paris", "options": {"A": "Paris", "B": "London"}}, input_id="mc2")],
    ]
    [obs] = prop(expected="gold", match="choice", choices="options").observe(None, outputs)
    assert obs.candidate.tolist() == [[1.0], [0.0]]


def test_number_with_tolerances() -> None:
    outputs = answers(("It is about 3.15", 3.14159), ("Roughly 1,050 people", "1000"))
    [obs] = prop(match="number", tolerance=0.01).observe(None, outputs)
    assert obs.candidate.tolist() == [[1.0], [0.0]]
    [obs] = prop(match="number", rel_tolerance=0.05).observe(None, outputs)  # 5% of 1000: 1050 is just within
    assert obs.candidate.tolist() == [[1.0], [1.0]]
    [obs] = prop(match="number", rel_tolerance=0.002).observe(None, outputs)
    assert obs.candidate.tolist() == [[0.0], [0.0]]


def test_a_function_matcher_gets_the_output_with_its_input_and_the_reference() -> None:
    seen: list[tuple[Any, Any]] = []

    def same_word_count(output: str, expected: str) -> bool:
        seen.append((getattr(output, "input_id", None), expected))
        return len(output.split()) == len(expected.split())

    [obs] = prop(match=same_word_count).observe(None, answers(("one two", "x y"), ("one", "x y")))
    assert obs.candidate.tolist() == [[1.0], [0.0]]
    assert seen == [("q0", "x y"), ("q1", "x y")]


def test_a_partial_and_a_callable_object_are_match_functions() -> None:
    def within(output: str, expected: str, *, slack: int) -> bool:
        return abs(len(output) - len(expected)) <= slack

    class Prefix:
        def __call__(self, output: str, expected: str) -> bool:
            return output.startswith(expected)

    outputs = answers(("abcd", "abc"))
    assert prop(match=functools.partial(within, slack=1)).observe(None, outputs)[0].candidate.tolist() == [[1.0]]
    assert prop(match=Prefix()).observe(None, outputs)[0].candidate.tolist() == [[1.0]]


# --- errors: usage errors at collection, data errors naming the input and field -------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_decrease": None}, "needs at least one of max_decrease, min_rate"),
        ({"match": "fuzzy"}, "match='fuzzy' is not a matcher; use one of 'exact', 'contains', 'number', 'choice'"),
        ({"match": "exactly"}, "did you mean 'exact'"),
        ({"match": 3}, "match=3 is not a matcher"),
        ({"match": lambda output: True}, "must take two positional arguments"),
        ({"match": lambda: True}, "must take two positional arguments"),
        ({"expected": ""}, "expected must name the input field"),
        ({"expected": 1}, "expected must name the input field"),
        ({"tolerance": 0.1}, "tolerance= and rel_tolerance= go with match='number', not match='exact'"),
        ({"match": "number", "tolerance": -1}, "tolerance must be a finite number >= 0"),
        ({"match": "number", "rel_tolerance": float("inf")}, "rel_tolerance must be a finite number >= 0"),
        ({"match": lambda o, e: True, "tolerance": 1}, "go with match='number', not a function"),
        ({"choices": "options"}, "choices= names the options of match='choice'"),
        ({"match": "choice", "choices": ""}, "choices must name the input field"),
        ({"max_decrease": 5}, "did you mean 0.05"),
        ({"min_rate": -0.1}, "min_rate=-0.1 is outside"),
        ({"max_decrase": 0.1}, "did you mean 'max_decrease'"),
    ],
)
def test_marker_errors_name_the_marker_and_argument(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(MarkerError, match=r"@pytest\.mark\.correctness") as info:
        parse_marker("correctness", (), {"max_decrease": 0.05, **kwargs})
    assert message in str(info.value)


def test_positional_arguments_are_a_usage_error() -> None:
    with pytest.raises(MarkerError, match="correctness"):
        parse_marker("correctness", ("answer",), {"max_decrease": 0.05})


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"question": "q"}, "input 'q7', field 'expected': the input has no field 'expected' holding the reference"),
        ("What is 2+2?", "input 'q7', field 'expected': the input is the string 'What is 2+2?', not an object"),
        ({"expected": None}, "the reference answer is null, not an answer"),
        ({"expected": []}, "the reference answer is a list, not an answer"),
        ({"expected": ""}, "input 'q7', field 'expected': exact: the expected answer '' is empty"),
    ],
)
def test_an_input_without_a_usable_reference_is_an_error_naming_it_and_the_field(record: Any, message: str) -> None:
    with pytest.raises(BehaviorConfigError) as info:
        prop().observe(None, [[with_input("4", record, input_id="q7")]])
    assert message in str(info.value)


def test_the_missing_field_error_lists_the_fields_the_input_has() -> None:
    with pytest.raises(BehaviorConfigError, match=r"its fields: 'question', 'answer'.*name the field with expected="):
        prop().observe(None, [[with_input("4", {"question": "2+2", "answer": "4"}, input_id="q")]])


def test_data_errors_of_the_matchers_name_the_input_and_field() -> None:
    with pytest.raises(BehaviorConfigError, match=r"input 'q0', field 'expected': regex: .* not a valid regular"):
        prop(match="regex").observe(None, answers(("x", "(")))
    with pytest.raises(BehaviorConfigError, match=r"input 'q0', field 'expected': number: .* holds no number"):
        prop(match="number").observe(None, answers(("4", "four")))
    bad_options = [[with_input("A", {"expected": "A", "choices": "A or B"}, input_id="mc")]]
    with pytest.raises(BehaviorConfigError, match="input 'mc', field 'choices': choice: the options must be"):
        prop(match="choice").observe(None, bad_options)


def test_an_output_without_its_input_is_an_error_not_a_wrong_answer() -> None:
    with pytest.raises(BehaviorConfigError, match="an input, field 'expected': the output carries no input"):
        prop().observe(None, [[Output("4")]])


def test_a_failing_match_function_is_an_error_naming_the_input() -> None:
    def broken(output: str, expected: str) -> bool:
        raise KeyError("oops")

    with pytest.raises(BehaviorConfigError, match=r"input 'q0', field 'expected': the match function .*broken raised"):
        prop(match=broken).observe(None, answers(("a", "b")))


# --- the diff and the recorded settings ----------------------------------------------------------------------------


def test_explain_lists_the_inputs_that_went_right_to_wrong_with_the_reference_beside_both_outputs() -> None:
    baseline = answers(("Paris", "Paris"), ("Rome", "Rome"), ("Berlin", "Madrid"), ("Oslo", "Oslo"))
    candidate = answers(("Lyon", "Paris"), ("Rome", "Rome"), ("Madrid", "Madrid"), ("Bergen", ["Oslo", "Christiania"]))
    lines = prop().explain(baseline, candidate, ["q0", "q1", "q2", "q3"])
    assert lines[0] == (
        "right -> wrong - correct answers (match='exact'): 2 inputs went right -> wrong, 1 wrong -> right (showing 2):"
    )
    table = lines[1]
    assert "expected (expected)" in table and "baseline" in table and "candidate" in table
    assert "[right] Paris" in table and "[wrong] Lyon" in table
    assert "Oslo | Christiania" in table and "[wrong] Bergen" in table
    assert "q2" not in table and "Madrid" not in table  # it went wrong -> right
    assert prop().explain(baseline, baseline, ["q0", "q1", "q2", "q3"]) == []


def test_explain_with_repeats_shows_a_right_baseline_and_a_wrong_candidate_output() -> None:
    record = {"question": "Capital of France?", "expected": "Paris"}
    base = [[with_input(t, record, input_id="fr") for t in ("Lyon", "Paris", "Paris")]]
    cand = [[with_input(t, record, input_id="fr") for t in ("Paris", "Nice", "Lyon")]]
    [heading, table] = prop().explain(base, cand, ["fr"])
    assert "1 inputs went right -> wrong" in heading
    assert "[2/3 right] Paris" in table and "[1/3 right] Nice" in table
    assert "Capital of France?" in table


def test_describe_records_the_settings_and_a_golden_diff_rebuilds_them() -> None:
    number = prop(expected="answer", match="number", tolerance=0.5, min_rate=0.9)
    assert number.describe() == {
        "marker": "correctness",
        "expected": "answer",
        "match": "number",
        "tolerance": 0.5,
        "rel_tolerance": 0.0,
        "max_decrease": 0.05,
        "min_rate": 0.9,
    }
    assert prop(match="choice").describe()["choices"] == "choices"
    assert "tolerance" not in prop().describe() and "choices" not in prop().describe()
    assert rebuild_property(number.describe()) == number
    assert rebuild_property(prop(match="json").describe()) == prop(match="json")


def test_a_match_function_is_recorded_by_name_and_cannot_be_rebuilt_from_a_golden_file() -> None:
    def same(output: str, expected: str) -> bool:
        return output == expected

    described = prop(match=same).describe()
    assert described["match"].startswith("function ") and described["match"].endswith("same")
    note = rebuild_property(described)
    assert isinstance(note, str) and note.startswith("skipped correctness: cannot be rebuilt")
