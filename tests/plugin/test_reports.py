"""Every output a reviewer or a gate reads: the verdict file, JUnit properties, the GitHub summary, full diff
files, colour, provider drift, unused golden files and pruning."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from pytest_behavior.report.document import load_schema
from tests.support.project import model_bundle, use_bundles

pytest_plugins = ["pytester"]

BASE = "sim/bot-v1?json=1&keys=summary,sentiment&mean_words=30&refusal_rate=0.02&seed=3"
REFUSING = "sim/bot-v3?json=1&keys=summary,sentiment&mean_words=30&refusal_rate=0.25&seed=3"

SPEC = """
import pytest

INPUTS = [f"Ticket {i}: my order {i} arrived late and the box was damaged" for i in range(120)]

@pytest.mark.refusal_bound(max_increase=0.03)
@pytest.mark.length_distribution(max_ratio=1.5)
def test_refusals(behavior):
    behavior.sample(INPUTS)

@pytest.mark.length_distribution(max_ratio=1.5)
def test_lengths(behavior):
    behavior.sample(INPUTS[:60])
"""


def use_model(pytester: pytest.Pytester, model: str) -> None:
    use_bundles(pytester, model_bundle(model, system="Summarize as JSON.", label="cand"))


@pytest.fixture
def recorded(pytester: pytest.Pytester) -> pytest.Pytester:
    """Golden files recorded from the base model; the candidate now refuses more."""
    use_model(pytester, BASE)
    pytester.makepyfile(test_spec=SPEC)
    pytester.runpytest("--behavior-update").assert_outcomes(passed=2)
    use_model(pytester, REFUSING)
    return pytester


def read_report(path: Path) -> dict:
    document = json.loads(path.read_text())
    jsonschema.Draft202012Validator(load_schema()).validate(document)
    return document


def test_the_verdict_file_follows_the_published_schema_regressions_first(recorded: pytest.Pytester) -> None:
    result = recorded.runpytest("--behavior-baseline", "--behavior-report=out/verdicts.json")
    result.assert_outcomes(failed=1, passed=1)
    result.stdout.fnmatch_lines(["verdict report: *out*verdicts.json"])
    document = read_report(recorded.path / "out" / "verdicts.json")
    assert document["format"] == "pytest-behavior-report" and document["version"] == 2
    assert document["summary"] == {
        "tests": 2,
        "passed": 1,
        "regressed": 1,
        "inconclusive": 0,
        "errors": 0,
        "recorded": 0,
    }
    first, second = document["tests"]
    assert first["nodeid"] == "test_spec.py::test_refusals" and first["outcome"] == "regressed"
    assert second["outcome"] == "passed"
    assert first["candidate"]["label"] == "cand" and len(first["candidate"]["fingerprint"]) == 64
    assert first["baseline"]["source"].endswith("test_refusals.json")
    refusal = next(p for p in first["properties"] if p["metric_key"] == "refusal")
    assert refusal["verdict"] == "REGRESSED" and refusal["scale"] == "difference"
    assert refusal["lower"] <= refusal["estimate"] <= refusal["upper"]
    assert refusal["estimate"] == pytest.approx(refusal["candidate"] - refusal["baseline"], abs=1e-9)
    assert refusal["n_inputs"] == 120 and refusal["repeats"] == 1 and "Tango" in refusal["method"]
    assert first["provider_drift"] is False
    assert Path(first["diff_file"]).is_file() and "behavior regressed" in first["diff"]
    lengths = first["distributions"]["length.words"]
    assert len(lengths["baseline"]) == len(lengths["candidate"]) == 120


def test_the_failure_names_a_full_markdown_diff_under_the_run_directory(recorded: pytest.Pytester) -> None:
    result = recorded.runpytest("--behavior-baseline", "--behavior-run-dir=runs")
    result.assert_outcomes(failed=1, passed=1)
    result.stdout.fnmatch_lines(["full diff: runs/*/test_spec.py__test_refusals.md"])
    (diff_file,) = (recorded.path / "runs").glob("*/*.md")
    text = diff_file.read_text()
    assert text.startswith("# test_spec.py::test_refusals: behavior regressed")
    assert "| refusal rate " in text and "REGRESSED" in text  # the verdict table in Markdown
    shown = re.search(r"flipped inputs - refusal rate: (\d+) moved the wrong way.*\(showing (\d+)\)", text)
    assert shown is not None and int(shown.group(2)) == min(25, int(shown.group(1))) > 3


def test_colour_only_on_a_terminal(recorded: pytest.Pytester) -> None:
    coloured = recorded.runpytest("--behavior-baseline", "--color=yes")
    assert re.search(r"\x1b\[31m\x1b\[1mrefusal rate +max_increase=0.03 .*REGRESSED", coloured.stdout.str())
    plain = recorded.runpytest("--behavior-baseline", "--color=no")
    assert "\x1b[" not in plain.stdout.str()
    plain.stdout.fnmatch_lines(["refusal rate*max_increase=0.03*REGRESSED*"])


def test_every_output_under_xdist(recorded: pytest.Pytester) -> None:
    """One xdist run writes JUnit properties, the verdict file, diff files under the run directory and the HTML page
    a browser renders, and lists an unused golden file while ``-k`` deselects a test (the workers' results merged);
    a second one, in which no behavior test runs, still replaces a stale verdict file (it replaces
    tests/security/test_recording.py::test_the_report_is_written_under_xdist_when_no_behavior_test_ran)."""
    from tests.support.browser import chromium_path, dump_dom, screenshot

    gone = json.loads((recorded.path / "golden" / "test_spec" / "test_lengths.json").read_text())
    gone["test"] = "test_spec.py::test_gone"  # the golden file of a test deleted since it was recorded
    (recorded.path / "golden" / "test_spec" / "test_gone.json").write_text(json.dumps(gone))
    spec = recorded.path / "test_spec.py"
    spec.write_text(
        spec.read_text() + "\n\ndef test_deselected(behavior):\n    behavior.sample(INPUTS[:5])\n"
        "\n\ndef test_plain():\n    assert True\n"
    )
    result = recorded.runpytest(
        "--behavior-baseline",
        "-p",
        "xdist",
        "-n",
        "2",
        "-k",
        "not test_deselected",
        "--junitxml=junit.xml",
        "--behavior-report=v.json",
        "--behavior-run-dir=runs",
        "--behavior-html=report/behavior.html",
    )
    result.assert_outcomes(failed=1, passed=2)  # test_deselected did not run (xdist counts no deselection)

    xml = (recorded.path / "junit.xml").read_text()
    assert '<property name="behavior_outcome" value="regressed"' in xml
    assert '<property name="behavior_outcome" value="passed"' in xml
    assert re.search(r'<property name="behavior:refusal:max_increase=0.03" value="REGRESSED \+[\d.]+ pts', xml)
    assert '<property name="behavior:length.words:max_ratio=1.5" value="PASS' in xml

    document = read_report(recorded.path / "v.json")
    assert [t["outcome"] for t in document["tests"]] == ["regressed", "passed"]
    assert Path(document["tests"][0]["diff_file"]).parent.parent == recorded.path / "runs"

    result.stdout.fnmatch_lines(
        ["1 golden file(s) are not used by any collected test*", "  golden/test_spec/test_gone.json"]
    )

    stale = recorded.path / "empty.json"
    stale.write_text(json.dumps({"summary": {"tests": 3, "regressed": 2, "errors": 0}, "stale": True}))
    empty = recorded.runpytest_subprocess(
        "--behavior-baseline", "-p", "xdist", "-n", "2", "-k", "test_plain", f"--behavior-report={stale}", timeout=300
    )
    empty.assert_outcomes(passed=1)
    document = read_report(stale)
    assert "stale" not in document and document["summary"]["tests"] == 0 and document["run"]["mode"] == "golden"

    result.stdout.fnmatch_lines(["HTML report: *report*behavior.html"])
    page = recorded.path / "report" / "behavior.html"
    text = page.read_text()
    assert "http://" not in text and "https://" not in text and "<script" not in text
    assert text.index("test_spec.py::test_refusals") < text.index("test_spec.py::test_lengths")  # regressed first
    assert text.count("<svg") >= 4  # the refusal bars and interval, and both tests' length distributions
    if chromium_path() is None:
        pytest.skip("no Chromium to render the page (apt-get install chromium)")
    assert dump_dom(page).count("<svg") == text.count("<svg")
    screenshot(page, recorded.path / "page.png")
    assert (recorded.path / "page.png").stat().st_size > 20_000


def test_github_step_summary_is_appended(recorded: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    summary = recorded.path / "step_summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    recorded.runpytest("--behavior-baseline").assert_outcomes(failed=1, passed=1)
    text = summary.read_text()
    assert text.startswith("earlier step\n## pytest-behavior")
    assert "**1 regressed**, 0 errors, 0 inconclusive, 1 passed" in text
    rows = [line for line in text.splitlines() if line.startswith("| test_spec.py")]
    assert "REGRESSED" in rows[0] and "`max_increase=0.03`" in rows[0]
    assert "<details><summary>🔴 <code>test_spec.py::test_refusals</code>: diff</summary>" in text
    assert "Full diff: `" in text


def test_every_output_names_the_interval_by_the_levels_the_verdict_file_stores(
    recorded: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 13 §1: the terminal diff, the Markdown diff file, the GitHub summary, JUnit and the HTML page name
    each interval from the confidence of its ends as the verdict file stores it ("90% interval" for two one-sided
    95% bounds; the level of each end when the end that decides REGRESSED is Holm-adjusted), never "95% bounds"."""
    from pytest_behavior.report.values import describe_change, interval_style

    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(recorded.path / "summary.md"))
    result = recorded.runpytest(
        "--behavior-baseline",
        "--behavior-report=v.json",
        "--junitxml=j.xml",
        "--behavior-html=r.html",
        "--behavior-run-dir=runs",
    )
    result.assert_outcomes(failed=1, passed=1)
    tests = read_report(recorded.path / "v.json")["tests"]
    shown = [p for p in tests[0]["properties"] if p["segment"] is None]
    for prop in shown:  # max_* bounds: the lower end decides REGRESSED, at Holm's level (>= 1 - alpha)
        assert 0.95 <= prop["lower_level"] < 1 and prop["upper_level"] == pytest.approx(0.95)
        assert prop["confidence"] == min(prop["lower_level"], prop["upper_level"])
    style = interval_style(shown)
    outputs = {
        "terminal": result.stdout.str(),
        "diff file": next((recorded.path / "runs").glob("*/*.md")).read_text(),
        "GitHub summary": (recorded.path / "summary.md").read_text(),
        "HTML": (recorded.path / "r.html").read_text(),
    }
    for name, text in outputs.items():
        assert "bounds [" not in text and "change [95% bounds]" not in text, name  # the old, fixed names
        assert style.note in text, name
    assert re.search(rf"^property .*  {re.escape(style.header)}  .*verdict", outputs["terminal"], re.MULTILINE)
    assert f"| change [{style.header}] |" in outputs["GitHub summary"]
    junit = (recorded.path / "j.xml").read_text()
    refusal = next(p for p in shown if p["metric_key"] == "refusal")
    assert f'name="behavior:refusal:max_increase=0.03" value="REGRESSED {describe_change(refusal)}, p=' in junit
    assert (
        f'<property name="behavior:refusal:max_increase=0.03:lower_level" value="{refusal["lower_level"]:.6g}"' in junit
    )


def test_an_infrastructure_error_is_an_error_entry_not_a_verdict(recorded: pytest.Pytester) -> None:
    golden = recorded.path / "golden" / "test_spec" / "test_lengths.json"
    golden.write_text("{not json")
    result = recorded.runpytest("--behavior-baseline", "--behavior-report=v.json", "--junitxml=j.xml")
    result.assert_outcomes(failed=1, errors=1)
    document = read_report(recorded.path / "v.json")
    error = next(t for t in document["tests"] if t["outcome"] == "error")
    assert error["nodeid"] == "test_spec.py::test_lengths" and "corrupt" in error["error"]
    assert document["summary"]["errors"] == 1 and document["summary"]["regressed"] == 1
    assert '<property name="behavior_outcome" value="error"' in (recorded.path / "j.xml").read_text()


def test_provider_drift_same_fingerprint_different_behavior(pytester: pytest.Pytester) -> None:
    """The golden file was recorded from the very bundle under test; its answers then were compliant, today a
    quarter are refusals: the report blames the provider, not the PR."""
    use_model(pytester, REFUSING)
    pytester.makepyfile(test_spec=SPEC)
    pytester.runpytest("--behavior-update", "-k", "test_refusals").assert_outcomes(passed=1, deselected=1)
    golden = pytester.path / "golden" / "test_spec" / "test_refusals.json"
    data = json.loads(golden.read_text())
    for sample in data["samples"].values():
        for output in sample["outputs"]:
            output["text"] = json.dumps(
                {"summary": "The order arrived late; a replacement is on its way.", "sentiment": "negative"}
            )
    golden.write_text(json.dumps(data, indent=2, sort_keys=True))
    result = pytester.runpytest("--behavior-baseline", "-k", "test_refusals", "--behavior-report=v.json")
    result.assert_outcomes(failed=1, deselected=1)
    result.stdout.fnmatch_lines(
        [
            "*provider drift: same bundle fingerprint as the baseline, yet a bound on the change "
            "between them regressed: the provider changed the model*"
        ]
    )
    (entry,) = read_report(pytester.path / "v.json")["tests"]
    assert entry["provider_drift"] is True
    assert entry["candidate"]["fingerprint"] == data["bundle"]["fingerprint"]


def test_unused_golden_files_are_listed_respecting_deselection_and_pruned(recorded: pytest.Pytester) -> None:
    use_model(recorded, BASE)
    spec = recorded.path / "test_spec.py"
    spec.write_text(spec.read_text().replace("def test_lengths(", "def test_answer_lengths("))
    stale = recorded.path / "golden" / "test_spec" / "test_lengths.json"

    listed = recorded.runpytest("--behavior-baseline", "-k", "test_refusals")
    listed.assert_outcomes(passed=1, deselected=1)
    listed.stdout.fnmatch_lines(
        [
            "1 golden file(s) are not used by any collected test (remove them with "
            "`pytest --behavior-update --behavior-prune`):",
            "  golden/test_spec/test_lengths.json",
        ]
    )
    listed.stdout.no_fnmatch_line("*test_refusals.json*")

    other = recorded.makepyfile(test_other="def test_plain():\n    assert True\n")
    only_other = recorded.runpytest("--behavior-baseline", str(other))
    only_other.stdout.no_fnmatch_line("*not used by any collected test*")  # test_spec.py was not collected

    recorded.runpytest("--behavior-update", "--behavior-prune").stdout.fnmatch_lines(
        ["removed 1 unused golden file(s):", "  golden/test_spec/test_lengths.json"]
    )
    assert not stale.exists() and (recorded.path / "golden" / "test_spec" / "test_refusals.json").exists()


def test_golden_files_of_a_deleted_test_module_are_unused(recorded: pytest.Pytester) -> None:
    (recorded.path / "test_spec.py").rename(recorded.path / "test_renamed.py")
    result = recorded.runpytest("--behavior-baseline", "-k", "nothing_matches")
    result.stdout.fnmatch_lines(
        [
            "2 golden file(s) are not used by any collected test*",
            "  golden/test_spec/test_lengths.json",
            "  golden/test_spec/test_refusals.json",
        ]
    )


def test_prune_needs_update(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--behavior-baseline", "--behavior-prune")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*--behavior-prune deletes unused golden files while recording: use it with --behavior-update*"]
    )


def test_a_report_path_that_cannot_be_written_names_the_option_and_fails_the_run(recorded: pytest.Pytester) -> None:
    (recorded.path / "taken").mkdir()
    (recorded.path / "taken" / "keep.txt").write_text("x")
    use_model(recorded, BASE)  # nothing regressed: only the report can fail the run
    result = recorded.runpytest("--behavior-baseline", "--behavior-report=taken")
    result.assert_outcomes(passed=2)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stdout.fnmatch_lines(["--behavior-report=taken: could not write the verdict report (*)"])
    assert (recorded.path / "taken" / "keep.txt").read_text() == "x"
    assert list((recorded.path).glob(".taken.*.tmp")) == []
