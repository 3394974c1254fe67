from __future__ import annotations

import json

import pytest

from pytest_behavior.errors import MarkerError
from pytest_behavior.properties import parse_marker
from pytest_behavior.properties.tools import check_tool_calls, normalize_schema
from pytest_behavior.spec.output import Output

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["C", "F"]}},
            "required": ["city"],
        },
    },
}
TIME = {"name": "get_time", "parameters": {"type": "object", "properties": {"zone": {"type": "string"}}}}
TOOLS = [WEATHER, TIME]


def call(name: str, arguments: object, text: str = "") -> Output:
    raw = arguments if isinstance(arguments, str) else json.dumps(arguments)
    return Output(text, tool_calls=({"name": name, "arguments": raw},))


def test_a_valid_call() -> None:
    check = check_tool_calls(call("get_weather", {"city": "Oslo", "unit": "C"}), TOOLS)
    assert not check.text_answer and not check.invalid_args and not check.flagged
    assert check.names == ("get_weather",) and check.key_sets == (frozenset({"city", "unit"}),)


@pytest.mark.parametrize("output", [Output("It is sunny in Oslo."), "a plain str", Output("", tool_calls=())])
def test_no_tool_call_is_a_text_answer(output: str) -> None:
    check = check_tool_calls(output, TOOLS)
    assert check.text_answer and not check.invalid_args and check.names == ()


@pytest.mark.parametrize(
    ("output", "reason"),
    [
        (call("get_weather", '{"city": "Oslo",'), "not a JSON object"),
        (call("get_weather", "[1, 2]"), "not a JSON object"),
        (call("get_weather", {"unit": "C"}), "'city' is a required property"),
        (call("get_weather", {"city": 12}), "12 is not of type 'string' (at city)"),
        (call("get_weather", {"city": "Oslo", "unit": "K"}), "is not one of"),
        (call("get_forecast", {"city": "Oslo"}), "get_forecast: unknown tool"),
    ],
)
def test_invalid_arguments(output: Output, reason: str) -> None:
    check = check_tool_calls(output, TOOLS)
    assert check.invalid_args and not check.text_answer
    assert any(reason in r for r in check.reasons), check.reasons


def test_without_tools_only_a_json_object_is_required() -> None:
    assert not check_tool_calls(call("anything", {"x": 1})).invalid_args
    assert check_tool_calls(call("anything", "not json")).invalid_args
    assert check_tool_calls(call("anything", "not json")).key_sets == (None,)
    assert not check_tool_calls(call("noargs", "")).invalid_args  # "" is a call without arguments


def test_bfcl_type_names_are_normalised() -> None:
    bfcl = {
        "name": "stats.mean",
        "parameters": {
            "type": "dict",
            "properties": {
                "values": {"type": "array", "items": {"type": "float"}},
                "scale": {"type": "float"},
                "window": {"type": "tuple", "items": {"type": "integer"}},
                "extra": {"type": "any"},
            },
            "required": ["values"],
        },
    }
    schema = normalize_schema(bfcl["parameters"])
    assert schema["type"] == "object" and schema["properties"]["scale"] == {"type": "number"}
    assert schema["properties"]["window"]["type"] == "array" and "type" not in schema["properties"]["extra"]
    assert schema["properties"]["values"]["items"] == {"type": "number", "x-float-literal": True}
    ok = call("stats_mean", {"values": [1.5, 2.0], "scale": 2, "window": [1, 3], "extra": [None]})  # dots -> _
    assert not check_tool_calls(ok, [bfcl]).invalid_args
    # BFCL's own checker: an int is fine for a float parameter, not inside a list of floats
    assert check_tool_calls(call("stats.mean", {"values": [1, 2]}), [bfcl]).invalid_args
    assert check_tool_calls(call("stats.mean", {"values": "[1.0, 2.0]"}), [bfcl]).invalid_args
    assert check_tool_calls(call("stats.mean", {"values": [1.0], "window": {"a": 1}}), [bfcl]).invalid_args
    standard = {"type": "object", "properties": {"n": {"type": "number"}}}
    assert normalize_schema(standard) == standard


def test_key_set_change_and_tool_change_against_the_baseline() -> None:
    prop = parse_marker("tool_calls", (TOOLS,), {})
    weather = call("get_weather", {"city": "Oslo"})
    base = [
        [weather, weather, call("get_weather", {"city": "Oslo", "unit": "C"})],
        [call("get_time", {"zone": "CET"})] * 3,
        [Output("hello")] * 3,
    ]
    cand = [
        [call("get_weather", {"city": "Oslo", "unit": "C"}), weather, weather],
        [call("get_time", {"zone": "CET"}), call("get_weather", {"city": "Paris"}), Output("It is noon.")],
        [call("get_time", {})] * 3,
    ]
    text, invalid, tool, keys = prop.observe(base, cand)
    assert text.candidate.tolist() == [[0, 0, 0], [0, 0, 1], [0, 0, 0]]
    assert text.baseline.tolist() == [[0, 0, 0], [0, 0, 0], [1, 1, 1]]
    assert invalid.candidate.sum() == 0
    # the usual call of input 0 is get_weather {city}; of input 1 get_time {zone}; input 2 has none
    assert keys.baseline.tolist() == [[0, 0, 1], [0, 0, 0], [0, 0, 0]]
    assert keys.candidate.tolist() == [[1, 0, 0], [0, 0, 0], [0, 0, 0]]
    assert tool.candidate.tolist() == [[0, 0, 0], [0, 1, 0], [0, 0, 0]]
    assert tool.baseline.sum() == 0
    lines = prop.explain(base, cand, ["a", "b", "c"])
    assert lines[0].startswith("tool call changes")
    assert any("c: now calls a tool" in line for line in lines)
    assert any("a: other argument keys: get_weather" in line and "->" in line for line in lines)


def test_without_a_baseline_only_absolute_rates_are_observed() -> None:
    prop = parse_marker("tool_calls", (), {"max_text_answer_rate": 0.1})
    observations = prop.observe(None, [[Output("text")], [call("f", {})]])
    assert [o.metric.key for o in observations] == ["tools.text", "tools.invalid"]
    assert observations[0].baseline is None and observations[0].candidate.ravel().tolist() == [1, 0]
    assert prop.describe() == {
        "marker": "tool_calls",
        "tools": None,
        "max_text_answer_increase": 0.02,
        "max_invalid_args_increase": 0.02,
        "max_wrong_tool_increase": 0.02,
        "max_key_change_increase": 0.02,
        "max_text_answer_rate": 0.1,
    }


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((WEATHER,), {}, "tools must be a list"),
        (("get_weather",), {}, "tools must be a list of tool definitions, got str"),
        (([{"parameters": {}}],), {}, r"tools\[0\] needs a name"),
        (([WEATHER, WEATHER],), {}, "'get_weather' is defined twice"),
        (([{"name": "f", "parameters": {"type": 12}}],), {}, "invalid parameters schema of 'f' at type"),
        ((), {"max_text_answer_rate": 5}, r"outside \[0, 1\] \(did you mean 0.05\?\)"),
        ((), {"max_invalid_args_increase": "0.1"}, "must be a number"),
        (
            (),
            {
                "max_text_answer_increase": None,
                "max_invalid_args_increase": None,
                "max_wrong_tool_increase": None,
                "max_key_change_increase": None,
            },
            "every bound is None",
        ),
        ((), {"max_text_rate": 0.1}, "did you mean 'max_text_answer_rate'"),
    ],
)
def test_marker_validation(args: tuple, kwargs: dict, message: str) -> None:
    with pytest.raises(MarkerError, match=message):
        parse_marker("tool_calls", args, kwargs)


def test_marker_is_documented() -> None:
    from pytest_behavior.config.markers import MARKER_DOCS

    assert MARKER_DOCS["tool_calls"].startswith("tool_calls(tools=None")
