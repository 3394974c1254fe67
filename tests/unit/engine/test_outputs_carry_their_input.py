"""The engine gives every output of both arms the input it answered before properties observe them
(`pytest_behavior.engine.run._compare`), and `pytest-behavior diff` the input recorded beside each golden output."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pytest_behavior.config.settings import RunSettings
from pytest_behavior.engine.comparison import ArmInfo
from pytest_behavior.engine.golden_compare import compare_golden
from pytest_behavior.engine.run import Baseline, Spec, _compare
from pytest_behavior.golden.store import GoldenRecord, GoldenSample
from pytest_behavior.properties.registry import parse_marker
from pytest_behavior.sampling.arms import ArmSamples
from pytest_behavior.sampling.llm import Completion
from pytest_behavior.spec.inputs import Input
from pytest_behavior.spec.output import Output

SEEN: list[tuple[str, Any, str | None]] = []


def spy(output: str, input: Any) -> bool:
    """A custom property that notes what each output carries."""
    SEEN.append((str(output), input, getattr(output, "input_id", None)))
    return False


def arm(outputs: dict[str, str]) -> ArmSamples:
    return ArmSamples(
        label="cand",
        fingerprint="f" * 12,
        outputs={k: (Completion(text=v, latency_ms=5.0),) for k, v in outputs.items()},
        missing=(),
        requested=0,
        cached=0,
    )


def test_both_arms_carry_the_current_input_and_a_changed_input_is_not_paired(tmp_path: Path) -> None:
    SEEN.clear()
    inputs = [Input("a", {"id": "a", "q": "one", "expected": "1"}), Input("b", {"id": "b", "q": "two v2"})]
    spec = Spec(
        nodeid="t.py::t",
        properties=(parse_marker("behavior_property", (spy,), {"max_increase": 0.1}),),
        inputs=None,
        template=None,
        n=None,
        repeats=1,
    )
    baseline = Baseline(
        ArmInfo("golden", None, "golden"),
        {"a": (Output("base a"),), "b": (Output("base b"),), "gone": (Output("base gone"),)},
        recorded_inputs={"a": {"expected": "1", "q": "one", "id": "a"}, "b": {"id": "b", "q": "two"}, "gone": "old"},
    )
    settings = RunSettings(mode="golden", rootdir=tmp_path, golden_dir=tmp_path)
    result = _compare(spec, settings, inputs, arm({"a": "cand a", "b": "cand b"}), baseline, candidate_source="live")
    assert result.paired_ids == ("a",) and result.changed_ids == ("b",)
    assert sorted(SEEN, key=lambda seen: seen[0]) == [
        ("base a", inputs[0].value, "a"),
        ("cand a", inputs[0].value, "a"),
    ]
    # what the comparison hands on (reports, the test's own assertions) carries them too
    cand = result.candidate_outputs["b"][0]
    assert isinstance(cand, Output) and cand.input == inputs[1].value and cand.latency_ms == 5.0
    assert result.baseline_outputs is not None
    assert getattr(result.baseline_outputs["b"][0], "input", None) == {"id": "b", "q": "two"}  # what it answered
    assert getattr(result.baseline_outputs["gone"][0], "input", None) == "old"


def record(outputs: dict[str, str]) -> GoldenRecord:
    return GoldenRecord(
        test="t.py::t",
        bundle={"label": "x"},
        settings={"repeats": 1},
        properties=({"marker": "correctness", "expected": "expected", "match": "exact", "max_decrease": 0.05},),
        detectors={},
        plugin_version="0",
        recorded_at="2024-01-01",
        samples={
            k: GoldenSample(input={"q": k, "expected": "yes"}, segment=None, outputs=({"text": v},))
            for k, v in outputs.items()
        },
    )


def test_a_golden_diff_judges_correctness_with_the_recorded_inputs() -> None:
    ids = [f"i{n}" for n in range(40)]
    diff = compare_golden(record(dict.fromkeys(ids, "Yes.")), record(dict.fromkeys(ids, "No.")))
    assert diff.notes == ()
    [verdict] = diff.comparison.verdicts
    assert verdict.metric == "correct answers" and verdict.verdict.value == "REGRESSED"
