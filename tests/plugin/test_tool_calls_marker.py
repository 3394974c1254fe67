"""tool_calls through pytest: two records bundles, one answering some requests in text instead of calling the tool."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.records import use_recorded_bundles, write_jsonl

pytest_plugins = ["pytester"]

N = 200


def write_records(path: Path, *, text_every: int | None) -> None:
    records = []
    for i in range(N):
        record: dict[str, object] = {"id": f"q{i}", "input": f"weather in city {i}?"}
        if text_every is not None and i % text_every == 0:
            record["output"] = f"I think it is sunny in city {i}."
        else:
            record["output"] = ""
            record["tool_calls"] = [{"name": "get_weather", "arguments": json.dumps({"city": f"city {i}"})}]
        records.append(record)
    write_jsonl(path, records)


def make_project(pytester: pytest.Pytester, *, text_every: int | None) -> None:
    write_records(pytester.path / "base.jsonl", text_every=None)
    write_records(pytester.path / "cand.jsonl", text_every=text_every)
    use_recorded_bundles(pytester)
    pytester.makepyfile(
        test_tools="""
        import pytest

        TOOLS = [{"type": "function", "function": {"name": "get_weather", "parameters": {
            "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]

        @pytest.mark.tool_calls(TOOLS)
        def test_weather_tool(behavior):
            behavior.sample()
        """
    )


def test_answering_in_text_instead_of_calling_the_tool_regresses(pytester: pytest.Pytester) -> None:
    make_project(pytester, text_every=5)  # 20% of the candidate's answers are text
    result = pytester.runpytest("--behavior-baseline=live")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*text answer (no tool call) rate*max_increase=0.02*REGRESSED*"])
    result.stdout.fnmatch_lines(["*tool call changes*", "*q0: now answers in text: get_weather(*) -> text*"])


def test_the_same_tool_calls_pass(pytester: pytest.Pytester) -> None:
    make_project(pytester, text_every=None)
    result = pytester.runpytest("--behavior-baseline=live")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*text answer (no tool call) rate*max_increase=0.02*PASS*"])
    result.stdout.fnmatch_lines(["*invalid tool arguments rate*PASS*"])
