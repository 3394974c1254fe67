"""LLM judges: the labels a property's `JudgeRequest` asks for, obtained through the sampler.

Each distinct output is sent once to the judge model with the property's fixed instruction, through the same
sampler as any sample: the calls share the session's concurrency, retries and budget, and their answers are
cached in the sample cache, so a re-run judges for free. An answer holding none of the request's labels is an
error naming the answer. The first judged property is ``refusal_bound(..., detector="llm:<litellm model>")``
(`pytest_behavior.properties.refusal`: its instruction, labels and version).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence

from pytest_behavior.bundle import Bundle
from pytest_behavior.errors import ProviderError
from pytest_behavior.properties.base import JudgeRequest
from pytest_behavior.sampling.cache import SampleCache
from pytest_behavior.sampling.runner import SamplingPlan, sample_arms
from pytest_behavior.spec.inputs import Input


def judge_bundle(request: JudgeRequest) -> Bundle:
    """The judge as a bundle: deterministic settings, the fixed instruction as its system prompt."""
    return Bundle(
        model=request.model, system=request.instruction, temperature=0, label=f"{request.name} {request.model}"
    )


async def judge_outputs(
    request: JudgeRequest, outputs: Iterable[str], *, plan: SamplingPlan, cache: SampleCache
) -> Mapping[str, str]:
    """A label for every distinct output, keyed by its text."""
    texts = sorted(set(map(str, outputs)))
    inputs = [Input(id=hashlib.sha256(text.encode()).hexdigest()[:16], value=text) for text in texts]
    judge_plan = SamplingPlan(
        template=None, repeats=1, seed=0, concurrency=plan.concurrency, policy=plan.policy, gate=plan.gate, monitor=None
    )
    sampled = await sample_arms({"judge": judge_bundle(request)}, inputs, judge_plan, cache)
    arm = sampled["judge"]
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


def _one_of(labels: Sequence[str]) -> str:
    """``comply, refuse or partial``."""
    return labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} or {labels[-1]}"
