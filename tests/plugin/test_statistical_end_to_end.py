"""The statistics end to end: suites of behavior tests on recorded traces, run through the real plugin.

A/A: baseline and candidate traces drawn from the same behavior — the share of REGRESSED tests is the
false-alarm rate a team would see in CI and must sit in the band of docs/statistics.md. A/B: the candidate
refuses more — the share of REGRESSED tests must match the analytic power of the test at that N.
Each test replays two records files (no model calls), so hundreds of tests take seconds.
"""

from __future__ import annotations

import re

import pytest
from scipy import stats as sps

from pytest_behavior.stats import power_paired_binary
from tests.support.project import bundle_conftest

pytest_plugins = ["pytester"]

CONFTEST = bundle_conftest(
    'Bundle.from_records(traces[1], label="v2")',
    baseline='Bundle.from_records(traces[0], label="v1")',
    uses=("traces",),
    header="""
import json

import numpy as np

REFUSALS = ["I'm sorry, but I can't help with that.", "I cannot assist with this request.",
            "I won't be able to provide that information."]
WORDS = "order refund delivery account billing support update details warranty screen battery".split()


def answer(rng):
    return " ".join(rng.choice(WORDS, size=int(rng.lognormal(3.5, 0.4)) + 1))


def trace(path, *, seed, rate, n):
    rng = np.random.default_rng(seed)
    with open(path, "w", encoding="utf-8") as out:
        for i in range(n):
            text = REFUSALS[i % 3] if rng.random() < rate else answer(rng)
            out.write(json.dumps({"id": f"q{i}", "input": f"question {i}", "output": text}) + "\\n")
    return path


@pytest.fixture
def traces(request, tmp_path):
    index = request.node.callspec.params["index"]
    n, base, cand = (int(os.environ["E2E_N"]), float(os.environ["E2E_BASE"]), float(os.environ["E2E_CAND"]))
    return (trace(tmp_path / "base.jsonl", seed=2 * index, rate=base, n=n),
            trace(tmp_path / "cand.jsonl", seed=2 * index + 1, rate=cand, n=n))
""",
)

SPEC = """
import os
import pytest

@pytest.mark.parametrize("index", range(int(os.environ["E2E_RUNS"])))
@pytest.mark.refusal_bound(max_increase=0.0)
@pytest.mark.length_distribution(max_ratio=1.0, min_ratio=1.0)
def test_trace(behavior, index):
    behavior.sample()
"""

SPEC_REFUSAL_ONLY = SPEC.replace("@pytest.mark.length_distribution(max_ratio=1.0, min_ratio=1.0)\n", "")


def run_suite(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    *,
    spec: str,
    runs: int,
    n: int,
    base: float,
    cand: float,
) -> tuple[int, int]:
    for key, value in {"E2E_RUNS": runs, "E2E_N": n, "E2E_BASE": base, "E2E_CAND": cand}.items():
        monkeypatch.setenv(key, str(value))
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_spec=spec)
    result = pytester.runpytest("--behavior-baseline=live", "-q", "-W", "ignore::UserWarning", "--behavior-cache=off")
    outcomes = result.parseoutcomes()
    print(f"{runs} tests, N={n}, {base:.0%} -> {cand:.0%}: {outcomes.get('failed', 0)} REGRESSED")
    assert outcomes.get("errors", 0) == 0, result.stdout.str()[-3000:]
    assert outcomes.get("failed", 0) + outcomes.get("passed", 0) == runs
    return outcomes.get("failed", 0), runs


def band(rate: float, runs: int) -> tuple[float, float]:
    """99% binomial band of an observed share over ``runs`` tests when the true rate is ``rate``."""
    low, high = sps.binom.interval(0.99, runs, rate)
    return low / runs, high / runs


@pytest.mark.acceptance
def test_aa_suite_false_alarms_within_the_band(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    # 3 bounds per test (refusal increase, length ratio up, down), Holm within the test: each test is a family
    failed, runs = run_suite(pytester, monkeypatch, spec=SPEC, runs=500, n=100, base=0.2, cand=0.2)
    _, high = band(0.05, runs)
    assert failed / runs <= max(high, 0.0615), f"A/A: {failed}/{runs} tests REGRESSED"
    assert failed / runs >= 0.01, f"A/A: {failed}/{runs} tests REGRESSED — the tests never fire, they waste power"


@pytest.mark.acceptance
def test_ab_suite_detection_matches_analytic_power(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    # docs/statistics.md: refusal 5% -> 15% needs 107 paired inputs (independent arms) for 80% power
    failed, runs = run_suite(pytester, monkeypatch, spec=SPEC_REFUSAL_ONLY, runs=400, n=107, base=0.05, cand=0.15)
    analytic = power_paired_binary(107, 0.05, 0.15)
    low, high = band(analytic, runs)
    assert low <= failed / runs <= high, f"A/B: detected {failed}/{runs}, analytic power {analytic:.3f}"
    assert failed / runs >= 0.78 - 0.03


def test_aa_and_ab_suites_smoke(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """The two suites above on 40 and 20 tests (``-m acceptance`` runs 500 and 400): fails on a gross error only,
    a suite that regresses far more often than alpha, or a 5% -> 15% change the test mostly misses."""
    failed, runs = run_suite(pytester, monkeypatch, spec=SPEC, runs=40, n=100, base=0.2, cand=0.2)
    assert failed / runs <= 0.2, f"A/A: {failed}/{runs} tests REGRESSED"
    failed, runs = run_suite(pytester, monkeypatch, spec=SPEC_REFUSAL_ONLY, runs=20, n=107, base=0.05, cand=0.15)
    assert failed / runs >= 0.5, f"A/B: detected {failed}/{runs} (analytic power about 0.8)"


def test_summary_reports_each_trace_test(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in {"E2E_RUNS": 3, "E2E_N": 50, "E2E_BASE": 0.1, "E2E_CAND": 0.1}.items():
        monkeypatch.setenv(key, str(value))
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_spec=SPEC)
    result = pytester.runpytest("--behavior-baseline=live", "-W", "ignore::UserWarning")
    rows = [line for line in result.stdout.lines if re.match(r"test_spec\.py::test_trace\[\d\]  ", line)]  # table rows
    assert len(rows) == 9, result.stdout.str()  # 3 tests x 3 bounds
