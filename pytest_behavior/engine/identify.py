"""Which recorded version do field logs behave like? The engine of ``pytest-behavior identify``.

A *version* is a recorded bundle (`identify_files` pools its golden files). For each version, each feature of
`identify_features` is compared between the field outputs and the version's outputs, input by input:

- *paired*, on the inputs both recorded (matched by input id, the plugin's id scheme), when there are at least
  `MIN_PAIRED` of them (``mode="auto"``) or when asked (``mode="paired"``);
- *unpaired* otherwise: the field's inputs against the version's other inputs (inputs both hold are left out of
  the version's side, so the two samples are independent), a two-sample test per feature. In ``auto`` mode a
  version sharing fewer than `MIN_PAIRED` inputs gets whichever test compares more inputs (paired on a tie); a
  version neither test can compare (fewer than 2 inputs) is *not compared*, and the others still are.

Like with like: an input's value is the mean over its first ``r`` repeats on both sides, ``r`` the fewest repeats
any compared input has on either side (a mean over 5 repeats against single 0/1 answers differs in shape, and a
rank test would read that as a difference of behaviour).

Per version the features' p-values are Holm-adjusted (features that no output shows on either side carry no
evidence and are left out); a version is *consistent* when no feature differs at ``alpha``. Its distance is the
root mean square of the features' standardized differences (estimate / standard error). The outcome:

- *match*: the nearest consistent version, compared on at least `MIN_NAMED` inputs, when it is the only one or
  the field records are told apart from every other consistent version (on some feature the field's mean lies
  significantly on the nearest's side of the midpoint between the two versions, on none on the other's side:
  `stats.similarity.nearer_side`, Holm across features);
- *like none*: every compared version differs (drift, or a version not recorded), the nearest one's breaking
  features as the evidence;
- *inconclusive*: two or more versions are consistent and the field records cannot tell them apart, or the
  nearest consistent version was compared on too few inputs to be named.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from dataclasses import field as data_field
from typing import Any

from pytest_behavior.engine.identify_features import FEATURES, measure
from pytest_behavior.errors import BehaviorConfigError
from pytest_behavior.spec.output import Output

MIN_PAIRED = 10
"""Overlapping inputs from which ``auto`` mode always pairs (fewer: the test that compares more inputs)."""
MIN_NAMED = 20
"""Fewest compared inputs (paired: shared inputs; unpaired: the smaller side) for naming a version. With up to 12
features Holm's first threshold is alpha / 12, and the smallest two-sided signed-rank p on n inputs is 2^(1-n):
below 9 inputs no feature can differ at all, so "consistent" would carry no evidence; 20 leaves room for a change
on part of the inputs to show."""
MIN_INPUTS = 2
"""Fewest inputs per side for any test."""
MODES = ("auto", "paired", "unpaired")
NOT_COMPARED = "not compared"
OUTCOME_STATUS = {"match": 0, "like_none": 1, "inconclusive": 3}
"""The exit status of each outcome (2 is a usage or file error)."""
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
class LeftOut:
    """A golden file not pooled into its version, and why."""

    path: str
    reason: str


@dataclass(frozen=True)
class FeatureTest:
    """One feature's comparison: means per side, the estimate (field - version) and its unadjusted 1 - alpha
    interval (a rate difference clipped to [-1, 1]), the rank test's raw p and its Holm-adjusted p."""

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
    """The comparison of the field outputs with one version (``mode`` `NOT_COMPARED`: ``reason`` says why)."""

    version: str
    label: str
    fingerprint: str
    files: tuple[str, ...]
    mode: str
    field_inputs: int
    version_inputs: int
    repeats: int
    """Repeats per input compared on both sides (each input's first ``repeats``)."""
    unused_outputs: int
    """Outputs beyond the first ``repeats`` of an input, left out (either side)."""
    identical: int
    """Paired inputs whose field output is byte-identical to one the version recorded (a replay, or a cache)."""
    tests: tuple[FeatureTest, ...]
    distance: float
    reason: str = ""
    field_rows: tuple[tuple[float, ...], ...] = data_field(default=(), repr=False, compare=False)
    """Each compared field input's features (`FEATURES` order), as compared with this version."""
    version_rows: tuple[tuple[float, ...], ...] = data_field(default=(), repr=False, compare=False)
    identical_ids: frozenset[str] = data_field(default=frozenset(), repr=False, compare=False)
    """The paired inputs counted in ``identical``; ``compared_ids``: the field inputs compared."""
    compared_ids: frozenset[str] = data_field(default=frozenset(), repr=False, compare=False)

    @property
    def compared(self) -> bool:
        return self.mode != NOT_COMPARED

    @property
    def inputs(self) -> int:
        """The compared inputs: the shared ones (paired), the smaller side (unpaired)."""
        return self.field_inputs if self.mode == "paired" else min(self.field_inputs, self.version_inputs)

    @property
    def consistent(self) -> bool:
        return self.compared and not any(t.differs for t in self.tests)

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
            "reason": self.reason or None,
            "field_inputs": self.field_inputs,
            "version_inputs": self.version_inputs,
            "compared_inputs": self.inputs if self.compared else 0,
            "repeats": self.repeats,
            "unused_outputs": self.unused_outputs,
            "identical_outputs": self.identical,
            "consistent": self.consistent,
            "distance": _finite(self.distance),
            "features": [t.to_json() for t in self.tests],
        }


@dataclass(frozen=True)
class Separation:
    """Whether the field records are nearer the nearest consistent version than ``other``, also consistent: the
    feature with the strongest evidence (Welch t toward the nearest, positive; Holm-adjusted p), if any."""

    other: str
    apart: bool
    feature: str = ""
    t: float = 0.0
    p_holm: float = 1.0

    def to_json(self) -> dict[str, Any]:
        return {k: _finite(v) for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class Identification:
    field: str
    alpha: float
    verdicts: tuple[Verdict, ...]
    """Nearest first; versions not compared last."""
    left_out: tuple[LeftOut, ...] = ()
    separations: tuple[Separation, ...] = ()
    """The nearest consistent version against each other consistent one."""

    @property
    def candidates(self) -> tuple[Verdict, ...]:
        """The consistent versions, nearest first."""
        return tuple(v for v in self.verdicts if v.consistent)

    @property
    def outcome(self) -> str:
        """``match``, ``like_none`` or ``inconclusive`` (see the module docstring)."""
        candidates = self.candidates
        if not candidates:
            return "like_none"
        named = candidates[0].inputs >= MIN_NAMED and all(s.apart for s in self.separations)
        return "match" if named else "inconclusive"

    @property
    def not_told_apart(self) -> tuple[Verdict, ...]:
        """The consistent versions the field records cannot tell from the nearest one (the nearest first)."""
        apart = {s.other for s in self.separations if s.apart}
        return tuple(v for v in self.candidates if v.version not in apart)

    @property
    def best(self) -> Verdict | None:
        """The named version: the nearest consistent version, on enough inputs, told apart from any other; else
        None."""
        return self.candidates[0] if self.outcome == "match" else None

    @property
    def nearest(self) -> Verdict:
        return self.verdicts[0]

    @property
    def status(self) -> int:
        return OUTCOME_STATUS[self.outcome]

    def to_json(self) -> dict[str, Any]:
        best, outcome = self.best, self.outcome
        return {
            "field": self.field,
            "alpha": self.alpha,
            "outcome": outcome,
            "best_match": best.version if best else None,
            "like_none": outcome == "like_none",
            "cannot_tell_apart": [v.version for v in self.not_told_apart] if outcome == "inconclusive" else [],
            "told_apart": [s.to_json() for s in self.separations],
            "nearest": self.nearest.version,
            "min_named_inputs": MIN_NAMED,
            "left_out": [{"path": f.path, "reason": f.reason} for f in self.left_out],
            "versions": [v.to_json() for v in self.verdicts],
        }


def _finite(value: Any) -> Any:
    """JSON has no infinity: an unbounded interval end is written as null."""
    return None if isinstance(value, float) and not math.isfinite(value) else value


def identify(
    field: Recorded,
    versions: Sequence[Version],
    *,
    alpha: float = 0.05,
    mode: str = "auto",
    left_out: Sequence[LeftOut] = (),
) -> Identification:
    """Compare ``field`` with each version; verdicts nearest first. Raises when no version can be compared."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    if not versions:
        raise BehaviorConfigError("no recorded version to compare with (no golden file with samples)")
    verdicts = [_compare(field, version, alpha=alpha, mode=mode) for version in versions]
    if not any(v.compared for v in verdicts):
        reasons = "; ".join(f"version {v.version} ({', '.join(v.files) or 'no file'}): {v.reason}" for v in verdicts)
        raise BehaviorConfigError(f"no version could be compared with the field records {field.name}: {reasons}")
    ordered = sorted(verdicts, key=lambda v: (not v.compared, v.distance, v.version))
    candidates = [v for v in ordered if v.consistent]
    separations = tuple(_separate(candidates[0], other, alpha=alpha) for other in candidates[1:])
    return Identification(field.name, alpha, tuple(ordered), tuple(left_out), separations)


def _separate(nearest: Verdict, other: Verdict, *, alpha: float) -> Separation:
    """Told apart: on some feature the field's mean is significantly on the nearest's side of the midpoint between
    the two versions' means, and on none on the other's side (Holm across the features that vary); when both are
    paired, byte-identical outputs join as one more feature (identical to one version's and not the other's)."""
    from pytest_behavior.stats.multiplicity import holm
    from pytest_behavior.stats.similarity import discordant_sign, nearer_side

    sides = []
    for j, feature in enumerate(FEATURES):
        f, a, b = ([row[j] for row in rows] for rows in (nearest.field_rows, nearest.version_rows, other.version_rows))
        if len(set(f) | set(a) | set(b)) > 1:
            sides.append((feature.name, *nearer_side(f, a, b)))
    if nearest.mode == other.mode == "paired":
        # a replay: on the inputs both versions were paired on, identical to one and not the other (a sign test)
        both = nearest.compared_ids & other.compared_ids
        only_nearest = len((nearest.identical_ids - other.identical_ids) & both)
        only_other = len((other.identical_ids - nearest.identical_ids) & both)
        if only_nearest or only_other:
            sides.append(("identical_outputs", *discordant_sign(only_nearest, only_other)))
    adjusted = holm([p for *_, p in sides]) if sides else []
    shown = sorted(zip(sides, adjusted, strict=True), key=lambda s: (s[1], -abs(s[0][1])))
    toward = [(name, t, p) for (name, t, _), p in shown if p < alpha]
    if not toward or any(t < 0 for _, t, _ in toward):
        return Separation(other.version, False)
    name, t, p = toward[0]
    return Separation(other.version, True, name, t, p)


def _choose(field: Recorded, version: Version, mode: str) -> tuple[str, list[str], list[str], str]:
    """The test for one version: (mode, field ids, version ids, why not compared)."""
    field_ids = [i for i, outputs in field.outputs.items() if outputs]
    shared = [i for i in field_ids if version.outputs.get(i)]
    others = [i for i, outputs in version.outputs.items() if outputs and i not in field.outputs]
    can = {"paired": len(shared) >= MIN_INPUTS, "unpaired": min(len(field_ids), len(others)) >= MIN_INPUTS}
    chosen = mode
    if mode == "auto":
        more_paired = len(shared) >= MIN_PAIRED or len(shared) >= min(len(field_ids), len(others))
        chosen = "paired" if more_paired else "unpaired"
        if not can[chosen]:
            chosen = "unpaired" if chosen == "paired" else "paired"
    if can[chosen]:
        return chosen, shared if chosen == "paired" else field_ids, shared if chosen == "paired" else others, ""
    paired_counts = f"it shares {len(shared)} input(s) with the field records (a paired test needs {MIN_INPUTS})"
    unpaired_counts = (
        f"the field records hold {len(field_ids)} input(s) and it records {len(others)} other(s) (an unpaired test "
        f"needs {MIN_INPUTS} on each side)"
    )
    if mode == "paired":
        return NOT_COMPARED, field_ids, others, f"too few inputs for the paired test: {paired_counts}"
    if mode == "unpaired":
        return NOT_COMPARED, field_ids, others, f"too few inputs for the unpaired test: {unpaired_counts}"
    return NOT_COMPARED, field_ids, others, f"too few inputs for either test: {paired_counts}; {unpaired_counts}"


def _compare(field: Recorded, version: Version, *, alpha: float, mode: str) -> Verdict:
    from pytest_behavior.stats.multiplicity import holm
    from pytest_behavior.stats.similarity import paired_difference, unpaired_difference

    mode, field_ids, version_ids, reason = _choose(field, version, mode)
    base = Verdict(
        version=version.name,
        label=version.label,
        fingerprint=version.fingerprint,
        files=version.files,
        mode=mode,
        field_inputs=len(field_ids),
        version_inputs=len(version_ids),
        repeats=0,
        unused_outputs=0,
        identical=0,
        tests=(),
        distance=math.inf,
        reason=reason,
    )
    if mode == NOT_COMPARED:
        return base
    sides = ((field, field_ids), (version, version_ids))
    repeats = min(len(side.outputs[i]) for side, ids in sides for i in ids)
    unused = sum(len(side.outputs[i]) - repeats for side, ids in sides for i in ids)
    a = _features(field, field_ids, repeats)
    b = _features(version, version_ids, repeats)
    paired = mode == "paired"
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
            # a rate difference lies in [-1, 1]: a t interval on few inputs can reach past it
            lower=max(-1.0, d.lower) if feature.kind == "rate" else d.lower,
            upper=min(1.0, d.upper) if feature.kind == "rate" else d.upper,
            p=d.p,
            p_holm=p_holm,
            z=max(-_Z_CAP, min(_Z_CAP, d.z)),
            differs=p_holm < alpha,
        )
        for (feature, x, y, d), p_holm in zip(raw, adjusted, strict=True)
    )
    distance = math.sqrt(sum(t.z**2 for t in tests) / len(tests)) if tests else 0.0
    identical = _identical(field, version, field_ids) if paired else frozenset()
    return replace(
        base,
        repeats=repeats,
        unused_outputs=unused,
        identical=len(identical),
        identical_ids=identical,
        compared_ids=frozenset(field_ids),
        tests=tests,
        distance=distance,
        field_rows=tuple(a),
        version_rows=tuple(b),
    )


def _features(side: Recorded, ids: Sequence[str], repeats: int) -> list[tuple[float, ...]]:
    """Each input's features: the mean over its first ``repeats`` repeats."""
    rows = []
    for input_id in ids:
        outputs = side.outputs[input_id][:repeats]
        measured = [measure(output, side.questions.get(input_id)) for output in outputs]
        rows.append(tuple(sum(column) / len(column) for column in zip(*measured, strict=True)))
    return rows


def _identical(field: Recorded, version: Version, shared: Sequence[str]) -> frozenset[str]:
    return frozenset(i for i in shared if {str(o) for o in field.outputs[i]} & {str(o) for o in version.outputs[i]})
