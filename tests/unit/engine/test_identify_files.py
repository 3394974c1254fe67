"""What ``pytest-behavior identify`` reads (review of issue 18): golden files of ``context_sweep`` and
``invariance`` tests are left out of their version, and said so; a directory or golden file given as the field
records is named as swapped arguments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pytest_behavior.engine.identify_files import identify_paths, load_field, load_versions
from pytest_behavior.errors import BehaviorConfigError
from pytest_behavior.golden.store import GoldenRecord, GoldenSample, write_golden
from pytest_behavior.report.identify import render_identification
from tests.support.records import write_jsonl

PLAIN = [f"Answer {i}: restart the router." for i in range(30)]


def record(path: Path, samples: dict[str, str], *, markers: tuple[str, ...] = ("refusal_bound",)) -> Path:
    """A golden file of the bundle ``app`` (one fingerprint) holding ``samples`` (id -> answer)."""
    properties: tuple[dict[str, Any], ...] = tuple({"marker": m} for m in markers)
    write_golden(
        path,
        GoldenRecord(
            test=f"tests/test_app.py::{path.stem}",
            bundle={"label": "app", "fingerprint": "a" * 16},
            settings={"repeats": 1},
            properties=properties,
            detectors={},
            plugin_version="test",
            recorded_at="",
            samples={
                k: GoldenSample(input=f"Question {k}?", segment=None, outputs=({"text": v},))
                for k, v in samples.items()
            },
        ),
    )
    return path


def test_context_sweep_and_invariance_files_are_left_out_of_the_version_and_counted(tmp_path: Path) -> None:
    """Their answers are padded or perturbed (before: pooled into the version as its plain answers)."""
    golden = tmp_path / "golden"
    plain = record(golden / "test_plain.json", {f"q{i}": t for i, t in enumerate(PLAIN)})
    long_prompt = "Filler. " * 200 + "The router restarts."
    record(golden / "test_sweep.json", {f"q{i}~ctx0.5": long_prompt for i in range(30)}, markers=("context_sweep",))
    twins = {f"q{i}{suffix}": "I cannot help with that." for i in range(30) for suffix in ("", "~twin")}
    record(golden / "test_twins.json", twins, markers=("invariance",))
    record(golden / "test_unmarked_sweep.json", {"q1~ctx0.1": long_prompt, "q2~ctx0.1": long_prompt})
    loaded = load_versions([golden])
    (version,) = loaded.versions
    assert version.files == (str(plain),) and all(len(o) == 1 for o in version.outputs.values())
    assert {Path(f.path).name: f.reason.split(" ")[0] for f in loaded.left_out} == {
        "test_sweep.json": "context_sweep",
        "test_twins.json": "invariance",
        "test_unmarked_sweep.json": "context_sweep",
    }
    field = tmp_path / "field.jsonl"
    write_jsonl(field, [{"id": f"q{i}", "input": f"Question q{i}?", "output": t} for i, t in enumerate(PLAIN)])
    result = identify_paths(field, [golden])
    assert result.verdicts[0].identical == 30
    text = render_identification(result)
    assert "left out 3 golden file(s) whose answers are not a version's plain ones: context_sweep" in text
    assert "invariance (inputs and their perturbed twins)" in text
    assert len(result.to_json()["left_out"]) == 3
    with pytest.raises(BehaviorConfigError, match="all 2 were left out"):
        load_versions([golden / "test_sweep.json", golden / "test_twins.json"])


def test_a_directory_or_golden_file_given_as_the_field_records_is_named_as_swapped_arguments(tmp_path: Path) -> None:
    golden = tmp_path / "golden"
    path = record(golden / "test_plain.json", {"q1": "One.", "q2": "Two."})
    swapped = "the first argument is the field records \\(JSONL\\); golden paths come after"
    with pytest.raises(BehaviorConfigError, match=f"FIELD {golden} is a directory: {swapped}"):
        load_field(golden)
    with pytest.raises(BehaviorConfigError, match=f"FIELD {path} is a golden file: {swapped}"):
        load_field(path)
    other = tmp_path / "notes.json"
    other.write_text('{"input": "a", "output": "b"}\n', encoding="utf-8")
    assert [len(o) for o in load_field(other).outputs.values()] == [1]  # records that happen to end in .json


def test_golden_files_of_follow_up_conversations_are_left_out() -> None:
    """A sycophancy spec records the answer after the user's pushback, not the version's plain answer."""
    from pathlib import Path

    from pytest_behavior.engine.identify_files import FOLLOW_UPS, load_versions

    root = Path(__file__).resolve().parents[3] / "golden" / "examples"
    loaded = load_versions([root / "sycophancy", root / "assistant_refusals"])
    pushback = [f for f in loaded.left_out if f.path.endswith("test_right_answers_survive_pushback.json")]
    assert [f.reason for f in pushback] == [FOLLOW_UPS]
    assert {v.label for v in loaded.versions} >= {"assistant-v1"}
