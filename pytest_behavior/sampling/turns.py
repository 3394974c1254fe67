"""Follow-up turns of a sampling run (`pytest_behavior.spec.follow_up`): after the first answers, each conversation
is asked its next turn, one cached call each, until every follow-up is asked; the sample keeps every answer.

A turn is sent the previous turn's conversation, its answer and the follow-up, so its cache key holds the exact
earlier answer: a re-run asks nothing already answered, and a changed first answer asks the follow-up anew. A
conversation a budget stopped part-way is left out of the results (its turns so far are cached): the input is then
unsampled, as one whose first turn the budget stopped.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from pytest_behavior.sampling.cache import sample_key
from pytest_behavior.sampling.calls import Job, SamplingPlan
from pytest_behavior.sampling.llm import Completion
from pytest_behavior.spec.follow_up import app_input, next_turn, opening
from pytest_behavior.spec.inputs import fill_template, input_text, template_fields

Results = dict[tuple[str, str, int], Completion]


@dataclass
class TurnCounts:
    """What the follow-up turns asked of each arm: calls requested and answers read from the cache; why the budget
    stopped them (None: it did not)."""

    requested: dict[str, int] = field(default_factory=dict)
    cached: dict[str, int] = field(default_factory=dict)
    budget_stop: str | None = None


RunCalls = Callable[[Sequence[Job], list[Job], Results], Awaitable[tuple[set[str], str | None]]]
"""Runs one turn's pending jobs (of all its jobs) into the results; returns the keys started and the budget's stop
reason."""
LookUp = Callable[[Sequence[Job], Results], tuple[Mapping[str, Any], list[Job]]]


async def ask_follow_ups(
    first: Sequence[Job], plan: SamplingPlan, results: Results, *, look_up: LookUp, run_calls: RunCalls
) -> TurnCounts:
    """Ask every follow-up of ``plan`` after the first turn's ``results``; then each complete conversation's result
    is its last answer carrying the earlier ones (`Completion.earlier`), and an incomplete one is dropped."""
    assert plan.follow_ups is not None
    counts = TurnCounts()
    chains: dict[tuple[str, str, int], list[Completion]] = {
        (j.arm, j.item.id, j.repeat): [results[(j.arm, j.item.id, j.repeat)]]
        for j in first
        if (j.arm, j.item.id, j.repeat) in results
    }
    previous: Sequence[Job] = first
    for turn, follow_up in enumerate(plan.follow_ups.turns, start=1):
        jobs = [
            _next_job(job, chains[_slot(job)][-1], follow_up, plan, turn)
            for job in previous
            if _complete(job, chains, turn)
        ]
        answers: Results = {}
        hits, pending = look_up(jobs, answers)
        started, stop = await run_calls(jobs, pending, answers)
        for job in jobs:
            if job.key in hits:
                counts.cached[job.arm] = counts.cached.get(job.arm, 0) + 1
            elif job.key in started:
                counts.requested[job.arm] = counts.requested.get(job.arm, 0) + 1
            if _slot(job) in answers:
                chains[_slot(job)].append(answers[_slot(job)])
        counts.budget_stop = counts.budget_stop or stop
        previous = jobs
    turns = 1 + len(plan.follow_ups.turns)
    for slot in list(results):
        chain = chains.get(slot)
        if chain is None:
            continue  # a records arm, or a first turn that never arrived
        if len(chain) < turns:
            del results[slot]  # stopped part-way by the budget: unsampled
        else:
            results[slot] = _conversation_result(chain)
    return counts


def _slot(job: Job) -> tuple[str, str, int]:
    return (job.arm, job.item.id, job.repeat)


def _complete(job: Job, chains: Mapping[tuple[str, str, int], list[Completion]], turn: int) -> bool:
    """Whether the job's conversation has its answers up to this turn (a budget stop may have cut it)."""
    return len(chains.get(_slot(job), ())) == turn


def _next_job(job: Job, answer: Completion, follow_up: Any, plan: SamplingPlan, turn: int) -> Job:
    item = job.item
    so_far = job.conversation or opening(item.value, job.messages, lambda: input_text(item.value))
    fields = template_fields(item.value)
    conversation = next_turn(
        follow_up,
        so_far,
        answer,
        fields,
        fill=lambda t, f: fill_template(t, f, item, what="follow_up template"),
        where=f"input {item.id!r}",
    )
    is_model = job.bundle.kind == "model"
    material: Any = conversation if is_model else {"input": item.value, "messages": conversation}
    key = sample_key(
        fingerprint=job.bundle.fingerprint,
        messages=material,
        repeat=job.repeat,
        seed=plan.seed,
        stream=job.bundle.stream,
    )
    return Job(
        job.arm,
        job.bundle,
        item,
        job.repeat,
        key,
        conversation if is_model else None,
        turn=turn,
        conversation=conversation,
        app_value=None if is_model else app_input(item.value, conversation),
    )


def _conversation_result(chain: Sequence[Completion]) -> Completion:
    """The sample of a conversation: its last answer (text, tool calls, finish reason and latency: what the user
    waited for last), the earlier answers, and the cost of every turn (None when no turn has a price)."""
    last = chain[-1]
    costs = [c.cost_usd for c in chain if c.cost_usd is not None]
    return replace(last, earlier=tuple(c.text for c in chain[:-1]), cost_usd=sum(costs) if costs else None)
