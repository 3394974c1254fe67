"""@pytest.mark.preference and @pytest.mark.rubric end to end: the simulated model's accuracy= is the truth, a
sim-judge/... judges it; golden baselines record the judge; a real judge model through the loopback server."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pytest_behavior.spec.judge_format import read_sections
from tests.support.openai_server import ServerConfig, running_server
from tests.support.project import model_bundle, use_bundles

pytest_plugins = ["pytester"]

FACTS = [
    ("refund", "Refunds take {n} days to arrive.", "How many days do refunds take to arrive?"),
    ("shipping", "Shipping costs {n} dollars per parcel.", "How many dollars does shipping cost per parcel?"),
    ("warranty", "The warranty lasts {n} months from purchase.", "How many months does the warranty last?"),
    ("support", "Support answers within {n} hours on weekdays.", "Within how many hours does support answer?"),
]


def inputs(n: int = 40) -> list[dict[str, Any]]:
    """RAG-style inputs: a context of four facts and a question one of them answers."""
    rows = []
    for i in range(n):
        facts = " ".join(text.format(n=(i * 7 + k) % 50 + 2) for k, (_, text, _) in enumerate(FACTS))
        _, text, question = FACTS[i % len(FACTS)]
        rows.append({"context": facts, "question": question, "expected": text.format(n=(i * 7 + i % 4) % 50 + 2)})
    return rows


JUDGE = "sim-judge/j?accuracy=0.9&seed=3"
SPEC = """
import json, pytest

INPUTS = json.loads({inputs!r})

@pytest.mark.{marker}
def test_quality(behavior):
    behavior.sample(INPUTS, prompt="Context: {{context}}\\nQuestion: {{question}}", repeats={repeats})
"""


def project(pytester: pytest.Pytester, *, base: float, cand: float, marker: str, repeats: int = 1, n: int = 40) -> None:
    use_bundles(
        pytester,
        model_bundle(f"sim/cand?accuracy={cand}&mean_words=20&seed=1"),
        baseline=model_bundle(f"sim/base?accuracy={base}&mean_words=20&seed=1"),
    )
    pytester.makepyfile(test_q=SPEC.format(inputs=json.dumps(inputs(n)), marker=marker, repeats=repeats))


PREFERENCE = f"preference(judge={JUDGE!r}, context=('context',), min_win_rate=0.45)"
RUBRIC = f"rubric(judge={JUDGE!r}, context=('context',), max_decrease=0.25)"


@pytest.mark.parametrize("marker", [PREFERENCE, RUBRIC], ids=["preference", "rubric"])
def test_a_worse_candidate_regresses(pytester: pytest.Pytester, marker: str) -> None:
    project(pytester, base=0.9, cand=0.6, marker=marker)
    result = pytester.runpytest("--behavior-baseline=live")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*REGRESSED*"])
    if marker is PREFERENCE:
        result.stdout.fnmatch_lines(["*wins / * ties / * losses*", "*order consistency*", "*length-controlled*"])
    else:
        result.stdout.fnmatch_lines(["*inputs whose score dropped most*", "*judge: *"])


@pytest.mark.parametrize("marker", [PREFERENCE, RUBRIC], ids=["preference", "rubric"])
def test_an_equal_candidate_passes(pytester: pytest.Pytester, marker: str) -> None:
    project(pytester, base=0.9, cand=0.9, marker=marker)
    pytester.runpytest("--behavior-baseline=live").assert_outcomes(passed=1)


def test_a_judge_that_breaks_its_answer_format_is_a_test_error_not_a_verdict(pytester: pytest.Pytester) -> None:
    """More than 2% of the answers unreadable after a re-ask: their stand-in scores (the middle of the scale) would
    pull the change toward none and let a worse candidate pass, so the property is not judged."""
    marker = "rubric(judge='sim-judge/j?accuracy=0.9&malformed_rate=0.3&seed=3', context=('context',))"
    project(pytester, base=0.9, cand=0.6, marker=marker)
    result = pytester.runpytest("--behavior-baseline=live", "-W", "always")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*JudgeFormatError: the rubric judge sim-judge/j?* * of 80 answers did not parse even when asked again, "
            "more than 2% of them: the judge does not keep its JSON answer contract*",
        ]
    )
    result.stdout.no_fnmatch_line("*REGRESSED*")
    result.stdout.no_fnmatch_line("*PASS*")


def test_a_golden_baseline_records_its_judge_and_another_judge_is_judge_drift(pytester: pytest.Pytester) -> None:
    project(pytester, base=0.9, cand=0.9, marker=RUBRIC)
    pytester.runpytest("--behavior-update").assert_outcomes(passed=1)
    golden = json.loads(next((pytester.path / "golden").rglob("*.json")).read_text())
    assert golden["detectors"]["rubric"].startswith(f"{JUDGE} (pointwise-1, sha256 ")
    pytester.runpytest("--behavior-baseline").assert_outcomes(passed=1)
    other = RUBRIC.replace("seed=3", "seed=4")
    pytester.makepyfile(test_q=SPEC.format(inputs=json.dumps(inputs()), marker=other, repeats=1))
    result = pytester.runpytest("--behavior-baseline", "-W", "always")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*BehaviorJudgeDriftWarning: *recorded under the rubric judge*judge drift*"])


def test_without_a_baseline_preference_is_not_judged(pytester: pytest.Pytester) -> None:
    project(pytester, base=0.9, cand=0.6, marker=PREFERENCE)
    result = pytester.runpytest("--behavior-update")
    result.assert_outcomes(passed=1)
    result.stdout.no_fnmatch_line("*REGRESSED*")


def loopback_judge(messages: list[dict[str, Any]]) -> str:
    """A real judge model's stand-in: an answer holding the reference is right (pairwise: it wins)."""
    sections = read_sections(str(messages[-1]["content"]))
    reference = sections["Reference answer"].rstrip(".")
    if "Answer A" in sections:
        a, b = (reference in sections[name] for name in ("Answer A", "Answer B"))
        verdict = "tie" if a == b else "A" if a else "B"
        return json.dumps({"verdict": verdict, "reason": "holds the reference" if a != b else "both alike"})
    score = 5 if reference in sections["Answer"] else 1
    return json.dumps({"score": score, "reason": "holds the reference" if score == 5 else "misses the reference"})


def test_a_real_judge_model_through_the_loopback_server(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "fake-credential-judge")
    marker = (
        "preference(judge=Bundle(model='openai/judge-model', api_base=os.environ['JUDGE_URL']), expected='expected')"
    )
    project(pytester, base=0.9, cand=0.6, marker=marker, n=30)
    source = (
        (pytester.path / "test_q.py")
        .read_text()
        .replace("import json, pytest", "import json, os, pytest\nfrom pytest_behavior import Bundle")
    )
    (pytester.path / "test_q.py").write_text(source)
    with running_server(ServerConfig(reply_fn=loopback_judge, script=["500"])) as server:
        monkeypatch.setenv("JUDGE_URL", server.url)
        result = pytester.runpytest("--behavior-baseline=live")
        result.assert_outcomes(failed=1)
        result.stdout.fnmatch_lines(
            [
                "*win rate*min_win_rate=0.45*REGRESSED*",
                "preference: 0 wins / 21 ties / 9 losses * (each judged in both orders; 21 identical pairs count as "
                "ties, not judged)",
                "order consistency: 9/9 judged pairs *",
            ]
        )
        assert server.stats.faults["500"] == 1  # a transient failure of the judge was retried
        judged = server.stats.answered
        assert judged == 2 * 9  # the 9 pairs that differ, once in each order; identical answers are not judged
        pytester.runpytest("--behavior-baseline=live").assert_outcomes(failed=1)
        assert server.stats.answered == judged  # a re-run is judged from the sample cache
