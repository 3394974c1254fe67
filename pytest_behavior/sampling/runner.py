"""Paired, concurrent sampling of one or two bundles on the same inputs.

Every sample is keyed by (bundle fingerprint, rendered messages, repeat index, seed) and written
to the cache the moment it arrives, so an interrupted or failed run keeps what it paid for and a
re-run only requests what is missing. When both arms are sampled live, their calls go out in one
shuffled order, so drift during the run hits both arms alike.
"""

from __future__ import annotations

import asyncio
import random
import threading
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pytest_behavior.bundle import Bundle
from pytest_behavior.errors import BehaviorError
from pytest_behavior.inputs import Input, Message, render_messages
from pytest_behavior.sampling.cache import SampleCache, sample_key
from pytest_behavior.sampling.llm import CallPolicy, Completion, call_app, call_model, check_model

T = TypeVar("T")


@dataclass(frozen=True)
class SamplingPlan:
    template: str | None
    repeats: int
    seed: int
    concurrency: int = 16
    policy: CallPolicy = field(default_factory=CallPolicy)


@dataclass(frozen=True)
class ArmSamples:
    """One arm's outputs: ``outputs[input_id]`` holds its repeats, in repeat order."""

    label: str
    fingerprint: str
    outputs: Mapping[str, tuple[Completion, ...]]
    missing: tuple[str, ...]
    requested: int
    cached: int


@dataclass(frozen=True)
class _Job:
    arm: str
    bundle: Bundle
    item: Input
    repeat: int
    key: str
    messages: list[Message] | None


def _call_seed(seed: int, repeat: int) -> int:
    return seed * 1_000_003 + repeat


def _jobs_for(arm: str, bundle: Bundle, inputs: Sequence[Input], plan: SamplingPlan) -> list[_Job]:
    jobs = []
    for item in inputs:
        messages = None
        if bundle.kind == "model":
            template = bundle.prompt if bundle.prompt is not None else plan.template
            messages = render_messages(system=bundle.system, template=template, item=item)
        material: Any = messages if messages is not None else {"input": item.value}
        for repeat in range(plan.repeats):
            key = sample_key(fingerprint=bundle.fingerprint, messages=material, repeat=repeat, seed=plan.seed)
            jobs.append(_Job(arm, bundle, item, repeat, key, messages))
    return jobs


async def _run_job(job: _Job, plan: SamplingPlan) -> Completion:
    if job.bundle.kind == "callable":
        return await call_app(job.bundle, job.item.value)
    assert job.messages is not None
    return await call_model(job.bundle, job.messages, seed=_call_seed(plan.seed, job.repeat), policy=plan.policy)


async def sample_arms(
    arms: Mapping[str, Bundle], inputs: Sequence[Input], plan: SamplingPlan, cache: SampleCache
) -> dict[str, ArmSamples]:
    """Sample every arm on every input ``plan.repeats`` times; cached samples are not requested again."""
    for bundle in arms.values():
        check_model(bundle)
    results: dict[tuple[str, str, int], Completion] = {}
    replayed = {name: _replay(name, bundle, inputs, plan, results) for name, bundle in arms.items()
                if bundle.kind == "records"}
    jobs = [job for name, bundle in arms.items() if bundle.kind != "records"
            for job in _jobs_for(name, bundle, inputs, plan)]
    hits = cache.get_many(job.key for job in jobs if job.bundle.cacheable)
    pending = []
    for job in jobs:
        if job.key in hits:
            results[(job.arm, job.item.id, job.repeat)] = Completion.from_payload(hits[job.key])
        else:
            pending.append(job)
    random.Random(plan.seed).shuffle(pending)
    await _run_all(pending, plan, cache, results)
    out = {}
    for name, bundle in arms.items():
        requested = sum(1 for job in pending if job.arm == name)
        cached = sum(1 for job in jobs if job.arm == name and job.key in hits)
        out[name] = _collect(name, bundle, inputs, plan, results, replayed.get(name, ()), requested, cached)
    return out


async def sample_arms_until(
    arms: Mapping[str, Bundle], inputs: Sequence[Input], plan: SamplingPlan, cache: SampleCache,
    *, consume: Callable[[str, Mapping[str, tuple[Completion, ...] | None]], bool],
) -> tuple[dict[str, ArmSamples], int]:
    """Sample ``inputs`` in their given order until ``consume`` says stop (sequential mode).

    As each input in order has all its samples (both arms, every repeat; an input a records arm lacks
    has ``None`` for that arm), ``consume(input_id, samples_by_arm)`` is called; it returns True once it
    has decided. From then on no new request starts; requests already in flight finish and are cached
    (they are paid for) but are not consumed, so the decision depends only on the inputs before it.
    Inputs are fed strictly in order, never in completion order: a fast answer (a refusal, say) must not
    reach the test earlier than a slow one. Returns the arms restricted to the consumed inputs, and how
    many inputs were consumed.
    """
    for bundle in arms.values():
        check_model(bundle)
    results: dict[tuple[str, str, int], Completion] = {}
    missing = {name: set(_replay(name, bundle, inputs, plan, results)) for name, bundle in arms.items()
               if bundle.kind == "records"}
    jobs = [job for item in inputs for name, bundle in arms.items() if bundle.kind != "records"
            for job in _jobs_for(name, bundle, [item], plan)]
    hits = cache.get_many(job.key for job in jobs if job.bundle.cacheable)
    pending = []
    for job in jobs:
        if job.key in hits:
            results[(job.arm, job.item.id, job.repeat)] = Completion.from_payload(hits[job.key])
        else:
            pending.append(job)
    frontier = _Frontier(arms, inputs, plan, results, missing, consume)
    frontier.advance()  # inputs served entirely from the cache or from records
    requested = await _run_in_order(pending, plan, cache, results, frontier)
    consumed = inputs[:frontier.position]
    out = {}
    for name, bundle in arms.items():
        consumed_ids = {item.id for item in consumed}
        cached = sum(1 for job in jobs if job.arm == name and job.key in hits and job.item.id in consumed_ids)
        out[name] = _collect(name, bundle, consumed, plan, results, sorted(missing.get(name, ())),
                             requested.get(name, 0), cached)
    return out, frontier.position


class _Frontier:
    """The first input not yet consumed; advancing feeds every complete input in order to ``consume``."""

    def __init__(self, arms: Mapping[str, Bundle], inputs: Sequence[Input], plan: SamplingPlan,
                 results: Mapping[tuple[str, str, int], Completion], missing: Mapping[str, set[str]],
                 consume: Callable[[str, Mapping[str, tuple[Completion, ...] | None]], bool]) -> None:
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


async def _run_in_order(
    pending: list[_Job], plan: SamplingPlan, cache: SampleCache, results: dict[tuple[str, str, int], Completion],
    frontier: _Frontier,
) -> dict[str, int]:
    """Workers take jobs in input order and stop taking them once the frontier has decided."""
    queue = list(reversed(pending))
    requested: dict[str, int] = {}
    failures: list[BaseException] = []

    async def worker() -> None:
        while queue and not frontier.decided and not failures:
            job = queue.pop()
            requested[job.arm] = requested.get(job.arm, 0) + 1
            try:
                completion = await _run_job(job, plan)
            except BehaviorError as exc:
                failures.append(exc)
                return
            if job.bundle.cacheable:
                cache.put(job.key, fingerprint=job.bundle.fingerprint, input_id=job.item.id, repeat=job.repeat,
                          payload=completion.to_payload())
            results[(job.arm, job.item.id, job.repeat)] = completion
            try:
                frontier.advance()
            except Exception as exc:  # judging failed: stop starting requests, let the others land in the cache
                failures.append(exc)

    await asyncio.gather(*(worker() for _ in range(min(plan.concurrency, len(pending)) or 1)))
    if failures and frontier.decided and all(isinstance(f, BehaviorError) for f in failures):
        return requested  # failed requests for inputs after the decision: not used, so not an error
    if failures:
        raise type(failures[0])(
            f"{failures[0]} ({sum(requested.values()) - len(failures)} of the samples requested arrived and are "
            "cached; a re-run requests only the missing ones)"
        ) from failures[0]
    return requested


def _replay(
    arm: str, bundle: Bundle, inputs: Sequence[Input], plan: SamplingPlan,
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
            results[(arm, item.id, repeat)] = Completion(text=str(text))
    return tuple(missing)


async def _run_all(
    pending: list[_Job], plan: SamplingPlan, cache: SampleCache, results: dict[tuple[str, str, int], Completion]
) -> None:
    semaphore = asyncio.Semaphore(plan.concurrency)
    failures: list[BaseException] = []

    async def run(job: _Job) -> None:
        async with semaphore:
            if failures:
                return  # stop requesting after the first failure; what arrived is cached
            try:
                completion = await _run_job(job, plan)
            except BehaviorError as exc:
                failures.append(exc)
                return
            if job.bundle.cacheable:
                cache.put(job.key, fingerprint=job.bundle.fingerprint, input_id=job.item.id, repeat=job.repeat,
                          payload=completion.to_payload())
            results[(job.arm, job.item.id, job.repeat)] = completion

    await asyncio.gather(*(run(job) for job in pending))
    if failures:
        done = sum(1 for job in pending if (job.arm, job.item.id, job.repeat) in results)
        raise type(failures[0])(
            f"{failures[0]} ({done} of {len(pending)} requested samples arrived and are cached; "
            "a re-run requests only the missing ones)"
        ) from failures[0]


def _collect(
    arm: str, bundle: Bundle, inputs: Sequence[Input], plan: SamplingPlan,
    results: Mapping[tuple[str, str, int], Completion], missing: Sequence[str], requested: int, cached: int,
) -> ArmSamples:
    outputs = {}
    for item in inputs:
        if item.id in missing:
            continue
        outputs[item.id] = tuple(results[(arm, item.id, r)] for r in range(plan.repeats))
    return ArmSamples(label=bundle.label, fingerprint=bundle.fingerprint, outputs=outputs,
                      missing=tuple(missing), requested=requested, cached=cached)


def run_sync(factory: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine to completion from synchronous test code, even inside a running event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_await(factory))
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(_await(factory))
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=target, name="pytest-behavior-sampler")
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]


async def _await(factory: Callable[[], Awaitable[T]]) -> T:
    return await factory()
