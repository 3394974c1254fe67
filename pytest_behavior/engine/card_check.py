"""Drift since recorded: ``pytest-behavior card golden/ --check`` resamples a seeded subset of each golden file live.

For each golden file of a model bundle, the `Bundle` is rebuilt from the recorded description and must reproduce the
recorded fingerprint (else the file cannot be checked: the description does not hold everything the fingerprint
covers). ``n`` inputs, a subset seeded by ``seed``, are asked again with the recorded prompt template, repeats and
sampling seed, never from the cache (a fresh sample is the point), and judged against the recorded outputs with the
file's own recorded properties, paired by input id, exactly as ``pytest-behavior diff`` judges two files
(`pytest_behavior.engine.golden_compare.compare_golden`). Both arms are one bundle (one fingerprint), so a regressed
paired bound is provider drift: the model behind the name changed.

Files that cannot be resampled faithfully are listed with the reason, never guessed at: records and app bundles
(no model to call), answers stored cut that a property reads whole, follow-up conversations and context sweeps
(their turns and filler are built by the test's code at sampling time), and files none of whose properties can be
rebuilt offline.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pytest_behavior.bundle import Bundle
from pytest_behavior.engine.golden_compare import GoldenDiff, compare_golden, rebuild_properties
from pytest_behavior.golden.store import GoldenRecord, GoldenSample
from pytest_behavior.properties.base import Property
from pytest_behavior.spec.inputs import Input, subset

NOT_RESAMPLED = {
    "context_sweep": "context_sweep pads each prompt with filler at sampling time",
}
"""Markers whose prompts the golden file does not hold as sent."""


@dataclass(frozen=True)
class Unchecked:
    """A golden file the check leaves out, and why."""

    path: Path
    test: str
    label: str
    reason: str


@dataclass(frozen=True)
class Target:
    """A golden file to resample: its bundle rebuilt, the recorded subset (``baseline``) and the inputs to ask."""

    path: Path
    baseline: GoldenRecord
    bundle: Bundle
    inputs: tuple[Input, ...]
    repeats: int

    @property
    def calls(self) -> int:
        return len(self.inputs) * self.repeats


@dataclass(frozen=True)
class CheckPlan:
    targets: tuple[Target, ...]
    unchecked: tuple[Unchecked, ...]

    @property
    def calls(self) -> int:
        """Live calls the check makes (one per input and repeat, no retries counted)."""
        return sum(t.calls for t in self.targets)


@dataclass(frozen=True)
class FileCheck:
    """One golden file judged against its fresh sample."""

    target: Target
    diff: GoldenDiff

    @property
    def drifted(self) -> bool:
        """A paired change bound regressed between the recording and now, with one fingerprint on both sides."""
        return bool(self.diff.comparison.provider_drift)


def rebuild_bundle(record: GoldenRecord) -> Bundle | str:
    """The model bundle a golden file recorded, or why it cannot be rebuilt (a sentence)."""
    bundle, description = record.bundle, record.bundle.get("description")
    if not isinstance(description, Mapping):
        return "the file records no bundle description"
    kind = description.get("kind")
    if kind != "model":
        source = "a records file" if kind == "records" else "application code" if kind == "callable" else "unknown"
        return f"a {kind} bundle: its outputs come from {source}, not from a model the check can call"
    fields = ("system", "prompt", "temperature", "tools", "response_format")
    params = description.get("params") or {}
    try:
        rebuilt = Bundle(
            description.get("model"),
            label=str(bundle.get("label") or description.get("model")),
            litellm_params=dict(params) if isinstance(params, Mapping) else params,
            **{name: description[name] for name in fields if name in description},
        )
    except TypeError as exc:
        return f"its recorded description does not make a Bundle ({exc})"
    recorded = bundle.get("fingerprint")
    if rebuilt.fingerprint != recorded:
        return (
            f"the bundle rebuilt from its recorded description has fingerprint {rebuilt.fingerprint[:12]}, the file "
            f"records {str(recorded)[:12]}: the description does not hold everything the fingerprint covers (a "
            "header recorded as a digest, an older plugin version) or the file was edited"
        )
    return rebuilt


def plan_check(
    records: Sequence[tuple[Path, GoldenRecord]], *, n: int, seed: int = 0, raise_for_tails: bool = False
) -> CheckPlan:
    """Which files can be checked, their bundles and the seeded subset of ``n`` inputs of each.

    ``raise_for_tails``: a file with a bound on a tail (a p95 ratio, a distribution shape), which is not judged
    below `tail_inputs` inputs, resamples that many instead of ``n`` (``card --check`` without ``--check-n``)."""
    if n < 1:
        raise ValueError(f"--check-n must be at least 1, got {n}")
    targets, unchecked = [], []
    for path, record in records:
        target = _target(path, record, n=n, seed=seed, raise_for_tails=raise_for_tails)
        if isinstance(target, str):
            unchecked.append(Unchecked(path, record.test, str(record.bundle.get("label", "?")), target))
        else:
            targets.append(target)
    return CheckPlan(tuple(targets), tuple(unchecked))


def tail_inputs(properties: Sequence[Property], repeats: int) -> int:
    """The fewest inputs every tail bound of ``properties`` is judged at (0: none bounds a tail)."""
    from pytest_behavior.stats.quantile import inputs_needed

    needed = [
        inputs_needed(metric.profile or (metric.summary_quantile or 0.95,), repeats)
        for prop in properties
        for metric in prop.metrics()
        if metric.profile or any(bound.form == "max_p95_ratio" for bound in metric.bounds)
    ]
    return max(needed, default=0)


def _target(path: Path, record: GoldenRecord, *, n: int, seed: int, raise_for_tails: bool) -> Target | str:
    bundle = rebuild_bundle(record)
    if isinstance(bundle, str):
        return bundle
    if record.follow_ups:
        return "recorded with follow-up turns, which the test's code builds: re-run the test against its golden file"
    for marker, why in NOT_RESAMPLED.items():
        if marker in record.markers:
            return f"{why}: re-run the test against its golden file (--behavior-baseline)"
    rebuilt = rebuild_properties(record.properties)
    if not rebuilt.properties:
        return f"none of its recorded properties can be rebuilt from the file ({'; '.join(rebuilt.skipped)})"
    readers = [prop.marker_name for prop in rebuilt.properties if prop.reads_whole_text]
    if readers and any(o.truncated is not None for s in record.samples.values() for o in s.texts):
        return (
            f"its answers are stored cut (--behavior-max-stored-chars) and {readers[0]} reads whole answers: a cut "
            "answer would read as a change; re-record it with a larger --behavior-max-stored-chars"
        )
    everything = [Input(i, s.input, s.segment) for i, s in record.samples.items() if s.outputs]
    if not everything:
        return "it holds no recorded output"
    repeats = int(record.settings.get("repeats") or 1)
    if raise_for_tails:
        n = max(n, tail_inputs(rebuilt.properties, repeats))
    chosen = subset(everything, n=n, seed=seed)
    streamed = any(o.get("ttft_ms") is not None for s in record.samples.values() for o in s.outputs)
    baseline = replace(record, samples={i.id: record.samples[i.id] for i in chosen})
    return Target(path, baseline, bundle.streamed(streamed), tuple(chosen), repeats)


async def check(plan: CheckPlan, *, alpha: float = 0.05, concurrency: int = 8) -> list[FileCheck]:
    """Resample every target live (cache off) and judge it against its recording.

    Raises `pytest_behavior.errors.ProviderError` when the provider fails (an error, never drift)."""
    from pytest_behavior.config.settings import STREAMED_IN_FLIGHT
    from pytest_behavior.sampling.cache import SampleCache
    from pytest_behavior.sampling.calls import SamplingPlan
    from pytest_behavior.sampling.runner import sample_arms

    cache = SampleCache(Path(".behavior-cache"), mode="off")  # never read: what the provider serves now
    # Bonferroni over a bundle's files: a bundle "drifted" when any file did, at most alpha when none changed
    files_of = Counter(target.bundle.fingerprint for target in plan.targets)
    results = []
    for target in plan.targets:
        sampling = SamplingPlan(
            template=_template(target.baseline),
            repeats=target.repeats,
            seed=int(target.baseline.settings.get("seed") or 0),
            concurrency=concurrency,
            stream_concurrency=STREAMED_IN_FLIGHT,  # a truer time to first token, as the plugin samples by default
        )
        arm = (await sample_arms({"candidate": target.bundle}, target.inputs, sampling, cache))["candidate"]
        live = _live_record(target, {k: tuple(c.to_payload() for c in v) for k, v in arm.outputs.items()})
        diff = compare_golden(
            target.baseline,
            live,
            alpha=alpha / files_of[target.bundle.fingerprint],
            baseline_source=f"recorded {target.baseline.recorded_at or '?'}",
            candidate_source="live now",
        )
        arm_info = replace(diff.comparison.candidate, requested=arm.requested, cached=arm.cached)
        results.append(FileCheck(target, replace(diff, comparison=replace(diff.comparison, candidate=arm_info))))
    return results


def _template(record: GoldenRecord) -> str | None:
    prompt = record.settings.get("prompt")
    return prompt if isinstance(prompt, str) else None


def _live_record(target: Target, outputs: Mapping[str, tuple[Mapping[str, Any], ...]]) -> GoldenRecord:
    """The fresh sample as a golden record of the same test and bundle (never written)."""
    base = target.baseline
    samples = {
        i.id: GoldenSample(input=i.value, segment=i.segment, outputs=outputs[i.id])
        for i in target.inputs
        if i.id in outputs
    }
    return replace(base, recorded_at=dt.date.today().isoformat(), samples=samples, judged={})
