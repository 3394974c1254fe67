"""Which recorded version do field logs behave like? The engine of ``pytest-behavior identify``.

A *version* is a recorded bundle: every golden file with the same bundle label and fingerprint, pooled (a
directory holding several tests of one bundle is one version). For each version, each feature of
`identify_features` is compared between the field outputs and the version's outputs, input by input:

- *paired*, on the inputs both recorded (matched by input id, the plugin's id scheme), when there are at least
  `MIN_PAIRED` of them (``mode="auto"``) or when asked (``mode="paired"``);
- *unpaired* otherwise: the field's inputs against the version's other inputs (inputs both hold are left out of
  the version's side, so the two samples are independent), a two-sample test per feature.

Per version the features' p-values are Holm-adjusted (features that no output shows on either side carry no
evidence and are left out); a version is *consistent* when no feature differs at ``alpha``. Its distance is the
root mean square of the features' standardized differences (estimate / standard error). The best match is the
nearest consistent version; when every version differs, the finding is "like none of them" (drift, or a version
not recorded), with the nearest one's breaking features as the evidence.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_behavior.engine.identify_features import FEATURES, measure
from pytest_behavior.errors import BehaviorConfigError
from pytest_behavior.spec.output import Output

MIN_PAIRED = 10
"""Fewest overlapping inputs for the paired test in ``auto`` mode (fewer: the unpaired test on all inputs)."""
MODES = ("auto", "paired", "unpaired")
_Z_CAP = 100.0
"""A difference with no variance on either side (0 of 100 against 100 of 100) counts as this many SEs."""

Outputs = Mapping[str, tuple[Output, ...]]
"""Outputs per input id (the repeats of one input)."""


@dataclass(frozen=True)
class Recorded:
    """One side of a comparison: outputs per input id and each input's question (for the refusal detector)."""

    name: str
    outputs: Outputs
    questions: Mapping[str, str | None]


@dataclass(frozen=True)
class Version(Recorded):
    label: str = ""
    fingerprint: str = ""
    files: tuple[str, ...] = ()


@dataclass(frozen=True)
class FeatureTest:
    feature: str
    kind: str
    description: str
    field_mean: float
    version_mean: float
    estimate: float
    lower: float
    upper: float
    p: float
    p_holm: float
    z: float
    differs: bool

    def to_json(self) -> dict[str, Any]:
        return {k: _finite(v) for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class Verdict:
    """The comparison of the field outputs with one version."""

    version: str
    label: str
    fingerprint: str
    files: tuple[str, ...]
    mode: str
    field_inputs: int
    version_inputs: int
    identical: int
    """Paired inputs whose field output is byte-identical to one the version recorded (a replay, or a cache)."""
    tests: tuple[FeatureTest, ...]
    distance: float

    @property
    def consistent(self) -> bool:
        return not any(t.differs for t in self.tests)

    @property
    def evidence(self) -> FeatureTest | None:
        """The strongest evidence: the feature with the smallest Holm-adjusted p (the largest |z| on ties)."""
        return min(self.tests, key=lambda t: (t.p_holm, -abs(t.z)), default=None)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "label": self.label,
            "fingerprint": self.fingerprint,
            "files": list(self.files),
            "mode": self.mode,
            "field_inputs": self.field_inputs,
            "version_inputs": self.version_inputs,
            "identical_outputs": self.identical,
            "consistent": self.consistent,
            "distance": _finite(self.distance),
            "features": [t.to_json() for t in self.tests],
        }


@dataclass(frozen=True)
class Identification:
    field: str
    alpha: float
    verdicts: tuple[Verdict, ...]
    """Nearest first."""

    @property
    def best(self) -> Verdict | None:
        """The nearest consistent version, or None: like none of them."""
        return next((v for v in self.verdicts if v.consistent), None)

    def to_json(self) -> dict[str, Any]:
        best = self.best
        return {
            "field": self.field,
            "alpha": self.alpha,
            "best_match": best.version if best else None,
            "like_none": best is None,
            "nearest": self.verdicts[0].version if self.verdicts else None,
            "versions": [v.to_json() for v in self.verdicts],
        }


def _finite(value: Any) -> Any:
    """JSON has no infinity: an unbounded interval end is written as null."""
    return None if isinstance(value, float) and not math.isfinite(value) else value


def identify(
    field: Recorded, versions: Sequence[Version], *, alpha: float = 0.05, mode: str = "auto"
) -> Identification:
    """Compare ``field`` with each version; verdicts nearest first."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    if not versions:
        raise BehaviorConfigError("no recorded version to compare with (no golden file with samples)")
    verdicts = [_compare(field, version, alpha=alpha, mode=mode) for version in versions]
    return Identification(field.name, alpha, tuple(sorted(verdicts, key=lambda v: (v.distance, v.version))))


def _compare(field: Recorded, version: Version, *, alpha: float, mode: str) -> Verdict:
    from pytest_behavior.stats.multiplicity import holm
    from pytest_behavior.stats.similarity import paired_difference, unpaired_difference

    shared = [i for i in field.outputs if i in version.outputs]
    paired = mode == "paired" or (mode == "auto" and len(shared) >= MIN_PAIRED)
    if paired:
        if len(shared) < 2:
            raise BehaviorConfigError(
                f"paired mode: the field records share {len(shared)} input(s) with version {version.name} "
                f"({', '.join(version.files)}); a paired test needs at least 2 (use --mode unpaired)"
            )
        field_ids, version_ids = shared, shared
    else:
        field_ids = list(field.outputs)
        version_ids = [i for i in version.outputs if i not in field.outputs]
        if len(field_ids) < 2 or len(version_ids) < 2:
            raise BehaviorConfigError(
                f"unpaired mode needs at least 2 inputs on each side: the field has {len(field_ids)}, version "
                f"{version.name} has {len(version_ids)} besides the inputs both recorded"
            )
    a = _features(field, field_ids)
    b = _features(version, version_ids)
    raw = []
    for j, feature in enumerate(FEATURES):
        x, y = [row[j] for row in a], [row[j] for row in b]
        if len(set(x) | set(y)) <= 1:
            continue  # no output shows it, or every one does, on both sides: no evidence either way
        test = paired_difference if paired else unpaired_difference
        raw.append((feature, x, y, test(x, y, alpha=alpha)))
    adjusted = holm([d.p for *_, d in raw]) if raw else []
    tests = tuple(
        FeatureTest(
            feature=feature.name,
            kind=feature.kind,
            description=feature.description,
            field_mean=sum(x) / len(x),
            version_mean=sum(y) / len(y),
            estimate=d.estimate,
            lower=d.lower,
            upper=d.upper,
            p=d.p,
            p_holm=p_holm,
            z=max(-_Z_CAP, min(_Z_CAP, d.z)),
            differs=p_holm < alpha,
        )
        for (feature, x, y, d), p_holm in zip(raw, adjusted, strict=True)
    )
    distance = math.sqrt(sum(t.z**2 for t in tests) / len(tests)) if tests else 0.0
    return Verdict(
        version=version.name,
        label=version.label,
        fingerprint=version.fingerprint,
        files=version.files,
        mode="paired" if paired else "unpaired",
        field_inputs=len(field_ids),
        version_inputs=len(version_ids),
        identical=_identical(field, version, shared) if paired else 0,
        tests=tests,
        distance=distance,
    )


def _features(side: Recorded, ids: Sequence[str]) -> list[tuple[float, ...]]:
    """Each input's features: the mean over its repeats."""
    rows = []
    for input_id in ids:
        measured = [measure(output, side.questions.get(input_id)) for output in side.outputs[input_id]]
        rows.append(tuple(sum(column) / len(column) for column in zip(*measured, strict=True)))
    return rows


def _identical(field: Recorded, version: Version, shared: Sequence[str]) -> int:
    return sum(1 for i in shared if {str(o) for o in field.outputs[i]} & {str(o) for o in version.outputs[i]})


def load_field(path: Path) -> Recorded:
    """Field logs in the records format (`pytest_behavior.spec.records`); errors name the file and line."""
    from pytest_behavior.spec.records import load_records

    records = load_records(path)
    outputs: dict[str, list[Output]] = {}
    for (input_id, _), output in sorted(records.outputs.items(), key=lambda kv: kv[0]):
        outputs.setdefault(input_id, []).append(output if isinstance(output, Output) else Output(output))
    questions = {i.id: _question(i.value) for i in records.inputs}
    return Recorded(str(path), {k: tuple(v) for k, v in outputs.items()}, questions)


def load_versions(paths: Sequence[Path]) -> list[Version]:
    """The versions recorded in golden files or directories, grouped by bundle label and fingerprint; an input
    recorded by several tests of one version pools their outputs."""
    from pytest_behavior.golden.store import golden_files, load_golden

    files = list(dict.fromkeys(p for given in paths for p in golden_files(given)))
    if not files:
        raise BehaviorConfigError(f"no golden files under {', '.join(str(p) for p in paths)}")
    grouped: dict[tuple[str, str], tuple[list[str], dict[str, list[Output]], dict[str, str | None]]] = {}
    for path in files:
        record = load_golden(path)
        label = str(record.bundle.get("label") or "")
        fingerprint = str(record.bundle["fingerprint"])
        names, outputs, questions = grouped.setdefault((label, fingerprint), ([], {}, {}))
        names.append(str(path))
        for input_id, sample in record.samples.items():
            outputs.setdefault(input_id, []).extend(sample.texts)
            questions.setdefault(input_id, _question(sample.input))
    return [
        Version(
            name=f"{label} ({fingerprint[:12]})" if label else fingerprint[:12],
            outputs={k: tuple(v) for k, v in outputs.items()},
            questions=questions,
            label=label,
            fingerprint=fingerprint,
            files=tuple(names),
        )
        for (label, fingerprint), (names, outputs, questions) in grouped.items()
    ]


def _question(value: Any) -> str | None:
    """The question the refusal detector reads: a string input, or a conversation's last user message."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and isinstance(value.get("messages"), list):
        users = [m.get("content") for m in value["messages"] if isinstance(m, Mapping) and m.get("role") == "user"]
        return users[-1] if users and isinstance(users[-1], str) else None
    return None


def identify_paths(field: Path, golden: Sequence[Path], *, alpha: float = 0.05, mode: str = "auto") -> Identification:
    """``pytest-behavior identify FIELD GOLDEN...``: the records file against every version the golden files hold."""
    return identify(load_field(field), load_versions(golden), alpha=alpha, mode=mode)
