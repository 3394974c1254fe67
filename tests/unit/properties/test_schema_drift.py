"""schema_stability's drift report: key presence, enum drift, extra keys, and JSON parsing of answers."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from pytest_behavior.properties import parse_marker
from pytest_behavior.properties.json_output import MISSING, parse_json
from pytest_behavior.properties.schema_diff import schema_drift

SCHEMA = {
    "type": "object",
    "required": ["summary", "sentiment"],
    "properties": {
        "summary": {"type": "string"},
        "sentiment": {"enum": ["positive", "neutral", "negative"]},
        "priority": {"$ref": "#/$defs/priority"},
        "meta": {"type": "object"},
    },
    "$defs": {"priority": {"enum": ["low", "medium", "high"]}},
}
SENTIMENTS = ["positive", "neutral", "negative"]


def _texts(objects: list[dict[str, Any]], repeats: int = 1) -> list[list[str]]:
    return [[json.dumps(o)] * repeats for o in objects]


def _outputs(n: int = 40, /, **overrides: Callable[[int], Any]) -> list[dict[str, Any]]:
    """``n`` well-formed outputs; an override is a function of the output's index (None drops the key)."""
    outputs = []
    for i in range(n):
        obj: dict[str, Any] = {
            "summary": f"ticket {i} summary text",
            "sentiment": SENTIMENTS[i % 3],
            "priority": "low" if i % 2 else "high",
            "meta": {"lang": "en", "id": i},
        }
        for key, make in overrides.items():
            value = make(i)
            if value is None:
                obj.pop(key, None)
            else:
                obj[key] = value
        outputs.append(obj)
    return outputs


def _items(lines: list[str]) -> list[str]:
    return [line.strip() for line in lines[1:]]


def test_an_unchanged_pair_reports_no_drift() -> None:
    base = _texts(_outputs(), repeats=3)
    assert schema_drift(base, base) == []
    assert schema_drift(base, base, SCHEMA) == []
    prop = parse_marker("schema_stability", (SCHEMA,), {})
    assert prop.explain(base, base, [str(i) for i in range(len(base))]) == []


def test_presence_change_is_listed_with_both_rates_largest_first() -> None:
    base = _texts(_outputs())
    # priority vanishes from half the outputs, meta.lang from a quarter (nested), meta.id from 1 of 40 (too small)
    cand = _texts(
        _outputs(
            priority=lambda i: None if i < 20 else "low",
            meta=lambda i: {"id": i} if i < 10 else ({"lang": "en"} if i == 39 else {"lang": "en", "id": i}),
        )
    )
    lines = schema_drift(base, cand)
    assert lines[0] == "schema drift (all repeats: 40 baseline, 40 candidate JSON objects):"
    presence = [line for line in _items(lines) if line.startswith("presence")]
    assert presence == [
        "presence root['priority']      100% ->  50%  (-50 pts)",
        "presence root['meta']['lang']  100% ->  75%  (-25 pts)",
    ]


def test_presence_rows_leave_out_keys_shown_as_renamed() -> None:
    base = _texts(_outputs())
    cand = _texts(_outputs(summary=lambda i: None, exec_summary=lambda i: f"ticket {i} summary text"))
    prop = parse_marker("schema_stability", (SCHEMA,), {})
    lines = prop.explain(base, cand, [])
    assert lines[0].startswith("schema diff (deepdiff over 40 paired JSON outputs)")
    assert "renamed  root['summary'] -> root['exec_summary']" in lines[1]
    drift = lines.index("schema drift (all repeats: 40 baseline, 40 candidate JSON objects):")
    assert drift > 1  # after the rename/type lines
    assert _items(lines[drift:]) == [
        "extra    root['exec_summary']  in 40/40 (100%)  (not in the schema, never in the baseline)"
    ]


def test_enum_drift_names_a_new_value_outside_the_schema_enum() -> None:
    base = _texts(_outputs())
    cand = _texts(_outputs(sentiment=lambda i: "mixed" if i < 8 else SENTIMENTS[i % 3]))
    items = _items(schema_drift(base, cand, SCHEMA))
    assert items[0] == "enum     root['sentiment']: new \"mixed\"  in 8/40 (20%)  (not in the schema's enum)"
    # without a schema the key is still recognised as an enum from the baseline's values
    assert _items(schema_drift(base, cand))[0] == "enum     root['sentiment']: new \"mixed\"  in 8/40 (20%)"
    # the validity metric already counts it invalid
    invalid, _ = parse_marker("schema_stability", (SCHEMA,), {}).observe(base, cand)
    assert invalid.baseline is not None and invalid.candidate.sum() == 8 and invalid.baseline.sum() == 0


def test_enum_drift_reports_share_shifts_of_at_least_10_points() -> None:
    base = _texts(_outputs())  # priority: half high, half low
    cand = _texts(_outputs(priority=lambda i: "high" if i < 30 else "low"))  # 75% high
    items = _items(schema_drift(base, cand, SCHEMA))
    assert items == [
        "enum     root['priority']: \"high\" 50% -> 75%  (+25 pts)",
        "enum     root['priority']: \"low\" 50% -> 25%  (-25 pts)",
    ]
    # a 5-point move is not drift
    small = _texts(_outputs(priority=lambda i: "high" if i < 22 else "low"))
    assert schema_drift(base, small, SCHEMA) == []


def test_free_text_and_small_samples_are_not_taken_for_enums() -> None:
    # deterministic answers repeated 3 times: 15 outputs but 5 distinct summaries, one per input
    base = _texts(_outputs(5), repeats=3)
    cand = _texts(_outputs(5, summary=lambda i: f"another summary {i}"), repeats=3)
    assert schema_drift(base, cand) == []
    few = _texts(_outputs(6))
    assert schema_drift(few, _texts(_outputs(6, sentiment=lambda i: "mixed"))) == []  # < 10 baseline outputs


def test_extra_keys_against_the_schema_properties() -> None:
    base = _texts(_outputs(notes=lambda i: "n" if i < 4 else None))  # undeclared, in 10% of the baseline
    cand = _texts(
        _outputs(
            notes=lambda i: "n" if i < 20 else None, confidence=lambda i: 0.9 if i < 6 else None, tags=lambda i: ["x"]
        )
    )
    items = _items(schema_drift(base, cand, SCHEMA))
    extra = [line for line in items if line.startswith("extra")]
    assert extra == [
        "extra    root['tags']  in 40/40 (100%)  (not in the schema, never in the baseline)",
        "extra    root['notes']  in 20/40 (50%)  (not in the schema; baseline 10%)",
        "extra    root['confidence']  in 6/40 (15%)  (not in the schema, never in the baseline)",
    ]
    assert not any(line.startswith("presence") for line in items)  # not repeated as presence rows
    # an undeclared key as frequent as in the baseline is not drift
    assert schema_drift(base, base, SCHEMA) == []


def test_extra_keys_without_a_schema_are_those_the_baseline_never_had() -> None:
    base = _texts(_outputs(notes=lambda i: "n" if i < 4 else None))
    cand = _texts(_outputs(notes=lambda i: "n" if i < 20 else None, tags=lambda i: ["x"] if i < 2 else None))
    items = _items(schema_drift(base, cand))
    assert [line for line in items if line.startswith("extra")] == [
        "extra    root['tags']  in 2/40 (5%)  (never in the baseline)"
    ]
    # notes was in the baseline: a presence change, not an extra key
    assert "presence root['notes']   10% ->  50%  (+40 pts)" in items


def test_patternproperties_declare_keys() -> None:
    schema = {**SCHEMA, "patternProperties": {"^x-": {}}}
    base = _texts(_outputs())
    cand = _texts(_outputs(**{"x-trace": lambda i: "t"}))
    assert not any(line.strip().startswith("extra") for line in schema_drift(base, cand, schema))
    assert any(line.strip().startswith("extra    root['x-trace']") for line in schema_drift(base, cand, SCHEMA))


def test_rows_are_capped() -> None:
    base = _texts(_outputs())
    cand = _texts(_outputs(**{f"k{j:02d}": (lambda i: 1) for j in range(12)}))
    items = _items(schema_drift(base, cand))
    assert len([line for line in items if line.startswith("extra")]) == 8
    assert items[-1] == "... and 4 more extra changes"


def test_drift_reads_fenced_and_embedded_json() -> None:
    base = [[f"Here is the summary:\n```json\n{json.dumps(o)}\n```"] for o in _outputs()]
    cand = [[f"Sure! {json.dumps(o)} Let me know."] for o in _outputs(sentiment=lambda i: "mixed")]
    items = _items(schema_drift(base, cand, SCHEMA))
    assert items[0] == "enum     root['sentiment']: new \"mixed\"  in 40/40 (100%)  (not in the schema's enum)"


def test_parse_json_variants() -> None:
    obj = {"a": 1, "b": ["x"]}
    raw = json.dumps(obj)
    assert parse_json(raw) == obj  # a response_format answer
    assert parse_json(f"  \ufeff{raw}\n") == obj
    assert parse_json(json.dumps(raw)) == obj  # double-encoded
    assert parse_json(f"```json\n{raw}\n```") == obj
    assert parse_json(f"```\n{raw}\n```") == obj
    assert parse_json(f"```JSON\r\n{raw}\r\n```") == obj
    assert parse_json(f"Answer:\n```json\n{raw}") == obj  # truncated: no closing fence
    assert parse_json(f"Fill in {{name}} later; the data: {raw} done") == obj  # not the first brace
    assert parse_json("[1, 2]") == [1, 2]
    assert parse_json('"just a string"') == "just a string"
    assert parse_json("no json {here") is MISSING
