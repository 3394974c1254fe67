"""What ``behavior.sample()`` returns: the paired outputs, the verdicts, and how they were obtained."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_behavior.engine.judge import BoundVerdict, Verdict
from pytest_behavior.properties.base import Observation, Property, summarize
from pytest_behavior.sanitize import one_line
from pytest_behavior.spec.inputs import Input


@dataclass(frozen=True)
class MetricSummary:
    """A metric's value per arm: a rate for binary metrics, a median per input for continuous ones."""

    key: str
    title: str
    kind: str
    baseline: float | None
    candidate: float

    @property
    def candidate_rate(self) -> float:
        return self.candidate

    @property
    def baseline_rate(self) -> float | None:
        return self.baseline


@dataclass(frozen=True)
class ArmInfo:
    """Where an arm's samples came from, and what they cost (the operational numbers a model card leaves out)."""

    label: str
    fingerprint: str | None
    source: str  # "live", "model", "callable", "golden:<path>", "records"; "judge" for an LLM judge's calls
    requested: int = 0
    cached: int = 0
    cost_usd: float | None = None  # of the samples judged, cached ones at their recorded cost; None: unknown
    latency_p50_ms: float | None = None
    latency_p95_ms: float | None = None
    ttft_p50_ms: float | None = None  # time to first token, of the streamed samples (None: none streamed)
    ttft_p95_ms: float | None = None
    outputs: int = 0  # outputs of this arm in the comparison
    empty_outputs: int = 0  # of those, answers with no text and no tool call (`content: null`, "", whitespace)

    @property
    def empty_rate(self) -> float | None:
        return None if not self.outputs else self.empty_outputs / self.outputs


def arm_info(
    label: str,
    fingerprint: str | None,
    source: str,
    payloads: Sequence[Mapping[str, Any]],
    *,
    requested: int = 0,
    cached: int = 0,
) -> ArmInfo:
    """An `ArmInfo` with the total cost, latency p50/p95 and time-to-first-token p50/p95 of the sample payloads
    judged (None where none recorded one), and how many of them were empty."""
    costs = [float(p["cost_usd"]) for p in payloads if p.get("cost_usd") is not None]
    latencies = sorted(float(p["latency_ms"]) for p in payloads if p.get("latency_ms") is not None)
    ttfts = sorted(float(p["ttft_ms"]) for p in payloads if p.get("ttft_ms") is not None)
    return ArmInfo(
        label,
        fingerprint,
        source,
        requested,
        cached,
        cost_usd=sum(costs) if costs else None,
        latency_p50_ms=_quantile(latencies, 0.5) if latencies else None,
        latency_p95_ms=_quantile(latencies, 0.95) if latencies else None,
        ttft_p50_ms=_quantile(ttfts, 0.5) if ttfts else None,
        ttft_p95_ms=_quantile(ttfts, 0.95) if ttfts else None,
        outputs=len(payloads),
        empty_outputs=sum(1 for p in payloads if is_empty_payload(p)),
    )


def is_empty_payload(payload: Mapping[str, Any]) -> bool:
    """An answer with nothing in it: no text (null, "" or whitespace only) and no tool call.

    Providers return these on content filters, a ``max_tokens`` spent on reasoning, or an error served as a
    200; recorded as a golden baseline they would silently define "normal" as saying nothing.
    """
    return not str(payload.get("text") or "").strip() and not payload.get("tool_calls")


def _quantile(ordered: Sequence[float], q: float) -> float:
    """Linear interpolation between order statistics (numpy's default method), without importing numpy."""
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


DRIFT_NOTE = (
    "same bundle fingerprint as the baseline, yet a bound on the change between them regressed: the "
    "provider changed the model under the same name, or sampling settings outside the fingerprint differ"
)
"""The one wording of provider drift, in every report (terminal diff and summary, JSON, JUnit, GitHub, HTML)."""


def provider_drift(result: Comparison) -> bool:
    """Provider drift: the two arms are one bundle (equal, known fingerprints) and a *paired change* bound
    (``max_increase``, ``max_decrease``, a ratio, ``max_share_change``) regressed between them.

    The one rule every report uses. An absolute bound (``max_rate``, ``min_rate``) broken on both sides is a
    level the bundle never met, not a change, so it is never drift; a callable without a fingerprint never
    claims it either.
    """
    baseline = result.baseline
    return bool(
        baseline is not None
        and baseline.fingerprint
        and baseline.fingerprint == result.candidate.fingerprint
        and any(v.relative for v in result.regressed)
    )


@dataclass(frozen=True)
class SequentialInfo:
    """How a sequential test stopped: inputs used of the budget, and samples requested vs the fixed-N plan."""

    n_used: int
    n_max: int
    stopped_early: bool

    @property
    def saved(self) -> int:
        return self.n_max - self.n_used


@dataclass(frozen=True)
class Comparison:
    """The result of one behavioral spec; the plugin fails the test on any REGRESSED verdict."""

    test: str
    mode: str
    candidate: ArmInfo
    baseline: ArmInfo | None
    inputs: tuple[Input, ...]
    paired_ids: tuple[str, ...]
    baseline_only: tuple[str, ...]
    candidate_only: tuple[str, ...]
    verdicts: tuple[BoundVerdict, ...]
    candidate_outputs: Mapping[str, tuple[str, ...]]
    baseline_outputs: Mapping[str, tuple[str, ...]] | None
    properties: tuple[Property, ...] = field(repr=False)
    observations: tuple[tuple[str, Observation], ...] = field(repr=False)
    golden_path: Path | None = None
    golden_written: bool = False
    changed_ids: tuple[str, ...] = ()  # same id as in the golden file, different input: not paired
    stale_ids: tuple[str, ...] = ()  # in the golden file, no longer among the spec's inputs
    short_ids: tuple[str, ...] = ()  # an arm's records hold some but fewer than the requested repeats: not paired

    @property
    def pairing_notes(self) -> list[str]:
        """What a reviewer should know about inputs that were not judged (shown on pass and on failure)."""
        return pairing_lines(self)

    sequential: SequentialInfo | None = None  # set when the test ran in sequential mode
    budget_note: str | None = None  # set when a budget stopped sampling before every input was sampled
    notes: tuple[str, ...] = ()  # further pairing notes of the spec (an invariance spec's inputs without a twin)
    judges: tuple[ArmInfo, ...] = ()  # the LLM judges' calls, one entry per judge model (label: the model)

    @property
    def regressed(self) -> tuple[BoundVerdict, ...]:
        """Every REGRESSED verdict, overall or in a segment (either fails the test)."""
        return tuple(v for v in self.verdicts if v.verdict is Verdict.REGRESSED)

    @property
    def inconclusive(self) -> tuple[BoundVerdict, ...]:
        """Overall INCONCLUSIVE verdicts (an undecided segment is shown in the diff, but neither warns nor fails:
        small segments are usually undecided, and the overall verdict is the question asked)."""
        return tuple(v for v in self.verdicts if v.verdict is Verdict.INCONCLUSIVE and v.segment is None)

    @property
    def segments(self) -> tuple[str, ...]:
        """Segments judged separately, in order of first appearance."""
        return tuple(dict.fromkeys(v.segment for v in self.verdicts if v.segment is not None))

    @property
    def passed(self) -> bool:
        return not self.regressed

    @property
    def provider_drift(self) -> bool:
        """See `provider_drift`."""
        return provider_drift(self)

    @property
    def unjudged(self) -> tuple[str, ...]:
        """Bounds on the change against a baseline that could not be judged for want of one (``--behavior-update``
        records the candidate alone): ``"refusal rate max_increase=0.03"``. The next ``--behavior-baseline`` run
        judges them against the recording."""
        if self.baseline_outputs is not None:
            return ()
        found = []
        for prop in self.properties:
            share = getattr(prop, "max_share_change", None)  # one bound as written, judged per category found
            if share is not None:
                found.append(f"{prop.metrics()[0].title} max_share_change={share:g}")
                continue
            found += [
                f"{metric.title} {bound}" for metric in prop.metrics() for bound in metric.bounds if bound.relative
            ]
        return tuple(dict.fromkeys(found))

    def metric(self, key: str) -> MetricSummary:
        """A metric by key (``"refusal"``, ``"schema.invalid"``) or unique prefix (``"length"``)."""
        matches = [obs for _, obs in self.observations if obs.metric.key == key] or [
            obs for _, obs in self.observations if obs.metric.key.startswith(key + ".")
        ]
        if len(matches) != 1:
            known = ", ".join(obs.metric.key for _, obs in self.observations) or "none"
            raise KeyError(f"no single metric {key!r} in this comparison (metrics: {known})")
        obs = matches[0]
        kind = obs.metric.kind
        return MetricSummary(
            key=obs.metric.key,
            title=obs.metric.title,
            kind=kind,
            baseline=None
            if obs.baseline is None
            else summarize(kind, obs.baseline, quantile=obs.metric.summary_quantile),
            candidate=summarize(kind, obs.candidate, quantile=obs.metric.summary_quantile),
        )

    def __getattr__(self, name: str) -> MetricSummary:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self.metric(name)
        except KeyError as exc:
            raise AttributeError(str(exc)) from None


def pairing_lines(result: Comparison) -> list[str]:
    """Inputs that could not be paired, and why; empty when every input was judged."""
    lines = [] if result.budget_note is None else [result.budget_note]
    if result.changed_ids:
        lines.append(
            f"{len(result.changed_ids)} input(s) differ from the golden file under the same id and were "
            f"not judged: {_ids(result.changed_ids)} (re-record with --behavior-update)"
        )
    if result.stale_ids:
        lines.append(f"{len(result.stale_ids)} golden input(s) are no longer in the spec: {_ids(result.stale_ids)}")
    short = set(result.short_ids)
    for arm, ids in (("baseline", result.candidate_only), ("candidate", result.baseline_only)):
        if lacking := [i for i in ids if i in short]:
            lines.append(
                f"{len(lacking)} input(s) lack a repeat on the {arm} side (its records hold fewer repeats "
                f"than requested) and were not judged: {_ids(lacking)}"
            )
    if candidate_only := [i for i in result.candidate_only if i not in short]:
        lines.append(
            f"{len(candidate_only)} input(s) have no baseline sample and were not judged: "
            f"{_ids(candidate_only)} (re-record the baseline with --behavior-update to include them)"
        )
    if baseline_only := [i for i in result.baseline_only if i not in short]:
        lines.append(f"{len(baseline_only)} baseline input(s) have no candidate sample: {_ids(baseline_only)}")
    return [*lines, *result.notes]


def _ids(ids: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(one_line(i) for i in ids[:limit])
    return shown + (f", ... (+{len(ids) - limit})" if len(ids) > limit else "")
