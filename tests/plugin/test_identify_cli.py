"""``pytest-behavior identify`` on golden files the plugin recorded: two simulated versions of different behaviour
recorded with ``--behavior-update`` (real litellm calls to the simulated provider), then field logs of one of them
(another seed: the same behaviour, other texts) are named, and logs of a third behaviour are "like none of them"."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pytest_behavior.cli import main
from tests.support.project import model_bundle, use_bundles
from tests.support.records import write_jsonl

pytest_plugins = ["pytester"]

MODELS = {
    "terse": "sim/terse?mean_words=25&seed=3",
    "wordy": "sim/wordy?mean_words=90&seed=3",
    "field_terse": "sim/terse?mean_words=25&seed=11",
    "field_refusing": "sim/other?mean_words=25&refusal_rate=0.4&seed=11",
    "terse5": "sim/terse?mean_words=25&seed=5",
    "refusing5": "sim/refusing?mean_words=25&refusal_rate=0.15&seed=5",
    "field_refusing_too": "sim/refusing?mean_words=25&refusal_rate=0.15&seed=13",
}
REPEATS = {"terse5": 5, "refusing5": 5}
"""Bundles recorded with more than one answer per input."""
SPEC = """
import pytest

INPUTS = [f"Question {{i}}: how do I reset the router in room {{i}}?" for i in range({n})]

@pytest.mark.refusal_bound(max_increase=0.05)
def test_answers(behavior):
    behavior.sample(INPUTS, repeats={repeats})
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> Path:
    """Recorded bundles, one folder each: versions (terse, wordy; terse5 behaves as terse and refusing5 refuses
    15% of the time, each recorded with 5 repeats per input) and field logs (one answer per input)."""
    for name, model in MODELS.items():
        use_bundles(pytester, model_bundle(model, label=name.removeprefix("field_")), folder=name)
        (pytester.path / name / f"test_{name}.py").write_text(SPEC.format(n=60, repeats=REPEATS.get(name, 1)))
    pytester.runpytest("--behavior-update", "-p", "no:randomly").assert_outcomes(passed=len(MODELS))
    golden = pytester.path / "golden"
    for name in ("field_terse", "field_refusing", "field_refusing_too"):
        data = json.loads((golden / name / f"test_{name}" / "test_answers.json").read_text())
        lines = [{"input": s["input"], "output": o["text"]} for s in data["samples"].values() for o in s["outputs"]]
        write_jsonl(pytester.path / f"{name}.jsonl", lines)
    return pytester.path


def identify(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str]:
    status = main(["identify", *(str(a) for a in args)])
    return status, capsys.readouterr().out


def test_field_logs_of_a_recorded_version_name_it_paired_on_the_shared_inputs(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    versions = [project / "golden" / "terse", project / "golden" / "wordy"]
    status, out = identify(capsys, project / "field_terse.jsonl", *versions)
    assert status == 0, out
    assert "Best match: terse (" in out
    assert "paired on 60 inputs" in out and "differs" in out and "like it" in out
    status, out = identify(capsys, project / "field_terse.jsonl", *versions, "--json")
    data = json.loads(out)
    assert status == 0 and data["best_match"].startswith("terse (") and not data["like_none"]
    by_label = {v["label"]: v for v in data["versions"]}
    assert by_label["terse"]["consistent"] and not by_label["wordy"]["consistent"]
    assert by_label["terse"]["identical_outputs"] == 0  # another seed: no replayed text
    assert any(f["feature"] == "length" and f["differs"] for f in by_label["wordy"]["features"])


def test_field_logs_of_another_behaviour_are_like_none_of_them(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out = identify(
        capsys, project / "field_refusing.jsonl", project / "golden" / "terse", project / "golden" / "wordy"
    )
    assert status == 1, out
    assert "Like none of them" in out and "Nearest: terse (" in out and "refusal +" in out


def test_unpaired_mode_and_usage_errors(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    versions = [project / "golden" / "terse", project / "golden" / "wordy"]
    disjoint = project / "disjoint.jsonl"
    lines = [json.loads(line) for line in (project / "field_terse.jsonl").read_text().splitlines()]
    write_jsonl(disjoint, [{**line, "input": line["input"].replace("Question", "Ticket")} for line in lines])
    status, out = identify(capsys, disjoint, *versions)
    assert status == 0 and "Best match: terse (" in out and "unpaired 60 vs 60 inputs" in out
    with pytest.raises(SystemExit) as exit_info:
        main(["identify", str(disjoint), *map(str, versions), "--mode", "paired"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "no version could be compared with the field records" in err
    assert "too few inputs for the paired test: it shares 0 input(s) with the field records" in err
    (project / "broken.jsonl").write_text('{"input": "a", "output": "b"}\n{"input": \n')
    with pytest.raises(SystemExit):
        main(["identify", str(project / "broken.jsonl"), *map(str, versions)])
    assert "broken.jsonl:2: invalid JSON" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["identify", str(disjoint), str(project / "nowhere")])
    assert "nowhere does not exist" in capsys.readouterr().err
    corrupt = project / "golden" / "terse" / "extra.json"
    corrupt.write_text("{not json")
    with pytest.raises(SystemExit):
        main(["identify", str(disjoint), *map(str, versions)])
    assert f"golden file {corrupt} is corrupt" in capsys.readouterr().err


def test_golden_repeats_are_compared_like_with_like_and_versions_not_told_apart_are_exit_3(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """refusing5 recorded 5 answers per input, the field logs one, at the same 15% refusal rate: each input's first
    answer is compared (before: a mean of 5 refusal flags against single 0/1 ones read as a difference, "like
    none"). With terse and terse5 both recorded (the same behaviour) the field logs cannot tell them apart: exit 3,
    not a best match (before: exit 0, the nearest named)."""
    golden = project / "golden"
    versions = [golden / "refusing5", golden / "wordy"]
    lines = [json.loads(line) for line in (project / "field_refusing_too.jsonl").read_text().splitlines()]
    disjoint = project / "disjoint.jsonl"
    write_jsonl(disjoint, [{**line, "input": line["input"].replace("Question", "Ticket")} for line in lines])
    for path, test in ((project / "field_refusing_too.jsonl", "paired on 60"), (disjoint, "unpaired 60 vs 60")):
        status, out = identify(capsys, path, *versions)
        assert status == 0, out
        assert "Best match: refusing5 (" in out and re.search(
            rf"{test} inputs(, \d+ identical)?, first 1 repeat of", out
        )
    status, out = identify(capsys, project / "field_terse.jsonl", golden / "terse", golden / "terse5", "--json")
    data = json.loads(out)
    assert status == 3 and data["outcome"] == "inconclusive" and data["best_match"] is None
    assert sorted(name.split(" ")[0] for name in data["cannot_tell_apart"]) == ["terse", "terse5"]
    status, out = identify(capsys, project / "field_terse.jsonl", golden / "terse", golden / "terse5")
    assert status == 3 and "Cannot tell apart: " in out and "Best match" not in out


def test_a_few_field_records_are_exit_3_and_swapped_arguments_are_named(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    versions = [project / "golden" / "terse", project / "golden" / "wordy"]
    few = project / "few.jsonl"
    few.write_text("".join((project / "field_terse.jsonl").read_text().splitlines(keepends=True)[:8]))
    status, out = identify(capsys, few, *versions)
    assert status == 3, out
    assert (
        "Cannot tell: terse (" in out and "nearest consistent version, but on 8 inputs; naming a version takes" in out
    )
    swapped = "the first argument is the field records (JSONL); golden paths come after"
    for first in (versions[0], next(versions[0].rglob("*.json"))):
        with pytest.raises(SystemExit) as exit_info:
            main(["identify", str(first), str(project / "field_terse.jsonl")])
        assert exit_info.value.code == 2
        assert f"FIELD {first} is a {'directory' if first.is_dir() else 'golden file'}: {swapped}" in (
            capsys.readouterr().err
        )
