"""Sequential mode as a user meets it: the sampler stops once every bound is decided, and says so."""

from __future__ import annotations

import re

import pytest

from tests.support.project import bundle_conftest, model_bundle

pytest_plugins = ["pytester"]

CONFTEST = bundle_conftest(
    "candidate(behavior_candidate_name)",
    baseline=model_bundle("sim/v1?refusal_rate=0.05&json=1&keys=summary,sentiment&seed=1", label="v1"),
    header="""
RATES = {"same": 0.05, "bad": 0.25, "renamed": 0.05}

def candidate(name):
    rate = RATES[name or "same"]
    keys = "exec_summary,sentiment" if name == "renamed" else "summary,sentiment"
    return Bundle(model=f"sim/v2?refusal_rate={rate}&json=1&keys={keys}&seed=1", label="v2")
""",
)
"""The candidate named by ``--behavior-candidate``: ``bad`` refuses 25% (not 5%), ``renamed`` renames a JSON key."""

SPEC = """
import pytest

INPUTS = [f"question {i}" for i in range(600)]

@pytest.mark.refusal_bound(max_increase=0.03{option})
def test_refusals(behavior):
    result = behavior.sample(INPUTS)
    print("USED", len(result.paired_ids))
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_spec=SPEC.replace("{option}", ", sequential=True"))
    return pytester


def used(result: pytest.RunResult) -> int:
    match = re.search(r"USED (\d+)", result.stdout.str())
    assert match, result.stdout.str()
    return int(match.group(1))


def test_a_clear_regression_stops_early_and_reports_inputs_saved(project: pytest.Pytester, sim_calls) -> None:
    result = project.runpytest("-s", "--behavior-baseline=live", "--behavior-candidate=bad")
    result.assert_outcomes(failed=1)
    n = used(result)
    assert n < 300, "a +20-point jump must be decided well before the 600-input budget"
    result.stdout.fnmatch_lines(
        [
            "*refusal rate*max_increase=0.03*REGRESSED*",
            f"sequential: decided after {n} of 600 inputs ({600 - n} saved)",
            f"sequential tests: {n} of 600 inputs used ({600 - n} saved, *%)",
        ]
    )
    # both arms, plus the requests already in flight when the decision came (concurrency 16; litellm's thread
    # pool can start a few more before the cancellation reaches them)
    assert 2 * n <= sim_calls.served_calls() <= 2 * n + 32


def test_no_change_passes_early_within_the_margin(project: pytest.Pytester, sim_calls) -> None:
    result = project.runpytest("-s", "--behavior-baseline=live")
    result.assert_outcomes(passed=1)
    assert used(result) < 600
    result.stdout.fnmatch_lines(["*test_refusals*max_increase=0.03*PASS", "sequential tests: * of 600 inputs used*"])


def test_the_flag_turns_it_on_for_every_test_and_results_are_reproducible(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_spec=SPEC.replace("{option}", ""))
    fixed = pytester.runpytest("-s", "--behavior-baseline=live", "--behavior-candidate=bad")
    assert used(fixed) == 600
    first = pytester.runpytest("-s", "--behavior-baseline=live", "--behavior-candidate=bad", "--behavior-sequential")
    second = pytester.runpytest(
        "-s", "--behavior-baseline=live", "--behavior-candidate=bad", "--behavior-sequential", "--behavior-cache=off"
    )
    assert used(first) == used(second) < 600  # same seed, same order, same decision point (cached or not)


def test_against_golden_files_only_the_candidate_is_sampled(pytester: pytest.Pytester, sim_calls) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_spec=SPEC.replace("{option}", ", sequential=True"))
    pytester.runpytest("--behavior-update").assert_outcomes(passed=1)
    assert sim_calls.served_calls() == 600, "recording ignores sequential mode: later runs need the whole budget"
    sim_calls.reset_served_calls()
    result = pytester.runpytest("-s", "--behavior-baseline", "--behavior-candidate=bad", "--behavior-cache=off")
    result.assert_outcomes(failed=1)
    assert used(result) <= sim_calls.served_calls() <= used(result) + 32
    # the golden inputs after the stopping point are still in the spec: not reported as stale
    result.stdout.no_fnmatch_line("*no longer in the spec*")
    subset = pytester.runpytest(
        "-s", "--behavior-baseline", "--behavior-n=100", "-W", "error::pytest_behavior.BehaviorPairingWarning"
    )
    subset.assert_outcomes(passed=1)


def test_schema_keys_use_the_golden_reference(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        test_spec="""
        import pytest

        @pytest.mark.schema_stability(max_invalid_increase=None, max_key_change_increase=0.05, sequential=True)
        def test_shape(behavior):
            behavior.sample([f"ticket {i}" for i in range(400)])
        """
    )
    pytester.runpytest("--behavior-update").assert_outcomes(passed=1)
    result = pytester.runpytest("--behavior-baseline", "--behavior-candidate=renamed")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*key set changed rate*max_increase=0.05*REGRESSED*", "sequential: decided after * of 400 inputs*"]
    )
    live = pytester.runpytest("--behavior-baseline=live", "--behavior-candidate=renamed")
    live.assert_outcomes(failed=1)  # live: the reference comes from the first 20 baseline outputs


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("sequential='yes'", "*refusal_bound: sequential must be True or False, got 'yes'*"),
        ("sequental=True", "*unexpected keyword argument 'sequental'; did you mean 'sequential'?*"),
    ],
)
def test_bad_sequential_option_is_a_usage_error(pytester: pytest.Pytester, option: str, message: str) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_spec=SPEC.replace("{option}", ", " + option))
    result = pytester.runpytest("--behavior-baseline=live")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


def test_sequential_false_opts_out_of_the_flag_and_edge_thresholds_fail_at_collection(
    pytester: pytest.Pytester, sim_calls
) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_spec=SPEC.replace("max_increase=0.03{option}", "max_rate=0.0, sequential=False"))
    result = pytester.runpytest("-s", "--behavior-baseline=live", "--behavior-sequential")
    assert used(result) == 600  # judged at fixed N although the flag asks for sequential mode
    pytester.makepyfile(test_spec=SPEC.replace("max_increase=0.03{option}", "max_rate=0.0, sequential=True"))
    sim_calls.reset_served_calls()
    result = pytester.runpytest("--behavior-baseline=live")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "*test_refusals: @pytest.mark.refusal_bound: max_rate=0 cannot be decided "
            "sequentially*use sequential=False on this test"
        ]
    )
    assert sim_calls.served_calls() == 0
