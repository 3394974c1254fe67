"""The sampling engine over real HTTP vs raw litellm, against an OpenAI-compatible server on loopback.

Three measurements, each against a reference measured in the same run (ratios, not absolute times):

1. 400 chat completions answered after 200 ms, 16 in flight (ideal: 400 / 16 x 0.2 s = 5.0 s), end to end
   as separate processes: raw ``litellm.acompletion`` with ``asyncio.gather`` and a semaphore, vs
   ``pytest`` running one behavior spec of 400 inputs (``--behavior-update --behavior-cache=off``).
   The server measures each client's time in flight (first request to last response); median of 3 rounds.
2. 2000 completions at 0 ms: calls per second of the engine (``sample_arms``, cache off) over raw litellm,
   in one process after both are imported. Target >= 0.8.
3. A cached re-run of 1000 samples: wall time, and the number of requests the server saw (must be 0).

    python benchmarks/http_throughput.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.openai_server import OpenAIServer, ServerConfig, running_server  # noqa: E402

RAW_SCRIPT = """
import asyncio, json, os, sys, time
started = time.perf_counter()
import litellm
imported = time.perf_counter()
N, K, URL = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]

async def main():
    semaphore = asyncio.Semaphore(K)
    async def one(i):
        async with semaphore:
            response = await litellm.acompletion(model="openai/loopback-model", api_base=URL,
                                                 api_key="fake-credential-bench",
                                                 messages=[{"role": "user", "content": f"question {i}"}])
            return response.choices[0].message.content
    t = time.perf_counter()
    answers = await asyncio.gather(*(one(i) for i in range(N)))
    return time.perf_counter() - t, len(answers)

in_flight, done = asyncio.run(main())
print(json.dumps({"import": imported - started, "in_flight": in_flight, "done": done}))
"""

CONFTEST = """
import os
import statistics
import pytest
from pytest_behavior import Bundle

@pytest.fixture
def candidate_bundle():
    return Bundle(model="openai/loopback-model", api_base=os.environ["LOOPBACK_URL"], api_key="fake-credential-bench",
                  label="bench")
"""

SPEC = """
import pytest

@pytest.mark.refusal_bound(max_rate=0.5)
def test_throughput(behavior):
    result = behavior.sample([f"question {{i}}" for i in range({n})])
    assert len(result.paired_ids) == {n}
"""


def raw_litellm(server: OpenAIServer, n: int, concurrency: int) -> dict[str, float]:
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", RAW_SCRIPT, str(n), str(concurrency), server.url],
        capture_output=True,
        text=True,
        check=True,
    )
    data: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    data["total"] = time.perf_counter() - started
    return data


def behavior_spec(server: OpenAIServer, directory: Path, n: int, concurrency: int, *, cache: str) -> float:
    env = {**os.environ, "LOOPBACK_URL": server.url}
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--behavior-update",
            f"--behavior-cache={cache}",
            f"--behavior-concurrency={concurrency}",
            "-W",
            "ignore",
        ],
        cwd=directory,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return time.perf_counter() - started


def project(directory: Path, n: int) -> Path:
    (directory / "pytest.ini").write_text("[pytest]\n")
    (directory / "conftest.py").write_text(textwrap.dedent(CONFTEST))
    (directory / "test_spec.py").write_text(textwrap.dedent(SPEC.format(n=n)))
    return directory


async def _raw_rate(url: str, n: int, concurrency: int) -> float:
    import litellm

    semaphore = asyncio.Semaphore(concurrency)

    async def one(i: int) -> None:
        async with semaphore:
            await litellm.acompletion(
                model="openai/loopback-model",
                api_base=url,
                api_key="fake-credential-bench",
                messages=[{"role": "user", "content": f"raw {i}"}],
            )

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(n)))
    return n / (time.perf_counter() - started)


def engine_rate(url: str, n: int, concurrency: int) -> float:
    from pytest_behavior.bundle import Bundle
    from pytest_behavior.sampling.cache import SampleCache
    from pytest_behavior.sampling.runner import SamplingPlan, sample_arms
    from pytest_behavior.spec.inputs import resolve_inputs

    bundle = Bundle(model="openai/loopback-model", api_base=url, api_key="fake-credential-bench", label="bench")
    inputs = resolve_inputs([f"engine {i}" for i in range(n)], n=None, seed=0)
    plan = SamplingPlan(template=None, repeats=1, seed=0, concurrency=concurrency)
    with tempfile.TemporaryDirectory() as tmp:
        cache = SampleCache(Path(tmp), mode="off")
        started = time.perf_counter()
        asyncio.run(sample_arms({"candidate": bundle}, inputs, plan, cache))
        return n / (time.perf_counter() - started)


ROUNDS = 3


def _window(server: OpenAIServer) -> float:
    """Seconds from the server's first request to its last response: the client's time in flight."""
    stats = server.stats
    assert stats.first_request_at is not None and stats.last_response_at is not None
    return stats.last_response_at - stats.first_request_at


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller workloads")
    args = parser.parse_args()
    n_latency, n_rate, n_cached = (200, 500, 300) if args.quick else (400, 2000, 1000)
    concurrency = 16
    ideal = n_latency / concurrency * 0.2

    print(
        f"1. {n_latency} completions, 200 ms each, {concurrency} in flight (ideal {ideal:.1f} s), end to end; "
        f"median of {ROUNDS} interleaved rounds"
    )
    raws, specs, raw_windows, spec_windows = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        directory = project(Path(tmp), n_latency)
        for _ in range(ROUNDS):
            with running_server(ServerConfig(latency_s=0.2)) as server:
                raws.append(raw_litellm(server, n_latency, concurrency))
                raw_windows.append(_window(server))
            with running_server(ServerConfig(latency_s=0.2)) as server:
                specs.append(behavior_spec(server, directory, n_latency, concurrency, cache="off"))
                spec_windows.append(_window(server))
    raw_total, spec = statistics.median(r["total"] for r in raws), statistics.median(specs)
    raw_window, spec_window = statistics.median(raw_windows), statistics.median(spec_windows)
    print(
        f"   raw litellm     : {raw_total:.2f} s = {raw_total / ideal:.2f}x ideal "
        f"(import litellm {statistics.median(r['import'] for r in raws):.2f} s; in flight {raw_window:.2f} s = "
        f"{raw_window / ideal:.2f}x ideal)"
    )
    print(
        f"   behavior spec   : {spec:.2f} s = {spec / ideal:.2f}x ideal = {spec / raw_total:.2f}x raw litellm "
        f"(pytest start to exit; in flight {spec_window:.2f} s = {spec_window / ideal:.2f}x ideal = "
        f"{spec_window / raw_window:.2f}x raw litellm's)"
    )

    print(f"2. {n_rate} completions at 0 ms, {concurrency * 4} in flight, in one process")
    from pytest_behavior.sampling.litellm_loader import import_litellm

    import_litellm()
    with running_server() as server:
        asyncio.run(_raw_rate(server.url, 50, 16))  # warm both paths up
        engine_rate(server.url, 50, 16)
        raw_rate = asyncio.run(_raw_rate(server.url, n_rate, concurrency * 4))
        engine = engine_rate(server.url, n_rate, concurrency * 4)
    print(f"   raw litellm     : {raw_rate:.0f} calls/s")
    print(f"   engine          : {engine:.0f} calls/s = {engine / raw_rate:.2f}x raw (target >= 0.8)")

    print(f"3. cached re-run of {n_cached} samples")
    with running_server() as server, tempfile.TemporaryDirectory() as tmp:
        directory = project(Path(tmp), n_cached)
        cold = behavior_spec(server, directory, n_cached, concurrency * 4, cache="use")
        requests_cold = server.stats.requests
        warm = behavior_spec(server, directory, n_cached, concurrency * 4, cache="use")
        requests_warm = server.stats.requests - requests_cold
    print(
        f"   cold: {cold:.2f} s, {requests_cold} requests; cached: {warm:.2f} s, {requests_warm} requests "
        f"({warm / cold:.2f}x cold)"
    )


if __name__ == "__main__":
    main()
