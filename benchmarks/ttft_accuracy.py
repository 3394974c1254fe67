"""How close the recorded time to first token (TTFT) is to a known one, over real HTTP on loopback.

A loopback OpenAI-compatible server streams every answer with a known first-token delay (``--first-token``, default
200 ms: a role-only chunk at once, the first text chunk after the delay, then 7 chunks 10 ms apart). Two
measurements, each against a reference measured in the same run:

1. Warm process, 64 streamed calls at 1, 4 and 16 in flight: the plugin's ``call_model(Bundle(stream=True))`` vs raw
   ``litellm.acompletion(stream=True)`` timed by this script to its first text chunk (the same client work, no
   plugin), alternating. Prints TTFT p50/p95 of each, their ratios plugin / raw, and plugin / the true delay.
2. The first 16 concurrent calls of a fresh process (litellm's own set-up lands there), over loopback HTTP and
   through the simulated provider (``sim/...?ttft_ms=``, the same delay): the plugin with its one-off warm-up vs the
   same with the warm-up skipped, each in its own process, 3 processes each; prints the median of their p50 and p95
   TTFT over the true delay.
3. The paired TTFT p95 ratio the plugin's sampler measures (both arms in one run, as a live comparison samples
   them): simulated baseline ``ttft_ms=40`` vs candidate ``ttft_ms=100`` (true x2.5), 64 inputs x 2 repeats, at
   16 in flight with streamed calls capped at 4 (the default), 16 uncapped (``--behavior-concurrency=16``), 4 and
   1; the median of 3 runs each. Client-side time both arms share pulls the ratio toward 1.

    python benchmarks/ttft_accuracy.py [--first-token 0.2] [--quick] [--ratios-only]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.openai_server import ServerConfig, running_server  # noqa: E402

KEY = "fake-credential-" + uuid.uuid4().hex  # made at run time: no key-shaped literal in the tree


def quantiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


async def plugin_ttfts(url: str, n: int, k: int) -> list[float]:
    """TTFTs of the plugin's streamed calls to the loopback server at ``url``, or to ``sim/...`` when ``url`` is one."""
    from pytest_behavior import Bundle
    from pytest_behavior.sampling.llm import CallPolicy, call_model

    if url.startswith("sim/"):
        bundle = Bundle(model=url, stream=True)
    else:
        bundle = Bundle(model="openai/loopback-model", api_base=url, api_key=KEY, stream=True, timeout=60)
    semaphore = asyncio.Semaphore(k)

    async def one(i: int) -> float:
        async with semaphore:
            messages = [{"role": "user", "content": f"question {i}"}]
            completion = await call_model(bundle, messages, seed=i, policy=CallPolicy())
            assert completion.ttft_ms is not None
            return completion.ttft_ms

    return list(await asyncio.gather(*(one(i) for i in range(n))))


async def raw_ttfts(url: str, n: int, k: int) -> list[float]:
    from pytest_behavior.sampling.litellm_loader import import_litellm

    litellm = import_litellm()
    semaphore = asyncio.Semaphore(k)

    async def one(i: int) -> float:
        async with semaphore:
            started = time.perf_counter()
            stream = await litellm.acompletion(
                model="openai/loopback-model",
                api_base=url,
                api_key=KEY,
                messages=[{"role": "user", "content": f"question {i}"}],
                stream=True,
                stream_options={"include_usage": True},
                timeout=60,
            )
            first = None
            async for chunk in stream:
                if first is None and chunk.choices and getattr(chunk.choices[0].delta, "content", None):
                    first = time.perf_counter()
            assert first is not None
            return (first - started) * 1000

    return list(await asyncio.gather(*(one(i) for i in range(n))))


def warm(first_token: float, n: int) -> None:
    config = ServerConfig(first_token_s=first_token, chunk_interval_s=0.01, stream_chunks=8)
    true_ms = first_token * 1000
    print(f"1. warm process, {n} streamed calls per row, true first-token delay {true_ms:.0f} ms")
    print(
        f"{'in flight':>9}  {'raw p50':>8} {'p95':>6}  {'plugin p50':>10} {'p95':>6}  {'plugin/raw p50':>14} {'p95':>5}"
        f"  {'plugin/true p50':>15} {'p95':>5}"
    )
    with running_server(config) as server:
        asyncio.run(plugin_ttfts(server.url, 4, 4))  # imports and the plugin's warm-up, outside the rows
        asyncio.run(raw_ttfts(server.url, 4, 4))
        for k in (1, 4, 16):
            raw = quantiles(asyncio.run(raw_ttfts(server.url, n, k)))
            plugin = quantiles(asyncio.run(plugin_ttfts(server.url, n, k)))
            print(
                f"{k:>9}  {raw[0]:>8.0f} {raw[1]:>6.0f}  {plugin[0]:>10.0f} {plugin[1]:>6.0f}  "
                f"{plugin[0] / raw[0]:>14.2f} {plugin[1] / raw[1]:>5.2f}  "
                f"{plugin[0] / true_ms:>15.2f} {plugin[1] / true_ms:>5.2f}"
            )


def cold_child(url: str, skip_warm_up: bool) -> None:
    if skip_warm_up:
        from pytest_behavior.sampling import streaming

        streaming._warmed = True
    print(json.dumps(asyncio.run(plugin_ttfts(url, 16, 16))))


def cold(first_token: float, processes: int) -> None:
    config = ServerConfig(first_token_s=first_token, chunk_interval_s=0.01, stream_chunks=8)
    true_ms = first_token * 1000
    print(f"\n2. the first 16 concurrent calls of a fresh process ({processes} processes each), over the true delay")
    with running_server(config) as server:
        targets = (("loopback HTTP", server.url), ("simulated", f"sim/bench?seed=1&mean_words=30&ttft_ms={true_ms:g}"))
        for where, target in targets:
            for label, flag in (("with the warm-up", ""), ("warm-up skipped", "--skip-warm-up")):
                rows: list[tuple[float, float]] = []
                for _ in range(processes):
                    args = [sys.executable, __file__, "--cold-child", target, *([flag] if flag else [])]
                    out = subprocess.run(args, capture_output=True, text=True, check=True, timeout=300).stdout
                    rows.append(quantiles(json.loads(out.strip().splitlines()[-1])))
                p50 = statistics.median(r[0] for r in rows) / true_ms
                p95 = statistics.median(r[1] for r in rows) / true_ms
                print(f"{where:>13}, {label:>16}: TTFT p50 x{p50:.2f}, p95 x{p95:.2f} of the true delay")


def paired_p95_ratio(concurrency: int, stream_cap: int | None, n: int, seed: int) -> float:
    """One live comparison's TTFT p95 ratio, candidate over baseline, through `sample_arms` (cache off)."""
    import tempfile

    from pytest_behavior import Bundle
    from pytest_behavior.sampling.cache import SampleCache
    from pytest_behavior.sampling.calls import SamplingPlan
    from pytest_behavior.sampling.runner import sample_arms
    from pytest_behavior.spec.inputs import make_input

    common = f"seed={seed}&mean_words=60&latency_ms=300"
    arms = {
        "baseline": Bundle(model=f"sim/base?{common}&ttft_ms=40", stream=True),
        "candidate": Bundle(model=f"sim/cand?{common}&ttft_ms=100", stream=True),
    }
    inputs = [make_input(f"question {i}") for i in range(n)]
    plan = SamplingPlan(template=None, repeats=2, seed=seed, concurrency=concurrency, stream_concurrency=stream_cap)
    with tempfile.TemporaryDirectory() as tmp:
        sampled = asyncio.run(sample_arms(arms, inputs, plan, SampleCache(Path(tmp), mode="off")))
    p95 = {
        arm: quantiles([c.ttft_ms for outs in s.outputs.values() for c in outs if c.ttft_ms is not None])[1]
        for arm, s in sampled.items()
    }
    return p95["candidate"] / p95["baseline"]


def ratios(n: int) -> None:
    from pytest_behavior.config.settings import STREAMED_IN_FLIGHT

    print("\n3. TTFT p95 ratio of a live comparison, baseline 40 ms vs candidate 100 ms (true x2.50), median of 3")
    paired_p95_ratio(4, None, 8, 0)  # imports and the warm-up, outside the rows
    rows = (
        (f"16 in flight, streamed capped at {STREAMED_IN_FLIGHT} (default)", 16, STREAMED_IN_FLIGHT),
        ("16 in flight, uncapped (--behavior-concurrency=16)", 16, None),
        ("4 in flight", 4, None),
        ("1 in flight", 1, None),
    )
    for label, concurrency, cap in rows:
        measured = [paired_p95_ratio(concurrency, cap, n, seed) for seed in (1, 2, 3)]
        print(f"{label:>52}: x{statistics.median(measured):.2f} (runs {', '.join(f'x{r:.2f}' for r in measured)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--first-token", type=float, default=0.2, help="the server's first-token delay, seconds")
    parser.add_argument("--quick", action="store_true", help="32 calls per row, 2 processes per cold case")
    parser.add_argument("--cold-child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--skip-warm-up", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--ratios-only", action="store_true", help="only 3., the paired ratio")
    args = parser.parse_args()
    if args.cold_child:
        cold_child(args.cold_child, args.skip_warm_up)
        return
    if args.ratios_only:
        ratios(64)
        return
    warm(args.first_token, 32 if args.quick else 64)
    cold(args.first_token, 2 if args.quick else 3)
    ratios(32 if args.quick else 64)


if __name__ == "__main__":
    main()
