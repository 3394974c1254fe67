"""Judged quality read back by the reports (`report.judged`), drawn (`report.html.judged_charts`), and where an arm's
samples came from in the cost table (`report.terminal.arm_source`)."""

from __future__ import annotations

import re

import pytest

from pytest_behavior.report.github import github_summary
from pytest_behavior.report.html.judged_charts import correctness_svg, preference_svg, rubric_svg
from pytest_behavior.report.judged import judged_facts, judged_lines
from pytest_behavior.report.junit import junit_properties
from pytest_behavior.report.terminal import arm_source, cost_text, operational_lines

JUDGE = {
    "id": "m (pairwise-1, sha256 0123456789ab)",
    "model": "m",
    "template_version": "pairwise-1",
    "sha256": "0" * 64,
}
PREFERENCE = {
    "property": "preference",
    "metric_key": "preference",
    "judge": JUDGE,
    "comparisons": 40,
    "wins": 7,
    "ties": 11,
    "losses": 22,
    "order_consistent": 31,
    "both_orders_parsed": 39,
    "longer_won": 12,
    "decided_unequal_length": 30,
    "win_rate": 0.3125,
    "length_controlled_win_rate": 0.3,
    "unparsed": 1,
    "clearest_losses": [{"input_id": "q<7>", "score": 0.0, "reason": "misses the *refund* rule"}],
}
RUBRIC = {
    "property": "rubric",
    "metric_key": "rubric",
    "judge": {**JUDGE, "template_version": "pointwise-1"},
    "scale": 5,
    "scores": {
        "baseline": {"counts": [0, 1, 2, 10, 27], "unparsed": 0},
        "candidate": {"counts": [9, 5, 6, 8, 12], "unparsed": 0},
    },
    "biggest_drops": [{"input_id": "q3", "baseline": 5.0, "candidate": 1.0, "reason": "wrong number"}],
}
CORRECTNESS = {
    "property": "correctness",
    "metric_key": "correctness",
    "judge": None,
    "counts": {"baseline": {"right": 36, "wrong": 4}, "candidate": {"right": 25, "wrong": 15}},
    "right_to_wrong": 12,
    "wrong_to_right": 1,
    "right_to_wrong_inputs": ["q1", "q2"],
}


def test_the_facts_of_each_judged_item_read_its_numbers() -> None:
    facts = dict(judged_facts(PREFERENCE))
    assert facts["wins_ties_losses"] == (
        "preference: 7 wins / 11 ties / 22 losses of the candidate in 40 comparisons (each judged in both orders)"
    )
    assert facts["order_consistency"].startswith("order consistency: 31/39 ")
    assert facts["longer_won"] == "longer answer won 12/30 decided judgments of answers of unequal length (40%)"
    assert facts["win_rate"] == "win rate 0.312 raw, 0.300 length-controlled (at equal length)"
    assert facts["unparsed"].startswith("unparsed judge answers (after one re-ask): 1 ")
    assert facts["judge"] == f"judge: {JUDGE['id']}"
    assert facts["lost"] == "lost: q<7> (score 0.00; judge: misses the *refund* rule)"
    rubric = dict(judged_facts(RUBRIC))
    assert (
        rubric["scores_candidate"] == "rubric scores (1..5) candidate: 1: 9, 2: 5, 3: 6, 4: 8, 5: 12; mean 3.23"
    )  # (9 + 10 + 18 + 32 + 60) / 40
    assert rubric["dropped"] == "dropped: q3 5.00 -> 1.00 (judge: wrong number)"
    correct = dict(judged_facts(CORRECTNESS))
    assert correct["baseline"] == "correctness baseline: 36 right, 4 wrong"
    assert correct["right_to_wrong"] == "right -> wrong: 12 inputs, wrong -> right: 1 (most: q1, q2)"
    assert "judge" not in correct
    recorded = {"property": "preference", "metric_key": "preference", "judge": JUDGE, "comparisons": 0}
    assert judged_lines(recorded)[0] == "preference: not compared (no baseline)"


def test_the_pictures_carry_the_counts() -> None:
    svg = preference_svg(PREFERENCE, ("base", "cand"))
    assert 'aria-label="preference: candidate cand vs baseline base: 7 wins, 11 ties, 22 losses"' in svg
    widths = [float(w) for w in re.findall(r'<rect class="segment" x="[\d.]+" y="[\d.]+" width="([\d.]+)"', svg)]
    assert widths[2] / widths[0] == pytest.approx(22 / 7, rel=1e-3)  # as wide as their counts
    svg = rubric_svg(RUBRIC, ("base", "cand"))
    assert "<title>candidate score 1: 9</title>" in svg and "<title>baseline score 5: 27</title>" in svg
    bars = re.findall(r'height="([\d.]+)" fill="[^"]+"><title>(\w+) score (\d): \d+</title>', svg)
    heights = {(arm, int(score)): float(h) for h, arm, score in bars}
    assert heights[("baseline", 5)] / heights[("candidate", 5)] == pytest.approx(27 / 12, rel=1e-2)
    assert heights[("baseline", 1)] == 0
    svg = correctness_svg(CORRECTNESS, ("base", "cand"))
    assert 'aria-label="correctness: baseline 36 right, 4 wrong; candidate 25 right, 15 wrong"' in svg
    assert preference_svg({"property": "preference", "comparisons": 0}, ("b", "c")) == ""
    assert rubric_svg({"property": "rubric", "scale": 5}, ("b", "c")) == ""


def test_an_input_id_in_a_picture_or_a_label_is_text() -> None:
    svg = rubric_svg({**RUBRIC, "scores": RUBRIC["scores"]}, ("<b>base</b>", "cand"))
    assert "<b>" not in svg and "&lt;b&gt;base" in svg


ARM = {"label": "cand", "fingerprint": None, "latency_p50_ms": 12.0, "latency_p95_ms": 20.0, "cost_usd": 0.5}


def test_the_source_says_whether_the_samples_were_asked_for_or_read_from_the_cache() -> None:
    assert arm_source({**ARM, "source": "model", "requested": 0, "cached": 40}) == "cache (40 cached, 0 new)"
    assert arm_source({**ARM, "source": "model", "requested": 28, "cached": 12}) == "live (12 cached, 28 new)"
    assert arm_source({**ARM, "source": "live", "requested": 40, "cached": 0}) == "live (0 cached, 40 new)"
    assert arm_source({**ARM, "source": "golden/t/test_x.json", "requested": 0, "cached": 0}) == "golden"
    assert arm_source({**ARM, "source": "records", "requested": 0, "cached": 0}) == "records"
    judge = {**ARM, "source": "judge", "label": "m", "requested": 80, "cached": 0, "cost_usd": None}
    assert cost_text(judge, judge=True) == "unknown (no price)" and cost_text(ARM) == "$0.5000"


def entry(**extra: object) -> dict[str, object]:
    judge = {**ARM, "source": "judge", "label": "m", "requested": 80, "cached": 0, "cost_usd": None}
    return {
        "nodeid": "t.py::test_q",
        "outcome": "passed",
        "candidate": {**ARM, "source": "model", "requested": 0, "cached": 40},
        "baseline": None,
        "provider_drift": False,
        "diff_file": None,
        "properties": [],
        "judges": [judge],
        "judged": [PREFERENCE, RUBRIC, CORRECTNESS],
        **extra,
    }


def test_the_cost_table_has_a_row_per_judge_model() -> None:
    lines = operational_lines([entry()])
    assert re.search(
        r"test_q\s+candidate cand\s+cache \(40 cached, 0 new\)\s+\$0.5000\s+12 ms\s+20 ms", "\n".join(lines)
    )
    assert re.search(r"test_q\s+judge m\s+live \(0 cached, 80 new\)\s+unknown \(no price\)", "\n".join(lines))


def test_junit_names_each_fact_and_the_github_summary_escapes_it() -> None:
    props = dict(junit_properties(entry()))
    assert props["behavior:preference:wins_ties_losses"].startswith("preference: 7 wins / 11 ties / 22 losses")
    assert props["behavior:rubric:scores_baseline"].startswith("rubric scores (1..5) baseline: 1: 0, 2: 1")
    assert props["behavior:correctness:right_to_wrong"].startswith("right -> wrong: 12 inputs")
    assert props["behavior_judge:m"] == "live (0 cached, 80 new), cost unknown (no price)"
    document = {
        "summary": {"tests": 1, "passed": 1, "regressed": 0, "inconclusive": 0, "errors": 0, "recorded": 0},
        "run": {"mode": "live"},
        "tests": [entry()],
    }
    summary = github_summary(document)
    assert "### Judged quality" in summary and "### Cost and latency" in summary
    assert "- lost: q&lt;7&gt; \\(score 0.00; judge: misses the \\*refund\\* rule\\)" in summary  # data as text
    assert (
        "| t.py::test_q | judge m | live \\(0 cached, 80 new\\) | unknown \\(no price\\) | 12 ms | 20 ms |" in summary
    )


def test_annotations_name_the_bounds_and_counts_and_data_cannot_forge_a_command() -> None:
    from pytest_behavior.report.github import github_annotations

    regressed = {
        "metric": "win rate",
        "metric_key": "preference",
        "kind": "bounded",
        "segment": None,
        "bound": "min_win_rate=0.45",
        "threshold": 0.45,
        "verdict": "REGRESSED",
        "scale": "rate",
        "estimate": 0.3125,
        "lower": 0.25,
        "upper": 0.4,
        "lower_level": 0.95,
        "upper_level": 0.95,
    }
    forged = {**PREFERENCE, "clearest_losses": [{"input_id": "x\n::error::owned", "score": 0.0, "reason": "50%\r"}]}
    tests = [
        entry(outcome="regressed", properties=[regressed], judged=[forged]),
        entry(nodeid="t.py::test_ok", judged=[]),
    ]
    (command,) = github_annotations({"tests": tests})
    assert command.startswith("::error file=t.py,title=behavior regressed%3A t.py%3A%3Atest_q::win rate ")
    assert "min_win_rate=0.45: REGRESSED 31.2%25, 90%25 interval [25.0%25, 40.0%25]" in command  # % is %25
    assert "%0Apreference: 7 wins / 11 ties / 22 losses" in command
    assert "\n" not in command and "\r" not in command
    assert "lost: x\\n::error::owned (score 0.00; judge: 50%25\\r)" in command  # escaped, on the same line
