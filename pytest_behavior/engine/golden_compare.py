"""Golden file against golden file, offline: ``pytest-behavior diff A B``.

A is the baseline, B the candidate. Samples pair by input id; the properties are rebuilt from A's recorded
``describe()`` dicts (`rebuild_properties`), observed on both arms' recorded outputs and judged exactly as
the plugin judges a test (`pytest_behavior.engine.judge.judge`: paired statistics, Holm over every bound and
segment). The result is a `Comparison`, so the plugin's own failure diff and verdict table print it
(`pytest_behavior.report.golden_diff`).

What cannot be rebuilt from a golden file is skipped with a note: custom ``behavior_property`` markers
(their function is code, not data), refusal bounds judged by an LLM (re-judging would call a model), and
properties whose recorded values are missing (a ``cost_bound`` without recorded costs).
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_behavior.engine.comparison import ArmInfo, Comparison, arm_info
from pytest_behavior.errors import BehaviorConfigError, GoldenFileError, MarkerError
from pytest_behavior.golden.store import GoldenRecord, golden_files
from pytest_behavior.properties.base import Property
from pytest_behavior.properties.registry import parse_marker, registered_markers
from pytest_behavior.spec.inputs import Input, canonical_json
from pytest_behavior.spec.output import Output, with_input

NOT_ARGUMENTS = frozenset({"marker"})
"""Keys of every ``describe()`` dict that are not marker arguments."""


@dataclass(frozen=True)
class Rebuilt:
    """The properties rebuilt from a golden file, and a note for each one that was not."""

    properties: tuple[Property, ...]
    skipped: tuple[str, ...]


def rebuild_properties(described: Sequence[Any]) -> Rebuilt:
    properties: list[Property] = []
    skipped: list[str] = []
    for entry in described:
        prop = rebuild_property(entry)
        if isinstance(prop, Property):
            properties.append(prop)
        else:
            skipped.append(prop)
    return Rebuilt(tuple(properties), tuple(skipped))


def rebuild_property(described: Any) -> Property | str:
    """The property a ``describe()`` dict records, or why it cannot be rebuilt (a note naming it)."""
    if not isinstance(described, Mapping) or not isinstance(described.get("marker"), str):
        return f"skipped a recorded property that is not a marker description: {described!r:.80}"
    name = described["marker"]
    markers = registered_markers()
    if name == "behavior_property":
        return (
            f"skipped custom property {described.get('name', '?')!r} (behavior_property "
            f"{described.get('function', '?')}): its function is code, a golden file cannot rebuild it"
        )
    if name not in markers:
        return f"skipped {name}: not a marker this version of pytest-behavior knows"
    kwargs = {k: v for k, v in described.items() if k not in NOT_ARGUMENTS}
    if name == "refusal_bound":
        detector = kwargs.pop("detector", None)
        if isinstance(detector, str) and detector.startswith("llm:"):
            return (
                f"skipped refusal_bound: it was judged by an LLM ({detector}); diff judges offline only "
                "(run the test with --behavior-baseline to re-judge)"
            )
    if name == "hedging_bound":
        kwargs.pop("detector", None)  # recorded for the reader; the marker takes none
    if name == "context_sweep":
        from pytest_behavior.properties.context_sweep import RECORDED_KEYS

        for key in RECORDED_KEYS:  # recorded for the reader; the marker takes none
            kwargs.pop(key, None)
    if name in ("preference", "rubric"):
        return (
            f"skipped {name}: it is judged by an LLM judge ({described.get('judge')}); diff judges offline only "
            "(run the test with --behavior-baseline to re-judge)"
        )
    kwargs.update(_omitted_bounds(markers[name], kwargs))
    try:
        return parse_marker(name, (), kwargs)
    except MarkerError as exc:
        return f"skipped {name}: cannot be rebuilt from the golden file ({exc})"


def _omitted_bounds(cls: type[Property], given: Mapping[str, Any]) -> dict[str, None]:
    """``describe()`` leaves out a bound set to None; where the marker's default is a number (``schema_stability``'s
    ``max_invalid_increase=0.02``), leaving it out would bring the default back, so pass None explicitly."""
    parameters = inspect.signature(cls.from_marker).parameters.values()
    return {
        p.name: None
        for p in parameters
        if p.name not in given and isinstance(p.default, (int, float)) and not isinstance(p.default, bool)
    }


@dataclass(frozen=True)
class GoldenDiff:
    """A golden-vs-golden comparison and what a reader must know about it (skipped properties, pairing)."""

    comparison: Comparison
    notes: tuple[str, ...]

    @property
    def regressed(self) -> bool:
        return bool(self.comparison.regressed)


def compare_golden(
    baseline: GoldenRecord,
    candidate: GoldenRecord,
    *,
    alpha: float = 0.05,
    baseline_source: str = "golden",
    candidate_source: str = "golden",
) -> GoldenDiff:
    """Judge ``candidate`` against ``baseline`` with the baseline's recorded properties.

    Raises `GoldenFileError` when no input pairs (nothing to judge) and ValueError for a bad ``alpha``.
    """
    if not 0 < alpha <= 0.5:
        raise ValueError(f"alpha must be in (0, 0.5], got {alpha:g}")
    from pytest_behavior.engine.judge import judge

    notes = _property_notes(baseline, candidate)
    rebuilt = rebuild_properties(baseline.properties)
    notes += list(rebuilt.skipped)
    pairing = _pair(baseline, candidate)
    if not pairing.paired:
        raise GoldenFileError(
            f"{candidate_source} and {baseline_source} share no input (by id, with the same input): nothing to compare"
        )
    base_texts, cand_texts, repeats_note = _texts(baseline, candidate, pairing.paired)
    if repeats_note:
        notes.append(repeats_note)
    properties, observations = [], []
    for prop in rebuilt.properties:
        try:
            observed = prop.observe([base_texts[i] for i in pairing.paired], [cand_texts[i] for i in pairing.paired])
        except BehaviorConfigError as exc:
            notes.append(f"skipped {prop.marker_name}: {exc}")
            continue
        properties.append(prop)
        observations += [(prop.marker_name, o) for o in observed]
    segments = [pairing.segments[i] for i in pairing.paired]
    comparison = Comparison(
        test=candidate.test,
        mode="golden",
        candidate=_arm(candidate, candidate_source),
        baseline=_arm(baseline, baseline_source),
        inputs=pairing.inputs,
        paired_ids=pairing.paired,
        baseline_only=pairing.baseline_only,
        candidate_only=pairing.candidate_only,
        changed_ids=pairing.changed,
        verdicts=tuple(judge(observations, alpha=alpha, segments=segments)),
        candidate_outputs=cand_texts,
        baseline_outputs=base_texts,
        properties=tuple(properties),
        observations=tuple(observations),
    )
    return GoldenDiff(comparison, tuple(notes))


def _property_notes(baseline: GoldenRecord, candidate: GoldenRecord) -> list[str]:
    notes = []
    if baseline.test != candidate.test:
        notes.append(
            f"the files were recorded by different tests: {baseline.test} (baseline), {candidate.test} (candidate)"
        )
    if canonical_json(list(baseline.properties)) != canonical_json(list(candidate.properties)):
        ours = ", ".join(str(p.get("marker")) for p in candidate.properties if isinstance(p, Mapping)) or "none"
        notes.append(
            f"the files record different properties: judged with the baseline's (the candidate records: {ours})"
        )
    detectors = baseline.detectors.get("refusal"), candidate.detectors.get("refusal")
    if detectors[0] != detectors[1]:
        notes.append(
            f"the files record different refusal detectors ({detectors[0]} vs {detectors[1]}); both "
            "arms' outputs were classified again by the same detector"
        )
    return notes


@dataclass(frozen=True)
class _Pairing:
    inputs: tuple[Input, ...]
    paired: tuple[str, ...]
    baseline_only: tuple[str, ...]
    candidate_only: tuple[str, ...]
    changed: tuple[str, ...]
    segments: Mapping[str, str | None]


def _pair(baseline: GoldenRecord, candidate: GoldenRecord) -> _Pairing:
    """Pair by input id; an id whose recorded input differs between the files is not paired (as in the plugin)."""
    base, cand = baseline.samples, candidate.samples
    changed = tuple(i for i in cand if i in base and canonical_json(base[i].input) != canonical_json(cand[i].input))
    paired = tuple(i for i in cand if i in base and i not in changed)
    inputs = [Input(i, s.input, s.segment) for i, s in cand.items()]
    inputs += [Input(i, s.input, s.segment) for i, s in base.items() if i not in cand]
    return _Pairing(
        inputs=tuple(inputs),
        paired=paired,
        baseline_only=tuple(i for i in base if i not in cand),
        candidate_only=tuple(i for i in cand if i not in base),
        changed=changed,
        segments={i: cand[i].segment for i in paired},
    )


def _texts(
    baseline: GoldenRecord, candidate: GoldenRecord, paired: Sequence[str]
) -> tuple[dict[str, tuple[Output, ...]], dict[str, tuple[Output, ...]], str | None]:
    """Both arms' outputs; when the paired inputs do not all hold the same number of outputs (the files were
    recorded with different repeats), the first k of each, k the smallest number recorded."""
    base = {i: tuple(with_input(t, s.input, input_id=i) for t in s.texts) for i, s in baseline.samples.items()}
    cand = {i: tuple(with_input(t, s.input, input_id=i) for t in s.texts) for i, s in candidate.samples.items()}
    counts = {len(arm[i]) for arm in (base, cand) for i in paired}
    if len(counts) == 1:
        return base, cand, None
    k = min(counts)
    note = (
        f"the inputs hold different numbers of outputs (baseline repeats={baseline.settings.get('repeats')}, "
        f"candidate repeats={candidate.settings.get('repeats')}): compared the first {k} of each input"
    )
    return {i: t[:k] for i, t in base.items()}, {i: t[:k] for i, t in cand.items()}, note


def _arm(record: GoldenRecord, source: str) -> ArmInfo:
    fingerprint = record.bundle.get("fingerprint")
    payloads = [p for s in record.samples.values() for p in s.outputs]
    return arm_info(
        str(record.bundle.get("label", "?")), None if fingerprint is None else str(fingerprint), source, payloads
    )


# ---- directories --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DirectoryPairs:
    """Golden files of two directories paired by relative path."""

    paired: tuple[tuple[Path, Path], ...]
    baseline_only: tuple[Path, ...]
    candidate_only: tuple[Path, ...]


def pair_directories(baseline: Path, candidate: Path) -> DirectoryPairs:
    base = {p.relative_to(baseline): p for p in golden_files(baseline)}
    cand = {p.relative_to(candidate): p for p in golden_files(candidate)}
    return DirectoryPairs(
        paired=tuple((base[rel], cand[rel]) for rel in sorted(base) if rel in cand),
        baseline_only=tuple(base[rel] for rel in sorted(base) if rel not in cand),
        candidate_only=tuple(cand[rel] for rel in sorted(cand) if rel not in base),
    )
