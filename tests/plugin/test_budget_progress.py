"""Budgets, progress and cost reports, through pytest (pytester). Under xdist (a budget and the concurrency bound
shared by the workers): tests/plugin/test_xdist.py."""

from __future__ import annotations

import fnmatch
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.project import model_bundle, use_bundles

pytest_plugins = ["pytester"]

PRICED = {"input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6}


def make_project(pytester: pytest.Pytester, *, n_tests: int = 2, n_inputs: int = 200, marks: str = "") -> None:
    use_bundles(
        pytester,
        model_bundle("sim/bot?mean_words=30&seed=1", label="cand", **PRICED),
        baseline=model_bundle("sim/bot?mean_words=30&seed=2", label="base", **PRICED),
        scope="session",
    )
    tests = "".join(
        f"""
@pytest.mark.length_distribution(max_ratio=1.5)
{marks if i == 0 else ""}
def test_spec_{i}(behavior):
    behavior.sample([f"request {{j}} of spec {i}" for j in range({n_inputs})])
"""
        for i in range(n_tests)
    )
    pytester.makepyfile(test_specs="import pytest\n" + tests)


def cache_rows(root: Path) -> int:
    with sqlite3.connect(root / ".behavior-cache" / "samples.sqlite3") as db:
        return int(db.execute("SELECT COUNT(*) FROM samples").fetchone()[0])


def test_a_session_budget_stops_sampling_judges_what_was_collected_and_a_rerun_pays_only_the_rest(
    pytester: pytest.Pytester,
) -> None:
    make_project(pytester)
    result = pytester.runpytest("--behavior-baseline=live", "--behavior-budget=calls:300", "-p", "no:randomly")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at call of test_spec_1*",
            "BudgetExhaustedError: budget calls:300 reached*before any input of this test was sampled; "
            "raise the budget*",
            "*BehaviorBudgetWarning: test_specs.py::test_spec_0: budget calls:300 reached (300 calls, $0.0*): "
            "judged on 150 of 200 inputs (the samples that arrived are cached, so a re-run with a larger budget "
            "requests only the rest)*",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "*samples: 300 requested from providers, 0 from the cache*",
            "*test_spec_0: budget calls:300 reached*judged on 150 of 200 inputs*",
        ]
    )
    assert cache_rows(pytester.path) == 300
    again = pytester.runpytest("--behavior-baseline=live", "-W", "ignore")
    again.assert_outcomes(passed=2)
    again.stdout.fnmatch_lines(["*samples: 500 requested from providers, 300 from the cache*"])


def test_a_marker_budget_limits_its_own_test_only(pytester: pytest.Pytester) -> None:
    make_project(pytester, marks="@pytest.mark.behavior_budget(calls=100, usd=5)")
    result = pytester.runpytest("--behavior-baseline=live", "-W", "ignore")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*test_spec_0: test budget calls:100,usd:5 reached (100 calls*judged on 50 of 200*"])
    assert cache_rows(pytester.path) == 100 + 400


def test_a_dollar_budget_and_the_cost_and_latency_report(pytester: pytest.Pytester) -> None:
    make_project(pytester, n_tests=1)
    result = pytester.runpytest("--behavior-baseline=live", "--behavior-budget=usd:0.004", "-W", "ignore")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "*test_spec_0: budget usd:0.004 reached*judged on * of 200 inputs*",
            "cost and latency of the samples judged (cached samples at their recorded cost):",
            "*test_specs.py::test_spec_0*candidate cand*live*$0.00*ms*ms*",
            "*test_specs.py::test_spec_0*baseline base*live*$0.00*ms*ms*",
        ]
    )
    spent = sum(
        float(line.split("$")[1].split()[0])
        for line in result.stdout.lines
        if "test_spec_0" in line and " live " in line and "$" in line
    )
    assert 0.001 < spent <= 0.004 + 0.0002, "the budget stops sampling within about one call of the limit"


def test_a_dollar_budget_says_when_a_model_has_no_price(pytester: pytest.Pytester) -> None:
    use_bundles(pytester, model_bundle("sim/bot?mean_words=30&seed=1", label="unpriced"))
    pytester.makepyfile(
        test_specs="""
        import pytest

        @pytest.mark.length_distribution(max_ratio=1.5)
        def test_spec(behavior):
            behavior.sample([f"request {j}" for j in range(20)])
        """
    )
    result = pytester.runpytest("--behavior-update", "--behavior-budget=usd:0.01")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "*BehaviorBudgetWarning*litellm has no price for bundle(s) 'unpriced', so the usd "
            "budget did not count their calls (set input_cost_per_token= and "
            "output_cost_per_token= on the Bundle)*"
        ]
    )


def test_recording_a_golden_file_under_a_budget_that_runs_out_is_an_error(pytester: pytest.Pytester) -> None:
    make_project(pytester, n_tests=1)
    result = pytester.runpytest("--behavior-update", "--behavior-budget=calls:50")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*BudgetExhaustedError: budget calls:50 reached (50 calls*golden file not written, "
            "50 of 200 inputs were sampled*"
        ]
    )
    assert not list(pytester.path.glob("golden/**/*.json"))
    again = pytester.runpytest("--behavior-update")
    again.assert_outcomes(passed=1)
    again.stdout.fnmatch_lines(["*samples: 150 requested from providers, 50 from the cache*"])


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("--behavior-budget=calls:many", "*--behavior-budget=calls:many: 'calls:many' is not calls:N or usd:X*"),
        ("--behavior-budget=calls:2.5", "*--behavior-budget=calls:2.5: calls must be a whole number*"),
    ],
)
def test_a_malformed_budget_is_a_usage_error(pytester: pytest.Pytester, option: str, message: str) -> None:
    make_project(pytester, n_tests=1)
    result = pytester.runpytest("--behavior-baseline=live", option)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


def test_a_malformed_budget_marker_names_the_test(pytester: pytest.Pytester) -> None:
    make_project(pytester, n_tests=1, marks="@pytest.mark.behavior_budget(calls='lots')")
    result = pytester.runpytest("--behavior-baseline=live")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*test_specs.py::test_spec_0: behavior_budget: calls must be a whole number*"])


def test_progress_as_plain_lines(pytester: pytest.Pytester) -> None:
    make_project(pytester, n_tests=1, n_inputs=50)
    result = pytester.runpytest("--behavior-baseline=live", "--behavior-progress=lines")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "behavior test_specs.py::test_spec_0: 0/100 samples, 0 in flight, $0.0000 of ~$0.0*est., *s",
            "behavior test_specs.py::test_spec_0: 100/100 samples, $0.0*, *s (done)",
        ]
    )
    quiet = pytester.runpytest("--behavior-baseline=live")  # auto: short (here: cached) sampling shows nothing
    quiet.assert_outcomes(passed=1)
    quiet.stdout.no_fnmatch_line("behavior test_specs.py::*samples*")


def test_progress_redrawn_in_place(pytester: pytest.Pytester) -> None:
    make_project(pytester, n_tests=1, n_inputs=30)
    # a subprocess, to see the raw output (pytester's line matching treats a carriage return as a line end)
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "--behavior-baseline=live",
            "--behavior-progress=live",
        ],
        cwd=pytester.path,
        capture_output=True,
        timeout=300,
    )
    output = completed.stdout.decode()  # bytes: text mode would turn each carriage return into a newline
    assert completed.returncode == 0, output
    lines = output.split("\n")
    status = next(line for line in lines if "behavior test_specs.py::test_spec_0:" in line)
    redraws = status.split("\r")[1:]
    assert len(redraws) >= 2 and all(r.startswith("behavior test_specs.py::test_spec_0: ") for r in redraws)
    assert fnmatch.fnmatch(redraws[-1].rstrip(), "behavior test_specs.py::test_spec_0: 60/60 samples, $0.0*, *s (done)")
    assert lines[lines.index(status) + 1].startswith(".")  # pytest resumes on a fresh line
