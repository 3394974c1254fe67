"""The files ``pytest-behavior identify`` reads: field logs (records JSONL) and the versions golden files recorded.

A *version* is every golden file with the same bundle label and fingerprint, pooled. Golden files whose answers
are not the version's plain behaviour are left out, and the output says how many and why: a ``context_sweep`` test
(each input padded with filler, ids ``<id>~ctx<level>``) and an ``invariance`` test (each input and its perturbed
twin). Errors name the file: a directory or a golden file given as the field records (swapped arguments), a
records line that is not JSON, a corrupt golden file.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_behavior.engine.identify import Identification, LeftOut, Recorded, Version, identify
from pytest_behavior.errors import BehaviorConfigError
from pytest_behavior.golden.store import GoldenRecord
from pytest_behavior.properties.context_sweep import LEVEL_SUFFIX
from pytest_behavior.spec.conversation import question_text
from pytest_behavior.spec.output import Output

LEFT_OUT_MARKERS = {
    "context_sweep": "context_sweep (inputs padded with filler)",
    "invariance": "invariance (inputs and their perturbed twins)",
}
FOLLOW_UPS = "follow-up turns (the recorded answer is the last turn's, after the user's follow-up)"
"""Properties whose golden files record other answers than the version's plain ones, and why."""

SWAPPED = "the first argument is the field records (JSONL); golden paths come after"


@dataclass(frozen=True)
class Versions:
    versions: tuple[Version, ...]
    left_out: tuple[LeftOut, ...]


def load_field(path: Path) -> Recorded:
    """Field logs in the records format (`pytest_behavior.spec.records`); errors name the file and line."""
    from pytest_behavior.spec.records import load_records

    _check_not_golden(path)
    records = load_records(path)
    outputs: dict[str, list[Output]] = {}
    for (input_id, _), output in sorted(records.outputs.items(), key=lambda kv: kv[0]):
        outputs.setdefault(input_id, []).append(output if isinstance(output, Output) else Output(output))
    questions = {i.id: _question(i.value) for i in records.inputs}
    return Recorded(str(path), {k: tuple(v) for k, v in outputs.items()}, questions)


def _check_not_golden(path: Path) -> None:
    """``identify golden/ field.jsonl``: say the arguments are swapped rather than "does not exist"."""
    if path.is_dir():
        raise BehaviorConfigError(f"FIELD {path} is a directory: {SWAPPED}")
    if not path.is_file() or path.suffix.lower() != ".json":
        return
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return  # not a golden file: the records reader names what is wrong
    if isinstance(data, dict) and "samples" in data and "bundle" in data:
        raise BehaviorConfigError(f"FIELD {path} is a golden file: {SWAPPED}")


def load_versions(paths: Sequence[Path]) -> Versions:
    """The versions recorded in golden files or directories, grouped by bundle label and fingerprint; an input
    recorded by several tests of one version pools their outputs (repeat order: file order, then the file's)."""
    from pytest_behavior.golden.store import golden_files, load_golden

    files = list(dict.fromkeys(p for given in paths for p in golden_files(given)))
    if not files:
        raise BehaviorConfigError(f"no golden files under {', '.join(str(p) for p in paths)}")
    grouped: dict[tuple[str, str], tuple[list[str], dict[str, list[Output]], dict[str, str | None]]] = {}
    left_out: list[LeftOut] = []
    for path in files:
        record = load_golden(path)
        reason = _left_out_reason(record)
        if reason:
            left_out.append(LeftOut(str(path), reason))
            continue
        label = str(record.bundle.get("label") or "")
        fingerprint = str(record.bundle["fingerprint"])
        names, outputs, questions = grouped.setdefault((label, fingerprint), ([], {}, {}))
        names.append(str(path))
        for input_id, sample in record.samples.items():
            outputs.setdefault(input_id, []).extend(sample.texts)
            questions.setdefault(input_id, _question(sample.input))
    versions = tuple(
        Version(
            name=f"{label} ({fingerprint[:12]})" if label else fingerprint[:12],
            outputs={k: tuple(v) for k, v in outputs.items()},
            questions=questions,
            label=label,
            fingerprint=fingerprint,
            files=tuple(names),
        )
        for (label, fingerprint), (names, outputs, questions) in grouped.items()
    )
    if not versions:
        reasons = sorted({f.reason for f in left_out})
        raise BehaviorConfigError(
            f"no golden file under {', '.join(str(p) for p in paths)} records a version's plain answers: all "
            f"{len(left_out)} were left out ({'; '.join(reasons)})"
        )
    return Versions(versions, tuple(left_out))


def _left_out_reason(record: GoldenRecord) -> str:
    reasons = [LEFT_OUT_MARKERS[m] for m in record.markers if m in LEFT_OUT_MARKERS]
    if not reasons and any(LEVEL_SUFFIX in sample_id for sample_id in record.samples):
        reasons.append(LEFT_OUT_MARKERS["context_sweep"])
    if record.follow_ups:
        reasons.append(FOLLOW_UPS)
    return "; ".join(reasons)


def _question(value: Any) -> str | None:
    """The question the refusal detector reads: a string input, or a conversation's last user message."""
    return value if isinstance(value, str) else question_text(value)


def identify_paths(field: Path, golden: Sequence[Path], *, alpha: float = 0.05, mode: str = "auto") -> Identification:
    """``pytest-behavior identify FIELD GOLDEN...``: the records file against every version the golden files hold."""
    recorded = load_field(field)
    loaded = load_versions(golden)
    return identify(recorded, loaded.versions, alpha=alpha, mode=mode, left_out=loaded.left_out)
