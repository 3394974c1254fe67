"""The sampling engine under injected failures, over real HTTP to an OpenAI-compatible server on loopback.

N chat completions (400; ``--quick`` 200) answered after 200 ms, 16 in flight, driven through the engine
(``sample_arms``, cache off) in one process after litellm is imported, twice:

(a) no faults;
(b) 10% of requests fail: a seeded mix of 429 and 500 (both with ``Retry-After: 0.1``) and timeouts (the
    server holds the request for 5 s, longer than the bundle's ``timeout=1``). Faults are drawn per request
    (retries included) from the prompt and its attempt number, so the same requests fail in every run.

For each: wall time and its ratio to the ideal (N / 16 x 0.2 s), the requests the server saw, the faults it
injected, and the samples collected (all N, asserted). Then the overhead of (b) over (a) as a ratio, next to
its lower bound from the faults actually injected (each 429/500 costs its 200 ms answer plus the 0.1 s
Retry-After, each timeout the 1 s timeout plus the shortest backoff), and what a client that waits 60 s per
429 would have taken instead.

    python benchmarks/http_faults.py [--quick] [--seed S]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.openai_server import ServerConfig, running_server  # noqa: E402

CONCURRENCY = 16
LATENCY_S = 0.2
FAULT_RATE = 0.1
RETRY_AFTER_S = 0.1
CALL_TIMEOUT_S = 1.0
HOLD_S = 5.0
"""How long a "timeout" fault holds the request (after its latency): well past ``CALL_TIMEOUT_S``."""
NAIVE_WAIT_S = 60.0


@dataclass
class Run:
    wall_s: float
    requests: int
    faults: dict[str, int]
    samples: int

    @property
    def injected(self) -> int:
        return sum(count for kind, count in self.faults.items() if kind != "ok")


def _sample(url: str, n: int) -> tuple[float, int]:
    """Wall time of sampling n inputs through the engine, and the number of samples collected."""
    from pytest_behavior.bundle import Bundle
    from pytest_behavior.sampling.cache import SampleCache
    from pytest_behavior.sampling.runner import SamplingPlan, sample_arms
    from pytest_behavior.spec.inputs import resolve_inputs

    bundle = Bundle(
        model="openai/loopback-model",
        api_base=url,
        api_key="fake-credential-bench",
        label="bench",
        timeout=CALL_TIMEOUT_S,
    )
    inputs = resolve_inputs([f"question {i}" for i in range(n)], n=None, seed=0)
    plan = SamplingPlan(template=None, repeats=1, seed=0, concurrency=CONCURRENCY)
    with tempfile.TemporaryDirectory() as tmp:
        cache = SampleCache(Path(tmp), mode="off")
        started = time.perf_counter()
        arms = asyncio.run(sample_arms({"candidate": bundle}, inputs, plan, cache))
        wall = time.perf_counter() - started
    arm = arms["candidate"]
    assert not arm.missing and all(len(repeats) == 1 and repeats[0].text for repeats in arm.outputs.values())
    return wall, len(arm.outputs)


def run(config: ServerConfig, n: int) -> Run:
    with running_server(config) as server:
        wall, samples = _sample(server.url, n)
        requests, faults = server.stats.requests, dict(server.stats.faults)
    assert samples == n, f"collected {samples} of {n} samples"
    return Run(wall, requests, faults, samples)


def min_backoff_s() -> float:
    """The engine's shortest wait after a failure without Retry-After (attempt 1: uniform(base / 2, base))."""
    from pytest_behavior.sampling.llm import CallPolicy

    policy = CallPolicy()
    return min(policy.backoff_max_s, policy.backoff_base_s) / 2


def lower_bound_slot_s(run: Run) -> float:
    """Seconds of concurrency slots the run must occupy at least: every request's 200 ms answer, plus
    Retry-After after each 429/500, plus for each timeout the rest of the call timeout and the shortest backoff."""
    f = run.faults
    return (
        run.requests * LATENCY_S
        + (f.get("429", 0) + f.get("500", 0)) * RETRY_AFTER_S
        + f.get("timeout", 0) * (CALL_TIMEOUT_S - LATENCY_S + min_backoff_s())
    )


def report(name: str, result: Run, n: int, ideal: float) -> None:
    kinds = ", ".join(f"{result.faults.get(kind, 0)} {kind}" for kind in ("429", "500", "timeout"))
    print(
        f"   {name}: {result.wall_s:.2f} s = {result.wall_s / ideal:.2f}x ideal\n"
        f"      server saw {result.requests} requests, {result.injected} faults injected ({kinds}); "
        f"{result.samples} of {n} samples collected"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 completions instead of 400")
    parser.add_argument("--seed", type=int, default=0, help="seed of the injected faults (default 0)")
    args = parser.parse_args()
    n = 200 if args.quick else 400
    ideal = n / CONCURRENCY * LATENCY_S

    from pytest_behavior.sampling.litellm_loader import import_litellm

    import_litellm()
    with running_server() as server:
        _sample(server.url, 2 * CONCURRENCY)  # warm the engine's HTTP path up

    print(
        f"{n} completions, {LATENCY_S * 1000:.0f} ms each, {CONCURRENCY} in flight, through the engine "
        f"(ideal {ideal:.1f} s); bundle timeout={CALL_TIMEOUT_S:g} s"
    )
    clean = run(ServerConfig(latency_s=LATENCY_S), n)
    report("(a) no faults ", clean, n, ideal)
    faulty = run(
        ServerConfig(
            latency_s=LATENCY_S,
            fault_rate=FAULT_RATE,
            faults=("429", "500", "timeout"),
            retry_after_s=RETRY_AFTER_S,
            retry_after_on=("429", "500"),
            timeout_s=HOLD_S,
            seed=args.seed,
            fault_by="prompt",
        ),
        n,
    )
    report(f"(b) {FAULT_RATE:.0%} faults", faulty, n, ideal)

    bound = lower_bound_slot_s(faulty) / lower_bound_slot_s(clean)
    print(f"   overhead of (b) over (a): {faulty.wall_s / clean.wall_s:.2f}x (+{faulty.wall_s - clean.wall_s:.2f} s)")
    print(
        f"   expected lower bound of the overhead: {bound:.2f}x ideal (+{(bound - 1) * ideal:.2f} s over "
        f"{CONCURRENCY} slots) for {faulty.requests - clean.requests} extra {LATENCY_S * 1000:.0f} ms requests,\n"
        f"      Retry-After {RETRY_AFTER_S:g} s after each 429/500, {CALL_TIMEOUT_S:g} s timeout "
        f"+ >= {min_backoff_s():g} s backoff after each timeout:\n"
        f"      (b) >= {bound * ideal:.2f} s, measured {faulty.wall_s / (bound * ideal):.2f}x that "
        "(a retry in the last wave adds its whole delay on top).\n"
        f"      The bound is over the ideal; (a) itself took {clean.wall_s / ideal:.2f}x ideal and retry waits can "
        "overlap that slack,\n      so on a noisy machine (b)/(a) may land a little below it"
    )

    n429 = faulty.faults.get("429", 0)
    spread = faulty.wall_s + n429 * (NAIVE_WAIT_S - RETRY_AFTER_S) / CONCURRENCY
    floor = NAIVE_WAIT_S + 2 * LATENCY_S if n429 else 0.0
    naive = max(spread, floor)
    print(
        f"note: honouring Retry-After matters. A client that waits a fixed {NAIVE_WAIT_S:.0f} s per 429 would "
        f"need >= {naive:.0f} s for these {n429} 429s\n"
        f"      = {naive / faulty.wall_s:.1f}x (b), {naive / ideal:.1f}x ideal: the larger of (b) + {n429} x "
        f"{NAIVE_WAIT_S - RETRY_AFTER_S:g} s extra over {CONCURRENCY} slots = {spread:.0f} s,\n"
        f"      and one whole "
        f"{NAIVE_WAIT_S:.0f} s wait between two answers = {floor:.1f} s"
    )


if __name__ == "__main__":
    main()
