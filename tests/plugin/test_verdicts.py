"""Verdict wiring as a user meets it: segments judged separately, INCONCLUSIVE messages that say what would decide."""

from __future__ import annotations

import pytest

from tests.support.project import bundle_conftest, model_bundle, use_bundles

pytest_plugins = ["pytester"]

SEGMENT_CONFTEST = bundle_conftest(
    "candidate(behavior_candidate_name)",
    baseline='Bundle.from_callable(lambda v: answer(v, refuse_segment=None), label="app-v1", version="1")',
    header="""
def answer(value, *, refuse_segment):
    # deterministic per input: about 2% refusals everywhere, and 40% in `refuse_segment`
    bucket = int(value["id"][1:]) % 50
    if bucket == 0 or (value["segment"] == refuse_segment and bucket % 5 < 2):
        return "I'm sorry, but I can't help with that."
    return "Here is how to do it: first open the settings, then choose the plan."

def candidate(name):
    segment = "es" if name == "es-broken" else None
    return Bundle.from_callable(lambda v: answer(v, refuse_segment=segment), label="app-v2", version=str(segment))
""",
)

SEGMENT_SPEC = """
import pytest

INPUTS = [{"id": f"q{i:03d}", "text": f"question {i}", "segment": seg}
          for seg in ("en", "de", "fr", "es") for i in range(100 * ("en de fr es".split().index(seg)),
                                                                100 * ("en de fr es".split().index(seg)) + 100)]

@pytest.mark.refusal_bound(max_increase=0.10)
def test_answers(behavior):
    behavior.sample(INPUTS)
"""


@pytest.fixture
def segmented(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest(SEGMENT_CONFTEST)
    pytester.makepyfile(test_spec=SEGMENT_SPEC)
    return pytester


def test_regression_confined_to_one_segment_fails_and_names_it(segmented: pytest.Pytester) -> None:
    result = segmented.runpytest("--behavior-baseline=live", "--behavior-candidate=es-broken")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "behavior regressed: 0 of 1 bounds broken (and 1 in segments), candidate 'app-v2'*",
            "*refusal rate [[]es[]]*max_increase=0.1*REGRESSED*100",
            "*regression confined to segment 'es': refusal rate max_increase=0.1 (the overall result does not show it)",
            "*segments judged separately: en, de, fr, es*regressed in: es",
        ]
    )
    # the overall increase (+9.5 points over 400 inputs) alone does not break the 10-point margin
    result.stdout.fnmatch_lines(["refusal rate  *max_increase=0.1*+9.5 pts*INCONCLUSIVE*400"])
    result.stdout.fnmatch_lines(["*test_answers*refusal rate [[]es[]]*REGRESSED"])  # in the session summary too


def test_same_behavior_in_every_segment_passes_without_segment_rows(segmented: pytest.Pytester) -> None:
    result = segmented.runpytest("--behavior-baseline=live")
    result.assert_outcomes(passed=1)
    result.stdout.no_fnmatch_line("*[[]es[]]*")
    result.stdout.fnmatch_lines(["*test_answers*refusal rate*max_increase=0.1*PASS"])


INCONCLUSIVE_SPEC = """
import pytest

INPUTS = [f"question {i}" for i in range(40)]

@pytest.mark.refusal_bound(max_increase=0.05)
def test_few_inputs(behavior):
    behavior.sample(INPUTS)
"""


def _sim_conftest(pytester: pytest.Pytester) -> None:
    use_bundles(
        pytester,
        model_bundle("sim/v2?refusal_rate=0.10&seed=1", label="v2"),
        baseline=model_bundle("sim/v1?refusal_rate=0.05&seed=1", label="v1"),
    )


@pytest.mark.parametrize("policy", ["warn", "fail"])
def test_inconclusive_says_what_would_decide_it(pytester: pytest.Pytester, policy: str) -> None:
    _sim_conftest(pytester)
    pytester.makepyfile(test_spec=INCONCLUSIVE_SPEC)
    result = pytester.runpytest(
        "--behavior-baseline=live",
        f"--behavior-inconclusive={policy}",
        "-W",
        "always::pytest_behavior.BehaviorInconclusiveWarning",
    )
    if policy == "warn":
        result.assert_outcomes(passed=1)  # (no warning count: fresh installs add pytest-internal warnings)
    else:
        result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*INCONCLUSIVE, not enough data to decide:*",
            "*refusal rate max_increase=0.05 at N=40: likely * pts, 90% interval [[]*[]] pts; n=40 can detect an "
            "increase of ≥ * points (* points beyond your margin) (80% power); about * inputs would detect an increase "
            "of 10 points (twice your margin); about * would show the margin holds if nothing changed*",
        ]
    )
