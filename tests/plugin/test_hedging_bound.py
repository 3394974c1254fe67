"""hedging_bound as a user meets it: a candidate that starts hedging fails with the phrases shown; the golden file
records the hedging detector."""

from __future__ import annotations

import json

import pytest

from pytest_behavior.properties.hedging import DETECTOR
from tests.support.project import bundle_conftest

pytest_plugins = ["pytester"]

CONFTEST = bundle_conftest(
    "candidate(behavior_candidate_name)",
    baseline='Bundle.from_callable(lambda v: answer(v, hedge_every=0), label="app-v1", version="1")',
    header="""
def answer(value, *, hedge_every):
    i = int(value.split()[-1])
    if hedge_every and i % hedge_every == 0:
        return f"It's difficult to say for sure. It may be {i} days, but it might vary; please consult a professional."
    return f"Delivery takes {i % 7 + 2} days."

def candidate(name):
    every = 3 if name == "hedging" else 0
    return Bundle.from_callable(lambda v: answer(v, hedge_every=every), label="app-v2", version=str(every))
""",
)

SPEC = """
import pytest

INPUTS = [f"How long does delivery take to area {i}" for i in range(120)]

@pytest.mark.hedging_bound(max_increase=0.05)
def test_answers_stay_direct(behavior):
    behavior.sample(INPUTS)
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_spec=SPEC)
    return pytester


def test_a_candidate_that_starts_hedging_fails_with_the_phrases(project: pytest.Pytester) -> None:
    result = project.runpytest("--behavior-baseline=live", "--behavior-candidate=hedging")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*hedging rate*max_increase=0.05*+33.3 pts*REGRESSED*120*",
            "*started hedging - 40 inputs whose answers now hedge*",
            "*: It's «difficult to say» for sure. It «may» be * days, but it «might vary»; please «consult a "
            "professional».",
        ]
    )


def test_the_same_app_passes_and_the_golden_file_records_the_detector(project: pytest.Pytester) -> None:
    project.runpytest("--behavior-update").assert_outcomes(passed=1)
    golden = json.loads(next((project.path / "golden").rglob("*.json")).read_text())
    assert golden["detectors"]["hedging"] == DETECTOR
    assert golden["properties"] == [{"marker": "hedging_bound", "detector": DETECTOR, "max_increase": 0.05}]
    project.runpytest("--behavior-baseline").assert_outcomes(passed=1)
    golden["detectors"]["hedging"] = "hedge-0"
    next((project.path / "golden").rglob("*.json")).write_text(json.dumps(golden))
    result = project.runpytest("--behavior-baseline")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*BehaviorDetectorChangeWarning: *labelled with hedging detector 'hedge-0'*"])
