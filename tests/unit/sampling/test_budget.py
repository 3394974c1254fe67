"""Budgets (parsing, in-process and cross-process ledgers, the gate), cost estimates, progress, worker shares."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from pytest_behavior import Bundle
from pytest_behavior.config.settings import worker_share
from pytest_behavior.report.progress import Progress, progress_style
from pytest_behavior.sampling.budget import (
    Budget,
    BudgetGate,
    MemoryLedger,
    SharedLedger,
    budget_from_marker,
    parse_budget,
)
from pytest_behavior.sampling.cache import SampleCache
from pytest_behavior.sampling.cost import DEFAULT_COMPLETION_TOKENS, estimate_call_usd, response_cost
from pytest_behavior.sampling.litellm_loader import import_litellm
from pytest_behavior.sampling.runner import ArmSamples, SamplingPlan, sample_arms
from pytest_behavior.spec.inputs import Input, resolve_inputs


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("calls:500,usd:2.50", Budget(calls=500, usd=2.5)),
        ("usd:0.1", Budget(usd=0.1)),
        (" calls = 7 ", Budget(calls=7)),
    ],
)
def test_parse_budget(text: str, expected: Budget) -> None:
    assert parse_budget(text) == expected


@pytest.mark.parametrize("text", ["", "calls", "calls:1.5", "dollars:3", "calls:-1", "usd:abc,calls:3"])
def test_parse_budget_rejects_what_it_cannot_read(text: str) -> None:
    with pytest.raises(ValueError, match=r"calls:N or usd:X|whole number"):
        parse_budget(text)


def test_budget_marker_forms() -> None:
    assert budget_from_marker((), {"calls": 10, "usd": 1}) == Budget(calls=10, usd=1.0)
    assert budget_from_marker(("calls:3",), {}) == Budget(calls=3)
    for args, kwargs, message in [
        ((), {}, "needs calls"),
        ((), {"call": 3}, "unknown argument"),
        ((), {"calls": 2.5}, "whole number"),
        ((), {"usd": "1"}, "number"),
        ((3,), {}, "one string"),
    ]:
        with pytest.raises(ValueError, match=message):
            budget_from_marker(args, kwargs)


def test_memory_ledger_counts_calls_and_holds_estimates_until_settled() -> None:
    ledger = MemoryLedger(Budget(calls=3, usd=1.0))
    assert ledger.reserve(0.4) and ledger.reserve(0.4)
    assert not ledger.reserve(0.4)  # 0.8 held + 0.4 > 1.0
    ledger.settle(0.4, 0.1)  # the first call was cheaper than estimated
    assert ledger.reserve(0.4)  # 0.5 + 0.4 fits
    assert not ledger.reserve(0.0)  # the call limit
    assert ledger.spent() == (3, pytest.approx(0.9))
    ledger.release(0.4)
    assert ledger.spent() == (2, pytest.approx(0.5))


def test_a_gate_gives_back_what_the_other_ledgers_counted_when_one_refuses() -> None:
    session, per_test = MemoryLedger(Budget(calls=100)), MemoryLedger(Budget(calls=2), per_test=True)
    gate = BudgetGate((session, per_test))
    assert gate.reserve(0.0) and gate.reserve(0.0)
    assert not gate.reserve(0.0)
    assert session.spent()[0] == 2  # the refused call is not counted against the session
    assert gate.stop_reason() == "test budget calls:2 reached (2 calls, $0.0000)"


def test_the_shared_ledger_never_lets_workers_together_exceed_the_budget(tmp_path: Path) -> None:
    budget = Budget(calls=150)
    ledgers = [SharedLedger(budget, path=tmp_path / "budget.sqlite3", run_id="run-1") for _ in range(4)]
    granted: list[int] = []

    def worker(ledger: SharedLedger) -> None:
        granted.append(sum(ledger.reserve(0.0) for _ in range(60)))

    threads = [threading.Thread(target=worker, args=(ledger,)) for ledger in ledgers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(granted) == 150
    assert ledgers[0].spent()[0] == 150
    other_run = SharedLedger(budget, path=tmp_path / "budget.sqlite3", run_id="run-2")
    assert other_run.spent() == (0, 0.0)  # a new run starts from zero
    for ledger in [*ledgers, other_run]:
        ledger.close()


def test_worker_shares_add_up_to_the_session_concurrency() -> None:
    for total in (1, 5, 16, 17):
        for workers in (1, 2, 3, 8):
            shares = [worker_share(total, index=i, workers=workers) for i in range(workers)]
            assert all(share >= 1 for share in shares)
            assert sum(shares) == max(total, workers)


def test_cost_estimates_use_bundle_prices_then_litellm_prices_and_say_unknown_otherwise() -> None:
    messages = [[{"role": "user", "content": "hello there, how are you"}]]
    priced = Bundle(model="sim/bot", input_cost_per_token=1e-6, output_cost_per_token=2e-6)
    estimate = estimate_call_usd(priced, messages)
    assert estimate is not None
    assert estimate == pytest.approx(2e-6 * DEFAULT_COMPLETION_TOKENS, rel=0.2)  # the answer dominates
    capped = Bundle(model="sim/bot", input_cost_per_token=1e-6, output_cost_per_token=2e-6, max_tokens=10)
    assert estimate_call_usd(capped, messages) == pytest.approx(estimate - 2e-6 * (DEFAULT_COMPLETION_TOKENS - 10))
    assert estimate_call_usd(Bundle(model="sim/bot"), messages) is None  # no price: unknown, not zero
    known = estimate_call_usd(Bundle(model="gpt-4o-mini"), messages)
    assert known is not None and 0 < known < 0.01
    previous = [{"text": "x", "cost_usd": 0.002}, {"text": "y", "cost_usd": 0.004}]
    assert estimate_call_usd(Bundle(model="sim/bot"), messages, previous=previous) == pytest.approx(0.003)


def test_a_simulated_answer_costs_its_bundle_prices_or_is_unknown_never_zero() -> None:
    """Unpriced, the simulated provider stamps a negative cost (litellm skips its slow lookup); it reads as unknown."""
    litellm = import_litellm()
    messages = [{"role": "user", "content": "hello there, how are you"}]
    unpriced = litellm.completion(model="sim/bot?seed=1", messages=messages)
    assert unpriced._hidden_params["response_cost"] < 0
    assert response_cost(litellm, unpriced) is None
    priced = litellm.completion(
        model="sim/bot?seed=1", messages=messages, input_cost_per_token=1e-6, output_cost_per_token=2e-6
    )
    usage = priced.usage
    expected = usage.prompt_tokens * 1e-6 + usage.completion_tokens * 2e-6
    assert response_cost(litellm, priced) == pytest.approx(expected)
    for unknown in (float("nan"), float("inf"), -0.5, None, "n/a"):
        unpriced._hidden_params["response_cost"] = unknown
        assert response_cost(litellm, unpriced) is None, unknown
    unpriced._hidden_params["response_cost"] = 0.0
    assert response_cost(litellm, unpriced) == 0.0  # a real zero (a free model) stays zero


def run_with_budget(tmp_path: Path, budget: Budget, n: int = 40) -> dict[str, ArmSamples]:
    bundle = Bundle(model="sim/bot?mean_words=20&seed=3", input_cost_per_token=1e-6, output_cost_per_token=2e-6)
    baseline = Bundle(model="sim/bot?mean_words=20&seed=4", label="base")
    gate = BudgetGate((MemoryLedger(budget),))
    plan = SamplingPlan(template=None, repeats=2, seed=0, concurrency=4, gate=gate)
    cache = SampleCache(tmp_path / "cache")
    try:
        return asyncio.run(sample_arms({"candidate": bundle, "baseline": baseline}, questions(n), plan, cache))
    finally:
        cache.close()


def questions(n: int) -> list[Input]:
    return resolve_inputs([f"q{i}" for i in range(n)], n=None, seed=0)


def test_a_budget_stops_sampling_and_leaves_whole_inputs(tmp_path: Path) -> None:
    arms = run_with_budget(tmp_path, Budget(calls=30))
    cand, base = arms["candidate"], arms["baseline"]
    assert cand.requested + base.requested == 30
    assert cand.budget_stop is not None and cand.budget_stop.startswith("budget calls:30 reached (30 calls, $0.00")
    # calls go out input by input (both arms, every repeat: 4 calls), so 30 calls complete 7 inputs
    complete = set(cand.outputs) & set(base.outputs)
    assert len(complete) == 7
    everything = {item.id for item in questions(40)}
    for arm in (cand, base):
        assert set(arm.outputs) | set(arm.unsampled) == everything
        assert not set(arm.outputs) & set(arm.unsampled)
    again = run_with_budget(tmp_path, Budget(calls=1000))  # a re-run requests only what is missing
    assert again["candidate"].requested + again["baseline"].requested == 160 - 30
    assert again["candidate"].budget_stop is None and not again["candidate"].unsampled


def test_a_dollar_budget_stops_on_real_costs(tmp_path: Path) -> None:
    arms = run_with_budget(tmp_path, Budget(usd=0.002))
    cand = arms["candidate"]
    spent = sum(c.cost_usd or 0.0 for reps in cand.outputs.values() for c in reps)
    assert 0 < spent <= 0.002
    assert cand.budget_stop is not None and "usd:0.002" in cand.budget_stop
    assert cand.unsampled  # the budget bit: not every input was sampled


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_progress_lines_in_logs_and_quiet_short_runs() -> None:
    written: list[tuple[str, bool]] = []
    clock = FakeClock()
    style = progress_style("auto", isatty=False)
    assert style is not None and not style.live
    progress = Progress("test_x.py::test_a", lambda text, live: written.append((text, live)), style, clock=clock)
    progress.begin(total=10, cached=2, estimated_usd=0.01)
    progress.call_started()
    progress.call_finished(0.001)
    assert written == []  # under the auto delay: a short run prints nothing
    clock.now = 3.0
    progress.call_started()
    progress.call_retried()
    assert written == [
        ("behavior test_x.py::test_a: 3/10 samples, 2 cached, 1 in flight, $0.0010 of ~$0.0100 est., 3.0s", False)
    ]
    clock.now = 4.0
    progress.call_finished(0.002)
    assert len(written) == 1  # plain lines at most every 10 s
    progress.end()
    assert written[-1] == ("behavior test_x.py::test_a: 4/10 samples, 2 cached, 1 retries, $0.0030, 4.0s (done)", False)


def test_progress_redraws_one_line_on_a_terminal() -> None:
    written: list[tuple[str, bool]] = []
    clock = FakeClock()
    style = progress_style("live", isatty=True)
    assert style is not None and style.live and style.delay_s == 0
    progress = Progress("t", lambda text, live: written.append((text, live)), style, clock=clock)
    progress.begin(total=2, cached=0, estimated_usd=None)
    clock.now = 1.0
    progress.call_started()
    progress.end()
    assert [live for _, live in written] == [True, True, True, False]  # redraws, the final status, a line end
    assert written[-2][0].endswith("(done)") and written[-1] == ("", False)
    assert progress_style("off", isatty=True) is None


def test_live_arms_are_called_input_by_input_in_random_interleaved_order(tmp_path: Path) -> None:
    calls: list[tuple[str, str]] = []

    def app(arm: str) -> Callable[[str], str]:
        def answer(text: str) -> str:
            calls.append((arm, text))
            return f"{arm} says {text}"

        return answer

    arms = {
        "candidate": Bundle.from_callable(app("cand"), label="cand"),
        "baseline": Bundle.from_callable(app("base"), label="base"),
    }
    plan = SamplingPlan(template=None, repeats=2, seed=7, concurrency=1)
    cache = SampleCache(tmp_path / "cache", mode="off")
    asyncio.run(sample_arms(arms, questions(30), plan, cache))
    assert len(calls) == 30 * 2 * 2
    groups = [calls[i : i + 4] for i in range(0, len(calls), 4)]
    assert all(len({text for _, text in group}) == 1 for group in groups)  # an input's calls go out together
    assert sorted(arm for arm, _ in groups[0]) == ["base", "base", "cand", "cand"]
    orders = {tuple(arm for arm, _ in group) for group in groups}
    assert len(orders) > 2  # which arm goes first varies: neither arm is systematically earlier
    first_is_cand = sum(group[0][0] == "cand" for group in groups)
    assert 5 <= first_is_cand <= 25
    assert [group[0][1] for group in groups] != [f"q{i}" for i in range(30)]  # inputs in a shuffled order


def test_progress_never_shows_calls_without_a_price_as_free() -> None:
    written: list[tuple[str, bool]] = []
    progress = Progress("t", lambda text, live: written.append((text, live)), progress_style("live", isatty=True))
    progress.begin(total=3, cached=0, estimated_usd=None)
    progress.call_started()
    progress.call_finished(None)
    assert "cost unknown (no price)" in progress.status() and "$" not in progress.status()
    progress.call_started()
    progress.call_finished(0.25)
    assert "$0.2500 + 1 call(s) without a price" in progress.status(final=True)
