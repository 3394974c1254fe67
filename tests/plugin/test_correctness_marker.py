"""The correctness marker through pytest, and properties reading the input their outputs answered.

The model under test is a Python function (`Bundle.from_callable`) that answers sums right or wrong by a seeded
draw per input: two bundles drawing from one seed are paired, so a candidate wrong more often than its baseline
loses right answers on known inputs and gains none.
"""

from __future__ import annotations

import json
import random

import pytest

from pytest_behavior.report.document import validate_document
from tests.support.project import use_bundles

pytest_plugins = ["pytester"]

N = 200
HEADER = '''
import random

def sums(wrong_share):
    """Answers "What is a + b?" right, or off by one on a seeded share of the inputs (the same ones for every
    share: a larger share adds wrong answers and removes none)."""

    def answer(record):
        if random.Random(f"sums:{record['id']}").random() < wrong_share:
            return f"The answer is {int(record['expected']) + 1}."
        return f"The answer is {record['expected']}."

    answer.__qualname__ = f"sums_{wrong_share}"
    return answer
'''
SPEC = """
import pytest

{marks}
def test_sums(behavior):
    behavior.sample("sums.jsonl", prompt="{{question}}")
"""
BOUNDS = "max_decrease=0.02, min_rate=0.8"


def problems(n: int = N) -> list[dict[str, object]]:
    rng = random.Random(7)
    rows: list[dict[str, object]] = []
    for i in range(n):
        a, b = rng.randrange(10, 90), rng.randrange(10, 90)
        rows.append({"id": f"p{i:03d}", "question": f"What is {a} + {b}?", "expected": str(a + b)})
    return rows


def wrong_under(share: float, row: dict[str, object]) -> bool:
    """Whether the conftest's ``sums(share)`` answers this input wrong."""
    return random.Random(f"sums:{row['id']}").random() < share


def make_project(
    pytester: pytest.Pytester,
    marks: str,
    *,
    candidate: str = "sums(0.05)",
    baseline: str = "sums(0.05)",
    rows: list[dict[str, object]] | None = None,
) -> None:
    data = problems() if rows is None else rows
    (pytester.path / "sums.jsonl").write_text("".join(json.dumps(row) + "\n" for row in data))
    use_bundles(
        pytester,
        f"Bundle.from_callable({candidate}, label='candidate')",
        baseline=f"Bundle.from_callable({baseline}, label='baseline')",
        header=HEADER,
    )
    pytester.makepyfile(test_math=SPEC.format(marks=marks))


def first_flip(row_filter: float = 0.25) -> dict[str, object]:
    """The first input (in input order) that ``sums(0.05)`` answers right and ``sums(row_filter)`` wrong."""
    return next(row for row in problems() if wrong_under(row_filter, row) and not wrong_under(0.05, row))


def test_a_candidate_right_less_often_is_regressed_with_the_inputs_that_went_right_to_wrong(
    pytester: pytest.Pytester,
) -> None:
    make_project(pytester, f'@pytest.mark.correctness(match="number", {BOUNDS})', candidate="sums(0.25)")
    result = pytester.runpytest("--behavior-baseline=live", "--behavior-report=report.json")
    result.assert_outcomes(failed=1)
    document = json.loads((pytester.path / "report.json").read_text())
    validate_document(document)
    [test] = document["tests"]
    assert {(v["metric_key"], v["bound"], v["verdict"]) for v in test["properties"]} == {
        ("correctness", "max_decrease=0.02", "REGRESSED"),
        ("correctness", "min_rate=0.8", "REGRESSED"),
    }
    flips = sum(1 for row in problems() if wrong_under(0.25, row) and not wrong_under(0.05, row))
    flip = first_flip()
    answer = str(flip["expected"])
    result.stdout.fnmatch_lines(
        [
            "*correct answers*max_decrease=0.02*REGRESSED*",
            f"right -> wrong - correct answers (match='number', tolerance=0, rel_tolerance=0): {flips} inputs went "
            "right -> wrong, 0 wrong -> right (showing 5):",
            "*| input * | expected (expected) * | baseline * | candidate *|",
            # fnmatch reads [x] as a class: [[] is a literal [
            f"| {flip['id']} * | {answer} * | [[]right] The answer is {answer}. * | [[]wrong] The answer is "
            f"{int(answer) + 1}. *|",
        ]
    )
    result.stdout.no_fnmatch_line("*flipped inputs - correct answers*")  # the generic table: no second copy


def test_the_same_answers_pass(pytester: pytest.Pytester) -> None:
    make_project(pytester, f'@pytest.mark.correctness(match="number", {BOUNDS})')
    result = pytester.runpytest("--behavior-baseline=live", "-rA")
    result.assert_outcomes(passed=1)


def test_a_golden_baseline_is_judged_against_the_current_references(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    marks = f'@pytest.mark.correctness(expected="answers", {BOUNDS})'
    rows = [{**row, "answers": [f"The answer is {row['expected']}.", "unused"]} for row in problems()]
    make_project(pytester, marks, candidate="sums(float(os.environ['WRONG']))", rows=rows)
    monkeypatch.setenv("WRONG", "0.05")
    pytester.runpytest("--behavior-update").assert_outcomes(passed=1)
    recorded = json.loads(next((pytester.path / "golden").rglob("*.json")).read_text())
    assert recorded["properties"] == [
        {"marker": "correctness", "expected": "answers", "match": "exact", "max_decrease": 0.02, "min_rate": 0.8}
    ]
    pytester.runpytest("--behavior-baseline").assert_outcomes(passed=1)
    monkeypatch.setenv("WRONG", "0.25")
    result = pytester.runpytest("--behavior-baseline")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*correct answers*max_decrease=0.02*REGRESSED*", "right -> wrong - *"])


@pytest.mark.parametrize("baseline", ["live", "golden"])
def test_sequential_mode_judges_correctness_as_it_samples(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, baseline: str
) -> None:
    make_project(
        pytester,
        '@pytest.mark.correctness(match="number", max_decrease=0.02, sequential=True)',
        candidate="sums(float(os.environ['WRONG']))",
    )
    monkeypatch.setenv("WRONG", "0.05")
    if baseline == "golden":
        pytester.runpytest("--behavior-update").assert_outcomes(passed=1)
    monkeypatch.setenv("WRONG", "0.5")
    result = pytester.runpytest("--behavior-baseline" if baseline == "golden" else "--behavior-baseline=live")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*correct answers*REGRESSED*", "*sequential: decided after * of 200 inputs*"])


def test_a_bad_marker_argument_is_a_collection_error_naming_the_test(pytester: pytest.Pytester) -> None:
    make_project(pytester, '@pytest.mark.correctness(match="fuzzy", max_decrease=0.02)')
    result = pytester.runpytest("--behavior-baseline=live")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*test_math.py::test_sums: @pytest.mark.correctness: match='fuzzy' is not a matcher; use one of 'exact'*"]
    )


def test_an_input_without_the_reference_field_is_an_error_not_a_failure(pytester: pytest.Pytester) -> None:
    rows = problems()
    del rows[3]["expected"]
    rows[3]["answer"] = "42"
    make_project(
        pytester,
        '@pytest.mark.correctness(match="number", max_decrease=0.02)',
        candidate="lambda record: 'The answer is 1.'",
        baseline="lambda record: 'The answer is 1.'",
        rows=rows,
    )
    result = pytester.runpytest("--behavior-baseline=live")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*BehaviorConfigError: correctness: input 'p003', field 'expected': the input has no field 'expected' "
            "holding the reference answer (its fields: 'id', 'question', 'answer'); add it, or name the field with "
            "expected=*"
        ]
    )


CUSTOM = """
def right(output, input):
    return output.endswith(f" {input['expected']}.")

def right_by_attribute(output):
    return output.endswith(f" {output.input['expected']}.")

@pytest.mark.behavior_property(right, max_decrease=0.02)
@pytest.mark.behavior_property(right_by_attribute, max_decrease=0.02)"""


def test_custom_properties_read_the_input_as_a_parameter_or_an_attribute(pytester: pytest.Pytester) -> None:
    make_project(pytester, CUSTOM, candidate="sums(0.25)")
    result = pytester.runpytest("--behavior-baseline=live")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*behavior regressed: 2 of 2 bounds broken*"])
    result.stdout.fnmatch_lines(["*right_by_attribute*max_decrease=0.02*REGRESSED*"])
    result.stdout.fnmatch_lines(["*right *max_decrease=0.02*REGRESSED*"])


INVARIANCE = """
import pytest
from pytest_behavior.perturb import Casing

def echoes_its_own_question(output):
    return output == output.input["question"]

@pytest.mark.invariance(Casing(fields=("question",)), properties=[echoes_its_own_question], max_difference=0.05)
def test_echo(behavior):
    behavior.sample("sums.jsonl", prompt="{question}", n=60)
"""


def test_an_invariance_twin_carries_the_perturbed_input(pytester: pytest.Pytester) -> None:
    """An app that echoes its question: each twin's output equals the question of the twin's own (perturbed) input,
    so the decision holds on every original and twin only if each output carries the input it answered."""
    make_project(pytester, "", candidate="lambda record: record['question']")
    pytester.makepyfile(test_math=INVARIANCE)
    result = pytester.runpytest("--behavior-update", "-rA")
    result.assert_outcomes(passed=1)
