"""One behavioral spec, end to end: inputs -> samples -> observations -> verdicts -> golden file.

Pure orchestration over the other modules; the pytest fixture (`pytest_behavior.config.fixture`) calls
`run_spec` and the plugin turns the returned `Comparison` into a pass, a failure or a warning.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_behavior.bundle import Bundle
from pytest_behavior.config.settings import RunSettings
from pytest_behavior.engine.comparison import ArmInfo, Comparison, SequentialInfo, arm_info
from pytest_behavior.engine.golden_checks import (
    check_compatible,
    check_whole_baseline,
    judge_detectors,
    offline_detectors,
    warn_at_test,
)
from pytest_behavior.engine.judge import judge, judge_sequential
from pytest_behavior.engine.judged_record import judged_summaries
from pytest_behavior.engine.preload import finish_preload as finish_preload
from pytest_behavior.engine.preload import preload_statistics as preload_statistics
from pytest_behavior.engine.sequential import BoundKey
from pytest_behavior.engine.sequential_sampling import LIVE_REFERENCE_INPUTS as LIVE_REFERENCE_INPUTS
from pytest_behavior.engine.sequential_sampling import _needs_reference as _needs_reference  # tests import it here
from pytest_behavior.engine.sequential_sampling import sample_sequentially, shuffled
from pytest_behavior.errors import BehaviorConfigError, BehaviorPairingWarning, BudgetExhaustedError
from pytest_behavior.golden.store import GoldenRecord, GoldenSample, golden_path, read_golden, write_golden
from pytest_behavior.properties.base import Observation, Property
from pytest_behavior.sampling.budget import BudgetGate
from pytest_behavior.sampling.cache import SampleCache
from pytest_behavior.sampling.runner import ArmSamples, SamplingMonitor, SamplingPlan, sample_arms
from pytest_behavior.spec.follow_up import FollowUps, check_templates
from pytest_behavior.spec.inputs import (
    Input,
    InputValue,
    canonical_json,
    check_fields,
    fill_template,
    resolve_inputs,
    subset,
)
from pytest_behavior.spec.output import capped_payload, with_input
from pytest_behavior.version import __version__

if TYPE_CHECKING:
    from pytest_behavior.stats import SequentialResult


@dataclass(frozen=True)
class Spec:
    """What one test asks for: inputs, prompt template, repeats, and the properties of its markers."""

    nodeid: str
    properties: tuple[Property, ...]
    inputs: Sequence[InputValue] | str | Path | None
    template: str | None
    n: int | None
    repeats: int
    sequential: bool = False
    location: tuple[str, int] | None = None
    """The test's file and line (1-based): warnings about this spec point there, not at the plugin's code."""
    follow_up: FollowUps | None = None
    """Turns asked after each first answer (`spec.follow_up`); such a spec is sampled all at once."""
    pad: Callable[[Bundle, Input, list[Any]], list[Any]] | None = field(default=None, compare=False)
    """Rewrites each model prompt before it is sent (``context_sweep``'s filler; `SamplingPlan.pad`)."""


@dataclass(frozen=True)
class Baseline:
    info: ArmInfo
    outputs: Mapping[str, tuple[str, ...]] | None
    recorded_inputs: Mapping[str, Any] | None = None  # golden files: the input recorded under each id
    short: tuple[str, ...] = ()  # records: inputs held with fewer repeats than requested


async def run_spec(
    spec: Spec,
    settings: RunSettings,
    *,
    candidate: Bundle,
    baseline: Bundle | None,
    cache: SampleCache,
    gate: BudgetGate | None = None,
    monitor: SamplingMonitor | None = None,
) -> Comparison:
    if spec.repeats < 1:
        raise BehaviorConfigError(f"repeats must be at least 1, got {spec.repeats}")
    inputs, all_ids = _inputs(spec, settings, candidate, baseline)
    plan = SamplingPlan(
        template=spec.template,
        repeats=spec.repeats,
        seed=settings.seed,
        concurrency=settings.concurrency,
        stream_concurrency=settings.stream_concurrency,
        gate=gate,
        monitor=monitor,
        before_requests=preload_statistics,
        follow_ups=spec.follow_up,
        pad=spec.pad,
    )
    arms = {"candidate": candidate}
    if settings.mode == "live":
        assert baseline is not None
        arms["baseline"] = baseline
    golden = None
    path = golden_path(settings.baseline_golden_dir or settings.golden_dir, spec.nodeid)
    if settings.mode == "golden":
        golden = read_golden(path, nodeid=spec.nodeid)
        check_compatible(golden, spec, path)
        check_whole_baseline(spec, {k: s.texts for k, s in golden.samples.items()}, path)
    progress: SequentialInfo | None = None
    decisions: Mapping[BoundKey, SequentialResult] | None = None
    for prop in spec.properties:  # a missing reference answer is found before anything is paid for
        check_fields(inputs, prop.input_fields(), needed_by=f"@pytest.mark.{prop.marker_name}")
    if spec.follow_up is not None:  # so is a follow-up template's missing field
        check_templates(spec.follow_up, inputs, fill=lambda t, f, i: fill_template(t, f, i, what="follow_up template"))
    if spec.sequential and spec.follow_up is not None:
        warn_at_test(spec, BehaviorPairingWarning(f"{spec.nodeid}: {_SEQUENTIAL_FOLLOW_UPS}"))
    if spec.sequential and spec.follow_up is None and settings.mode in ("golden", "live"):
        inputs = shuffled(inputs, settings.seed)
        sampled, progress, decisions = await sample_sequentially(
            spec.properties, settings, arms, inputs, plan, cache, golden
        )
        inputs = inputs[: progress.n_used]
    else:
        sampled = await sample_arms(arms, inputs, plan, cache)
    inputs, budget_note = _within_budget(settings, inputs, sampled)
    unpriced = _unpriced_note(gate, arms, sampled)
    if unpriced is not None:
        budget_note = unpriced if budget_note is None else f"{budget_note}; {unpriced}"
    cand = sampled["candidate"]
    finish_preload()  # the verdict code needs those modules now: never import them from two threads at once
    base = _baseline(
        sampled.get("baseline"), golden, path, baseline_kind=baseline.kind if baseline else None, root=settings.rootdir
    )
    spec, judges = await _with_judgments(spec, cand, base, plan, cache, inputs)
    result = _compare(
        spec, settings, inputs, cand, base, candidate_source=candidate.kind, sequential=decisions, all_ids=all_ids
    )
    if progress is not None:
        result = replace(result, sequential=progress)
    if judges:
        result = replace(result, judges=judges)
    if budget_note is not None:
        result = replace(result, budget_note=budget_note)
    if settings.mode == "update":
        target = golden_path(settings.golden_dir, spec.nodeid)
        record = _record(spec, settings, candidate, inputs, cand)
        written = write_golden(target, replace(record, judged=judged_summaries(result)))
        result = _with_golden(result, target, written)
    return result


_SEQUENTIAL_FOLLOW_UPS = (
    "sequential mode samples one input at a time and does not ask follow-up turns: this spec was sampled all at once"
)


def _unpriced_note(
    gate: BudgetGate | None, arms: Mapping[str, Bundle], sampled: Mapping[str, ArmSamples]
) -> str | None:
    """A dollar budget cannot count calls to a model without a price: say so rather than pretend they were free."""
    if gate is None or not any(ledger.budget.usd is not None for ledger in gate.ledgers):
        return None
    unpriced = [
        arms[name].label
        for name, arm in sampled.items()
        if arms[name].kind == "model"
        and arm.requested
        and all(c.cost_usd is None for reps in arm.outputs.values() for c in reps)
    ]
    if not unpriced:
        return None
    return (
        f"litellm has no price for bundle(s) {', '.join(map(repr, unpriced))}, so the usd budget did not count "
        "their calls (set input_cost_per_token= and output_cost_per_token= on the Bundle)"
    )


def _within_budget(
    settings: RunSettings, inputs: list[Input], sampled: Mapping[str, ArmSamples]
) -> tuple[list[Input], str | None]:
    """The inputs every arm has complete, and what a reviewer must know when a budget stopped sampling.

    A budget stop is not an error: the test is judged on the inputs sampled (its verdict's interval and
    advice reflect the smaller n). Recording a golden file from part of the inputs would silently shrink
    the baseline, so ``--behavior-update`` refuses instead.
    """
    reason = next((arm.budget_stop for arm in sampled.values() if arm.budget_stop), None)
    if reason is None:
        return inputs, None
    unsampled = {input_id for arm in sampled.values() for input_id in arm.unsampled}
    kept = [item for item in inputs if item.id not in unsampled]
    later = (
        "the cache is off (--behavior-cache=off), so a re-run requests every sample again"
        if settings.cache_mode == "off"
        else "the samples that arrived are cached, so a re-run with a larger budget requests only the rest"
    )
    if settings.mode == "update":
        raise BudgetExhaustedError(
            f"{reason}: golden file not written, {len(kept)} of {len(inputs)} inputs were sampled ({later})"
        )
    if not kept:
        raise BudgetExhaustedError(
            f"{reason} before any input of this test was sampled; raise the budget "
            "(--behavior-budget, or this test's behavior_budget marker)"
        )
    return kept, f"{reason}: judged on {len(kept)} of {len(inputs)} inputs ({later})"


def _inputs(
    spec: Spec, settings: RunSettings, candidate: Bundle, baseline: Bundle | None
) -> tuple[list[Input], frozenset[str]]:
    """The spec's inputs (a seeded subset of ``n``) and the ids of all of them (a golden id outside that set is
    stale; one outside the subset is not). Without inputs: the records being replayed (both arms' union)."""
    n = settings.n if settings.n is not None else spec.n
    if spec.inputs is not None:
        everything = resolve_inputs(spec.inputs, n=None, seed=settings.seed)
        return subset(everything, n=n, seed=settings.seed), frozenset(i.id for i in everything)
    if candidate.records is not None:
        union = {item.id: item for item in candidate.records.inputs}
        if baseline is not None and baseline.records is not None:
            union.update((item.id, item) for item in baseline.records.inputs if item.id not in union)
        return subset(list(union.values()), n=n, seed=settings.seed), frozenset(union)
    raise BehaviorConfigError(
        "behavior.sample() needs inputs (a list or a dataset path) unless the candidate bundle replays records"
    )


async def _with_judgments(
    spec: Spec,
    cand: ArmSamples,
    base: Baseline | None,
    plan: SamplingPlan,
    cache: SampleCache,
    inputs: Sequence[Input] = (),
) -> tuple[Spec, tuple[ArmInfo, ...]]:
    """Properties judged by an LLM get their judgments first (cached): each declares what it needs judged
    (`Property.judge_request`: every output labelled; `Property.prompt_request`: judge prompts rendered from the
    paired outputs of both arms), the answers come through the sampler and are handed back to it; with the judges'
    calls, one `ArmInfo` per judge model (the cost summary shows them beside the arms)."""
    if all(p.judge_request() is None for p in spec.properties) and not _may_prompt(spec):
        return spec, ()
    from pytest_behavior.engine.llm_judge import JudgeCalls, judge_outputs, judge_prompts
    from pytest_behavior.sampling.calls import ContinuedProgress

    calls = JudgeCalls()

    texts = [c.text for reps in cand.outputs.values() for c in reps]
    if base is not None and base.outputs is not None:
        texts += [str(t) for reps in base.outputs.values() for t in reps]
    values = {i.id: i.value for i in inputs}
    cand_texts = _answering({k: tuple(c.output() for c in v) for k, v in cand.outputs.items()}, values)
    base_texts = None if base is None or base.outputs is None else _answering(base.outputs, values)
    ids = [i.id for i in inputs if i.id in cand_texts and (base_texts is None or i.id in base_texts)]
    monitor = None
    if plan.monitor is not None:  # the progress line goes on counting through the judge calls
        arms = [cand.requested + cand.cached, 0 if base is None else base.info.requested + base.info.cached]
        monitor = ContinuedProgress(
            plan.monitor, total=sum(arms), cached=cand.cached + (base.info.cached if base else 0)
        )
    properties = []
    for prop in spec.properties:
        request = prop.judge_request()
        if request is not None:
            prop = prop.with_judgments(await judge_outputs(request, texts, plan=plan, cache=cache, calls=calls))
        prompts = prop.prompt_request(
            None if base_texts is None else [base_texts[i] for i in ids], [cand_texts[i] for i in ids]
        )
        if prompts is not None:
            judged = await judge_prompts(prompts, plan=plan, cache=cache, monitor=monitor, calls=calls)
            prop = prop.with_judgments(judged)
        properties.append(prop)
    return replace(spec, properties=tuple(properties)), calls.arms()


def _may_prompt(spec: Spec) -> bool:
    """A property that overrides `Property.prompt_request` (it may need judge prompts answered)."""
    return any(type(p).prompt_request is not Property.prompt_request for p in spec.properties)


def _display_path(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def _baseline(
    live: ArmSamples | None, golden: GoldenRecord | None, path: Path, *, baseline_kind: str | None, root: Path
) -> Baseline | None:
    if live is not None:
        outputs = {k: tuple(c.output() for c in v) for k, v in live.outputs.items()}
        source = "records" if live.missing or baseline_kind == "records" else "live"
        return Baseline(_arm_info(live, source), outputs, short=live.short)
    if golden is not None:
        outputs = {k: s.texts for k, s in golden.samples.items()}
        label = str(golden.bundle.get("label", "golden"))
        fingerprint = golden.bundle.get("fingerprint")
        payloads = [p for s in golden.samples.values() for p in s.outputs]
        info = arm_info(label, None if fingerprint is None else str(fingerprint), _display_path(path, root), payloads)
        return Baseline(info, outputs, {k: s.input for k, s in golden.samples.items()})
    return None


def _compare(
    spec: Spec,
    settings: RunSettings,
    inputs: Sequence[Input],
    cand: ArmSamples,
    base: Baseline | None,
    *,
    candidate_source: str,
    sequential: Mapping[BoundKey, SequentialResult] | None = None,
    all_ids: frozenset[str] | None = None,
) -> Comparison:
    recorded = None if base is None else base.recorded_inputs
    changed = tuple(
        i.id
        for i in inputs
        if recorded is not None and i.id in recorded and canonical_json(recorded[i.id]) != canonical_json(i.value)
    )
    current = {i.id: i.value for i in inputs}
    cand_texts = _answering({k: tuple(c.output() for c in v) for k, v in cand.outputs.items()}, current)
    # a paired golden input is unchanged: the current value; any other baseline output keeps its recorded input
    answered = {**(recorded or {}), **{k: v for k, v in current.items() if k not in changed}}
    base_texts = None if base is None or base.outputs is None else _answering(base.outputs, answered)

    def has_base(input_id: str) -> bool:
        return base_texts is None or (input_id in base_texts and input_id not in changed)

    paired = tuple(i.id for i in inputs if i.id in cand_texts and has_base(i.id))
    candidate_only = tuple(i.id for i in inputs if i.id in cand_texts and not has_base(i.id) and i.id not in changed)
    baseline_only = tuple(i.id for i in inputs if i.id not in cand_texts and has_base(i.id))
    wanted = all_ids if all_ids is not None else {i.id for i in inputs}
    stale = () if recorded is None else tuple(k for k in recorded if k not in wanted)
    if not paired:
        raise BehaviorConfigError(
            f"no input has samples on {'both sides' if base else 'the candidate'}: check that the spec's inputs "
            "and the baseline's share ids (records bundles replay only the repeats they hold), or re-record "
            "the golden file with --behavior-update"
        )
    segment_of = {i.id: i.segment for i in inputs}
    observations: list[tuple[str, Observation]] = []
    for prop in spec.properties:
        b = None if base_texts is None else [base_texts[i] for i in paired]
        observations += [(prop.marker_name, o) for o in prop.observe(b, [cand_texts[i] for i in paired])]
    return Comparison(
        test=spec.nodeid,
        mode=settings.mode,
        candidate=_arm_info(cand, candidate_source),
        baseline=None if base is None else base.info,
        inputs=tuple(inputs),
        paired_ids=paired,
        baseline_only=baseline_only,
        candidate_only=candidate_only,
        changed_ids=changed,
        stale_ids=stale,
        short_ids=(*cand.short, *(() if base is None else base.short)),
        verdicts=tuple(
            judge(observations, alpha=settings.alpha, segments=[segment_of[i] for i in paired])
            if sequential is None
            else judge_sequential(observations, sequential, alpha=settings.alpha)
        ),
        candidate_outputs=cand_texts,
        baseline_outputs=base_texts,
        properties=spec.properties,
        observations=tuple(observations),
    )


def _answering(outputs: Mapping[str, tuple[str, ...]], values: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """Every output carrying the input it answered (`Output.input`), so a property can read the input's fields."""
    return {
        k: tuple(with_input(t, values[k], input_id=k) for t in texts) if k in values else texts
        for k, texts in outputs.items()
    }


def _arm_info(arm: ArmSamples, source: str) -> ArmInfo:
    payloads = [c.to_payload() for reps in arm.outputs.values() for c in reps]
    return arm_info(arm.label, arm.fingerprint, source, payloads, requested=arm.requested, cached=arm.cached)


def _record(
    spec: Spec, settings: RunSettings, bundle: Bundle, inputs: Sequence[Input], arm: ArmSamples
) -> GoldenRecord:
    samples = {
        item.id: GoldenSample(
            input=item.value,
            segment=item.segment,
            outputs=tuple(
                capped_payload(c.to_payload(), max_chars=settings.max_stored_chars) for c in arm.outputs[item.id]
            ),
        )
        for item in inputs
        if item.id in arm.outputs
    }
    return GoldenRecord(
        test=spec.nodeid,
        bundle={"label": bundle.label, "fingerprint": bundle.fingerprint, "description": bundle.describe()},
        settings={
            "seed": settings.seed,
            "repeats": spec.repeats,
            "n": len(samples),
            "prompt": spec.template,
            **({} if spec.follow_up is None else {"follow_up": spec.follow_up.describe()}),
        },
        properties=tuple(p.describe() for p in spec.properties),
        detectors={**offline_detectors(spec), **judge_detectors(spec)},
        plugin_version=__version__,
        recorded_at=dt.date.today().isoformat(),
        samples=samples,
    )


def _with_golden(result: Comparison, path: Path, written: bool) -> Comparison:
    return replace(result, golden_path=path, golden_written=written)
