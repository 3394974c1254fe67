"""The plugin as a user meets it: pytester runs of real specs on the simulated provider."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_behavior.properties.refusal import DETECTOR as REFUSAL_DETECTOR
from tests.support.project import model_bundle, use_bundles
from tests.support.records import use_recorded_bundles, write_jsonl

pytest_plugins = ["pytester"]

BASE = "sim/bot-v1?json=1&keys=summary,sentiment&mean_words=30&refusal_rate=0.02&seed=3"
RENAMED = "sim/bot-v2?json=1&keys=exec_summary,sentiment&mean_words=30&refusal_rate=0.02&seed=3"
REFUSING = "sim/bot-v3?json=1&keys=summary,sentiment&mean_words=30&refusal_rate=0.25&seed=3"

SPEC = """
import pytest

SCHEMA = {"type": "object", "required": ["summary", "sentiment"],
          "properties": {"summary": {"type": "string"}, "sentiment": {"type": "string"}}}
INPUTS = [f"Ticket {i}: my order {i} arrived late and the box was damaged" for i in range(150)]

@pytest.mark.schema_stability(SCHEMA)
@pytest.mark.refusal_bound(max_increase=0.03)
def test_summaries(behavior):
    result = behavior.sample(INPUTS)
    assert len(result.paired_ids) == 150
"""


def write_conftest(pytester: pytest.Pytester, model: str, **extra: str) -> None:
    use_bundles(pytester, model_bundle(model, system="Summarize as JSON.", label="cand", **extra))


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    write_conftest(pytester, BASE)
    pytester.makepyfile(test_spec=SPEC)
    return pytester


def golden_file(pytester: pytest.Pytester) -> Path:
    return pytester.path / "golden" / "test_spec" / "test_summaries.json"


def test_plain_pytest_skips_behavior_tests_and_says_how_to_run_them(project: pytest.Pytester, sim_calls) -> None:
    project.makepyfile(test_unit="def test_plain():\n    assert True\n")
    result = project.runpytest("-rs")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*behavior test (calls models): run with --behavior-baseline*--behavior-update*"])
    assert sim_calls.served_calls() == 0


def test_update_records_golden_then_baseline_passes_with_zero_calls(project: pytest.Pytester, sim_calls) -> None:
    project.runpytest("--behavior-update").assert_outcomes(passed=1)
    assert sim_calls.served_calls() == 150
    data = json.loads(golden_file(project).read_text())
    assert data["bundle"]["label"] == "cand" and len(data["samples"]) == 150
    assert data["detectors"] == {"refusal": REFUSAL_DETECTOR}

    sim_calls.reset_served_calls()
    result = project.runpytest("--behavior-baseline")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "*behavior summary*",
            "*test_summaries*refusal rate*PASS*",
            "samples: 0 requested from providers, 150 from the cache",
        ]
    )
    assert sim_calls.served_calls() == 0, "an unchanged spec must be served from the cache"


def test_golden_file_is_deterministic_and_not_rewritten(project: pytest.Pytester) -> None:
    project.runpytest("--behavior-update").assert_outcomes(passed=1)
    first = golden_file(project).read_text()
    mtime = golden_file(project).stat().st_mtime_ns
    project.runpytest("--behavior-update", "--behavior-cache=off").assert_outcomes(passed=1)
    assert golden_file(project).read_text() == first
    assert golden_file(project).stat().st_mtime_ns == mtime
    assert first == json.dumps(json.loads(first), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_renamed_key_fails_with_schema_diff(project: pytest.Pytester) -> None:
    project.runpytest("--behavior-update").assert_outcomes(passed=1)
    write_conftest(project, RENAMED)
    result = project.runpytest("--behavior-baseline")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*behavior regressed: 2 of 3 bounds broken*",
            "*invalid JSON/schema rate*max_increase=0.02*REGRESSED*",
            "*key set changed rate*max_increase=0.02*REGRESSED*",
            "*renamed  root[[]'summary'[]] -> root[[]'exec_summary'[]]*",
            "*flipped inputs - invalid JSON/schema rate*",
        ]
    )
    result.stdout.no_fnmatch_line("*refusal rate*REGRESSED*")


def test_refusal_increase_fails_with_interval_and_flipped_examples(project: pytest.Pytester) -> None:
    project.runpytest("--behavior-update").assert_outcomes(passed=1)
    write_conftest(project, REFUSING)
    result = project.runpytest("--behavior-baseline")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*refusal rate*max_increase=0.03*+*pts*[[]+*, +*[]] pts*REGRESSED*150*",
            "*flipped inputs - refusal rate: * moved the wrong way*",
        ]
    )


def test_missing_golden_file_is_an_error_naming_file_and_fix(project: pytest.Pytester, sim_calls) -> None:
    result = project.runpytest("--behavior-baseline")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*GoldenFileError: no golden file for this test: *test_summaries.json does not exist; "
            "record it with `pytest test_spec.py::test_summaries --behavior-update`*",
        ]
    )
    assert sim_calls.served_calls() == 0


@pytest.mark.parametrize("damage", ["{not json", '{"format": 1, "samples": {}}', '{"format": 99}'])
def test_corrupt_golden_file_is_an_error(project: pytest.Pytester, damage: str) -> None:
    project.runpytest("--behavior-update").assert_outcomes(passed=1)
    golden_file(project).write_text(damage)
    result = project.runpytest("--behavior-baseline")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*GoldenFileError: golden file *test_summaries.json * restore it from git or "
            "record it with `pytest test_spec.py::test_summaries --behavior-update`*"
        ]
    )


@pytest.mark.parametrize(
    ("marker", "message"),
    [
        ("refusal_bound(max_rate=5)", "*refusal_bound: max_rate=5 is outside [[]0, 1[]] (did you mean 0.05?)*"),
        (
            "refusal_bound(max_increse=0.02)",
            "*refusal_bound: unexpected keyword argument 'max_increse'; did you mean 'max_increase'?*",
        ),
        ("refusal_bound()", "*refusal_bound needs at least one of max_rate*"),
        ('schema_stability({"type": "objekt"})', "*schema_stability: invalid JSON schema at*type*"),
        ("schema_stability({}, max_invalid_rate=-0.1)", "*max_invalid_rate=-0.1 is outside [[]0, 1[]]*"),
        ("length_distribution(max_ratio=1.3, unit='tokens!')", "*unit must be one of words, chars*"),
        ("length_distribution(max_ratio=0)", "*max_ratio must be a positive ratio*"),
    ],
)
def test_invalid_marker_arguments_are_usage_errors_before_any_call(
    pytester: pytest.Pytester, sim_calls, marker: str, message: str
) -> None:
    write_conftest(pytester, BASE)
    pytester.makepyfile(
        f"""
        import pytest

        @pytest.mark.{marker}
        def test_bad(behavior):
            behavior.sample(["a", "b"])
        """
    )
    result = pytester.runpytest("--behavior-update")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*invalid behavior spec:*", "*test_invalid_marker_arguments*::test_bad: " + message])
    assert sim_calls.served_calls() == 0


def test_marker_without_behavior_fixture_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.refusal_bound(max_rate=0.1)
        def test_forgot():
            pass
        """
    )
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*test_forgot: behavior markers need the `behavior` fixture*"])


def test_markers_are_documented(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(
        [
            "@pytest.mark.schema_stability(schema=None, *",
            "@pytest.mark.refusal_bound(max_rate=None, max_increase=None, min_rate=None, max_decrease=None, "
            "detector=None, count='refusal+evasion')*",
            "@pytest.mark.length_distribution(max_ratio=None, min_ratio=None, unit='words', tokenizer=None, "
            "shape=False)*",
            "@pytest.mark.latency_bound(max_p95_ratio=None, max_ratio=None, max_ttft_p95_ratio=None, "
            "max_ttft_ratio=None)*",
            "@pytest.mark.cost_bound(max_ratio=None)*",
            "@pytest.mark.behavior_property(fn, *, name=None, equals=None, *",
        ]
    )


def test_records_pairing_reports_inputs_missing_on_one_side(pytester: pytest.Pytester) -> None:
    answers = ["I'm sorry, I can't."] + ["Sure, here is a detailed answer."] * 9
    base = [{"input": f"question {i}", "output": answers[i % 10]} for i in range(60)]
    cand = [dict(r) for r in base if r["input"] != "question 7"] + [{"input": "question 99", "output": "ok"}]
    write_jsonl(pytester.path / "baseline.jsonl", base)
    write_jsonl(pytester.path / "candidate.jsonl", cand)
    use_recorded_bundles(
        pytester, baseline="baseline.jsonl", candidate="candidate.jsonl", baseline_label=None, candidate_label=None
    )
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.refusal_bound(max_increase=0.0)
        def test_shadow(behavior):
            result = behavior.sample()
            assert len(result.paired_ids) == 59
            assert len(result.candidate_only) == 1 and len(result.baseline_only) == 1
            print("PAIRED", len(result.paired_ids))
        """
    )
    result = pytester.runpytest("--behavior-baseline=live", "-s", "-W", "ignore")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*PAIRED 59*"])


def test_records_candidate_missing_inputs_are_listed_in_the_diff(pytester: pytest.Pytester) -> None:
    base = [
        {"id": f"q{i}", "input": f"question {i}", "output": "Here is how to do it, step by step."} for i in range(80)
    ]
    cand = [
        dict(r, output="I'm sorry, but I can't help with that.") if i < 30 else r for i, r in enumerate(base) if i != 50
    ]
    write_jsonl(pytester.path / "baseline.jsonl", base)
    write_jsonl(pytester.path / "candidate.jsonl", cand)
    use_recorded_bundles(
        pytester,
        baseline="baseline.jsonl",
        candidate="candidate.jsonl",
        baseline_label="prod-logs",
        candidate_label="shadow-logs",
    )
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.refusal_bound(max_increase=0.05)
        def test_shadow(behavior):
            behavior.sample()
        """
    )
    result = pytester.runpytest("--behavior-baseline=live")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*79 paired inputs*",
            "*refusal rate*max_increase=0.05*REGRESSED*79*",
            "*1 baseline input(s) have no candidate sample:*",
        ]
    )


def test_callable_bundle_with_repeats_is_judged_per_input(pytester: pytest.Pytester) -> None:
    """The app under test as a bundle; k repeats are averaged per input (never pooled)."""
    use_bundles(
        pytester,
        'Bundle.from_callable(terse_app if behavior_candidate_name == "terse" else chatty_app)',
        header="""
        import asyncio

        CALLS = []

        async def terse_app(question):
            CALLS.append(question)
            await asyncio.sleep(0)
            return "Short answer."

        def chatty_app(question):
            return "A long and careful answer that explains every step in detail. " * 3
        """,
    )
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.length_distribution(min_ratio=0.8)
        def test_answers(behavior):
            result = behavior.sample([f"question {i}" for i in range(40)], repeats=3)
            assert {len(v) for v in result.candidate_outputs.values()} == {3}
        """
    )
    pytester.runpytest("--behavior-update").assert_outcomes(passed=1)
    result = pytester.runpytest("--behavior-baseline", "--behavior-candidate=terse")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*length (words)*min_ratio=0.8*x0.06*REGRESSED*40x3*"])
