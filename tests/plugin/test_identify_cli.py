"""``pytest-behavior identify`` on golden files the plugin recorded: two simulated versions of different behaviour
recorded with ``--behavior-update`` (real litellm calls to the simulated provider), then field logs of one of them
(another seed: the same behaviour, other texts) are named, and logs of a third behaviour are "like none of them"."""

from __future__ import annotations

import json
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
}
SPEC = """
import pytest

INPUTS = [f"Question {{i}}: how do I reset the router in room {{i}}?" for i in range({n})]

@pytest.mark.refusal_bound(max_increase=0.05)
def test_answers(behavior):
    behavior.sample(INPUTS)
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> Path:
    """Four recorded bundles, one folder each; the first two are the versions, the others become field logs."""
    for name, model in MODELS.items():
        use_bundles(pytester, model_bundle(model, label=name.removeprefix("field_")), folder=name)
        (pytester.path / name / f"test_{name}.py").write_text(SPEC.format(n=60))
    pytester.runpytest("--behavior-update", "-p", "no:randomly").assert_outcomes(passed=len(MODELS))
    golden = pytester.path / "golden"
    for name in ("field_terse", "field_refusing"):
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
    assert "paired mode: the field records share 0 input(s) with version terse" in capsys.readouterr().err
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
