"""One arm's samples (`ArmSamples`): replayed from a records file, or collected once its calls are done."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pytest_behavior.bundle import Bundle
from pytest_behavior.errors import BehaviorConfigError
from pytest_behavior.sampling.calls import SamplingPlan
from pytest_behavior.sampling.llm import Completion
from pytest_behavior.spec.inputs import Input


@dataclass(frozen=True)
class ArmSamples:
    """One arm's outputs: ``outputs[input_id]`` holds its repeats, in repeat order.

    ``unsampled`` are inputs a budget stopped before all their samples arrived (not an error: the test is
    judged on the others); ``estimated_usd_per_call`` is the pre-run estimate (None: price unknown).
    """

    label: str
    fingerprint: str
    outputs: Mapping[str, tuple[Completion, ...]]
    missing: tuple[str, ...]
    requested: int
    cached: int
    unsampled: tuple[str, ...] = ()
    budget_stop: str | None = None
    estimated_usd_per_call: float | None = None
    short: tuple[str, ...] = ()
    """Of ``missing``: inputs a records arm holds some, but fewer than the requested, repeats of."""


def replay_records(
    arm: str,
    bundle: Bundle,
    inputs: Sequence[Input],
    plan: SamplingPlan,
    results: dict[tuple[str, str, int], Completion],
) -> tuple[str, ...]:
    """Fill a records arm from its file; return the ids it has no record for."""
    assert bundle.records is not None
    missing = []
    for item in inputs:
        texts = [bundle.records.output(item.id, repeat) for repeat in range(plan.repeats)]
        if any(text is None for text in texts):
            missing.append(item.id)
            continue
        for repeat, text in enumerate(texts):
            assert text is not None
            if plan.follow_ups is not None:
                _check_turns(bundle, item.id, repeat, text, len(plan.follow_ups.turns))
            results[(arm, item.id, repeat)] = Completion.from_output(text)
    return tuple(missing)


def _check_turns(bundle: Bundle, input_id: str, repeat: int, text: str, follow_ups: int) -> None:
    """A replayed conversation holds one earlier answer per follow-up of the spec, or its turns would be misread."""
    held = len(getattr(text, "earlier", None) or ())
    if held != follow_ups:
        path = bundle.records.path if bundle.records is not None else "the records file"
        raise BehaviorConfigError(
            f"records file {path}: input {input_id!r} repeat {repeat} holds {held} earlier answer(s) ('earlier') "
            f"for the spec's {follow_ups} follow-up turn(s): record the conversation's answers, first to last"
        )


def collect_arm(
    arm: str,
    bundle: Bundle,
    inputs: Sequence[Input],
    plan: SamplingPlan,
    results: Mapping[tuple[str, str, int], Completion],
    missing: Sequence[str],
    requested: int,
    cached: int,
    *,
    budget_stop: str | None = None,
    estimate: float | None = None,
) -> ArmSamples:
    """The arm's samples of ``inputs`` from ``results``: an input with every repeat in ``outputs``, one a budget
    stop left incomplete in ``unsampled``, one without a record in ``missing``."""
    outputs = {}
    unsampled = []
    for item in inputs:
        if item.id in missing:
            continue
        keys = [(arm, item.id, r) for r in range(plan.repeats)]
        if not all(key in results for key in keys):
            unsampled.append(item.id)  # only a budget stop leaves an input incomplete without an error
            continue
        outputs[item.id] = tuple(results[key] for key in keys)
    records = bundle.records if bundle.kind == "records" else None
    short = (
        ()
        if records is None
        else tuple(
            item.id
            for item in inputs
            if item.id in missing and any(records.output(item.id, r) is not None for r in range(plan.repeats))
        )
    )
    return ArmSamples(
        label=bundle.label,
        fingerprint=bundle.fingerprint,
        outputs=outputs,
        missing=tuple(missing),
        requested=requested,
        cached=cached,
        unsampled=tuple(unsampled),
        budget_stop=budget_stop,
        estimated_usd_per_call=estimate,
        short=short,
    )
