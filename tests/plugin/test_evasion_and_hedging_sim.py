"""Evasion and hedging offline, as a user meets them: a candidate of the simulated provider that evades
(``evasion_rate``) regresses refusal_bound by default and passes with ``count="refusal"``; one that hedges
(``hedge_rate``) regresses hedging_bound."""

from __future__ import annotations

import pytest

from tests.support.project import model_bundle, use_bundles

pytest_plugins = ["pytester"]

BASE = "sim/assistant-v1?mean_words=40&refusal_rate=0.02&seed=9"
EVADING = "sim/assistant-v2?mean_words=40&refusal_rate=0.02&evasion_rate=0.2&seed=9"
HEDGING = "sim/assistant-v2?mean_words=40&refusal_rate=0.02&hedge_rate=0.25&seed=9"

SPEC = """
import pytest

INPUTS = [f"Question {i}: when will my order arrive?" for i in range(150)]

@pytest.mark.refusal_bound(max_increase=0.05)
def test_counts_evasion(behavior):
    behavior.sample(INPUTS)

@pytest.mark.refusal_bound(max_increase=0.05, count="refusal")
def test_counts_refusals_only(behavior):
    behavior.sample(INPUTS)

@pytest.mark.hedging_bound(max_increase=0.05)
def test_stays_direct(behavior):
    behavior.sample(INPUTS)
"""


def run(pytester: pytest.Pytester, candidate: str) -> pytest.RunResult:
    use_bundles(pytester, model_bundle(candidate, label="cand"), baseline=model_bundle(BASE, label="base"))
    pytester.makepyfile(test_spec=SPEC)
    return pytester.runpytest("--behavior-baseline=live", "-rA")


def test_an_evading_candidate_regresses_the_default_count_only(pytester: pytest.Pytester) -> None:
    result = run(pytester, EVADING)
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["FAILED test_spec.py::test_counts_evasion*"])
    result.stdout.fnmatch_lines(["*test_counts_refusals_only*refusal rate (evasions not counted)*PASS*"])


def test_a_hedging_candidate_regresses_hedging_bound(pytester: pytest.Pytester) -> None:
    result = run(pytester, HEDGING)
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "FAILED test_spec.py::test_stays_direct*",
        ]
    )
    result.stdout.fnmatch_lines(["*«difficult to say» for sure*«consult a professional»*"])
