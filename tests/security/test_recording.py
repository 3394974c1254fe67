"""Issue 12, items 5, 6, 7, 9, 10 and 13: the recording workflow, the first thing every user does.

`--behavior-update` records whatever the candidate does (that is the acceptance) and judges what can be judged
without a baseline: a broken absolute bound fails the test readably after the golden file is written (5), bounds on
the change (here `max_share_change`) are listed as not judged instead of erroring (6), and empty outputs are
counted and warned about (13). Provider drift is claimed only when a paired change bound regressed between two
arms with one fingerprint, in every report alike (7). The verdict file exists after every run, also when no behavior
test ran (9). A bundle named from pyproject leaves the bundle fixtures it replaces unevaluated (10).

The new API (`engine.comparison.DRIFT_NOTE`) is imported inside the tests, so that on an older plugin the
end-to-end tests run and fail on the behavior itself.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from tests.support.openai_server import ServerConfig, running_server
from tests.support.project import loopback_bundle, model_bundle, use_bundles

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]
REFUSING = "sim/bot?mean_words=20&refusal_rate=0.3&seed=1"  # ~30% refusals, on the record and today alike
REFUSAL = "I'm sorry, but I can't help with that request."


def read_report(path: Path) -> dict[str, Any]:
    from pytest_behavior.report.document import validate_document

    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    validate_document(document)  # every report matches the published schema
    return document


def candidate_conftest(pytester: pytest.Pytester, model: str = REFUSING) -> None:
    use_bundles(pytester, model_bundle(model, label="bot"), scope="session")


def loopback_conftest(pytester: pytest.Pytester) -> None:
    """The candidate is the loopback server at ``$LOOPBACK_URL`` (a test sets it once the server runs)."""
    use_bundles(pytester, loopback_bundle(api_key="fake-credential-loop", label="loop"), scope="session")


# --- item 5: an update run whose recording breaks an absolute bound -------------------------------------------------


def test_update_records_a_bundle_that_breaks_an_absolute_bound_and_fails_with_its_table(
    pytester: pytest.Pytester,
) -> None:
    candidate_conftest(pytester)
    pytester.makepyfile(
        test_spec="""
        import pytest

        @pytest.mark.refusal_bound(max_rate=0.1, max_increase=0.05)
        def test_refusals(behavior):
            behavior.sample([f"request {i}" for i in range(40)])
    """
    )
    result = pytester.runpytest("--behavior-update", "--behavior-report=r.json")
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert "AssertionError" not in out and "assert result.baseline_outputs" not in out, out
    result.stdout.fnmatch_lines(
        [
            "*behavior regressed: 1 of 1 absolute bounds broken by the recorded candidate 'bot', 40 inputs",
            "*refusal rate*max_rate=0.1*-*REGRESSED*40",
            "golden file recorded: golden/test_spec/test_refusals.json (--behavior-update accepts this behavior as the "
            "baseline*",
            "not judged while recording*refusal rate max_increase=0.05",
            "inputs counting against the bound - refusal rate: * of 40 (showing 3):",
        ]
    )
    golden = pytester.path / "golden" / "test_spec" / "test_refusals.json"
    assert len(json.loads(golden.read_text())["samples"]) == 40, "the golden file is recorded in full"
    (entry,) = read_report(pytester.path / "r.json")["tests"]
    assert entry["outcome"] == "regressed" and entry["golden_written"] is True
    assert entry["unjudged_bounds"] == ["refusal rate max_increase=0.05"]
    assert [(p["bound"], p["verdict"]) for p in entry["properties"]] == [("max_rate=0.1", "REGRESSED")]
    # what was recorded is the baseline from now on: the next comparison pairs with it
    rerun = pytester.runpytest("--behavior-baseline", "--behavior-report=r.json")
    rerun.assert_outcomes(failed=1)
    (entry,) = read_report(pytester.path / "r.json")["tests"]
    assert entry["n_paired"] == 40 and entry["mode"] == "golden"


# --- item 6: update with a max_share_change property; sample counts in the summary --------------------------------

SHARE_SPEC = """
import pytest

def length_class(output):
    return "short" if len(output.split()) < 20 else "long"

@pytest.mark.behavior_property(length_class, max_share_change=0.1)
def test_shares(behavior):
    behavior.sample([f"request {i}" for i in range(30)])
"""


def test_update_records_a_category_share_property_and_the_baseline_run_judges_it(pytester: pytest.Pytester) -> None:
    candidate_conftest(pytester)
    pytester.makepyfile(test_spec=SHARE_SPEC)
    update = pytester.runpytest("--behavior-update", "--behavior-report=r.json")
    update.assert_outcomes(passed=1)
    update.stdout.no_fnmatch_line("*run with --behavior-baseline*")
    update.stdout.fnmatch_lines(
        [
            "samples: 30 requested from providers, 0 from the cache",
            "golden files written: 1",
            "not judged while recording (bounds on the change need a baseline*",
            "  test_spec.py::test_shares: length_class max_share_change=0.1",
        ]
    )
    (entry,) = read_report(pytester.path / "r.json")["tests"]
    assert entry["outcome"] == "recorded" and entry["samples"] == {"requested": 30, "cached": 0}
    assert (pytester.path / "golden" / "test_spec" / "test_shares.json").is_file()

    compare = pytester.runpytest("--behavior-baseline", "--behavior-report=r.json")
    compare.assert_outcomes(passed=1)
    (entry,) = read_report(pytester.path / "r.json")["tests"]
    judged = {(p["metric"], p["bound"]) for p in entry["properties"]}
    assert ("length_class = 'short'", "max_increase=0.1") in judged and entry["unjudged_bounds"] == []


def test_a_test_that_errors_after_sampling_still_counts_its_samples(pytester: pytest.Pytester) -> None:
    """The summary said "0 requested" after 30-150 paid calls: the calls of a test that errors are counted too."""
    candidate_conftest(pytester)
    pytester.makepyfile(
        test_spec="""
        import pytest

        def broken(output):
            raise ValueError("this property function has a bug")

        @pytest.mark.behavior_property(broken, max_rate=0.5)
        def test_broken_property(behavior):
            behavior.sample([f"request {i}" for i in range(30)])
    """
    )
    result = pytester.runpytest("--behavior-update", "--behavior-report=r.json")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["samples: 30 requested from providers, 0 from the cache"])
    (entry,) = read_report(pytester.path / "r.json")["tests"]
    assert entry["outcome"] == "error" and entry["samples"] == {"requested": 30, "cached": 0}
    again = pytester.runpytest("--behavior-update")
    again.assert_outcomes(errors=1)
    again.stdout.fnmatch_lines(["samples: 0 requested from providers, 30 from the cache"])


# --- item 7: provider drift, one rule in every report ----------------------------------------------------------------


def drift_outputs(pytester: pytest.Pytester, run: pytest.RunResult) -> dict[str, str]:
    return {
        "terminal": run.stdout.str(),
        "github": (pytester.path / "summary.md").read_text(encoding="utf-8"),
        "html": (pytester.path / "h.html").read_text(encoding="utf-8"),
        "junit": (pytester.path / "j.xml").read_text(encoding="utf-8"),
    }


def drift_run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, *extra: str) -> pytest.RunResult:
    summary = pytester.path / "summary.md"
    summary.write_text("", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    return pytester.runpytest(
        "--behavior-baseline", "--behavior-report=r.json", "--behavior-html=h.html", "--junitxml=j.xml", *extra
    )


def junit_drift(xml: str) -> list[str]:
    return [
        p.get("value", "") for p in ET.fromstring(xml).iter("property") if p.get("name") == "behavior_provider_drift"
    ]


def test_an_absolute_bound_both_sides_break_is_not_provider_drift(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same bundle with the same 30% refusals, recorded and today: max_rate is broken, nothing drifted."""
    candidate_conftest(pytester)
    pytester.makepyfile(
        test_spec="""
        import pytest

        @pytest.mark.refusal_bound(max_rate=0.1, max_increase=0.05)
        def test_refusals(behavior):
            behavior.sample([f"request {i}" for i in range(40)])
    """
    )
    pytester.runpytest("--behavior-update").assert_outcomes(failed=1)  # recorded, and the max_rate bound fails
    run = drift_run(pytester, monkeypatch, "--behavior-cache=off")  # sampled again: 30% -> 30%
    run.assert_outcomes(failed=1)
    run.stdout.fnmatch_lines(["*refusal rate*max_rate=0.1*REGRESSED*"])
    (entry,) = read_report(pytester.path / "r.json")["tests"]
    assert entry["candidate"]["fingerprint"] == entry["baseline"]["fingerprint"]
    assert entry["properties"][0]["baseline"] == entry["properties"][0]["candidate"]  # 30% -> 30%
    assert entry["provider_drift"] is False
    outputs = drift_outputs(pytester, run)
    for name, text in outputs.items():
        assert "provider drift" not in text.lower(), f"{name} claims provider drift"
        assert "changed the model" not in text, f"{name} blames the provider"
    assert 'class="callout drift"' not in outputs["html"]
    assert junit_drift(outputs["junit"]) == []


def test_provider_drift_is_a_paired_change_under_one_fingerprint_worded_alike_everywhere(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A real drift: the provider behind one model name starts refusing; nothing in the bundle changed."""
    from pytest_behavior.engine.comparison import DRIFT_NOTE

    loopback_conftest(pytester)
    pytester.makepyfile(
        test_spec="""
        import pytest

        @pytest.mark.refusal_bound(max_increase=0.05)
        def test_refusals(behavior):
            behavior.sample([f"question {i}" for i in range(30)])
    """
    )
    with running_server(ServerConfig(reply="Here is a short answer about {words}.")) as server:
        monkeypatch.setenv("LOOPBACK_URL", server.url)
        pytester.runpytest("--behavior-update").assert_outcomes(passed=1)
        server.config.reply = REFUSAL  # same name, same fingerprint, different model behind it
        run = drift_run(pytester, monkeypatch, "--behavior-cache=refresh")
    run.assert_outcomes(failed=1)
    (entry,) = read_report(pytester.path / "r.json")["tests"]
    assert entry["provider_drift"] is True
    outputs = drift_outputs(pytester, run)
    flat = {name: " ".join(text.split()) for name, text in outputs.items() if name != "junit"}
    for name, text in flat.items():
        assert DRIFT_NOTE in text, f"{name} does not use the one wording of provider drift"
    assert junit_drift(outputs["junit"]) == ["true"]
    run.stdout.fnmatch_lines(
        [f"provider drift: {DRIFT_NOTE}", f"provider drift in test_spec.py::test_refusals: {DRIFT_NOTE}"]
    )


# --- item 9: the verdict file is written on every run -------------------------------------------------------------


def stale_report(pytester: pytest.Pytester) -> Path:
    path = pytester.path / "behavior.json"
    path.write_text(json.dumps({"summary": {"tests": 3, "regressed": 2, "errors": 0}, "stale": True}))
    return path


@pytest.mark.parametrize(
    "args", [["--behavior-baseline", "-k", "no_such_test"], []], ids=["k-selects-none", "all-skipped"]
)
def test_the_report_is_written_when_no_behavior_test_ran(pytester: pytest.Pytester, args: list[str]) -> None:
    candidate_conftest(pytester)
    pytester.makepyfile(
        test_spec="""
        import pytest

        @pytest.mark.refusal_bound(max_rate=0.5)
        def test_refusals(behavior):
            behavior.sample([f"request {i}" for i in range(10)])

        def test_plain():
            assert True
    """
    )
    path = stale_report(pytester)
    result = pytester.runpytest(*args, f"--behavior-report={path}", "--behavior-html=h.html")
    assert result.ret in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED)
    document = read_report(path)
    assert "stale" not in document
    assert document["summary"] == {
        "tests": 0,
        "passed": 0,
        "regressed": 0,
        "inconclusive": 0,
        "errors": 0,
        "recorded": 0,
    }
    assert document["tests"] == []
    assert (pytester.path / "h.html").is_file()
    result.stdout.fnmatch_lines([f"verdict report: {path}"])
    # the README's gate one-liner reads it
    gate = "import json,sys; s=json.load(open('behavior.json'))['summary']; sys.exit(s['regressed'] or s['errors'])"
    assert pytester.run(sys.executable, "-c", gate, timeout=60).ret == 0


# --- item 10: a named bundle leaves the fixtures it replaces alone --------------------------------------------------


def example_bundles(conftest: Path) -> dict[str, Any]:
    """The bundles an example's conftest defines (loaded under a private name: pytest owns ``conftest``)."""
    spec = importlib.util.spec_from_file_location("_example_conftest_for_test_recording", conftest)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    bundles: dict[str, Any] = module.ASSISTANTS
    return bundles


def test_a_named_candidate_does_not_evaluate_the_examples_candidate_fixture(pytester: pytest.Pytester) -> None:
    """The examples' conftest rejects names it does not know; a pyproject bundle is not one it has to know."""
    shutil.copytree(ROOT / "examples" / "assistant_refusals", pytester.path / "examples" / "assistant_refusals")
    shutil.copytree(
        ROOT / "golden" / "examples" / "assistant_refusals",
        pytester.path / "golden" / "examples" / "assistant_refusals",
    )
    production = example_bundles(ROOT / "examples" / "assistant_refusals" / "conftest.py")["production"]
    pytester.makepyprojecttoml(f"""
        [tool.pytest_behavior.bundles.nightly]
        model = {json.dumps(production.model)}
        system = {json.dumps(production.system)}
        temperature = 0.7
        label = "assistant-v1"
    """)
    result = pytester.runpytest(  # test_refusals.py: the streamed chat's test needs a streamed bundle
        "examples/assistant_refusals/test_refusals.py",
        "--behavior-baseline",
        "--behavior-candidate=nightly",
        "--behavior-report=r.json",
    )
    result.stdout.no_fnmatch_line("*choose one of*")
    result.assert_outcomes(passed=2)
    document = read_report(pytester.path / "r.json")
    assert {t["candidate"]["label"] for t in document["tests"]} == {"assistant-v1"}


def test_named_bundles_never_evaluate_the_fixtures_they_replace(pytester: pytest.Pytester) -> None:
    model = "sim/bot?mean_words=30&refusal_rate=0.05&seed=2"
    pytester.makepyprojecttoml(f"""
        [tool.pytest_behavior.bundles.prod]
        model = "{model}"
        [tool.pytest_behavior.bundles.next]
        model = "{model}"
        temperature = 0.2
    """)
    pytester.makeconftest("""
        import pytest

        @pytest.fixture(scope="session")
        def candidate_bundle():
            raise RuntimeError("candidate_bundle evaluated although --behavior-candidate names a pyproject bundle")

        @pytest.fixture(scope="session")
        def baseline_bundle():
            raise RuntimeError("baseline_bundle evaluated although no run here samples it")
    """)
    pytester.makepyfile(
        test_spec="""
        import pytest

        @pytest.mark.refusal_bound(max_rate=0.5)
        def test_refusals(behavior):
            behavior.sample([f"request {i}" for i in range(20)])
    """
    )
    for args in (["--behavior-update"], ["--behavior-baseline"], ["--behavior-baseline=prod"]):
        result = pytester.runpytest(*args, "--behavior-candidate=next")
        result.stdout.no_fnmatch_line("*evaluated although*")
        result.assert_outcomes(passed=1)


# --- item 13: empty outputs are counted, warned about when recorded, and shown per arm ------------------------------


def empty_for_some(messages: list[dict[str, Any]]) -> Any:
    number = int(str(messages[-1]["content"]).rsplit(" ", 1)[-1])
    if number < 5:
        return None  # `content: null`
    if number < 8:
        return "" if number < 7 else "  \n"
    return f"A useful answer to question {number}, with enough words to read."


def test_empty_outputs_are_counted_warned_about_when_recorded_and_shown_per_arm(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loopback_conftest(pytester)
    pytester.makepyfile(
        test_spec="""
        import pytest

        @pytest.mark.refusal_bound(max_rate=0.5)
        def test_answers(behavior):
            behavior.sample([f"question {i}" for i in range(30)])
    """
    )
    with running_server(ServerConfig(reply_fn=empty_for_some)) as server:
        monkeypatch.setenv("LOOPBACK_URL", server.url)
        update = pytester.runpytest("--behavior-update", "--behavior-report=r.json")
        update.assert_outcomes(passed=1)
        update.stdout.fnmatch_lines(
            [
                "*BehaviorEmptyOutputWarning: test_spec.py::test_answers: 8 of 30 recorded outputs are empty*",
                "empty outputs (no text, no tool call):",
                "*test_spec.py::test_answers*candidate loop*8 of 30*26.7%",
            ]
        )
        (entry,) = read_report(pytester.path / "r.json")["tests"]
        assert (entry["candidate"]["outputs"], entry["candidate"]["empty_outputs"]) == (30, 8)

        compare = pytester.runpytest("--behavior-baseline", "--behavior-report=r.json")
        compare.assert_outcomes(passed=1)
        compare.stdout.no_fnmatch_line("*BehaviorEmptyOutputWarning*")  # a warning for what is being recorded
        compare.stdout.fnmatch_lines(
            [
                "*test_spec.py::test_answers*candidate loop*8 of 30*26.7%",
                "*test_spec.py::test_answers*baseline loop*8 of 30*26.7%",
            ]
        )
        (entry,) = read_report(pytester.path / "r.json")["tests"]
        assert entry["baseline"]["empty_outputs"] == 8 and entry["baseline"]["outputs"] == 30
