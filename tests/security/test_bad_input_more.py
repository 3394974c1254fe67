"""Issue 12, bad input that still gave internal errors naming no file or input (review of the issue-12 fixes):

1. a lone surrogate in an input: a usage error naming the input and where it was read, before any call;
2. a dataset (or records file) that is not UTF-8: a usage error naming the file and line;
3. an input id that is not a non-empty string or an integer, a segment that is not a string (or an integer):
   a usage error naming the file and line;
4. a golden file with a malformed field: a `GoldenFileError` naming the file, the field and how to re-record;
5. a golden file nested too deeply to parse: a `GoldenFileError` naming the file, and ``--behavior-update``
   simply records over it (it is the plugin's file).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pytest_behavior.errors import BehaviorConfigError, GoldenFileError
from pytest_behavior.golden.store import GoldenRecord, GoldenSample, dumps, read_golden, read_golden_file
from pytest_behavior.spec.inputs import resolve_inputs
from pytest_behavior.spec.records import load_records
from tests.support.project import bundle_conftest, model_bundle

pytest_plugins = ["pytester"]

SIM = "sim/bot?mean_words=20&seed=1"

CONFTEST = bundle_conftest(model_bundle(SIM, label="cand"))

SPEC = """
import pytest

@pytest.mark.refusal_bound(max_rate=0.5)
def test_tickets(behavior):
    behavior.sample("tickets.jsonl")
"""


def dataset_project(pytester: pytest.Pytester, content: bytes) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_spec=SPEC)
    (pytester.path / "tickets.jsonl").write_bytes(content)


def assert_usage_error(pytester: pytest.Pytester, *lines: str) -> None:
    """One test ERROR (infrastructure/config, never a behavioral FAIL), nothing sampled, no golden file."""
    result = pytester.runpytest("--behavior-update", "-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(list(lines))
    result.stdout.no_fnmatch_line("*Unicode*Error*")
    assert not list(pytester.path.rglob("golden/**/*.json"))


# --- 1: a lone surrogate in an input ---------------------------------------------------------------------------------


def test_a_lone_surrogate_in_a_jsonl_input_is_an_error_naming_input_and_line(
    pytester: pytest.Pytester, sim_calls
) -> None:
    dataset_project(pytester, b'{"id": "ok", "text": "fine"}\n{"id": "x", "text": "hi \\ud800"}\n')
    assert_usage_error(
        pytester,
        "*BehaviorConfigError: input 'x' (*tickets.jsonl:2) contains a lone surrogate "
        "\\ud800, which no provider can receive: fix the data*",
    )
    assert sim_calls.served_calls("bot") == 0


def test_a_lone_surrogate_in_a_python_input_names_its_index() -> None:
    with pytest.raises(BehaviorConfigError, match=r"input 'y' \(inputs\[1\]\) contains a lone surrogate \\udfff"):
        resolve_inputs(["fine", {"id": "y", "text": "a", "meta": {"note": "b\udfff"}}], n=None, seed=0)
    with pytest.raises(BehaviorConfigError, match=r"input inputs\[0\] contains a lone surrogate \\ud83d"):
        resolve_inputs(["half an emoji \ud83d"], n=None, seed=0)


def test_a_lone_surrogate_in_a_records_input_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "records.jsonl"
    path.write_text('{"input": "q1", "output": "a"}\n{"input": "q\\ud800", "output": "b"}\n', encoding="utf-8")
    with pytest.raises(BehaviorConfigError, match=r"records\.jsonl:2 contains a lone surrogate \\ud800"):
        load_records(path)


def test_a_proper_surrogate_pair_is_an_ordinary_character(tmp_path: Path) -> None:
    path = tmp_path / "tickets.jsonl"
    path.write_text('{"id": "e", "text": "smile \\ud83d\\ude00"}\n', encoding="utf-8")
    (item,) = resolve_inputs(path, n=None, seed=0)
    assert item.value["text"] == "smile \U0001f600"


# --- 2: a dataset that is not UTF-8 ----------------------------------------------------------------------------------


def test_a_latin1_dataset_is_an_error_naming_file_and_line(pytester: pytest.Pytester, sim_calls) -> None:
    dataset_project(pytester, b'{"id": "a", "text": "ok"}\n{"id": "b", "text": "caf\xe9"}\n')
    assert_usage_error(
        pytester, "*BehaviorConfigError: *tickets.jsonl:2: not UTF-8 text (byte 0xe9*save the file as UTF-8*"
    )
    assert sim_calls.served_calls("bot") == 0


@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_other_dataset_formats_not_in_utf8_name_the_file(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"tickets{suffix}"
    path.write_bytes(b"id,text\n1,ok\n2,caf\xe9\n" if suffix == ".csv" else b'[\n"ok",\n"caf\xe9"\n]')
    with pytest.raises(BehaviorConfigError, match=rf"tickets\{suffix}:3: not UTF-8 text .*must be UTF-8"):
        resolve_inputs(path, n=None, seed=0)


def test_a_records_file_not_in_utf8_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "records.jsonl"
    path.write_bytes(b'{"input": "q", "output": "a"}\n{"input": "q2", "output": "caf\xe9"}\n')
    with pytest.raises(BehaviorConfigError, match=r"records\.jsonl:2: not UTF-8 text"):
        load_records(path)


def test_a_utf8_bom_still_reads(tmp_path: Path) -> None:
    for suffix, content in [
        (".jsonl", '{"id": "a", "text": "café"}\n'),
        (".csv", "id,text\na,café\n"),
        (".json", '[{"id": "a", "text": "café"}]'),
    ]:
        path = tmp_path / f"bom{suffix}"
        path.write_bytes(b"\xef\xbb\xbf" + content.encode())
        (item,) = resolve_inputs(path, n=None, seed=0)
        assert item.id == "a" and item.value["text"] == "café", suffix


# --- 3: ids and segments of the wrong type ---------------------------------------------------------------------------


@pytest.mark.parametrize("bad_id", ["null", '""', "true", "1.5", "[1]", '{"a": 1}'])
def test_an_id_that_is_not_a_string_or_integer_names_file_and_line(tmp_path: Path, bad_id: str) -> None:
    path = tmp_path / "tickets.jsonl"
    path.write_text(
        f'{{"id": "a", "text": "x"}}\n{{"id": {bad_id}, "text": "y"}}\n{{"id": {bad_id}, "text": "z"}}\n',
        encoding="utf-8",
    )
    with pytest.raises(
        BehaviorConfigError,
        match=r"tickets\.jsonl:2: 'id' must be a non-empty string or an "
        r"integer, got ",
    ):
        resolve_inputs(path, n=None, seed=0)


def test_an_integer_id_is_its_decimal_string() -> None:
    items = resolve_inputs([{"id": 7, "text": "x"}, {"id": "8", "text": "y"}], n=None, seed=0)
    assert [i.id for i in items] == ["7", "8"]


def test_a_null_id_in_a_python_list_names_its_index(pytester: pytest.Pytester, sim_calls) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.refusal_bound(max_rate=0.5)
        def test_tickets(behavior):
            behavior.sample([{"id": None, "text": "a"}, {"id": None, "text": "b"}])
        """
    )
    assert_usage_error(
        pytester, "*BehaviorConfigError: inputs[[]0[]]: 'id' must be a non-empty string or an integer, got null*"
    )
    assert sim_calls.served_calls("bot") == 0


@pytest.mark.parametrize("segment", ['{"tier": "pro"}', '["pro"]', "true", "1.5"])
def test_a_segment_that_is_not_a_string_names_file_and_line(tmp_path: Path, segment: str) -> None:
    path = tmp_path / "tickets.jsonl"
    path.write_text(
        f'{{"id": "a", "text": "x", "segment": "pro"}}\n{{"id": "b", "text": "y", "segment": {segment}}}\n',
        encoding="utf-8",
    )
    with pytest.raises(BehaviorConfigError, match=r"tickets\.jsonl:2: 'segment' must be a string"):
        resolve_inputs(path, n=None, seed=0)


def test_an_integer_segment_is_its_decimal_string_and_null_is_no_segment() -> None:
    items = resolve_inputs([{"id": "a", "segment": 3}, {"id": "b", "segment": None}], n=None, seed=0)
    assert [i.segment for i in items] == ["3", None]


def test_records_ids_and_segments_are_checked_too(tmp_path: Path) -> None:
    path = tmp_path / "records.jsonl"
    path.write_text(
        '{"id": "a", "input": "q", "output": "x"}\n{"id": null, "input": "q2", "output": "y"}\n', encoding="utf-8"
    )
    with pytest.raises(BehaviorConfigError, match=r"records\.jsonl:2: 'id' must be a non-empty string"):
        load_records(path)
    path.write_text('{"input": "q", "output": "x", "segment": {"a": 1}}\n', encoding="utf-8")
    with pytest.raises(BehaviorConfigError, match=r"records\.jsonl:1: 'segment' must be a string"):
        load_records(path)
    path.write_text('{"input": 42, "output": "x"}\n', encoding="utf-8")  # a golden file could not hold it
    with pytest.raises(BehaviorConfigError, match=r"records\.jsonl:1: 'input' must be a string or an object"):
        load_records(path)
    path.write_text('{"input": "q", "output": "x", "latency_ms": NaN}\n', encoding="utf-8")
    with pytest.raises(BehaviorConfigError, match=r"records\.jsonl:1: 'latency_ms' must be a finite number"):
        load_records(path)


# --- 4: malformed fields of a golden file ----------------------------------------------------------------------------

NODEID = "t.py::test_x"


def good_record() -> GoldenRecord:
    return GoldenRecord(
        test=NODEID,
        bundle={"label": "b", "fingerprint": "f" * 64, "description": {"model": "m"}},
        settings={"seed": 0, "repeats": 1, "n": 2, "prompt": None},
        properties=({"marker": "refusal_bound", "max_rate": 0.1},),
        detectors={"refusal": "layered-4"},
        plugin_version="0.1.0",
        recorded_at="2026-01-01",
        samples={
            "a": GoldenSample(
                "in a",
                "pro",
                (
                    {
                        "text": "x",
                        "latency_ms": 3.0,
                        "cost_usd": 0.001,
                        "finish_reason": "stop",
                        "usage": {"total_tokens": 3},
                        "tool_calls": [{"name": "f", "arguments": "{}"}],
                    },
                ),
            ),
            "b": GoldenSample({"text": "in b"}, None, ({"text": "y"},)),
        },
    )


def set_at(data: dict[str, Any], keys: tuple[Any, ...], value: Any) -> None:
    target: Any = data
    for key in keys[:-1]:
        target = target[key]
    if value is DELETE:
        del target[keys[-1]]
    else:
        target[keys[-1]] = value


DELETE = object()
OUT = ("samples", "a", "outputs", 0)
CORRUPTIONS: list[tuple[tuple[Any, ...], Any, str]] = [
    ((*OUT, "latency_ms"), "fast", 'samples["a"].outputs[0].latency_ms'),
    ((*OUT, "latency_ms"), float("nan"), 'samples["a"].outputs[0].latency_ms'),
    ((*OUT, "latency_ms"), True, 'samples["a"].outputs[0].latency_ms'),
    ((*OUT, "cost_usd"), "free", 'samples["a"].outputs[0].cost_usd'),
    ((*OUT, "cost_usd"), float("inf"), 'samples["a"].outputs[0].cost_usd'),
    ((*OUT, "tool_calls"), "call", 'samples["a"].outputs[0].tool_calls'),
    ((*OUT, "tool_calls"), ["call"], 'samples["a"].outputs[0].tool_calls[0]'),
    ((*OUT, "finish_reason"), 3, 'samples["a"].outputs[0].finish_reason'),
    ((*OUT, "usage"), [], 'samples["a"].outputs[0].usage'),
    ((*OUT, "truncated"), {"chars": "many"}, 'samples["a"].outputs[0].truncated.chars'),
    ((*OUT, "truncated"), "cut", 'samples["a"].outputs[0].truncated'),
    ((*OUT, "text"), 7, 'samples["a"].outputs[0].text'),
    (OUT[:-1], [], 'samples["a"].outputs'),
    (OUT[:-1], {"text": "x"}, 'samples["a"].outputs'),
    (("samples", "a", "segment"), {"tier": "pro"}, 'samples["a"].segment'),
    (("samples", "a", "segment"), 3, 'samples["a"].segment'),
    (("samples", "a", "segment"), ["pro"], 'samples["a"].segment'),
    (("samples", "a", "input"), 5, 'samples["a"].input'),
    (("samples", "a"), "x", 'samples["a"]'),
    (("samples",), [], "samples"),
    (("settings",), [], "settings"),
    (("settings", "repeats"), "2", "settings.repeats"),
    (("settings", "repeats"), 0, "settings.repeats"),
    (("properties",), "refusal", "properties"),
    (("properties",), ["refusal"], "properties[0]"),
    (("detectors",), {"refusal": 2}, 'detectors["refusal"]'),
    (("bundle", "fingerprint"), DELETE, "bundle.fingerprint"),
    (("bundle", "fingerprint"), 12345, "bundle.fingerprint"),
    (("bundle", "label"), ["b"], "bundle.label"),
    (("bundle",), "b", "bundle"),
    (("test",), 3, "test"),
    (("plugin", "version"), 1, "plugin.version"),
    (("recorded_at",), 20260101, "recorded_at"),
]


@pytest.mark.parametrize(
    ("keys", "value", "field"),
    CORRUPTIONS,
    ids=[f"{c[2]}={'missing' if c[1] is DELETE else repr(c[1])}" for c in CORRUPTIONS],
)
def test_a_malformed_golden_field_names_file_field_and_fix(
    tmp_path: Path, keys: tuple[Any, ...], value: Any, field: str
) -> None:
    data = json.loads(dumps(good_record()))
    set_at(data, keys, value)
    path = tmp_path / "x.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(GoldenFileError) as info:
        read_golden(path, nodeid=NODEID)
    message = str(info.value)
    assert str(path) in message and f"{field} " in message, message
    assert f"pytest {NODEID} --behavior-update" in message, message
    # the CLI (show, card, diff) reads the file without a test: the message still says how to fix it
    with pytest.raises(GoldenFileError) as info:
        read_golden_file(path)
    assert field in str(info.value) and "--behavior-update" in str(info.value)


def test_the_well_formed_record_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text(dumps(good_record()), encoding="utf-8")
    record = read_golden(path, nodeid=NODEID)
    (output,) = record.samples["a"].texts
    assert output.latency_ms == 3.0 and output.tool_calls == ({"name": "f", "arguments": "{}"},)


def test_a_corrupt_field_in_a_recorded_golden_file_is_a_test_error(pytester: pytest.Pytester, sim_calls) -> None:
    dataset_project(pytester, b'{"id": "a", "text": "late order"}\n{"id": "b", "text": "refund"}\n')
    pytester.runpytest("--behavior-update", "-p", "no:cacheprovider").assert_outcomes(passed=1)
    (golden,) = list(pytester.path.rglob("golden/**/*.json"))
    data = json.loads(golden.read_text(encoding="utf-8"))
    data["samples"]["b"]["outputs"][0]["latency_ms"] = "fast"
    golden.write_text(json.dumps(data), encoding="utf-8")
    result = pytester.runpytest("--behavior-baseline", "-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            f"*GoldenFileError: golden file {golden} is not a pytest-behavior golden file: "
            "samples[[]\"b\"[]].outputs[[]0[]].latency_ms is the string 'fast'*"
            "`pytest test_spec.py::test_tickets --behavior-update`*"
        ]
    )
    result.stdout.no_fnmatch_line("*could not convert*")
    pytester.runpytest("--behavior-update", "-p", "no:cacheprovider").assert_outcomes(passed=1)
    pytester.runpytest("--behavior-baseline", "-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_the_cli_names_the_field_of_a_corrupt_golden_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from pytest_behavior.cli import main

    data = json.loads(dumps(good_record()))
    data["samples"]["a"]["outputs"][0]["cost_usd"] = "free"
    path = tmp_path / "x.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        main(["show", str(path)])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "samples[\"a\"].outputs[0].cost_usd is the string 'free'" in err and "Traceback" not in err
    assert f"pytest {NODEID} --behavior-update" in err


# --- 5: a golden file nested too deeply to parse ---------------------------------------------------------------------


def test_a_deeply_nested_golden_file_is_a_golden_file_error(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text("[" * 200_000, encoding="utf-8")
    with pytest.raises(GoldenFileError, match=r"is corrupt \(nested too deeply to read\)") as info:
        read_golden(path, nodeid=NODEID)
    assert str(path) in str(info.value) and f"pytest {NODEID} --behavior-update" in str(info.value)


@pytest.mark.parametrize(
    "damage", [lambda: "[" * 200_000, lambda: "{oops", lambda: "\udcff"], ids=["nested", "not-json", "not-utf8"]
)
def test_update_records_over_a_corrupt_golden_file(
    pytester: pytest.Pytester, sim_calls, damage: Callable[[], str]
) -> None:
    dataset_project(pytester, b'{"id": "a", "text": "late order"}\n{"id": "b", "text": "refund"}\n')
    pytester.runpytest("--behavior-update", "-p", "no:cacheprovider").assert_outcomes(passed=1)
    (golden,) = list(pytester.path.rglob("golden/**/*.json"))
    recorded = golden.read_bytes()
    golden.write_bytes(damage().encode("utf-8", "surrogateescape"))
    baseline = pytester.runpytest("--behavior-baseline", "-p", "no:cacheprovider")
    baseline.assert_outcomes(errors=1)
    baseline.stdout.fnmatch_lines([f"*GoldenFileError: golden file {golden} is corrupt*--behavior-update*"])
    pytester.runpytest("--behavior-update", "-p", "no:cacheprovider").assert_outcomes(passed=1)
    assert golden.read_bytes() == recorded
    pytester.runpytest("--behavior-baseline", "-p", "no:cacheprovider").assert_outcomes(passed=1)
