"""Running an ``invariance`` spec: draw the twins, sample originals and twins, judge the pairs.

The sampling, cache, budget, golden files and live baselines are those of any spec (`run_spec`), on the
originals plus their twins; the verdicts are computed here, with the originals standing for the baseline arm
and the twins for the candidate, so every report (diff, summary, verdict file) reads them as usual.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from pytest_behavior.config.settings import RunSettings
from pytest_behavior.engine.comparison import ArmInfo, Comparison
from pytest_behavior.engine.judge import judge
from pytest_behavior.engine.run import Spec, run_spec
from pytest_behavior.properties.invariance import Invariance, Twin, draw_twins, split_by_baseline, twin_observations
from pytest_behavior.spec.inputs import Input, check_fields, resolve_inputs


async def run_invariance(spec: Spec, settings: RunSettings, prop: Invariance, **run: Any) -> Comparison:
    """``run``: the keyword arguments of `run_spec` (candidate, baseline, cache, gate, monitor)."""
    from pytest_behavior.errors import BehaviorConfigError

    if spec.inputs is None:
        raise BehaviorConfigError("an invariance spec needs inputs to perturb (a list or a dataset path)")
    n = settings.n if settings.n is not None else spec.n
    chosen = resolve_inputs(spec.inputs, n=n, seed=settings.seed)
    check_fields(chosen, prop.input_fields(), needed_by=f"@pytest.mark.{prop.marker_name}")  # before any call
    originals, twins, pairs = draw_twins(chosen, prop.perturbation, seed=settings.seed)
    if not pairs:
        raise BehaviorConfigError(
            f"the perturbation {prop.perturbation.label()} changed none of the "
            f"{len(chosen)} inputs, so there is nothing to compare"
        )
    drawn = replace(prop, twins=tuple(pairs))
    expanded = replace(spec, inputs=[_as_value(i) for i in [*originals, *twins]], n=None, properties=(drawn,))
    result = await run_spec(expanded, replace(settings, n=None), **run)
    outputs = result.candidate_outputs
    kept = [p for p in pairs if p.original_id in outputs and p.twin_id in outputs]
    if not kept:
        return result  # nothing sampled (a budget): run_spec has said why
    kept, unjudged, note = _judged_pairs(kept, result)
    flips_against = result.baseline_outputs if note is None else None
    observations, _ = twin_observations(drawn, kept, outputs, flips_against)
    notes = [note] if note else []
    verdicts = judge(observations, alpha=settings.alpha, segments=[p.group for p in kept])
    unchanged = len(originals) - len(pairs)
    if unchanged:
        notes.append(
            f"{unchanged} of {len(originals)} input(s) were left unchanged by the perturbation and have no twin"
        )
    label = result.candidate.label
    return replace(
        result,
        verdicts=tuple(verdicts),
        observations=tuple(observations),
        properties=(drawn,),
        paired_ids=tuple(p.original_id for p in kept),
        baseline_only=(),
        candidate_only=unjudged,
        # no fingerprint: the two "arms" are one bundle by design, which is not provider drift
        baseline=ArmInfo(f"{label} on the originals", None, result.candidate.source),
        candidate=replace(result.candidate, label=f"{label} on the perturbed twins"),
        baseline_outputs={p.original_id: outputs[p.original_id] for p in kept},
        candidate_outputs={p.original_id: outputs[p.twin_id] for p in kept},
        notes=tuple(notes),
    )


def _judged_pairs(kept: list[Twin], result: Comparison) -> tuple[list[Twin], tuple[str, ...], str | None]:
    """(the pairs to judge, the inputs left unjudged for want of a baseline twin, a note when the flips cannot be
    compared). With a baseline, only the pairs it holds are judged (as for any spec), so that the flips are
    compared on them; when it holds none, the twins are judged against the originals alone."""
    base = result.baseline_outputs
    if base is None:
        return kept, (), None
    changed = set(result.changed_ids)
    present, absent = split_by_baseline(kept, base, changed=changed)
    if not present:
        return (
            kept,
            (),
            (
                f"none of the {len(kept)} pair(s) has a baseline twin (re-record with --behavior-update): "
                "flips were not compared with the baseline"
            ),
        )
    # an input or twin that differs from its recording is named by the changed-input note already
    unjudged = tuple(p.original_id for p in absent if p.original_id not in changed and p.twin_id not in changed)
    return present, unjudged, None


def _as_value(item: Input) -> dict[str, Any]:
    """An input value carrying its id (so the twin keeps ``<id>~twin``) and rendering as before: a string input
    becomes ``{"input": text}``, which a template or no template renders to the same prompt."""
    value = dict(item.value) if isinstance(item.value, Mapping) else {"input": item.value}
    value["id"] = item.id
    if item.segment is not None:
        value["segment"] = item.segment
    return value
