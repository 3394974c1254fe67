from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from pytest_behavior.errors import GoldenFileError
from pytest_behavior.golden.store import (
    GoldenRecord,
    GoldenSample,
    dumps,
    golden_path,
    read_golden,
    write_golden,
)


def record(text: str = "answer", latency: float = 1.0, date: str = "2026-01-01") -> GoldenRecord:
    return GoldenRecord(
        test="t.py::test_x",
        bundle={"label": "b", "fingerprint": "f" * 64, "description": {"model": "m"}},
        settings={"seed": 0, "repeats": 1},
        properties=({"marker": "refusal_bound", "max_rate": 0.1},),
        detectors={"refusal": "keyword-1"},
        plugin_version="0.1.0",
        recorded_at=date,
        samples={
            "b": GoldenSample("in b", None, ({"text": text, "latency_ms": latency},)),
            "a": GoldenSample({"text": "in a"}, "pro", ({"text": "x"},)),
        },
    )


@pytest.mark.parametrize(
    ("nodeid", "expected"),
    [
        ("tests/test_a.py::test_x", "tests/test_a/test_x.json"),
        ("test_a.py::TestC::test_x[gpt-4o-mini]", "test_a/TestC/test_x[gpt-4o-mini].json"),
        ("../up/test_a.py::test_y", "up/test_a/test_y.json"),
    ],
)
def test_golden_paths(tmp_path: Path, nodeid: str, expected: str) -> None:
    assert golden_path(tmp_path, nodeid) == tmp_path / expected


def test_names_that_clean_up_alike_stay_distinct(tmp_path: Path) -> None:
    slash, underscore = golden_path(tmp_path, "t.py::test[a/b]"), golden_path(tmp_path, "t.py::test[a_b]")
    assert slash != underscore and underscore.name == "test[a_b].json" and slash.name.startswith("test[a_b]-")


def test_a_golden_file_of_another_test_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    write_golden(path, record())
    with pytest.raises(GoldenFileError, match=r"was recorded for 't\.py::test_x', not for this test"):
        read_golden(path, nodeid="t.py::test_other")


def test_long_names_are_shortened_with_a_hash(tmp_path: Path) -> None:
    path = golden_path(tmp_path, "t.py::test[" + "x" * 300 + "]")
    assert len(path.name) <= 125 and path.suffix == ".json"


def test_roundtrip_is_deterministic_and_sorted(tmp_path: Path) -> None:
    path = tmp_path / "g" / "x.json"
    assert write_golden(path, record())
    text = path.read_text()
    assert text == dumps(record()) and text.index('"a": {') < text.index('"b": {')
    loaded = read_golden(path, nodeid="t.py::test_x")
    assert loaded.samples["a"].segment == "pro" and loaded.samples["b"].texts == ("answer",)
    assert not list(path.parent.glob(".*.tmp")), "atomic write leaves no temp file"


def test_volatile_fields_alone_do_not_rewrite(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    write_golden(path, record())
    assert not write_golden(path, record(latency=99.0, date="2027-02-02"))
    assert json.loads(path.read_text())["recorded_at"] == "2026-01-01"
    assert write_golden(path, record(text="changed"))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no golden file for this test"),
        ("{oops", "is corrupt"),
        ("[]", "not a pytest-behavior golden file"),
        ('{"format": 2}', "format 2"),
        (
            '{"format": 1, "test": "t", "bundle": {}, "settings": {}, "plugin": {"version": "0"}, '
            '"samples": {"a": {"input": "x", "outputs": []}}}',
            "no outputs",
        ),
    ],
)
def test_read_errors_name_the_file_and_the_fix(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "x.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(GoldenFileError, match=message) as info:
        read_golden(path, nodeid="t.py::test_x")
    assert str(path) in str(info.value) and "pytest t.py::test_x --behavior-update" in str(info.value)


def test_writing_keeps_the_file_mode_and_clears_temp_files_of_killed_writers(tmp_path: Path) -> None:
    path = golden_path(tmp_path, "test_mod.py::test_x")
    previous = os.umask(0o022)
    try:
        assert write_golden(path, record())
        assert stat.S_IMODE(path.stat().st_mode) == 0o644  # as open() would create it, not mkstemp's 0600
        path.chmod(0o664)
        stale = path.parent / f".{path.name}.abc123.tmp"
        stale.write_text("{half a file")
        assert write_golden(path, record(text="changed"))
        assert stat.S_IMODE(path.stat().st_mode) == 0o664  # a replaced file keeps its mode
        assert not stale.exists()
    finally:
        os.umask(previous)
