"""``pytest-behavior card`` shows judged quality per bundle: a golden file recorded with ``--behavior-update`` keeps
the judge's scores of its recorded outputs (``judged``: the rubric's score counts and mean, the LLM correctness'
right / judged counts, with the judge id), and the card's numbers are the ones the same run's verdict report gave.
``preference`` is relative to a baseline, which the card says; a file recorded before the scores were kept loads, and
the card says its scores were not recorded. The judge's credentials never reach a golden file."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from pytest_behavior.cli import main
from tests.plugin.test_correctness_marker import fact_inputs
from tests.plugin.test_judged_reports import by_test, judged, read_report
from tests.support.project import model_bundle, use_bundles

pytest_plugins = ["pytester"]

N = 40
JUDGE = "sim-judge/j?accuracy=0.9&seed=3"
LLM_JUDGE = "sim-judge/j?accuracy=1"
CREDENTIAL = "fake-credential-card-judged-7f3a"
SPEC = f"""
import json, pytest
from pytest_behavior import Bundle

INPUTS = json.loads({{inputs!r}})
PROMPT = "Context: {{{{context}}}}\\nQuestion: {{{{question}}}}"
JUDGE = Bundle(model={JUDGE!r}, api_key={CREDENTIAL!r}, temperature=0)

@pytest.mark.rubric(judge=JUDGE, context=("context",), max_decrease=0.25)
def test_scored(behavior):
    behavior.sample(INPUTS, prompt=PROMPT)

@pytest.mark.rubric(judge=JUDGE, context=("context",), min_mean=2)
def test_scored_too(behavior):
    behavior.sample(INPUTS[:10], prompt=PROMPT)

@pytest.mark.correctness(match={"llm:" + LLM_JUDGE!r}, max_decrease=0.05)
def test_facts(behavior):
    behavior.sample(INPUTS, prompt=PROMPT)

@pytest.mark.preference(judge={JUDGE!r}, context=("context",), min_win_rate=0.45)
def test_preferred(behavior):
    behavior.sample(INPUTS, prompt=PROMPT)
"""
SCORED = ("test_scored", "test_scored_too")


@pytest.fixture
def recorded(pytester: pytest.Pytester) -> dict[str, dict[str, Any]]:
    """The project recorded with --behavior-update; its verdict report's entries by test name."""
    use_bundles(pytester, model_bundle("sim/cand?accuracy=0.7&mean_words=20&seed=1", label="cand"))
    pytester.makepyfile(test_card=SPEC.format(inputs=json.dumps(fact_inputs(N))))
    result = pytester.runpytest("--behavior-update", "-W", "ignore", "--behavior-report=r.json")
    result.assert_outcomes(passed=4)
    return by_test(read_report(pytester.path / "r.json"))


def golden(pytester: pytest.Pytester, test: str) -> Path:
    (path,) = (pytester.path / "golden").rglob(f"{test}.json")
    return path


def card(capsys: pytest.CaptureFixture[str], directory: Path) -> tuple[dict[str, Any], str]:
    capsys.readouterr()
    assert main(["card", str(directory), "--json"]) == 0
    (as_json,) = json.loads(capsys.readouterr().out)
    assert main(["card", str(directory)]) == 0
    return as_json, capsys.readouterr().out


def by_marker(as_json: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["marker"]: item for item in as_json["judged_quality"]}


def test_the_golden_file_keeps_the_scores_the_judge_gave(
    pytester: pytest.Pytester, recorded: dict[str, dict[str, Any]]
) -> None:
    rubric = judged(recorded["test_scored"])
    counts = rubric["scores"]["candidate"]["counts"]
    kept = json.loads(golden(pytester, "test_scored").read_text())["judged"]
    assert kept == {
        "rubric": {
            "judge": rubric["judge"]["id"],
            "scale": 5,
            "n": N,
            "counts": counts,
            "unparsed": rubric["scores"]["candidate"]["unparsed"],
            "mean": pytest.approx(sum((k + 1) * n for k, n in enumerate(counts)) / sum(counts), abs=1e-4),
        }
    }
    assert len(set(counts)) > 1  # an accuracy-0.9 judge of an accuracy-0.7 model gives more than one score
    facts = judged(recorded["test_facts"])
    kept = json.loads(golden(pytester, "test_facts").read_text())["judged"]
    right = facts["counts"]["candidate"]["right"]
    assert kept == {"correctness": {"judge": facts["judge"]["id"], "right": right, "judged": N, "undecided": 0}}
    assert 0 < right < N
    assert "judged" not in json.loads(golden(pytester, "test_preferred").read_text())  # relative: nothing to keep


def test_the_judges_credential_never_reaches_a_golden_file(
    pytester: pytest.Pytester, recorded: dict[str, dict[str, Any]]
) -> None:
    for test in (*SCORED, "test_facts", "test_preferred"):
        text = golden(pytester, test).read_text()
        assert CREDENTIAL not in text and "api_key" not in text
    judge_id = json.loads(golden(pytester, "test_scored").read_text())["judged"]["rubric"]["judge"]
    assert judge_id.startswith(f"{JUDGE} (pointwise-1, sha256 ")


def test_the_card_shows_the_judged_quality_the_run_gave_per_bundle(
    pytester: pytest.Pytester, recorded: dict[str, dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    as_json, text = card(capsys, pytester.path / "golden")
    judges = by_marker(as_json)
    counts = [sum(n) for n in zip(*(judged(recorded[t])["scores"]["candidate"]["counts"] for t in SCORED), strict=True)]
    mean = sum((k + 1) * n for k, n in enumerate(counts)) / sum(counts)
    rubric_judge = judged(recorded["test_scored"])["judge"]["id"]
    assert judges["rubric"] == {
        "marker": "rubric",
        "judge": rubric_judge,
        "bounds": "max_decrease=0.25, min_mean=2",
        "scores": {"mean": pytest.approx(mean), "n": N + 10, "scale": 5, "counts": counts, "unparsed": 0},
        "tests": 2,
        "tests_recorded": 2,
    }
    facts = judged(recorded["test_facts"])
    right = facts["counts"]["candidate"]["right"]
    assert judges["correctness"]["scores"] == {"rate": pytest.approx(right / N), "right": right, "n": N, "undecided": 0}
    assert judges["correctness"]["judge"] == facts["judge"]["id"]
    assert judges["preference"]["scores"] is None and "--behavior-baseline" in judges["preference"]["relative"]

    total = 3 * N + 10
    assert re.search(
        rf"\| rubric mean \(rubric, max_decrease=0.25, min_mean=2\)\s+\|\s+{mean:.2f} of 5 \| "
        rf"{N + 10} of {total} outputs scored; judge {re.escape(rubric_judge)}",
        text,
    )
    assert re.search(
        rf"\| correct answers \(LLM judge\) \(correctness, max_decrease=0.05\)\s+\|\s+{100 * right / N:.1f}% \| "
        rf"{N} of {total} outputs judged; judge {re.escape(facts['judge']['id'])}",
        text,
    )
    assert re.search(
        r"\| win rate against the baseline \(preference, min_win_rate=0.45\)\s+\|\s+– \| relative to a baseline: "
        r"see a --behavior-baseline run's verdict report; judge sim-judge/",
        text,
    )


def test_an_old_golden_file_without_scores_loads_and_the_card_says_not_recorded(
    pytester: pytest.Pytester, recorded: dict[str, dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    for test in ("test_scored_too", "test_facts"):  # as a plugin that did not keep the judge's scores wrote them
        path = golden(pytester, test)
        data = json.loads(path.read_text())
        del data["judged"]
        path.write_text(json.dumps(data, indent=2, sort_keys=True))
    as_json, text = card(capsys, pytester.path / "golden")
    judges = by_marker(as_json)
    assert judges["correctness"]["scores"] is None and judges["correctness"]["tests_recorded"] == 0
    assert judges["rubric"]["tests"] == 2 and judges["rubric"]["tests_recorded"] == 1
    counts = judged(recorded["test_scored"])["scores"]["candidate"]["counts"]
    assert judges["rubric"]["scores"]["counts"] == counts and judges["rubric"]["scores"]["n"] == N
    assert re.search(
        r"\| correct answers \(LLM judge\) \(correctness, max_decrease=0.05\)\s+\|\s+– \(not recorded\) \| judge "
        r"sim-judge/j\?accuracy=1 \(reference-1, sha256 \w+\); scores not recorded",
        text,
    )
    assert re.search(
        r"outputs scored; judge sim-judge/\S+ \(pointwise-1, sha256 \w+, bundle \w+\); 1 of 2 tests recorded no", text
    )

    assert main(["show", str(golden(pytester, "test_facts"))]) == 0  # the old file loads elsewhere too


def test_re_recording_the_same_behavior_leaves_the_files_alone(
    pytester: pytest.Pytester, recorded: dict[str, dict[str, Any]]
) -> None:
    before = {p: p.read_text() for p in (pytester.path / "golden").rglob("*.json")}
    pytester.runpytest("--behavior-update", "-W", "ignore").assert_outcomes(passed=4)
    assert {p: p.read_text() for p in (pytester.path / "golden").rglob("*.json")} == before
