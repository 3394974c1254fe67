"""behavior_property through pytest: verdicts and report like the built-ins, stacked markers, usage errors."""

from __future__ import annotations

import json
import random

import pytest

from tests.support.records import use_recorded_bundles, write_jsonl

pytest_plugins = ["pytester"]

SPEC = """
import json
import pytest

def decision(output):
    return json.loads(output)["decision"]

def words(output):
    return len(json.loads(output)["reason"].split())

{marks}
def test_loans(behavior):
    behavior.sample()
"""


def write(pytester: pytest.Pytester, name: str, *, approve: float, reason_words: int, seed: int) -> None:
    rng = random.Random(seed)
    decisions = ("approve" if rng.random() < approve else "deny" for _ in range(300))
    reason = " ".join(["because"] * reason_words)
    write_jsonl(
        pytester.path / name,
        (
            {"id": f"a{i}", "input": f"application {i}", "output": json.dumps({"decision": decision, "reason": reason})}
            for i, decision in enumerate(decisions)
        ),
    )


def project(pytester: pytest.Pytester, marks: str, *, approve: float) -> None:
    write(pytester, "base.jsonl", approve=0.7, reason_words=20, seed=1)
    write(pytester, "cand.jsonl", approve=approve, reason_words=20, seed=1)  # same draws: paired flips only
    project_conftest(pytester)
    pytester.makepyfile(test_loans=SPEC.format(marks=marks))


def project_conftest(pytester: pytest.Pytester) -> None:
    use_recorded_bundles(pytester)


STACKED = """@pytest.mark.behavior_property(decision, equals="approve", name="approval rate", max_decrease=0.02)
@pytest.mark.behavior_property(words, name="reason length", max_ratio=1.5)"""


def test_a_custom_property_regression_is_judged_and_shown_like_a_built_in(pytester: pytest.Pytester) -> None:
    project(pytester, STACKED, approve=0.55)
    result = pytester.runpytest("--behavior-baseline=live")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*approval rate*max_decrease=0.02*-12.7 pts*REGRESSED*"])
    result.stdout.fnmatch_lines(["*reason length*max_ratio=1.5*x1.00*PASS*"])


def test_the_same_decisions_pass(pytester: pytest.Pytester) -> None:
    project(pytester, STACKED, approve=0.7)
    result = pytester.runpytest("--behavior-baseline=live")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*approval rate*PASS*"])


def test_two_custom_properties_with_one_name_are_a_usage_error(pytester: pytest.Pytester) -> None:
    project(pytester, STACKED.replace('"reason length"', '"approval rate"'), approve=0.7)
    result = pytester.runpytest("--behavior-baseline=live")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "*test_loans.py::test_loans: two markers measure the same metric (custom.approval "
            "rate): give each behavior_property a distinct name=*"
        ]
    )


def test_a_shift_between_categories_fails_on_the_category_that_grew(pytester: pytest.Pytester) -> None:
    rng = random.Random(3)
    for name, review_share in (("base.jsonl", 0.05), ("cand.jsonl", 0.25)):
        draws = (rng.random() for _ in range(300))
        decisions = ("review" if draw < review_share else "approve" if draw < 0.75 else "deny" for draw in draws)
        write_jsonl(
            pytester.path / name,
            (
                {
                    "id": f"a{i}",
                    "input": f"application {i}",
                    "output": json.dumps({"decision": decision, "reason": "ok"}),
                }
                for i, decision in enumerate(decisions)
            ),
        )
    project_conftest(pytester)
    pytester.makepyfile(
        test_loans=SPEC.format(marks='@pytest.mark.behavior_property(decision, name="decision", max_share_change=0.05)')
    )
    result = pytester.runpytest("--behavior-baseline=live")
    result.assert_outcomes(failed=1)
    # one declared bound, however many category rows it has (6 here: 3 categories x 2 directions)
    result.stdout.fnmatch_lines(
        ["*behavior regressed: 1 of 1 bounds broken*", "*decision = 'review'*max_increase=0.05*REGRESSED*"]
    )
    result.stdout.no_fnmatch_line("*decision = 'deny'*REGRESSED*")
