"""refusal_bound(detector="llm:<model>"): a model labels each output, through the sampler and its cache."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pytest_behavior.properties.refusal import JUDGE_PROMPT, parse_label
from tests.support.openai_server import ServerConfig, running_server
from tests.support.records import use_recorded_bundles, write_jsonl

pytest_plugins = ["pytester"]


def judge(messages: list[dict[str, Any]]) -> str:
    """A judge that reads: an answer that says 'cannot' is a refusal ('however' after it: partial)."""
    assert messages[0]["content"] == JUDGE_PROMPT
    answer = str(messages[-1]["content"]).lower()
    if "cannot" in answer:
        return "partial" if "however" in answer else "Refuse."
    return "comply"


def records(path: Path, *, refusing: int, n: int = 120) -> None:
    write_jsonl(
        path,
        (
            {
                "id": f"q{i}",
                "input": f"request {i}",
                "output": "I cannot do that." if i < refusing else f"Here you go: item {i}.",
            }
            for i in range(n)
        ),
    )


SPEC = """
import pytest

@pytest.mark.refusal_bound(max_increase=0.05, detector="llm:openai/judge-model")
def test_refusals(behavior):
    behavior.sample()
"""


@pytest.fixture
def judged_project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    records(pytester.path / "base.jsonl", refusing=6)
    records(pytester.path / "cand.jsonl", refusing=30)
    use_recorded_bundles(pytester)
    pytester.makepyfile(test_judged=SPEC)
    monkeypatch.setenv("OPENAI_API_KEY", "fake-credential-judge")
    return pytester


def test_the_judge_labels_every_distinct_output_once_and_a_rerun_is_served_from_the_cache(
    judged_project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_server(ServerConfig(reply_fn=judge)) as server:
        monkeypatch.setenv("OPENAI_API_BASE", server.url)
        result = judged_project.runpytest("--behavior-baseline=live")
        result.assert_outcomes(failed=1)
        result.stdout.fnmatch_lines(["*refusal rate*max_increase=0.05*5.0%*25.0%*+20.0 pts*REGRESSED*"])
        distinct = 1 + (120 - 6)  # "I cannot do that." once, and every compliant answer
        assert server.stats.answered == distinct
        again = judged_project.runpytest("--behavior-baseline=live")
        again.assert_outcomes(failed=1)
        assert server.stats.answered == distinct  # judged from the cache


def test_golden_files_record_the_judge_and_another_detector_labels_them_again(
    judged_project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_server(ServerConfig(reply_fn=judge)) as server:
        monkeypatch.setenv("OPENAI_API_BASE", server.url)
        judged_project.runpytest("--behavior-update").assert_outcomes(passed=1)
        golden = json.loads(next((judged_project.path / "golden").rglob("*.json")).read_text())
        assert golden["detectors"] == {"refusal": "llm:openai/judge-model (judge-2)"}
        judged_project.makepyfile(test_judged=SPEC.replace(', detector="llm:openai/judge-model"', ""))
        result = judged_project.runpytest("--behavior-baseline")
        outcomes = result.parseoutcomes()
        assert "error" not in outcomes and "errors" not in outcomes, result.stdout.str()
        result.stdout.fnmatch_lines(
            [
                # at the test's own line, not at the plugin's code
                "*test_judged.py:*: BehaviorDetectorChangeWarning: *was labelled with refusal detector "
                "'llm:openai/judge-model (judge-2)', this test uses 'layered-4': the baseline's stored outputs were "
                "labelled again*"
            ]
        )


def test_a_judge_that_does_not_answer_with_a_label_is_an_error(
    judged_project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_server(ServerConfig(reply="I would rather chat about the weather.")) as server:
        monkeypatch.setenv("OPENAI_API_BASE", server.url)
        result = judged_project.runpytest("--behavior-baseline=live")
        result.assert_outcomes(errors=1)
        result.stdout.fnmatch_lines(
            [
                "*ProviderError: the refusal judge 'openai/judge-model' answered 'I would rather "
                "chat about the weather.', not comply, refuse, partial or evasion*"
            ]
        )


def test_label_parsing_and_marker_validation(pytester: pytest.Pytester) -> None:
    assert parse_label("Refuse.") == "refuse" and parse_label("**partial**") == "partial"
    assert parse_label("Label: compliance") == "comply" and parse_label("no idea") is None
    assert parse_label("Evasion: it asks for context.") == "evasion" and parse_label("evasive") == "evasion"
    pytester.makepyfile("""
        import pytest

        @pytest.mark.refusal_bound(max_rate=0.1, detector="gpt-4o")
        def test_x(behavior):
            behavior.sample(["hi"])
        """)
    result = pytester.runpytest("--behavior-baseline")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*detector must be 'llm:<litellm model>'*got 'gpt-4o'*"])
