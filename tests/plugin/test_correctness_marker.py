"""The correctness marker through pytest, and properties reading the input their outputs answered.

The model under test is a Python function (`Bundle.from_callable`) that answers sums right or wrong by a seeded
draw per input: two bundles drawing from one seed are paired, so a candidate wrong more often than its baseline
loses right answers on known inputs and gains none. The LLM matcher (match="llm:<model>") is tested on RAG-style
inputs the simulated model answers with a fact (`accuracy=`), judged by the simulated judge, and on the sums judged
by a real judge model through the loopback server.
"""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from pytest_behavior.properties.matchers import final_number
from pytest_behavior.report.document import validate_document
from pytest_behavior.spec.judge_format import read_sections
from tests.support.openai_server import ServerConfig, running_server
from tests.support.project import model_bundle, use_bundles

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
            "*BehaviorConfigError: @pytest.mark.correctness reads the input field 'expected', which input 'p003' "
            "(*sums.jsonl:4) does not have (its fields: 'id', 'question', 'answer'): add it, or name another field "
            "in the marker; checked before any call",
            "samples: 0 requested from providers, 0 from the cache",
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


# --- match="llm:<model>": an LLM judge decides equivalence with the reference --------------------------------------

FACTS = [
    ("The museum opens at {n} o'clock.", "At what time does the museum open?", "{n} o'clock"),
    ("The ferry carries {n} cars per crossing.", "How many cars does the ferry carry per crossing?", "{n} cars"),
    ("The bakery sells {n} loaves every day.", "How many loaves does the bakery sell every day?", "{n} loaves"),
    ("The garden grows {n} kinds of roses.", "How many kinds of roses does the garden grow?", "{n} kinds of roses"),
]
RAG_SPEC = """
import json, pytest

INPUTS = json.loads({inputs!r})

@pytest.mark.{marker}
def test_facts(behavior):
    behavior.sample(INPUTS, prompt="Context: {{context}}\\nQuestion: {{question}}")
"""
SIM_JUDGE = "sim-judge/j?accuracy=1"


def fact_inputs(n: int = 40) -> list[dict[str, object]]:
    """RAG-style inputs whose answer is a sentence: the simulated model (``accuracy=``) answers with the right fact
    or another one; the reference is the fact's short answer, or a list with an alternative that never matches."""
    rows: list[dict[str, object]] = []
    for i in range(n):
        numbers = [(i * 7 + k * 3) % 50 + 2 for k in range(len(FACTS))]
        context = " ".join(fact.format(n=number) for (fact, _, _), number in zip(FACTS, numbers, strict=True))
        _, question, reference = FACTS[i % len(FACTS)]
        answer = reference.format(n=numbers[i % len(FACTS)])
        rows.append({"context": context, "question": question, "expected": [answer, "none"] if i % 2 else answer})
    return rows


def fact_project(pytester: pytest.Pytester, *, base: float, cand: float, marker: str) -> None:
    use_bundles(
        pytester,
        model_bundle(f"sim/cand?accuracy={cand}&mean_words=20&seed=1"),
        baseline=model_bundle(f"sim/base?accuracy={base}&mean_words=20&seed=1"),
    )
    pytester.makepyfile(test_facts=RAG_SPEC.format(inputs=json.dumps(fact_inputs()), marker=marker))


def llm_marker(judge: str = SIM_JUDGE) -> str:
    return f"correctness(match={f'llm:{judge}'!r}, max_decrease=0.05)"


def test_an_llm_judged_candidate_right_less_often_is_regressed_with_the_judges_reason(
    pytester: pytest.Pytester,
) -> None:
    fact_project(pytester, base=0.9, cand=0.6, marker=llm_marker())
    result = pytester.runpytest("--behavior-baseline=live", "--behavior-report=report.json")
    result.assert_outcomes(failed=1)
    document = json.loads((pytester.path / "report.json").read_text())
    validate_document(document)
    [(item,)] = [test["judged"] for test in document["tests"]]
    assert item["property"] == "correctness" and item["judge"]["template_version"] == "reference-1"
    assert item["judge"]["model"] == SIM_JUDGE and item["right_to_wrong"] > 0
    result.stdout.fnmatch_lines(
        [
            "*correct answers*max_decrease=0.05*REGRESSED*",
            f"right -> wrong - correct answers (match='llm', judge {SIM_JUDGE} (reference-1, sha256 *)): * inputs "
            "went right -> wrong, 0 wrong -> right (showing 5):",
            "*| input * | expected (expected) * | baseline * | candidate *|",
            "*| judge: The answer does not state *|",
        ]
    )
    result.stdout.no_fnmatch_line("*unparsed judge answers*")


def test_an_llm_judged_equal_candidate_passes(pytester: pytest.Pytester) -> None:
    fact_project(pytester, base=0.9, cand=0.9, marker=llm_marker())
    pytester.runpytest("--behavior-baseline=live").assert_outcomes(passed=1)


def test_a_malformed_judge_is_asked_again_then_a_test_error_not_a_verdict(pytester: pytest.Pytester) -> None:
    fact_project(pytester, base=0.9, cand=0.6, marker=llm_marker(f"{SIM_JUDGE}&malformed_rate=0.3&seed=3"))
    result = pytester.runpytest("--behavior-baseline=live", "-W", "always")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*JudgeFormatError: the correctness judge sim-judge/j?* of * answers did not parse even when asked again, "
            "more than 2% of them*",
        ]
    )
    result.stdout.no_fnmatch_line("*REGRESSED*")


def test_a_golden_file_records_the_correctness_judge_and_another_judge_is_judge_drift(
    pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    from pytest_behavior.cli import main

    fact_project(pytester, base=0.9, cand=0.9, marker=llm_marker())
    pytester.runpytest("--behavior-update").assert_outcomes(passed=1)
    golden = json.loads(next((pytester.path / "golden").rglob("*.json")).read_text())
    judge = golden["detectors"]["correctness"]
    assert judge.startswith(f"{SIM_JUDGE} (reference-1, sha256 ")
    [recorded] = golden["properties"]
    assert recorded["match"] == "llm" and recorded["judge"] == judge
    capsys.readouterr()
    assert main(["card", str(pytester.path / "golden"), "--json"]) == 0
    (card,) = json.loads(capsys.readouterr().out)  # the card calls no model: it reads the judge's recorded scores
    (item,) = card["judged_quality"]
    assert (item["marker"], item["judge"], item["bounds"]) == ("correctness", judge, "max_decrease=0.05")
    assert item["scores"]["n"] == 40 and item["scores"]["right"] == golden["judged"]["correctness"]["right"]
    assert card["correctness_rate"]["n"] == 0 and card["quality_notes"] == []
    pytester.runpytest("--behavior-baseline").assert_outcomes(passed=1)
    marker = llm_marker(f"{SIM_JUDGE}&seed=4")
    pytester.makepyfile(test_facts=RAG_SPEC.format(inputs=json.dumps(fact_inputs()), marker=marker))
    result = pytester.runpytest("--behavior-baseline", "-W", "always")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*BehaviorJudgeDriftWarning: *recorded under the correctness judge*judge drift*"])


def test_an_llm_marker_error_is_a_collection_error_naming_the_test(pytester: pytest.Pytester) -> None:
    make_project(pytester, '@pytest.mark.correctness(match="llm:", max_decrease=0.02)')
    result = pytester.runpytest("--behavior-baseline=live")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*test_math.py::test_sums: @pytest.mark.correctness: match='llm:' names no judge model; write match=*"]
    )


def number_judge(messages: list[dict[str, Any]]) -> str:
    """A real judge model's stand-in: equivalent when the answer's last number is the reference."""
    sections = read_sections(str(messages[-1]["content"]))
    same = final_number(sections["Answer"]) == final_number(sections["Reference answer"])
    reason = "it gives the reference number" if same else "it gives another number than the reference"
    return json.dumps({"verdict": "equivalent" if same else "different", "reason": reason})


LOOPBACK_MARKS = """
import os
from pytest_behavior import Bundle

@pytest.mark.correctness(
    match="llm", judge=Bundle(model="openai/judge-model", api_base=os.environ["JUDGE_URL"]), {bounds}
)"""


def test_a_real_judge_model_through_the_loopback_server(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "fake-credential-judge")
    make_project(pytester, LOOPBACK_MARKS.format(bounds=BOUNDS), candidate="sums(0.25)", rows=problems(60))
    with running_server(ServerConfig(reply_fn=number_judge, script=["500"])) as server:
        monkeypatch.setenv("JUDGE_URL", server.url)
        result = pytester.runpytest("--behavior-baseline=live")
        result.assert_outcomes(failed=1)
        result.stdout.fnmatch_lines(
            [
                "*correct answers*max_decrease=0.02*REGRESSED*",
                "right -> wrong - correct answers (match='llm', judge openai/judge-model (reference-1, *",
                "*| judge: it gives another number *|",
            ]
        )
        assert server.stats.faults["500"] == 1  # a transient failure of the judge was retried
        judged = server.stats.answered
        flips = sum(1 for row in problems(60) if wrong_under(0.25, row) and not wrong_under(0.05, row))
        assert judged == 60 + flips  # one call per distinct (output, reference): answers both arms share are one
        pytester.runpytest("--behavior-baseline=live").assert_outcomes(failed=1)
        assert server.stats.answered == judged  # a re-run is judged from the sample cache


@pytest.mark.parametrize(
    ("marker", "field"),
    [
        (llm_marker(), "expected"),
        ("correctness(match='contains', max_decrease=0.05)", "expected"),
        (f"rubric(judge={SIM_JUDGE!r}, context=('context',))", "context"),
    ],
)
def test_an_input_without_the_field_a_property_reads_is_an_error_before_any_call(
    pytester: pytest.Pytester, marker: str, field: str
) -> None:
    rows = fact_inputs(12)
    del rows[5][field]
    use_bundles(pytester, model_bundle("sim/cand?accuracy=0.9&seed=1"), baseline=model_bundle("sim/base?seed=1"))
    pytester.makepyfile(test_facts=RAG_SPEC.replace("{{context}}", "").format(inputs=json.dumps(rows), marker=marker))
    result = pytester.runpytest("--behavior-baseline=live")
    result.assert_outcomes(errors=1)
    name = marker.partition("(")[0]
    result.stdout.fnmatch_lines(
        [
            f"*BehaviorConfigError: @pytest.mark.{name} reads the input field '{field}', which input * does not have "
            "(its fields: *): add it, or name another field in the marker; checked before any call",
            "samples: 0 requested from providers, 0 from the cache",
        ]
    )


def test_a_golden_baseline_stored_cut_is_refused_by_a_property_that_reads_whole_answers(
    pytester: pytest.Pytester,
) -> None:
    """Stored cut (--behavior-max-stored-chars), a long right answer would read as a changed, wrong one."""
    make_project(
        pytester,
        '@pytest.mark.correctness(match="contains", max_decrease=0.02)',
        candidate="lambda record: 'x ' * 400 + str(record['expected']) + ' y' * 400",
        baseline="lambda record: 'x ' * 400 + str(record['expected']) + ' y' * 400",
    )
    pytester.runpytest("--behavior-update", "--behavior-max-stored-chars=300").assert_outcomes(passed=1)
    result = pytester.runpytest("--behavior-baseline")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*GoldenFileError: *test_sums.json: the baseline answer to input 'p000' is stored cut to 300 of * "
            "characters (--behavior-max-stored-chars), and @pytest.mark.correctness reads whole answers: re-record "
            "it with a larger --behavior-max-stored-chars (0 keeps every answer whole)",
        ]
    )
    result.stdout.no_fnmatch_line("*PASS*")
    pytester.runpytest("--behavior-update", "--behavior-max-stored-chars=0").assert_outcomes(passed=1)
    pytester.runpytest("--behavior-baseline").assert_outcomes(passed=1)


def test_a_failure_says_what_would_decide_the_bounds_it_left_undecided(pytester: pytest.Pytester) -> None:
    make_project(
        pytester,
        '@pytest.mark.correctness(match="number", max_decrease=0.02, min_rate=0.5)',
        candidate="sums(0.5)",
    )
    result = pytester.runpytest("--behavior-baseline=live")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*correct answers*min_rate=0.5*INCONCLUSIVE*",
            "*correct answers*max_decrease=0.02*REGRESSED*",
            "*test_sums: INCONCLUSIVE, not enough data to decide:",
            "  correct answers min_rate=0.5 at N=200: likely *",
        ]
    )


def test_the_full_diff_file_quotes_more_flipped_inputs_than_the_terminal(pytester: pytest.Pytester) -> None:
    make_project(pytester, '@pytest.mark.correctness(match="number", max_decrease=0.02)', candidate="sums(0.5)")
    result = pytester.runpytest("--behavior-baseline=live", "--behavior-run-dir=runs")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*inputs went right -> wrong*(showing 5):"])
    (diff_file,) = (pytester.path / "runs").glob("*/*.md")
    assert "(showing 25):" in diff_file.read_text()
