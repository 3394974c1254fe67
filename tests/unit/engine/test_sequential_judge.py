"""Sequential mode internals: per-input values per bound form, the in-order sampler, and stopping."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from pytest_behavior.bundle import Bundle
from pytest_behavior.engine.sequential import SequentialJudge, _scale, _value
from pytest_behavior.errors import BehaviorConfigError
from pytest_behavior.properties.base import Bound
from pytest_behavior.properties.length import LengthDistribution
from pytest_behavior.properties.refusal import RefusalBound
from pytest_behavior.sampling.cache import SampleCache
from pytest_behavior.sampling.runner import SamplingPlan, sample_arms_until
from pytest_behavior.spec.inputs import resolve_inputs


@pytest.mark.parametrize(
    ("bound", "base", "cand", "value", "threshold"),
    [
        (Bound("max_rate", 0.1), None, [1.0, 0.0], 0.5, 0.1),
        (Bound("min_rate", 0.9), None, [1.0, 0.0, 1.0, 1.0], 0.25, 0.1),
        (Bound("max_increase", 0.03), [0.0], [1.0], 1.0, 0.03),
        (Bound("max_decrease", 0.03), [0.0], [1.0], -1.0, 0.03),
        (Bound("max_ratio", 1.3), [10.0], [14.0], 1.0, 0.5),
        (Bound("max_ratio", 1.3), [10.0], [12.0], 0.0, 0.5),
        (Bound("max_ratio", 1.25), [8.0], [10.0], 0.5, 0.5),
        (Bound("min_ratio", 0.8), [10.0], [7.0], 1.0, 0.5),
        (Bound("min_ratio", 0.8), [10.0], [9.0], 0.0, 0.5),
    ],
)
def test_each_bound_becomes_a_bounded_per_input_value(
    bound: Bound, base: list[float] | None, cand: list[float], value: float, threshold: float
) -> None:
    assert _value(bound, base, cand) == pytest.approx(value)
    scale = _scale(bound)
    assert scale.threshold == pytest.approx(threshold) and scale.lo <= value <= scale.hi


def test_judge_uses_bonferroni_and_rejects_edge_thresholds() -> None:
    judge = SequentialJudge([RefusalBound(max_rate=0.2, max_increase=0.05)], has_baseline=True, alpha=0.05, n_max=50)
    assert judge.alpha_each == pytest.approx(0.025) and len(judge.tests) == 2
    only_absolute = SequentialJudge(
        [RefusalBound(max_rate=0.2, max_increase=0.05)], has_baseline=False, alpha=0.05, n_max=50
    )
    assert len(only_absolute.tests) == 1
    with pytest.raises(BehaviorConfigError, match="max_rate=0 cannot be decided sequentially"):
        SequentialJudge([RefusalBound(max_rate=0.0)], has_baseline=False, alpha=0.05, n_max=50)


def test_judge_decides_a_length_collapse_and_stops() -> None:
    judge = SequentialJudge([LengthDistribution(min_ratio=0.8)], has_baseline=True, alpha=0.05, n_max=100)
    decided_at = next(i for i in range(1, 101) if judge.feed(["word " * 40], ["word " * 10]))
    assert decided_at < 20
    (result,) = judge.results().values()
    assert result.decision == "REGRESSED" and result.n_used == decided_at


def test_sampler_feeds_inputs_in_order_not_in_completion_order(tmp_path: Path) -> None:
    async def app(value: str) -> str:
        index = int(value.split()[1])
        await asyncio.sleep(0.02 if index % 2 == 0 else 0.0)  # even inputs answer later
        return f"answer {index}"

    inputs = resolve_inputs([f"q {i}" for i in range(40)], n=None, seed=0)
    seen: list[str] = []

    def consume(input_id: str, samples: object) -> bool:
        seen.append(input_id)
        return len(seen) == 10

    arms = {"candidate": Bundle.from_callable(app, version="1")}
    cache = SampleCache(tmp_path)
    sampled, used = asyncio.run(
        sample_arms_until(
            arms, inputs, SamplingPlan(template=None, repeats=2, seed=0, concurrency=4), cache, consume=consume
        )
    )
    assert seen == [item.id for item in inputs[:10]] and used == 10
    assert list(sampled["candidate"].outputs) == seen
    assert 20 <= sampled["candidate"].requested <= 20 + 4  # 10 inputs x 2 repeats, plus requests in flight
    # a re-run consumes the cached prefix without new requests
    seen.clear()
    again, _ = asyncio.run(
        sample_arms_until(
            arms, inputs, SamplingPlan(template=None, repeats=2, seed=0, concurrency=4), cache, consume=consume
        )
    )
    assert again["candidate"].requested == 0 and again["candidate"].cached == 20


def test_a_failed_request_after_the_decision_is_not_an_error(tmp_path: Path) -> None:
    async def app(value: str) -> str:
        index = int(value.split()[1])
        if index >= 10:
            await asyncio.sleep(0.01)  # still in flight when the decision comes
            raise RuntimeError(f"provider down for {value}")
        return f"answer {index}"

    inputs = resolve_inputs([f"q {i}" for i in range(40)], n=None, seed=0)
    seen: list[str] = []

    def consume(input_id: str, samples: object) -> bool:
        seen.append(input_id)
        return len(seen) == 10

    arms = {"candidate": Bundle.from_callable(app, version="1")}
    plan = SamplingPlan(template=None, repeats=1, seed=0, concurrency=4)
    sampled, used = asyncio.run(sample_arms_until(arms, inputs, plan, SampleCache(tmp_path), consume=consume))
    assert used == 10 and len(sampled["candidate"].outputs) == 10

    def undecided(input_id: str, samples: object) -> bool:
        return False

    from pytest_behavior.errors import BehaviorError

    with pytest.raises(BehaviorError, match="provider down"):
        asyncio.run(sample_arms_until(arms, inputs, plan, SampleCache(tmp_path), consume=undecided))


def test_only_properties_with_a_baseline_reference_hold_back_live_inputs() -> None:
    from pytest_behavior.engine.run import _needs_reference
    from pytest_behavior.properties.schema import SchemaStability

    assert _needs_reference(SchemaStability()) and not _needs_reference(RefusalBound(max_rate=0.1))
