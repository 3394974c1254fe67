"""Sequential sampling's calls: taken in input order, each complete input fed to the test until it has decided."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping, Sequence

from pytest_behavior.bundle import Bundle
from pytest_behavior.errors import BehaviorError
from pytest_behavior.sampling.cache import SampleCache
from pytest_behavior.sampling.calls import Calls, Job, SamplingPlan, Spender
from pytest_behavior.sampling.llm import Completion
from pytest_behavior.spec.inputs import Input


class Frontier:
    """The first input not yet consumed; advancing feeds every complete input in order to ``consume``."""

    def __init__(
        self,
        arms: Mapping[str, Bundle],
        inputs: Sequence[Input],
        plan: SamplingPlan,
        results: Mapping[tuple[str, str, int], Completion],
        missing: Mapping[str, set[str]],
        consume: Callable[[str, Mapping[str, tuple[Completion, ...] | None]], bool],
    ) -> None:
        self.arms, self.inputs, self.plan, self.results, self.missing = arms, inputs, plan, results, missing
        self.consume = consume
        self.position = 0
        self.decided = False

    def _samples(self, item: Input) -> dict[str, tuple[Completion, ...] | None] | None:
        samples: dict[str, tuple[Completion, ...] | None] = {}
        for name in self.arms:
            if item.id in self.missing.get(name, ()):
                samples[name] = None
                continue
            keys = [(name, item.id, r) for r in range(self.plan.repeats)]
            if not all(key in self.results for key in keys):
                return None
            samples[name] = tuple(self.results[key] for key in keys)
        return samples

    def advance(self) -> None:
        while not self.decided and self.position < len(self.inputs):
            samples = self._samples(self.inputs[self.position])
            if samples is None:
                return
            self.position += 1
            self.decided = self.consume(self.inputs[self.position - 1].id, samples)


async def run_in_order(
    pending: list[Job],
    plan: SamplingPlan,
    cache: SampleCache,
    results: dict[tuple[str, str, int], Completion],
    frontier: Frontier,
    estimates: Mapping[str, float | None] | None = None,
) -> tuple[dict[str, int], str | None]:
    """Workers take jobs in input order and stop taking them once the frontier has decided (or the budget
    is spent). Returns the calls requested per arm and why a budget stopped them (None: it did not)."""
    queue = list(reversed(pending))
    calls = Calls(plan, cache, results, Spender(plan.gate, estimates or {}))
    streamed = asyncio.Semaphore(min(plan.stream_concurrency or plan.concurrency, plan.concurrency))

    async def worker() -> None:
        while queue and not frontier.decided and not calls.stopped():
            job = queue.pop()
            async with streamed if job.bundle.stream else contextlib.nullcontext():  # as `runner._run_all` does
                if not await calls.sample(job):
                    return
            try:
                frontier.advance()
            except Exception as exc:  # judging failed: stop starting requests, let the others land in the cache
                calls.failures.append(exc)

    await asyncio.gather(*(worker() for _ in range(min(plan.concurrency, len(pending)) or 1)))
    requested: dict[str, int] = {}
    for job in calls.started:
        requested[job.arm] = requested.get(job.arm, 0) + 1
    failures = calls.failures
    if failures and frontier.decided and all(isinstance(f, BehaviorError) for f in failures):
        return requested, calls.stop_reason  # failed requests for inputs after the decision: not used, not an error
    if failures:
        raise type(failures[0])(
            f"{failures[0]} ({len(calls.started) - len(failures)} of the samples requested arrived and are "
            "cached; a re-run requests only the missing ones)"
        ) from failures[0]
    return requested, calls.stop_reason
