"""latency_bound and cost_bound through pytest: recorded traces, golden files, and a clear error without data."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from tests.support.project import use_bundles
from tests.support.records import use_recorded_bundles, write_jsonl

pytest_plugins = ["pytester"]


def write_records(path: Path, *, slow: float, pricey: float, seed: int, n: int = 200) -> None:
    rng = random.Random(seed)
    records = []
    for i in range(n):
        difficulty = rng.lognormvariate(0, 0.5)  # seeded per arm, so the arms share nothing but the scale
        records.append(
            {
                "id": f"q{i}",
                "input": f"question {i}",
                "output": f"answer {i}",
                "latency_ms": round(300 * slow * difficulty * rng.lognormvariate(0, 0.3), 1),
                "cost_usd": 0.001 * pricey * rng.uniform(0.9, 1.1),
            }
        )
    write_jsonl(path, records)


def make_project(pytester: pytest.Pytester, *, slow: float, pricey: float, marks: str) -> None:
    write_records(pytester.path / "base.jsonl", slow=1.0, pricey=1.0, seed=1)
    write_records(pytester.path / "cand.jsonl", slow=slow, pricey=pricey, seed=2)
    use_recorded_bundles(pytester)
    pytester.makepyfile(
        test_ops=f"""
        import pytest

        {marks}
        def test_ops(behavior):
            behavior.sample()
        """
    )


def test_a_slower_and_pricier_candidate_regresses_on_p95_latency_and_cost(pytester: pytest.Pytester) -> None:
    make_project(
        pytester,
        slow=2.0,
        pricey=1.5,
        marks="@pytest.mark.latency_bound(max_p95_ratio=1.3)\n        @pytest.mark.cost_bound(max_ratio=1.2)",
    )
    result = pytester.runpytest("--behavior-baseline=live")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*latency p95 (ms)*max_p95_ratio=1.3*x1.*REGRESSED*",
        ]
    )
    result.stdout.fnmatch_lines(["*cost per call (USD)*max_ratio=1.2*x1.5*REGRESSED*"])


def test_the_same_operational_profile_passes(pytester: pytest.Pytester) -> None:
    make_project(
        pytester,
        slow=1.0,
        pricey=1.0,
        marks="@pytest.mark.latency_bound(max_p95_ratio=1.5)\n        @pytest.mark.cost_bound(max_ratio=1.2)",
    )
    result = pytester.runpytest("--behavior-baseline=live")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*cost per call (USD)*PASS*", "*latency p95 (ms)*max_p95_ratio=1.5*PASS*"])


def test_golden_files_keep_latency_and_a_baseline_without_it_is_an_error(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_bundles(pytester, 'Bundle(model=os.environ.get("SIM_MODEL", "sim/bot?seed=1"), label="bot")')
    pytester.makepyfile(
        test_lat="""
        import pytest

        @pytest.mark.latency_bound(max_p95_ratio=2.0)
        def test_lat(behavior):
            behavior.sample([f"question {i}" for i in range(40)])
        """
    )
    pytester.runpytest("--behavior-update").assert_outcomes(passed=1)
    golden = next((pytester.path / "golden").rglob("*.json"))
    recorded = json.loads(golden.read_text())
    assert all(o["latency_ms"] > 0 for s in recorded["samples"].values() for o in s["outputs"])
    # Pin the recorded latencies, so the verdict does not depend on how busy this machine was while recording:
    # the candidate's answers take at least 500 ms (the simulated delay), the baseline's 20 ms.
    for sample in recorded["samples"].values():
        for output in sample["outputs"]:
            output["latency_ms"] = 20.0
    golden.write_text(json.dumps(recorded))
    monkeypatch.setenv("SIM_MODEL", "sim/bot?latency_ms=500&seed=1")
    slow = pytester.runpytest("--behavior-baseline", "--behavior-concurrency=8")
    slow.assert_outcomes(failed=1)
    slow.stdout.fnmatch_lines(["*latency p95 (ms)*max_p95_ratio=2*REGRESSED*"])
    data = json.loads(golden.read_text())
    for sample in data["samples"].values():
        for output in sample["outputs"]:
            output.pop("latency_ms")
    golden.write_text(json.dumps(data))
    missing = pytester.runpytest("--behavior-baseline")
    missing.assert_outcomes(errors=1)
    missing.stdout.fnmatch_lines(["*@pytest.mark.latency_bound: 40 baseline output(s) have no recorded latency*"])
