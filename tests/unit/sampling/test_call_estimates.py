"""Each call's own cost estimate (its prompt's length at the input price): what the budget reserves and the progress
line totals, so a long prompt is not priced at the mean of short ones (a context_sweep given a longer level)."""

from __future__ import annotations

import asyncio

import pytest

from pytest_behavior.bundle import Bundle
from pytest_behavior.sampling.budget import Budget, BudgetGate, MemoryLedger
from pytest_behavior.sampling.calls import Spender
from pytest_behavior.sampling.cost import estimate_each_call_usd

PRICED = Bundle(model="sim/bot", input_cost_per_token=1e-6, output_cost_per_token=2e-6, max_tokens=20)


def prompt(words: int) -> list[dict[str, str]]:
    return [{"role": "user", "content": "pad " * words}]


def test_each_call_is_priced_at_its_own_prompt_length_not_the_mean_recorded_cost() -> None:
    short = {"cost_usd": 0.0001, "usage": {"completion_tokens": 20}}  # recorded costs of short cached calls
    each = estimate_each_call_usd(PRICED, [prompt(100), prompt(20000)], previous=[short] * 10)
    assert each is not None
    assert each[1] == pytest.approx((20000 + 4) * 1e-6 + 20 * 2e-6)  # 4 characters a token, 4 of framing
    assert each[1] > 100 * each[0] / 2
    assert estimate_each_call_usd(Bundle(model="sim/bot"), [prompt(10)]) is None  # no price: unknown, not zero
    # no price but recorded costs: their mean stands for each call, as before
    assert estimate_each_call_usd(Bundle(model="sim/bot"), [prompt(10)], previous=[short]) == [pytest.approx(1e-4)]


def test_the_budget_reserves_a_long_call_at_its_own_estimate_after_cheap_ones_settled() -> None:
    gate = BudgetGate((MemoryLedger(Budget(usd=1.0)),))
    spender = Spender(gate, {"candidate": 0.001})

    async def run() -> tuple[float | None, float | None, float | None]:
        cheap = await spender.reserve("candidate", 0.001)
        assert cheap is not None
        spender.settle("candidate", cheap, 0.0008, 0.001)  # real costs come in at 80% of the estimates
        long = await spender.reserve("candidate", 0.5)
        plain = spender.estimate("candidate")  # a call without its own estimate: the arm's mean real cost
        assert long is not None
        spender.settle("candidate", long, 0.4, 0.5)
        too_long = await spender.reserve("candidate", 1.0)  # 0.8 x 1.0 on top of 0.4408 spent: over the budget
        return long, plain, too_long

    long, plain, too_long = asyncio.run(run())
    assert long == pytest.approx(0.5 * 0.8)
    assert plain == pytest.approx(0.0008)
    assert too_long is None
