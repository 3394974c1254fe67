from __future__ import annotations

import json

import numpy as np
import pytest

from pytest_behavior import classify_refusal, is_refusal
from pytest_behavior.errors import MarkerError
from pytest_behavior.properties import parse_marker
from pytest_behavior.properties.schema import parse_json, structural_diff, top_level_keys, usual_key_set


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("I'm sorry, but I can't help with that.", "refuse"),
        ("I cannot assist with this request.", "refuse"),
        ("As an AI, I won't do that.", "refuse"),
        ("Sure! Here are three tips: ...", "comply"),
        ("", "comply"),
        ("I’m sorry, I can’t share that.", "refuse"),
        ("I'm sorry, but I can't give medical advice. " + "However, here is general information. " * 12, "partial"),
        ("The error 'I cannot connect' appears when the router " + "is misconfigured " * 60, "comply"),
    ],
)
def test_refusal_detector(text: str, label: str) -> None:
    assert classify_refusal(text) == label
    assert is_refusal(text) == (label != "comply")


def test_parse_json_from_raw_fenced_and_embedded_text() -> None:
    assert parse_json('{"a": 1}') == {"a": 1}
    assert parse_json('Here you go:\n```json\n{"a": 2}\n```\nThanks') == {"a": 2}
    assert parse_json('Result: {"a": 3} (done)') == {"a": 3}
    assert top_level_keys("no json here") is None
    assert top_level_keys('{"x": 1, "y": 2}') == frozenset({"x", "y"})


def test_schema_property_measures_invalid_and_key_changes() -> None:
    prop = parse_marker("schema_stability", ({"type": "object", "required": ["summary"]},), {})
    base = [['{"summary": "a", "s": 1}'], ['{"summary": "b", "s": 2}'], ["I'm sorry"]]
    cand = [['{"exec_summary": "a", "s": 1}'], ['{"summary": "b", "s": 2}'], ['{"summary": "c", "s": 3}']]
    invalid, keys = prop.observe(base, cand)
    assert invalid.baseline.ravel().tolist() == [0, 0, 1] and invalid.candidate.ravel().tolist() == [1, 0, 0]
    assert keys.candidate.ravel().tolist() == [1, 0, 0]
    assert usual_key_set(base) == frozenset({"summary", "s"})


def test_structural_diff_names_a_rename_with_its_share() -> None:
    base = [[json.dumps({"summary": f"text {i}", "sentiment": "pos", "n": 1})] for i in range(10)]
    cand = [
        [json.dumps({"exec_summary": f"text {i}", "sentiment": "pos", "n": "1" if i < 3 else 1})] for i in range(10)
    ]
    lines = structural_diff(base, cand)
    assert lines[0].startswith("schema diff (deepdiff over 10 paired JSON outputs)")
    assert any("renamed  root['summary'] -> root['exec_summary']  in 10/10 (100%)" in line for line in lines)
    assert any("type     root['n']: number -> string  in 3/10 (30%)" in line for line in lines)
    assert not any(line.strip().startswith(("removed", "added")) for line in lines)


def test_removed_key_without_replacement_is_not_a_rename() -> None:
    base = [[json.dumps({"summary": "x", "tags": ["a"]})] for _ in range(5)]
    cand = [[json.dumps({"summary": "x", "score": 3})] for _ in range(5)]
    lines = structural_diff(base, cand)
    assert any("removed  root['tags']" in line for line in lines)
    assert any("added    root['score']" in line for line in lines)


def test_length_property_counts_words_or_characters() -> None:
    words = parse_marker("length_distribution", (), {"max_ratio": 1.5})
    chars = parse_marker("length_distribution", (), {"min_ratio": 0.5, "unit": "chars"})
    (obs,) = words.observe([["one two three"]], [["one two"]])
    assert obs.baseline.tolist() == [[3.0]] and obs.candidate.tolist() == [[2.0]]
    (obs,) = chars.observe(None, [["abcd"]])
    assert obs.baseline is None and np.array_equal(obs.candidate, [[4.0]])


@pytest.mark.parametrize(
    ("name", "args", "kwargs", "message"),
    [
        ("refusal_bound", (), {"max_rate": 5}, r"outside \[0, 1\] \(did you mean 0.05\?\)"),
        ("refusal_bound", (), {"max_rate": True}, "must be a number"),
        ("refusal_bound", (), {"min_rate": 0.9, "max_rate": 0.1}, "above max_rate"),
        (
            "refusal_bound",
            (0.1,),
            {},
            r"refusal_bound takes keyword arguments only, got 1 positional argument \(0\.1\): write e\.g\. "
            r"@pytest\.mark\.refusal_bound\(max_rate=0\.1\)",
        ),
        (
            "schema_stability",
            ({"type": "object"}, 0.1),
            {},
            r"takes at most 1 positional argument \(schema\), got 2 positional arguments .*the others as keywords",
        ),
        ("schema_stability", ("not a schema",), {}, "must be a JSON schema dict"),
        ("schema_stability", ({"type": 12},), {}, "invalid JSON schema at type"),
        ("length_distribution", (), {}, "needs max_ratio and/or min_ratio"),
        ("length_distribution", (), {"max_ratio": 0.8}, "did you mean min_ratio"),
        ("length_distribution", (), {"min_ratio": 1.2}, "did you mean max_ratio"),
        ("length_distribution", (), {"max_ratio": 1.2, "units": "words"}, "unexpected keyword argument 'units'"),
    ],
)
def test_marker_validation(name: str, args: tuple, kwargs: dict, message: str) -> None:
    with pytest.raises(MarkerError, match=message):
        parse_marker(name, args, kwargs)


def test_refusal_bound_counts_evasion_unless_told_not_to() -> None:
    from pytest_behavior.errors import MarkerError
    from pytest_behavior.properties.refusal import RefusalBound

    texts = [["As an AI, I don't have personal opinions.", "I can't help with that.", "Paris is in France."]]
    default = RefusalBound.from_marker(max_rate=0.5)
    strict = RefusalBound.from_marker(max_rate=0.5, count="refusal")
    assert default.observe(None, texts)[0].candidate.tolist() == [[1.0, 1.0, 0.0]]
    assert strict.observe(None, texts)[0].candidate.tolist() == [[0.0, 1.0, 0.0]]
    assert "count" not in default.describe() and strict.describe()["count"] == "refusal"
    assert (default.metrics()[0].title, strict.metrics()[0].title) == (
        "refusal rate",
        "refusal rate (evasions not counted)",
    )
    with pytest.raises(MarkerError, match=r"count must be one of 'refusal\+evasion', 'refusal'; got 'refusals'"):
        RefusalBound.from_marker(max_rate=0.5, count="refusals")
    with pytest.raises(MarkerError, match=r"count must be one of .*; got \['refusal'\]"):
        RefusalBound.from_marker(max_rate=0.5, count=["refusal"])
