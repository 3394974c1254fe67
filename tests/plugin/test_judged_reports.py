"""Judged quality in every report: correctness, preference and rubric in the terminal cost table, the JSON verdict
file (schema v2), the HTML pictures, JUnit properties and the GitHub step summary; the judges' calls counted and
priced beside the arms.

One project of three tests (a worse candidate: the simulated model's accuracy 0.6 against 0.9), each judged by the
simulated judge; the preference judge is a priced Bundle, the rubric judge a model string without a price. Every
number a report shows is checked against the run's own counts in the verdict file, and those against the verdicts.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from pytest_behavior.report.document import load_schema
from tests.plugin.test_judged_quality import inputs
from tests.support.project import model_bundle, use_bundles

pytest_plugins = ["pytester"]

N = 40
JUDGE = "sim-judge/j?accuracy=0.9&seed=3"
PRICED = "input_cost_per_token=1e-6, output_cost_per_token=2e-6"
SPEC = f"""
import json, pytest
from pytest_behavior import Bundle

INPUTS = json.loads({{inputs!r}})
PROMPT = "Context: {{{{context}}}}\\nQuestion: {{{{question}}}}"

@pytest.mark.correctness(expected="expected", match="contains", max_decrease=0.05)
def test_correct(behavior):
    behavior.sample(INPUTS, prompt=PROMPT)

@pytest.mark.preference(judge=Bundle(model={JUDGE!r}, {PRICED}), context=("context",), min_win_rate=0.45)
def test_preferred(behavior):
    behavior.sample(INPUTS, prompt=PROMPT)

@pytest.mark.rubric(judge={JUDGE!r}, context=("context",), max_decrease=0.25)
def test_scored(behavior):
    behavior.sample(INPUTS, prompt=PROMPT)
"""
OUTPUTS = ("--behavior-report=out/v.json", "--junitxml=out/j.xml", "--behavior-html=out/r.html")


def project(pytester: pytest.Pytester, *, cand: float = 0.6) -> None:
    use_bundles(
        pytester,
        model_bundle(f"sim/cand?accuracy={cand}&mean_words=20&seed=1", label="cand"),
        baseline=model_bundle("sim/base?accuracy=0.9&mean_words=20&seed=1", label="base"),
    )
    pytester.makepyfile(test_q=SPEC.format(inputs=json.dumps(inputs(N))))


def read_report(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text())
    jsonschema.Draft202012Validator(load_schema()).validate(document)
    return document


def by_test(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["nodeid"].rsplit("::", 1)[-1]: t for t in document["tests"]}


def judged(entry: dict[str, Any]) -> dict[str, Any]:
    (item,) = entry["judged"]
    return item


def verdict(entry: dict[str, Any]) -> dict[str, Any]:
    return next(v for v in entry["properties"] if v["segment"] is None)


@pytest.fixture
def run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> tuple[pytest.Pytester, pytest.RunResult]:
    """The project run once against a live baseline, writing every report."""
    project(pytester)
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(pytester.path / "out" / "summary.md"))
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    (pytester.path / "out").mkdir()
    result = pytester.runpytest("--behavior-baseline=live", "-W", "ignore", *OUTPUTS)
    result.assert_outcomes(failed=3)
    return pytester, result


def test_the_verdict_file_carries_the_judged_counts_and_the_judges_in_schema_v2(run: Any) -> None:
    pytester, _ = run
    document = read_report(pytester.path / "out" / "v.json")
    assert document["version"] == 2
    tests = by_test(document)

    correct = tests["test_correct"]
    counts = judged(correct)["counts"]
    for arm in ("baseline", "candidate"):
        right, wrong = counts[arm]["right"], counts[arm]["wrong"]
        assert right + wrong == N
        assert verdict(correct)[arm] == pytest.approx(right / N)
    assert judged(correct)["right_to_wrong"] > judged(correct)["wrong_to_right"]
    assert judged(correct)["judge"] is None and correct["judges"] == []

    preferred = tests["test_preferred"]
    item = judged(preferred)
    assert item["wins"] + item["ties"] + item["losses"] == item["comparisons"] == N
    assert item["losses"] > item["wins"]
    assert item["win_rate"] == pytest.approx((item["wins"] + item["ties"] / 2) / N)
    assert verdict(preferred)["candidate"] == pytest.approx(item["win_rate"])
    assert verdict(preferred)["kind"] == "bounded" and verdict(preferred)["bound"] == "min_win_rate=0.45"
    assert item["judge"]["model"] == JUDGE and item["judge"]["template_version"] == "pairwise-1"
    assert len(item["judge"]["sha256"]) == 64 and item["judge"]["id"].startswith(f"{JUDGE} (pairwise-1, sha256 ")
    assert 0 <= item["length_controlled_win_rate"] <= 1 and item["clearest_losses"]

    scored = tests["test_scored"]
    item = judged(scored)
    assert item["scale"] == 5 and item["judge"]["template_version"] == "pointwise-1"
    for arm in ("baseline", "candidate"):
        scores = item["scores"][arm]
        assert sum(scores["counts"]) + scores["unparsed"] == N
        mean = sum((k + 1) * n for k, n in enumerate(scores["counts"])) / N
        assert verdict(scored)[arm] == pytest.approx(mean)
    assert verdict(scored)["scale"] == "points" and item["biggest_drops"]


def test_judge_calls_are_counted_and_priced_beside_the_arms(run: Any) -> None:
    pytester, result = run
    tests = by_test(read_report(pytester.path / "out" / "v.json"))
    (priced,) = tests["test_preferred"]["judges"]
    assert priced["label"] == JUDGE and priced["source"] == "judge"
    assert priced["cached"] == 0 and 0 < priced["requested"] <= 2 * N  # both orders; an identical pair asked once
    assert priced["outputs"] == priced["requested"] and priced["cost_usd"] > 0
    (unpriced,) = tests["test_scored"]["judges"]
    assert 0 < unpriced["requested"] <= 2 * N and unpriced["cost_usd"] is None  # every output of both arms
    calls = priced["requested"] + unpriced["requested"]
    wins, ties, losses = (judged(tests["test_preferred"])[k] for k in ("wins", "ties", "losses"))
    result.stdout.fnmatch_lines(
        [
            f"judge calls: {calls} requested from providers, 0 from the cache",
            "judged quality:",
            "  test_q.py::test_correct: correctness baseline: * right, * wrong; correctness candidate: *",
            f"  test_q.py::test_preferred: preference: {wins} wins / {ties} ties / {losses} losses *; "
            "order consistency: *; *win rate * raw, * length-controlled (at equal length)",
            "  test_q.py::test_scored: rubric scores (1..5) baseline: 1: *; rubric scores (1..5) candidate: *",
            "cost and latency of the samples judged (cached samples at their recorded cost):",
            f"*test_preferred*judge {JUDGE}*live (0 cached, {priced['requested']} new)*${priced['cost_usd']:.4f}*",
            f"*test_scored*judge {JUDGE}*live (0 cached, {unpriced['requested']} new)*unknown (no price)*",
        ]
    )
    again = pytester.runpytest("--behavior-baseline=live", "-W", "ignore", "--behavior-report=out/again.json")
    again.assert_outcomes(failed=3)
    rerun = by_test(read_report(pytester.path / "out" / "again.json"))
    (cached,) = rerun["test_preferred"]["judges"]
    assert cached["requested"] == 0 and cached["cached"] == priced["requested"]
    assert cached["cost_usd"] == pytest.approx(priced["cost_usd"])  # cached answers at their recorded cost
    candidate = rerun["test_preferred"]["candidate"]
    assert candidate["requested"] == 0 and candidate["cached"] == N
    again.stdout.fnmatch_lines(
        [
            f"judge calls: 0 requested from providers, {calls} from the cache",
            f"*test_preferred*candidate cand*cache ({N} cached, 0 new)*",
            f"*test_preferred*judge {JUDGE}*cache ({priced['requested']} cached, 0 new)*",
        ]
    )


def test_the_html_pictures_show_the_run_s_counts(run: Any) -> None:
    pytester, _ = run
    tests = by_test(read_report(pytester.path / "out" / "v.json"))
    page = (pytester.path / "out" / "r.html").read_text()
    labels = re.findall(r'<svg class="chart" role="img" aria-label="([^"]*)"', page)

    item = judged(tests["test_preferred"])
    wins, ties, losses = item["wins"], item["ties"], item["losses"]
    assert f"preference: candidate cand vs baseline base: {wins} wins, {ties} ties, {losses} losses" in labels
    assert f"<title>wins: {wins}</title>" in page and f"<title>losses: {losses}</title>" in page
    assert f"{wins} wins / {ties} ties / {losses} losses of {N} comparisons against baseline base" in page

    scores = judged(tests["test_scored"])["scores"]
    described = "; ".join(
        f"{arm}: " + ", ".join(f"{k + 1}: {n}" for k, n in enumerate(scores[arm]["counts"]))
        for arm in ("baseline", "candidate")
    )
    assert f"rubric scores per output — {described}" in labels
    for arm in ("baseline", "candidate"):
        for k, n in enumerate(scores[arm]["counts"]):
            assert f"<title>{arm} score {k + 1}: {n}</title>" in page

    counts = judged(tests["test_correct"])["counts"]
    assert (
        f"correctness: baseline {counts['baseline']['right']} right, {counts['baseline']['wrong']} wrong; "
        f"candidate {counts['candidate']['right']} right, {counts['candidate']['wrong']} wrong"
    ) in labels
    assert page.count("unknown (no price)") == 1  # the rubric judge's row in its test's bundles table


def test_junit_and_the_github_summary_carry_the_judged_metrics_and_their_diff_lines(run: Any) -> None:
    pytester, result = run
    tests = by_test(read_report(pytester.path / "out" / "v.json"))
    xml = ET.parse(pytester.path / "out" / "j.xml")
    props = {
        case.get("name"): {p.get("name"): p.get("value") for p in case.iter("property")}
        for case in xml.iter("testcase")
    }
    preferred, item = props["test_preferred"], judged(tests["test_preferred"])
    assert re.fullmatch(
        r"REGRESSED [\d.]+%, .*interval \[.*\].*, p=.*", preferred["behavior:preference:min_win_rate=0.45"]
    )
    assert preferred["behavior:preference:wins_ties_losses"].startswith(
        f"preference: {item['wins']} wins / {item['ties']} ties / {item['losses']} losses"
    )
    assert preferred["behavior:preference:order_consistency"].startswith(
        f"order consistency: {item['order_consistent']}/{item['both_orders_parsed']}"
    )
    assert "length-controlled" in preferred["behavior:preference:win_rate"]
    assert preferred["behavior:preference:judge"].startswith(f"judge: {JUDGE} (pairwise-1, sha256 ")
    assert preferred[f"behavior_judge:{JUDGE}"].startswith("live (0 cached, ")
    scored = props["test_scored"]
    assert scored["behavior:rubric:max_decrease=0.25"].startswith("REGRESSED ")
    assert scored["behavior:rubric:dropped"].startswith("dropped: ")
    assert scored[f"behavior_judge:{JUDGE}"].endswith("cost unknown (no price)")
    correct, counts = props["test_correct"], judged(tests["test_correct"])["counts"]
    assert correct["behavior:correctness:max_decrease=0.05"].startswith("REGRESSED ")
    assert correct["behavior:correctness:candidate"] == (
        f"correctness candidate: {counts['candidate']['right']} right, {counts['candidate']['wrong']} wrong"
    )
    assert correct["behavior:correctness:right_to_wrong"].startswith("right -> wrong: ")

    summary = (pytester.path / "out" / "summary.md").read_text()
    assert "### Judged quality" in summary and "### Cost and latency" in summary
    assert f"{item['wins']} wins / {item['ties']} ties / {item['losses']} losses" in summary
    for words in ("order consistency", "length-controlled", "dropped: ", "right -&gt; wrong", "unknown \\(no price\\)"):
        assert words in summary, words
    assert re.search(r"\| win rate \| `min_win_rate=0\.45` \| .* \| 🔴 REGRESSED \|", summary)

    (annotation,) = [line for line in result.stdout.lines if "test_preferred::win rate" in line]
    head, message = annotation.split("::win rate ", 1)
    assert head == "::error file=test_q.py,title=behavior regressed%3A test_q.py%3A%3Atest_preferred"
    assert message.startswith("min_win_rate=0.45: REGRESSED ")
    assert f"%0Apreference: {item['wins']} wins / {item['ties']} ties / {item['losses']} losses" in message
    assert "%0Aorder consistency: " in message and "length-controlled" in message


def test_a_run_without_judged_markers_still_follows_schema_v2(pytester: pytest.Pytester) -> None:
    use_bundles(pytester, model_bundle("sim/bot?mean_words=20&seed=1", label="cand"))
    pytester.makepyfile(
        test_plain="""
        import pytest

        @pytest.mark.length_distribution(max_ratio=1.5)
        def test_lengths(behavior):
            behavior.sample([f"request {i}" for i in range(30)])
        """
    )
    pytester.runpytest("--behavior-update", "--behavior-report=v.json").assert_outcomes(passed=1)
    (entry,) = read_report(pytester.path / "v.json")["tests"]
    assert entry["judged"] == [] and entry["judges"] == []


def test_the_card_shows_correctness_per_bundle_and_names_the_judges(
    pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    from pytest_behavior.cli import main

    project(pytester, cand=0.6)
    pytester.runpytest("--behavior-update", "-W", "ignore", "--behavior-report=v.json").assert_outcomes(passed=3)
    tests = by_test(read_report(pytester.path / "v.json"))
    counts = judged(tests["test_correct"])["counts"]["candidate"]
    capsys.readouterr()
    assert main(["card", str(pytester.path / "golden"), "--json"]) == 0
    (card,) = json.loads(capsys.readouterr().out)
    assert card["label"] == "cand" and card["samples"] == 3 * N
    assert card["correctness_rate"] == {"value": pytest.approx(counts["right"] / N), "n": N, "tests": 1}
    judges = {j["marker"]: j for j in card["judged_quality"]}
    assert judges["preference"]["judge"] == judged(tests["test_preferred"])["judge"]["id"]
    assert judges["rubric"]["judge"] == judged(tests["test_scored"])["judge"]["id"]
    assert judges["rubric"]["bounds"] == "max_decrease=0.25" and judges["preference"]["scores"] is None

    assert main(["card", str(pytester.path / "golden")]) == 0
    out = capsys.readouterr().out
    rate = f"{100 * counts['right'] / N:.1f}%"
    assert re.search(
        rf"\| correct answers \(reference answers\)\s+\|\s+{re.escape(rate)} \| {N} of {3 * N} samples", out
    )
    assert re.search(
        r"\| win rate against the baseline \(preference, min_win_rate=0.45\)\s+\|\s+– \| relative to a baseline", out
    )
    assert "judge sim-judge/j?accuracy=0.9&seed=3 (pointwise-1, sha256 " in out


def test_the_judged_counts_and_the_judges_cross_xdist(pytester: pytest.Pytester) -> None:
    project(pytester)
    result = pytester.runpytest_subprocess(
        "--behavior-baseline=live", "-W", "ignore", "-p", "xdist", "-n", "2", "--behavior-report=v.json", timeout=300
    )
    result.assert_outcomes(failed=3)
    tests = by_test(read_report(pytester.path / "v.json"))
    assert [
        item["property"] for t in ("test_correct", "test_preferred", "test_scored") for item in tests[t]["judged"]
    ] == [
        "correctness",
        "preference",
        "rubric",
    ]
    assert [len(tests[t]["judges"]) for t in ("test_correct", "test_preferred", "test_scored")] == [0, 1, 1]
    result.stdout.fnmatch_lines(["judged quality:", "*test_preferred: preference: * wins / * ties / * losses*"])
