"""The calls of one sampling run: each sample reserved against the budget, called, settled, cached, monitored.

`Calls.sample` is that life of one call, shared by both ways of sampling (`runner.sample_arms`, all at once, and
`runner.sample_arms_until`, input by input until a decision); `Spender` reserves a call at its arm's estimated
cost and settles it at its real one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from pytest_behavior.bundle import Bundle
from pytest_behavior.errors import BehaviorError
from pytest_behavior.sampling.budget import BudgetGate
from pytest_behavior.sampling.cache import SampleCache
from pytest_behavior.sampling.llm import CallPolicy, Completion, RetryRefused, call_app, call_model
from pytest_behavior.spec.follow_up import FollowUps
from pytest_behavior.spec.inputs import Input, Message


class SamplingMonitor(Protocol):
    """Receives the sampler's events (the live progress display implements it)."""

    def begin(self, *, total: int, cached: int, estimated_usd: float | None) -> None: ...
    def call_started(self) -> None: ...
    def call_retried(self) -> None: ...
    def call_finished(self, cost_usd: float | None) -> None: ...
    def call_failed(self) -> None: ...
    def end(self) -> None: ...


class ContinuedProgress:
    """A monitor continued through a later phase of calls (follow-up turns, judge calls): each phase adds its calls
    to the totals the first began with (``total``, ``cached``), so one status line counts them all."""

    def __init__(self, inner: SamplingMonitor, *, total: int, cached: int) -> None:
        self.inner, self.total, self.cached = inner, total, cached

    def begin(self, *, total: int, cached: int, estimated_usd: float | None) -> None:
        self.total, self.cached = self.total + total, self.cached + cached
        self.inner.begin(total=self.total, cached=self.cached, estimated_usd=estimated_usd)

    def call_started(self) -> None:
        self.inner.call_started()

    def call_retried(self) -> None:
        self.inner.call_retried()

    def call_finished(self, cost_usd: float | None) -> None:
        self.inner.call_finished(cost_usd)

    def call_failed(self) -> None:
        self.inner.call_failed()

    def end(self) -> None:
        self.inner.end()


@dataclass(frozen=True)
class SamplingPlan:
    """How to sample: the prompt template, repeats per input and seed, concurrency and retry policy, and the
    optional budget gate, progress monitor and hook run before the first request."""

    template: str | None
    repeats: int
    seed: int
    concurrency: int = 16
    stream_concurrency: int | None = None
    """Streamed calls (``Bundle(stream=True)``) in flight at most, within ``concurrency`` (None: no other cap), so
    that reading the other streams adds less to each one's time to first token
    (`pytest_behavior.config.settings.STREAMED_IN_FLIGHT`)."""
    policy: CallPolicy = field(default_factory=CallPolicy)
    gate: BudgetGate | None = field(default=None, compare=False)
    monitor: SamplingMonitor | None = field(default=None, compare=False)
    before_requests: Callable[[], None] | None = field(default=None, compare=False)
    follow_ups: FollowUps | None = None
    """Turns asked after each first answer, in the same conversation (`spec.follow_up`)."""
    pad: Callable[[Bundle, Input, list[Message]], list[Message]] | None = field(default=None, compare=False)
    """Rewrites a model bundle's rendered messages before they are keyed and sent (``context_sweep``'s filler)."""


@dataclass(frozen=True)
class Job:
    """One sample to obtain: ``arm``'s ``bundle`` on ``item``, repeat ``repeat``; ``key`` is its cache key and
    ``messages`` the rendered prompt (None for a callable bundle). A follow-up turn (``turn`` >= 1) carries its
    ``conversation`` so far and, for a callable bundle, the ``app_value`` the app receives."""

    arm: str
    bundle: Bundle
    item: Input
    repeat: int
    key: str
    messages: list[Message] | None
    turn: int = 0
    conversation: list[Message] | None = field(default=None, compare=False)
    app_value: Any = field(default=None, compare=False)
    estimated_usd: float | None = field(default=None, compare=False)
    """This call's own estimated cost, from its prompt's length (None: the arm's per-call estimate stands)."""


def _call_seed(seed: int, repeat: int) -> int:
    """The seed sent with a call: one per repeat, the same on every run."""
    return seed * 1_000_003 + repeat


async def _run_job(job: Job, plan: SamplingPlan, spender: Spender) -> Completion:
    """The app called on the input, or the model on the messages under the plan's retry policy."""
    if job.bundle.kind == "callable":
        return await call_app(job.bundle, job.app_value if job.turn else job.item.value)
    assert job.messages is not None
    on_retry = plan.monitor.call_retried if plan.monitor is not None else None
    return await call_model(
        job.bundle,
        job.messages,
        seed=_call_seed(plan.seed, job.repeat),
        policy=plan.policy,
        on_retry=on_retry,
        allow_retry=spender.allow_retry if plan.gate is not None else None,
    )


class Spender:
    """Reserves each call against the budget at its arm's estimated cost, and settles it at its real cost.

    The estimate starts from the pre-run figure and becomes the mean real cost of the arm's calls so far; a call with
    its own estimate (`Job.estimated_usd`, from its prompt's length) is reserved at that, times the arm's ratio of
    real to estimated cost so far, so a long prompt is not reserved at the price of short ones. When the
    budget refuses a call while others are in flight, it waits for them to settle (real costs usually come in
    under the estimate) and only then gives up, so a dollar limit is not hit early by estimates alone.
    """

    def __init__(self, gate: BudgetGate | None, estimates: Mapping[str, float | None]) -> None:
        self.gate = gate
        self.initial = dict(estimates)
        self.actual: dict[str, tuple[float, int]] = {}
        self.priced: dict[str, tuple[float, float]] = {}
        """Per arm: the real and the own estimated costs of its settled calls that had their own estimate."""
        self.in_flight = 0
        self.changed = asyncio.Event()

    def estimate(self, arm: str, own: float | None = None) -> float:
        if own is not None:
            real, estimated = self.priced.get(arm, (0.0, 0.0))
            return own * real / estimated if estimated > 0 else own
        total, count = self.actual.get(arm, (0.0, 0))
        return total / count if count else (self.initial.get(arm) or 0.0)

    async def reserve(self, arm: str, own: float | None = None) -> float | None:
        """The estimate reserved for one call of ``arm`` (``own``: the call's own estimate); None when the budget
        has no room left."""
        while True:
            estimate = self.estimate(arm, own)
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

    def settle(self, arm: str, estimate: float, actual: float | None, own: float | None = None) -> None:
        self.in_flight -= 1
        if actual is not None:
            total, count = self.actual.get(arm, (0.0, 0))
            self.actual[arm] = (total + actual, count + 1)
            if own is not None and actual > 0:
                real, estimated = self.priced.get(arm, (0.0, 0.0))
                self.priced[arm] = (real + actual, estimated + own)
        if self.gate is not None:
            self.gate.settle(estimate, actual)
        self.changed.set()

    def stop_reason(self) -> str:
        return (self.gate.stop_reason() if self.gate is not None else None) or "budget reached"


@dataclass
class Calls:
    """The calls of one sampling run, shared by its concurrent workers: what started, what failed, why it stopped."""

    plan: SamplingPlan
    cache: SampleCache
    results: dict[tuple[str, str, int], Completion]
    spender: Spender
    started: list[Job] = field(default_factory=list)
    failures: list[BaseException] = field(default_factory=list)
    stop_reason: str | None = None
    """Why the budget stopped the calls (the first reason given); None: it did not."""

    def stopped(self) -> bool:
        """Whether to start no more calls: a call failed, or the budget is spent (what arrived is cached)."""
        return bool(self.failures) or self.stop_reason is not None

    async def sample(self, job: Job) -> bool:
        """One sample: reserve its estimated cost, call, settle the real cost, cache it, tell the monitor.

        True when the sample arrived (it is in ``results``); False when the budget refused the call or a retry of
        it (``stop_reason`` says why) or the call failed (in ``failures``).
        """
        estimate = await self.spender.reserve(job.arm, job.estimated_usd)
        if estimate is None:
            self.stop_reason = self.stop_reason or self.spender.stop_reason()
            return False
        self.started.append(job)
        monitor = self.plan.monitor
        if monitor is not None:
            monitor.call_started()
        try:
            completion = await _run_job(job, self.plan, self.spender)
        except RetryRefused:  # the budget has no room for a retry: a budget stop, not an error
            self.spender.settle(job.arm, estimate, 0.0, job.estimated_usd)
            self.stop_reason = self.stop_reason or self.spender.stop_reason()
            return False
        except BehaviorError as exc:
            self.spender.settle(job.arm, estimate, 0.0, job.estimated_usd)
            self.failures.append(exc)
            if monitor is not None:
                monitor.call_failed()
            return False
        self.spender.settle(job.arm, estimate, completion.cost_usd, job.estimated_usd)
        if job.bundle.cacheable:
            self.cache.put(
                job.key,
                fingerprint=job.bundle.fingerprint,
                input_id=job.item.id,
                repeat=job.repeat,
                payload=completion.to_payload(),
            )
        self.results[(job.arm, job.item.id, job.repeat)] = completion
        if monitor is not None:
            monitor.call_finished(completion.cost_usd)
        return True
