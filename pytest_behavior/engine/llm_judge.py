"""LLM judges: the labels a property's `JudgeRequest` asks for, obtained through the sampler.

Each distinct output is sent once to the judge model with the property's fixed instruction, through the same
sampler as any sample: the calls share the session's concurrency, retries and budget, and their answers are
cached in the sample cache, so a re-run judges for free. An answer holding none of the request's labels is an
error naming the answer. The first judged property is ``refusal_bound(..., detector="llm:<litellm model>")``
(`pytest_behavior.properties.refusal`: its instruction, labels and version).

`judge_prompts` answers a property's `PromptRequest` (preference, rubric): one judge "input" per rendered judge
prompt, its id the hash of the messages (`prompt_key`: the order of two answers is part of the cache key), the judge
a `Bundle` whose system prompt is the template's and whose temperature is 0 unless the user's Bundle sets them. An
answer that does not parse is asked again once under another call seed; one that still does not parse is handed
back as None (the property counts and reports it, never as a tie).

`JudgeCalls` collects a test's judge calls (new and cached, their cost and latency) per judge model, for the cost
summary: judges are paid for like samples, and a report that left them out would understate what a test costs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from pytest_behavior.bundle import Bundle
from pytest_behavior.engine.comparison import ArmInfo, arm_info
from pytest_behavior.errors import BehaviorConfigError, ProviderError
from pytest_behavior.properties.base import JudgeRequest, PromptRequest, prompt_key
from pytest_behavior.sampling.cache import SampleCache
from pytest_behavior.sampling.runner import ArmSamples, SamplingMonitor, SamplingPlan, sample_arms
from pytest_behavior.spec.inputs import Input


def judge_bundle(request: JudgeRequest) -> Bundle:
    """The judge as a bundle: deterministic settings, the fixed instruction as its system prompt."""
    return Bundle(
        model=request.model, system=request.instruction, temperature=0, label=f"{request.name} {request.model}"
    )


async def judge_outputs(
    request: JudgeRequest,
    outputs: Iterable[str],
    *,
    plan: SamplingPlan,
    cache: SampleCache,
    calls: JudgeCalls | None = None,
) -> Mapping[str, str]:
    """A label for every distinct output, keyed by its text."""
    texts = sorted(set(map(str, outputs)))
    inputs = [Input(id=hashlib.sha256(text.encode()).hexdigest()[:16], value=text) for text in texts]
    judge_plan = SamplingPlan(
        template=None, repeats=1, seed=0, concurrency=plan.concurrency, policy=plan.policy, gate=plan.gate, monitor=None
    )
    bundle = judge_bundle(request)
    sampled = await sample_arms({"judge": bundle}, inputs, judge_plan, cache)
    arm = sampled["judge"]
    if calls is not None:
        calls.add(bundle, arm)
    judge = f"the {request.name} {request.model!r}"
    if arm.unsampled:
        raise ProviderError(
            f"the budget ran out before {judge} labelled every output "
            f"({len(arm.unsampled)} of {len(inputs)} left); raise the budget"
        )
    labels: dict[str, str] = {}
    for item, text in zip(inputs, texts, strict=True):
        answer = arm.outputs[item.id][0].text
        label = request.parse(answer)
        if label is None:
            raise ProviderError(f"{judge} answered {answer[:80]!r}, not {_one_of(request.labels)}; {request.hint}")
        labels[text] = label
    return labels


class JudgeCalls:
    """The judge calls of one test, by judge model: counted and priced beside the arms in the cost summary.

    Every call `judge_outputs` and `judge_prompts` make (re-asks of unparsed answers too) is added here when a
    collector is given; `arms` hands back one `ArmInfo` per judge model (source ``"judge"``), whose ``requested``
    are the calls made, ``cached`` the answers read from the cache and ``cost_usd`` their recorded cost (None: the
    model has no price)."""

    def __init__(self) -> None:
        self._payloads: dict[str, list[dict[str, Any]]] = {}
        self._counts: dict[str, tuple[int, int]] = {}

    def add(self, bundle: Bundle, arm: ArmSamples) -> None:
        model = str(bundle.model)
        self._payloads.setdefault(model, []).extend(c.to_payload() for reps in arm.outputs.values() for c in reps)
        requested, cached = self._counts.get(model, (0, 0))
        self._counts[model] = (requested + arm.requested, cached + arm.cached)

    def arms(self) -> tuple[ArmInfo, ...]:
        return tuple(
            arm_info(model, None, "judge", payloads, requested=self._counts[model][0], cached=self._counts[model][1])
            for model, payloads in self._payloads.items()
        )


RETRY_SEED = 1
"""The plan seed of the one re-ask of an unparsed answer (the first ask is seed 0): another call seed."""
REASK_NOTE = (
    "\n\nYour previous reply to this message was not the JSON object asked for. Reply with that JSON object only."
)
"""Added to the user message of the re-ask, so that it is another request even where the provider ignores seeds."""


def prompt_judge_bundle(judge: object, *, system: str, name: str) -> Bundle:
    """The judge of a `PromptRequest` as a bundle: a litellm model string, or the user's Bundle, with the template's
    system prompt (after the Bundle's own ``system``, which adds to it: the template's holds the answer contract)
    and temperature 0 where it sets none; its other options (``response_format``, provider parameters) are kept."""
    if isinstance(judge, str):
        return Bundle(model=judge, system=system, temperature=0, label=f"{name} {judge}")
    if not isinstance(judge, Bundle) or judge.kind != "model" or judge.model is None:
        raise ProviderError(f"the {name} must be a litellm model string or a model Bundle, got {judge!r}")
    if judge.prompt is not None or judge.tools:
        raise BehaviorConfigError(
            f"the {name} Bundle {judge.label!r} sets {'prompt=' if judge.prompt is not None else 'tools='}, which a "
            "judge does not use (its prompts are the judge template's): remove it"
        )
    return Bundle(
        model=judge.model,
        system=system if judge.system is None else f"{judge.system}\n\n{system}",
        temperature=judge.temperature if judge.temperature is not None else 0,
        response_format=judge.response_format,
        label=judge.label,
        litellm_params=judge.litellm_params,
    )


async def judge_prompts(
    request: PromptRequest,
    *,
    plan: SamplingPlan,
    cache: SampleCache,
    monitor: SamplingMonitor | None = None,
    calls: JudgeCalls | None = None,
) -> Mapping[str, object | None]:
    """Every prompt's parsed judgment by `prompt_key` (None: unparsed after one re-ask); ``monitor`` sees the calls
    (a `ContinuedProgress`, so that the test's progress line goes on counting)."""
    by_system: dict[str, dict[str, str]] = {}
    for prompt in request.prompts:
        by_system.setdefault(prompt.system, {})[prompt_key(prompt)] = prompt.user
    judgments: dict[str, object | None] = {}
    for system, users in by_system.items():
        bundle = prompt_judge_bundle(request.judge, system=system, name=request.name)
        pending = [Input(id=key, value=user) for key, user in sorted(users.items())]
        for seed in (0, RETRY_SEED):
            answers = await _ask(
                bundle, pending, request, plan=replace(plan, monitor=monitor), cache=cache, seed=seed, calls=calls
            )
            judgments.update({key: request.parse(text) for key, text in answers.items()})
            # asked again with a note, not only another call seed: a provider that ignores seeds would answer the
            # same request at temperature 0 with the same unreadable text
            pending = [
                Input(id=item.id, value=users[item.id] + REASK_NOTE) for item in pending if judgments[item.id] is None
            ]
            if not pending:
                break
    return judgments


async def _ask(
    bundle: Bundle,
    inputs: Sequence[Input],
    request: PromptRequest,
    *,
    plan: SamplingPlan,
    cache: SampleCache,
    seed: int,
    calls: JudgeCalls | None = None,
) -> dict[str, str]:
    judge_plan = SamplingPlan(
        template=None,
        repeats=1,
        seed=seed,
        concurrency=plan.concurrency,
        policy=plan.policy,
        gate=plan.gate,
        monitor=plan.monitor,
    )
    arm = (await sample_arms({"judge": bundle}, list(inputs), judge_plan, cache))["judge"]
    if calls is not None:
        calls.add(bundle, arm)
    if arm.unsampled:
        raise ProviderError(
            f"the budget ran out before the {request.name} {bundle.label!r} answered every prompt "
            f"({len(arm.unsampled)} of {len(inputs)} left); raise the budget"
        )
    return {item.id: arm.outputs[item.id][0].text for item in inputs}


def _one_of(labels: Sequence[str]) -> str:
    """``comply, refuse or partial``."""
    return labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} or {labels[-1]}"
