"""Paired, concurrent sampling of one or two bundles on the same inputs.

Every sample is keyed by (bundle fingerprint, rendered messages, repeat index, seed) and written
to the cache the moment it arrives, so an interrupted or failed run keeps what it paid for and a
re-run only requests what is missing. Calls go out input by input in a seeded random order of inputs,
and within an input the arms' calls in random order: when both arms are sampled live, drift during the
run hits both alike, and a budget that stops the run early leaves whole pairs, not half-sampled inputs.
"""

from __future__ import annotations

import asyncio
import random
import threading
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from pytest_behavior.bundle import Bundle
from pytest_behavior.errors import BehaviorError
from pytest_behavior.sampling.budget import BudgetGate
from pytest_behavior.sampling.cache import SampleCache, sample_key
from pytest_behavior.sampling.cost import estimate_call_usd
from pytest_behavior.sampling.litellm_loader import import_litellm
from pytest_behavior.sampling.llm import (
    CallPolicy,
    Completion,
    RetryRefused,
    call_app,
    call_model,
    check_model,
)
from pytest_behavior.spec.inputs import Input, Message, render_messages

T = TypeVar("T")


class SamplingMonitor(Protocol):
    """Receives the sampler's events (the live progress display implements it)."""

    def begin(self, *, total: int, cached: int, estimated_usd: float | None) -> None: ...
    def call_started(self) -> None: ...
    def call_retried(self) -> None: ...
    def call_finished(self, cost_usd: float | None) -> None: ...
    def call_failed(self) -> None: ...
    def end(self) -> None: ...


@dataclass(frozen=True)
class SamplingPlan:
    template: str | None
    repeats: int
    seed: int
    concurrency: int = 16
    policy: CallPolicy = field(default_factory=CallPolicy)
    gate: BudgetGate | None = field(default=None, compare=False)
    monitor: SamplingMonitor | None = field(default=None, compare=False)
    before_requests: Callable[[], None] | None = field(default=None, compare=False)


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


async def _run_job(job: _Job, plan: SamplingPlan, spender: _Spender) -> Completion:
    if job.bundle.kind == "callable":
        return await call_app(job.bundle, job.item.value)
    assert job.messages is not None
    on_retry = plan.monitor.call_retried if plan.monitor is not None else None
    return await call_model(job.bundle, job.messages, seed=_call_seed(plan.seed, job.repeat), policy=plan.policy,
                            on_retry=on_retry, allow_retry=spender.allow_retry if plan.gate is not None else None)


def _order(pending: list[_Job], seed: int) -> list[_Job]:
    """Inputs in a seeded random order; each input's calls (both arms, every repeat) together, shuffled."""
    rng = random.Random(seed)
    by_input: dict[str, list[_Job]] = {}
    for job in pending:
        by_input.setdefault(job.item.id, []).append(job)
    groups = list(by_input.values())
    rng.shuffle(groups)
    for group in groups:
        rng.shuffle(group)
    return [job for group in groups for job in group]


def _estimates(arms: Mapping[str, Bundle], jobs: Sequence[_Job], hits: Mapping[str, Mapping[str, Any]],
               plan: SamplingPlan, pending: Sequence[_Job]) -> dict[str, float | None]:
    """Estimated dollars per call of each arm with calls to make (only computed when something uses it)."""
    if plan.gate is None and plan.monitor is None:
        return {}
    estimates: dict[str, float | None] = {}
    to_call = {job.arm for job in pending}
    for name, bundle in arms.items():
        arm_jobs = [job for job in jobs if job.arm == name and job.messages is not None]
        if bundle.kind != "model" or not arm_jobs or name not in to_call:
            estimates[name] = None if bundle.kind == "model" else 0.0
            continue
        seen = [hits[job.key] for job in arm_jobs if job.key in hits]
        estimates[name] = estimate_call_usd(bundle, [job.messages for job in arm_jobs[:50] if job.messages],
                                            previous=seen)
    return estimates


def _before_requests(pending: Sequence[_Job], plan: SamplingPlan) -> None:
    """Import litellm only when a call is to be made (a run served from the cache never pays for it), then run
    the plan's hook (the verdict code's preload), which must not compete with that import."""
    if any(job.bundle.kind == "model" for job in pending):
        import_litellm()
    if pending and plan.before_requests is not None:
        plan.before_requests()


async def sample_arms(
    arms: Mapping[str, Bundle], inputs: Sequence[Input], plan: SamplingPlan, cache: SampleCache
) -> dict[str, ArmSamples]:
    """Sample every arm on every input ``plan.repeats`` times; cached samples are not requested again.

    With a budget (``plan.gate``) sampling may stop early: the arms then list the inputs left incomplete
    in ``unsampled`` and the reason in ``budget_stop``.
    """
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
    _before_requests(pending, plan)
    estimates = _estimates(arms, jobs, hits, plan, pending)
    pending = _order(pending, plan.seed)
    if plan.monitor is not None:
        plan.monitor.begin(total=len(jobs), cached=len(jobs) - len(pending),
                           estimated_usd=_total_estimate(pending, estimates))
    try:
        stopped = await _run_all(pending, plan, cache, results, estimates)
    finally:
        if plan.monitor is not None:
            plan.monitor.end()
    out = {}
    for name, bundle in arms.items():
        requested = sum(1 for job in pending if job.arm == name and job.key in stopped.started)
        cached = sum(1 for job in jobs if job.arm == name and job.key in hits)
        out[name] = _collect(name, bundle, inputs, plan, results, replayed.get(name, ()), requested, cached,
                             budget_stop=stopped.reason, estimate=estimates.get(name))
    return out


def _total_estimate(pending: Sequence[_Job], estimates: Mapping[str, float | None]) -> float | None:
    known = [estimates.get(job.arm) for job in pending]
    if not pending or any(value is None for value in known):
        return None if pending else 0.0
    return sum(value for value in known if value is not None)


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
    _before_requests(pending, plan)
    estimates = _estimates(arms, jobs, hits, plan, pending)
    if plan.monitor is not None:
        plan.monitor.begin(total=len(jobs), cached=len(jobs) - len(pending),
                           estimated_usd=_total_estimate(pending, estimates))
    try:
        requested, budget_stop = await _run_in_order(pending, plan, cache, results, frontier, estimates)
    finally:
        if plan.monitor is not None:
            plan.monitor.end()
    consumed = inputs[:frontier.position]
    out = {}
    for name, bundle in arms.items():
        consumed_ids = {item.id for item in consumed}
        cached = sum(1 for job in jobs if job.arm == name and job.key in hits and job.item.id in consumed_ids)
        out[name] = _collect(name, bundle, consumed, plan, results, sorted(missing.get(name, ())),
                             requested.get(name, 0), cached,
                             budget_stop=None if frontier.decided else budget_stop, estimate=estimates.get(name))
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
    frontier: _Frontier, estimates: Mapping[str, float | None] | None = None,
) -> tuple[dict[str, int], str | None]:
    """Workers take jobs in input order and stop taking them once the frontier has decided (or the budget
    is spent). Returns the calls requested per arm and why a budget stopped them (None: it did not)."""
    queue = list(reversed(pending))
    requested: dict[str, int] = {}
    failures: list[BaseException] = []
    monitor = plan.monitor
    spender = _Spender(plan.gate, estimates or {})
    stop: list[str] = []

    async def worker() -> None:
        while queue and not frontier.decided and not failures and not stop:
            job = queue.pop()
            estimate = await spender.reserve(job.arm)
            if estimate is None:
                queue.append(job)
                stop.append(spender.stop_reason())
                return
            requested[job.arm] = requested.get(job.arm, 0) + 1
            if monitor is not None:
                monitor.call_started()
            try:
                completion = await _run_job(job, plan, spender)
            except RetryRefused:  # the budget has no room for a retry: a budget stop, not an error
                spender.settle(job.arm, estimate, 0.0)
                stop.append(spender.stop_reason())
                return
            except BehaviorError as exc:
                spender.settle(job.arm, estimate, 0.0)
                failures.append(exc)
                if monitor is not None:
                    monitor.call_failed()
                return
            spender.settle(job.arm, estimate, completion.cost_usd)
            if job.bundle.cacheable:
                cache.put(job.key, fingerprint=job.bundle.fingerprint, input_id=job.item.id, repeat=job.repeat,
                          payload=completion.to_payload())
            results[(job.arm, job.item.id, job.repeat)] = completion
            if monitor is not None:
                monitor.call_finished(completion.cost_usd)
            try:
                frontier.advance()
            except Exception as exc:  # judging failed: stop starting requests, let the others land in the cache
                failures.append(exc)

    await asyncio.gather(*(worker() for _ in range(min(plan.concurrency, len(pending)) or 1)))
    reason = stop[0] if stop else None
    if failures and frontier.decided and all(isinstance(f, BehaviorError) for f in failures):
        return requested, reason  # failed requests for inputs after the decision: not used, so not an error
    if failures:
        raise type(failures[0])(
            f"{failures[0]} ({sum(requested.values()) - len(failures)} of the samples requested arrived and are "
            "cached; a re-run requests only the missing ones)"
        ) from failures[0]
    return requested, reason


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
            assert text is not None
            results[(arm, item.id, repeat)] = Completion.from_output(text)
    return tuple(missing)


class _Spender:
    """Reserves each call against the budget at its arm's estimated cost, and settles it at its real cost.

    The estimate starts from the pre-run figure and becomes the mean real cost of the arm's calls so far. When the
    budget refuses a call while others are in flight, it waits for them to settle (real costs usually come in
    under the estimate) and only then gives up, so a dollar limit is not hit early by estimates alone.
    """

    def __init__(self, gate: BudgetGate | None, estimates: Mapping[str, float | None]) -> None:
        self.gate = gate
        self.initial = dict(estimates)
        self.actual: dict[str, tuple[float, int]] = {}
        self.in_flight = 0
        self.changed = asyncio.Event()

    def estimate(self, arm: str) -> float:
        total, count = self.actual.get(arm, (0.0, 0))
        return total / count if count else (self.initial.get(arm) or 0.0)

    async def reserve(self, arm: str) -> float | None:
        """The estimate reserved for one call of ``arm``; None when the budget has no room left."""
        while True:
            estimate = self.estimate(arm)
            if self.gate is None or self.gate.reserve(estimate):
                self.in_flight += 1
                return estimate
            if self.in_flight == 0:
                return None
            self.changed.clear()
            await self.changed.wait()

    def allow_retry(self) -> bool:
        """Count one more request of a call in flight (a retry): a calls budget caps requests sent, retries
        included. A retry of a failed request is reserved at no cost (failed requests are not billed)."""
        return self.gate is None or self.gate.reserve(0.0)

    def settle(self, arm: str, estimate: float, actual: float | None) -> None:
        self.in_flight -= 1
        if actual is not None:
            total, count = self.actual.get(arm, (0.0, 0))
            self.actual[arm] = (total + actual, count + 1)
        if self.gate is not None:
            self.gate.settle(estimate, actual)
        self.changed.set()

    def stop_reason(self) -> str:
        return (self.gate.stop_reason() if self.gate is not None else None) or "budget reached"


@dataclass
class _Stop:
    """What `_run_all` started, and why it stopped starting calls early (None: it did not)."""

    started: set[str] = field(default_factory=set)
    reason: str | None = None


async def _run_all(
    pending: list[_Job], plan: SamplingPlan, cache: SampleCache, results: dict[tuple[str, str, int], Completion],
    estimates: Mapping[str, float | None] | None = None,
) -> _Stop:
    semaphore = asyncio.Semaphore(plan.concurrency)
    failures: list[BaseException] = []
    stop = _Stop()
    monitor = plan.monitor
    spender = _Spender(plan.gate, estimates or {})

    async def run(job: _Job) -> None:
        async with semaphore:
            if failures or stop.reason is not None:
                return  # stop requesting after the first failure or once the budget is spent; what arrived is cached
            estimate = await spender.reserve(job.arm)
            if estimate is None:
                stop.reason = stop.reason or spender.stop_reason()
                return
            stop.started.add(job.key)
            if monitor is not None:
                monitor.call_started()
            try:
                completion = await _run_job(job, plan, spender)
            except RetryRefused:  # the budget has no room for a retry: a budget stop, not an error
                spender.settle(job.arm, estimate, 0.0)
                stop.reason = stop.reason or spender.stop_reason()
                return
            except BehaviorError as exc:
                spender.settle(job.arm, estimate, 0.0)
                failures.append(exc)
                if monitor is not None:
                    monitor.call_failed()
                return
            spender.settle(job.arm, estimate, completion.cost_usd)
            if job.bundle.cacheable:
                cache.put(job.key, fingerprint=job.bundle.fingerprint, input_id=job.item.id, repeat=job.repeat,
                          payload=completion.to_payload())
            results[(job.arm, job.item.id, job.repeat)] = completion
            if monitor is not None:
                monitor.call_finished(completion.cost_usd)

    await asyncio.gather(*(run(job) for job in pending))
    if failures:
        done = sum(1 for job in pending if (job.arm, job.item.id, job.repeat) in results)
        raise type(failures[0])(
            f"{failures[0]} ({done} of {len(pending)} requested samples arrived and are cached; "
            "a re-run requests only the missing ones)"
        ) from failures[0]
    return stop


def _collect(
    arm: str, bundle: Bundle, inputs: Sequence[Input], plan: SamplingPlan,
    results: Mapping[tuple[str, str, int], Completion], missing: Sequence[str], requested: int, cached: int,
    *, budget_stop: str | None = None, estimate: float | None = None,
) -> ArmSamples:
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
    short = () if records is None else tuple(
        item.id for item in inputs
        if item.id in missing and any(records.output(item.id, r) is not None for r in range(plan.repeats)))
    return ArmSamples(label=bundle.label, fingerprint=bundle.fingerprint, outputs=outputs,
                      missing=tuple(missing), requested=requested, cached=cached, unsampled=tuple(unsampled),
                      budget_stop=budget_stop, estimated_usd_per_call=estimate, short=short)


def run_sync(factory: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine to completion from synchronous test code, even inside a running event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        running = False  # the usual case: outside the except, so its errors are not chained to this one
    else:
        running = True
    if not running:
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
    """The coroutine, then the litellm clients it made for this loop closed on it (the loop ends next)."""
    from pytest_behavior.sampling.clients import closing_loop_clients

    async with closing_loop_clients():
        return await factory()
