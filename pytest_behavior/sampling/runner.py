"""Paired, concurrent sampling of one or two bundles on the same inputs.

Every sample is keyed by (bundle fingerprint, rendered messages, repeat index, seed) and written
to the cache the moment it arrives, so an interrupted or failed run keeps what it paid for and a
re-run only requests what is missing. Calls go out input by input in a seeded random order of inputs,
and within an input the arms' calls in random order: when both arms are sampled live, drift during the
run hits both alike, and a budget that stops the run early leaves whole pairs, not half-sampled inputs.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import threading
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from pytest_behavior.bundle import Bundle
from pytest_behavior.errors import BehaviorConfigError
from pytest_behavior.sampling.arms import ArmSamples, collect_arm, replay_records
from pytest_behavior.sampling.cache import SampleCache, sample_key
from pytest_behavior.sampling.calls import Calls, ContinuedProgress, Job, SamplingMonitor, SamplingPlan, Spender
from pytest_behavior.sampling.cost import estimate_call_usd, estimate_each_call_usd
from pytest_behavior.sampling.in_order import Frontier, run_in_order
from pytest_behavior.sampling.litellm_loader import import_litellm
from pytest_behavior.sampling.llm import Completion, check_model
from pytest_behavior.sampling.turns import TurnCounts, ask_follow_ups
from pytest_behavior.spec.inputs import Input, render_messages

__all__ = ["ArmSamples", "SamplingMonitor", "SamplingPlan", "run_sync", "sample_arms", "sample_arms_until"]

T = TypeVar("T")


def _jobs_for(arm: str, bundle: Bundle, inputs: Sequence[Input], plan: SamplingPlan) -> list[Job]:
    jobs = []
    for item in inputs:
        messages = None
        if bundle.kind == "model":
            template = bundle.prompt if bundle.prompt is not None else plan.template
            messages = render_messages(system=bundle.system, template=template, item=item)
            if plan.pad is not None:
                messages = plan.pad(bundle, item, messages)
        material: Any = messages if messages is not None else {"input": item.value}
        for repeat in range(plan.repeats):
            key = sample_key(
                fingerprint=bundle.fingerprint, messages=material, repeat=repeat, seed=plan.seed, stream=bundle.stream
            )
            jobs.append(Job(arm, bundle, item, repeat, key, messages))
    return jobs


def _order(pending: list[Job], seed: int) -> list[Job]:
    """Inputs in a seeded random order; each input's calls (both arms, every repeat) together, shuffled."""
    rng = random.Random(seed)
    by_input: dict[str, list[Job]] = {}
    for job in pending:
        by_input.setdefault(job.item.id, []).append(job)
    groups = list(by_input.values())
    rng.shuffle(groups)
    for group in groups:
        rng.shuffle(group)
    return [job for group in groups for job in group]


def _estimates(
    arms: Mapping[str, Bundle],
    jobs: Sequence[Job],
    hits: Mapping[str, Mapping[str, Any]],
    plan: SamplingPlan,
    pending: Sequence[Job],
) -> dict[str, float | None]:
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
        estimates[name] = estimate_call_usd(
            bundle, [job.messages for job in arm_jobs[:50] if job.messages], previous=seen
        )
    return estimates


def _priced(
    arms: Mapping[str, Bundle], jobs: Sequence[Job], hits: Mapping[str, Mapping[str, Any]], pending: list[Job]
) -> list[Job]:
    """``pending`` with each model call's own estimated cost (`Job.estimated_usd`), from its prompt's length: the
    monitor's total and the budget's reservations then price a long prompt as long, also when the cache holds only
    shorter ones (a ``context_sweep`` given a longer level)."""
    own: dict[str, float] = {}
    for name, bundle in arms.items():
        asked = [job for job in pending if job.arm == name and job.messages]
        if bundle.kind != "model" or not asked:
            continue
        seen = [hits[job.key] for job in jobs if job.arm == name and job.key in hits]
        each = estimate_each_call_usd(bundle, [job.messages or [] for job in asked], previous=seen)
        if each is not None:
            own.update((job.key, usd) for job, usd in zip(asked, each, strict=True))
    return [replace(job, estimated_usd=own[job.key]) if job.key in own else job for job in pending]


def _before_requests(pending: Sequence[Job], plan: SamplingPlan) -> None:
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
    replayed = {
        name: replay_records(name, bundle, inputs, plan, results)
        for name, bundle in arms.items()
        if bundle.kind == "records"
    }
    jobs = [
        job
        for name, bundle in arms.items()
        if bundle.kind != "records"
        for job in _jobs_for(name, bundle, inputs, plan)
    ]
    hits, pending = _look_up(jobs, cache, results)
    _before_requests(pending, plan)
    estimates = _estimates(arms, jobs, hits, plan, pending)
    if estimates:
        pending = _priced(arms, jobs, hits, pending)
    pending = _order(pending, plan.seed)
    stopped = await _monitored(
        plan, jobs, pending, estimates, lambda: _run_all(pending, plan, cache, results, estimates)
    )
    turns = TurnCounts()
    if plan.follow_ups is not None:
        turns = await _ask_follow_ups(jobs, plan, cache, results, estimates, first_cached=len(jobs) - len(pending))
    stop_reason = stopped.reason or turns.budget_stop
    out = {}
    for name, bundle in arms.items():
        requested = sum(1 for job in pending if job.arm == name and job.key in stopped.started)
        requested += turns.requested.get(name, 0)
        cached = sum(1 for job in jobs if job.arm == name and job.key in hits) + turns.cached.get(name, 0)
        out[name] = collect_arm(
            name,
            bundle,
            inputs,
            plan,
            results,
            replayed.get(name, ()),
            requested,
            cached,
            budget_stop=stop_reason,
            estimate=estimates.get(name),
        )
    return out


async def _ask_follow_ups(
    jobs: Sequence[Job],
    plan: SamplingPlan,
    cache: SampleCache,
    results: dict[tuple[str, str, int], Completion],
    estimates: Mapping[str, float | None],
    *,
    first_cached: int,
) -> TurnCounts:
    """The follow-up turns (`turns.ask_follow_ups`), their calls counted on the first turn's progress line."""
    later = plan
    if plan.monitor is not None:
        later = replace(plan, monitor=ContinuedProgress(plan.monitor, total=len(jobs), cached=first_cached))

    async def run_calls(
        turn_jobs: Sequence[Job], pending: list[Job], answers: dict[tuple[str, str, int], Completion]
    ) -> tuple[set[str], str | None]:
        stop = await _monitored(
            later, turn_jobs, pending, estimates, lambda: _run_all(pending, later, cache, answers, estimates)
        )
        return stop.started, stop.reason

    return await ask_follow_ups(
        jobs, plan, results, look_up=lambda js, answers: _look_up(js, cache, answers), run_calls=run_calls
    )


def _look_up(
    jobs: Sequence[Job], cache: SampleCache, results: dict[tuple[str, str, int], Completion]
) -> tuple[dict[str, Any], list[Job]]:
    """The cached samples of ``jobs`` (filled into ``results``), and the jobs left to call, in order."""
    hits = cache.get_many(job.key for job in jobs if job.bundle.cacheable)
    pending = []
    for job in jobs:
        if job.key in hits:
            results[(job.arm, job.item.id, job.repeat)] = Completion.from_payload(hits[job.key])
        else:
            pending.append(job)
    return hits, pending


async def _monitored(
    plan: SamplingPlan,
    jobs: Sequence[Job],
    pending: Sequence[Job],
    estimates: Mapping[str, float | None],
    calls: Callable[[], Awaitable[T]],
) -> T:
    """``calls()`` awaited between the monitor's ``begin`` (totals and estimated cost) and ``end``."""
    if plan.monitor is not None:
        plan.monitor.begin(
            total=len(jobs), cached=len(jobs) - len(pending), estimated_usd=_total_estimate(pending, estimates)
        )
    try:
        return await calls()
    finally:
        if plan.monitor is not None:
            plan.monitor.end()


def _total_estimate(pending: Sequence[Job], estimates: Mapping[str, float | None]) -> float | None:
    known = [job.estimated_usd if job.estimated_usd is not None else estimates.get(job.arm) for job in pending]
    if not pending or any(value is None for value in known):
        return None if pending else 0.0
    return sum(value for value in known if value is not None)


async def sample_arms_until(
    arms: Mapping[str, Bundle],
    inputs: Sequence[Input],
    plan: SamplingPlan,
    cache: SampleCache,
    *,
    consume: Callable[[str, Mapping[str, tuple[Completion, ...] | None]], bool],
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
    if plan.follow_ups is not None:
        raise BehaviorConfigError(
            "sequential mode samples one input at a time and does not ask follow-up turns: sample this spec all at "
            "once (sequential=False on its markers, or without --behavior-sequential)"
        )
    for bundle in arms.values():
        check_model(bundle)
    results: dict[tuple[str, str, int], Completion] = {}
    missing = {
        name: set(replay_records(name, bundle, inputs, plan, results))
        for name, bundle in arms.items()
        if bundle.kind == "records"
    }
    jobs = [
        job
        for item in inputs
        for name, bundle in arms.items()
        if bundle.kind != "records"
        for job in _jobs_for(name, bundle, [item], plan)
    ]
    hits, pending = _look_up(jobs, cache, results)
    frontier = Frontier(arms, inputs, plan, results, missing, consume)
    frontier.advance()  # inputs served entirely from the cache or from records
    _before_requests(pending, plan)
    estimates = _estimates(arms, jobs, hits, plan, pending)
    if estimates:
        pending = _priced(arms, jobs, hits, pending)
    requested, budget_stop = await _monitored(
        plan, jobs, pending, estimates, lambda: run_in_order(pending, plan, cache, results, frontier, estimates)
    )
    consumed = inputs[: frontier.position]
    out = {}
    for name, bundle in arms.items():
        consumed_ids = {item.id for item in consumed}
        cached = sum(1 for job in jobs if job.arm == name and job.key in hits and job.item.id in consumed_ids)
        out[name] = collect_arm(
            name,
            bundle,
            consumed,
            plan,
            results,
            sorted(missing.get(name, ())),
            requested.get(name, 0),
            cached,
            budget_stop=None if frontier.decided else budget_stop,
            estimate=estimates.get(name),
        )
    return out, frontier.position


@dataclass
class _Stop:
    """What `_run_all` started, and why it stopped starting calls early (None: it did not)."""

    started: set[str] = field(default_factory=set)
    reason: str | None = None


async def _run_all(
    pending: list[Job],
    plan: SamplingPlan,
    cache: SampleCache,
    results: dict[tuple[str, str, int], Completion],
    estimates: Mapping[str, float | None] | None = None,
) -> _Stop:
    semaphore = asyncio.Semaphore(plan.concurrency)
    streamed = asyncio.Semaphore(min(plan.stream_concurrency or plan.concurrency, plan.concurrency))
    calls = Calls(plan, cache, results, Spender(plan.gate, estimates or {}))

    async def run(job: Job) -> None:
        async with streamed if job.bundle.stream else contextlib.nullcontext(), semaphore:
            if not calls.stopped():  # stop requesting after the first failure or once the budget is spent
                await calls.sample(job)

    await asyncio.gather(*(run(job) for job in pending))
    if calls.failures:
        done = sum(1 for job in pending if (job.arm, job.item.id, job.repeat) in results)
        raise type(calls.failures[0])(
            f"{calls.failures[0]} ({done} of {len(pending)} requested samples arrived and are cached; "
            "a re-run requests only the missing ones)"
        ) from calls.failures[0]
    return _Stop(started={job.key for job in calls.started}, reason=calls.stop_reason)


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
