"""Statistics: what the sequential mode saves over a fixed N, and what judging one property costs.

Table 1 — seeded simulation of the paired sequential test (testing by betting, docs/statistics.md "Sequential
mode") on refusal data: baseline 5%, budget N_max = the fixed N for 80% power at 5% -> 10% (338), candidate
rates from better (2%) through A/A (5%) to much worse (20%). Per cell and threshold it prints the inputs the
sequential test consumed (mean and 90th percentile) against the fixed N, its decision rates, and the fixed-N
test (mid-p McNemar / Tango score test + Tango interval, the plugin's three-outcome rule) on the
same simulated pairs, with the exact analytic power for threshold 0. Two thresholds: 0 ("no change", the
setting of the reference simulation in docs/statistics.md and tests/unit/stats/test_sequential_power.py) and
δ = 3 points (``max_increase=0.03``). It also derives, from runs with a long budget at the minimum effect,
the budget the sequential test needs for the fixed test's 80% power at the minimum effect and what it then
consumes on average.

Table 2 — wall time of judging one property at N = 1000 (k = 1 and k = 3) with each method: the median of
several repeats of a timed loop, and its ratio to ``scipy.stats.wilcoxon`` on 1000 floats timed in the same
repeats (interleaved), so the ratios stay meaningful on a shared, noisy machine.

Table 3 — scale (issue 13, "Scale"): each bound kind at N = 100,000 inputs (k = 1 and k = 3), judged in a fresh
subprocess (with a timeout) that builds the data, times ``numpy.sort`` of the same data as the reference, then times
one call of the bound and reads the process's peak RSS (``resource.getrusage(RUSAGE_SELF).ru_maxrss``) before and
after it. Limits: <= 10 s and <= 1 GB peak per call; the time is also printed as a ratio to the sort.

Run from the repository root: ``python benchmarks/stats_speed.py`` (``--quick`` for fewer simulated runs;
``--scale-only`` for table 3 alone).
"""

from __future__ import annotations

import argparse
import inspect
import json
import math
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from scipy import stats as sps
from tabulate import tabulate

from pytest_behavior.stats import (
    absolute_rate_bound,
    categorical_shift,
    distribution_shift,
    holm,
    n_for_power_paired_binary,
    paired_binary_bound,
    paired_log_ratio_bound,
    paired_shift_bound,
    power_paired_binary,
    sequential_decision,
)

ALPHA = 0.05
BASE_RATE = 0.05
MIN_EFFECT_RATE = 0.10  # fixed N is sized for 80% power at 5% -> 10%
CANDIDATE_RATES = (0.02, 0.05, 0.08, 0.10, 0.15, 0.20)
THRESHOLDS = (0.0, 0.03)  # "no change" and the δ = 3 points margin
LONG_BUDGET = 3000  # budget of the long runs that locate the sequential N_max for 80% power
REFERENCE = {  # docs/statistics.md, "Sequential mode" and "Acceptance numbers" (simulated at threshold 0)
    0.05: "A/A false alarms ≈ 1–3%",
    0.15: "E[N] ≈ 138 (−59%)",
    0.20: "E[N] ≈ 79 (−77%)",
}
N_TIMED = 1000
BUDGET_MS = 50.0
BLAS_QUIET_S = 0.2


# --------------------------------------------------------------------------------------------------
# table 1: sequential vs fixed N
# --------------------------------------------------------------------------------------------------


def paired_refusals(rng: np.random.Generator, n: int, p1: float) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Independent paired arms, 1 = refused: baseline at BASE_RATE, candidate at p1 (as the unit tests)."""
    base = (rng.random(n) < BASE_RATE).astype(np.int64)
    cand = (rng.random(n) < p1).astype(np.int64)
    return base, cand


def fixed_decision(base: NDArray[np.int64], cand: NDArray[np.int64], threshold: float) -> str:
    """The plugin's rule on one property (pytest_behavior.engine.judge): REGRESSED if p <= alpha, PASS if upper <= t."""
    result = paired_binary_bound(base, cand, threshold=threshold, alpha=ALPHA)
    if result.p_regress <= ALPHA:
        return "REGRESSED"
    return "PASS" if result.upper <= threshold else "INCONCLUSIVE"


def share(decisions: list[str], decision: str) -> float:
    return sum(d == decision for d in decisions) / len(decisions)


def simulate_cell(p1: float, threshold: float, n_fixed: int, runs: int, seed: int) -> list[Any]:
    rng = np.random.default_rng(seed)
    used: list[int] = []
    seq: list[str] = []
    fixed: list[str] = []
    for _ in range(runs):
        base, cand = paired_refusals(rng, n_fixed, p1)
        d = (cand - base).astype(np.float64)  # i.i.d. inputs: already in random order
        result = sequential_decision(d, threshold=threshold, lo=-1.0, hi=1.0, alpha=ALPHA)
        used.append(result.n_used)
        seq.append(result.decision)
        fixed.append(fixed_decision(base, cand, threshold))
    mean_n = statistics.fmean(used)
    analytic = power_paired_binary(n_fixed, BASE_RATE, p1) if threshold == 0.0 and p1 > BASE_RATE else math.nan
    if threshold == 0.0 and p1 == BASE_RATE:
        analytic = power_paired_binary(n_fixed, BASE_RATE, p1)  # the size of the test
    return [
        f"{threshold:+.2f}",
        f"{BASE_RATE:.0%}→{p1:.0%}",
        f"{mean_n:.1f}",
        f"{np.percentile(used, 90):.0f}",
        f"{mean_n / n_fixed - 1.0:+.0%}",
        f"{share(seq, 'REGRESSED'):.1%}",
        f"{share(seq, 'PASS'):.1%}",
        f"{share(seq, 'INCONCLUSIVE'):.1%}",
        f"{share(fixed, 'REGRESSED'):.1%}",
        f"{share(fixed, 'PASS'):.1%}",
        "" if math.isnan(analytic) else f"{analytic:.1%}",
        REFERENCE.get(p1, "") if threshold == 0.0 else "",
    ]


def budget_for_power(p1: float, threshold: float, target: float, runs: int, seed: int) -> tuple[int, float, float]:
    """(N_max, E[N], P(REGRESSED)) of the smallest budget with P(REGRESSED) >= target.

    A budget only truncates the betting path, so one run with a long budget gives the decision at every
    shorter budget: the first crossing if it happened by then, else INCONCLUSIVE.
    """
    rng = np.random.default_rng(seed)
    crossing = np.full(runs, LONG_BUDGET + 1)
    regressed = np.zeros(runs, dtype=bool)
    for i in range(runs):
        base, cand = paired_refusals(rng, LONG_BUDGET, p1)
        result = sequential_decision((cand - base).astype(np.float64), threshold=threshold, lo=-1.0, hi=1.0)
        if result.decision != "INCONCLUSIVE":
            crossing[i] = result.n_used
            regressed[i] = result.decision == "REGRESSED"
    hits = np.sort(crossing[regressed])
    needed = math.ceil(target * runs)
    if hits.size < needed:
        return LONG_BUDGET + 1, math.nan, hits.size / runs
    n_max = int(hits[needed - 1])
    return n_max, float(np.minimum(crossing, n_max).mean()), needed / runs


def table_sequential(runs: int) -> None:
    n_fixed = n_for_power_paired_binary(BASE_RATE, MIN_EFFECT_RATE)
    rows = [
        simulate_cell(p1, threshold, n_fixed, runs, seed=1000 * i + j)
        for i, threshold in enumerate(THRESHOLDS)
        for j, p1 in enumerate(CANDIDATE_RATES)
    ]
    headers = [
        "thresh",
        "change",
        "seq E[N]",
        "seq P90",
        "E[N] vs fixed",
        "seq REGR",
        "seq PASS",
        "seq INCONC",
        "fixed REGR",
        "fixed PASS",
        "fixed power (exact)",
        "docs/statistics.md",
    ]
    print(
        f"1. Sequential (betting, N_max = {n_fixed}) vs fixed N = {n_fixed} (80% power at "
        f"{BASE_RATE:.0%}→{MIN_EFFECT_RATE:.0%}); refusal baseline {BASE_RATE:.0%}, independent arms, "
        f"alpha {ALPHA}, R = {runs} seeded runs per row"
    )
    print(tabulate(rows, headers=headers, tablefmt="github", disable_numparse=True))
    print(
        "  E[N] vs fixed = E[N]/fixed N − 1 (as docs/statistics.md quotes it); fixed REGR/PASS = the plugin's rule "
        "on the same simulated pairs (mid-p McNemar at threshold 0, Tango score test above it; PASS iff Tango upper "
        "bound ≤ threshold)."
    )
    print(
        f"  Sequential budget for the fixed test's 80% power at {BASE_RATE:.0%}→{MIN_EFFECT_RATE:.0%} "
        f"(one run with N_max = {LONG_BUDGET} per seed, truncated):"
    )
    for i, threshold in enumerate(THRESHOLDS):
        n_max, mean_n, power = budget_for_power(MIN_EFFECT_RATE, threshold, 0.8, runs, seed=7000 + i)
        if math.isnan(mean_n):
            print(f"    threshold {threshold:+.2f}: 80% not reached within {LONG_BUDGET} (REGRESSED {power:.1%})")
            continue
        print(
            f"    threshold {threshold:+.2f}: N_max = {n_max} ({n_max / n_fixed - 1:+.0%} vs {n_fixed}), "
            f"E[N] = {mean_n:.0f} ({mean_n / n_fixed - 1:+.0%} vs {n_fixed})"
        )
    print()


# --------------------------------------------------------------------------------------------------
# table 2: wall time per property at N = 1000
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    ms: float
    ratio: float


def per_call(fn: Callable[[], object], number: int, *, quiet: bool = False) -> float:
    """Mean seconds per call over ``number`` calls; ``quiet``: first let BLAS threads sleep, and warm up once.

    OpenBLAS worker threads keep spinning for about 2**28 cycles (~0.1 s) after a multi-threaded BLAS call
    (e.g. after other numpy work in the same process); on a 2-core machine they slowed the single-threaded
    reference by about 2x, so the reference is timed only after they have gone to sleep.
    """
    if quiet:
        time.sleep(BLAS_QUIET_S)
        fn()
    started = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - started) / number


def time_against(fn: Callable[[], object], reference: Callable[[], object], repeats: int) -> Timing:
    """Median per-call time of ``fn`` over ``repeats`` timed loops, and its ratio to the median per-call time
    of ``reference`` timed in loops interleaved before and after each of them (so both see the same load)."""
    fn()  # warm caches (lru_cache, scipy dispatch)
    number = max(1, math.ceil(0.05 / max(per_call(fn, 1), 1e-7)))  # loops of about 50 ms
    ref_number = max(1, math.ceil(0.02 / max(per_call(reference, 1), 1e-7)))
    times: list[float] = []
    refs: list[float] = [per_call(reference, ref_number, quiet=True)]
    for _ in range(repeats):
        times.append(per_call(fn, number))
        refs.append(per_call(reference, ref_number, quiet=True))
    return Timing(1e3 * statistics.median(times), statistics.median(times) / statistics.median(refs))


@dataclass(frozen=True)
class Method:
    name: str
    kind: str
    make: Callable[[np.random.Generator, int], Callable[[], object]]
    """Builds the timed call for N_TIMED inputs and k repeats (data generated outside the timing)."""


def _binary(rng: np.random.Generator, k: int, p: float) -> NDArray[np.int64]:
    return (rng.random((N_TIMED, k)) < p).astype(np.int64)


def _lengths(rng: np.random.Generator, k: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    base = rng.lognormal(5.0, 0.5, (N_TIMED, k))
    return base, base * rng.lognormal(0.05, 0.3, (N_TIMED, k))


def _labels(rng: np.random.Generator, k: int, p: list[float]) -> list[Any]:
    draws = rng.choice(["none", "search", "calc", "mail", "calendar"], size=(N_TIMED, k), p=p).tolist()
    return [row[0] for row in draws] if k == 1 else draws


def make_paired_binary(rng: np.random.Generator, k: int) -> Callable[[], object]:
    base, cand = _binary(rng, k, 0.05), _binary(rng, k, 0.08)
    return lambda: paired_binary_bound(base, cand, threshold=0.0)


def make_absolute(rng: np.random.Generator, k: int) -> Callable[[], object]:
    cand = _binary(rng, k, 0.08)
    return lambda: absolute_rate_bound(cand, threshold=0.10)


def make_log_ratio(rng: np.random.Generator, k: int) -> Callable[[], object]:
    base, cand = _lengths(rng, k)
    return lambda: paired_log_ratio_bound(base, cand, threshold=math.log(1.3))


def make_shift(rng: np.random.Generator, k: int) -> Callable[[], object]:
    base = rng.normal(0.7, 0.15, (N_TIMED, k))
    cand = base + rng.normal(0.02, 0.1, (N_TIMED, k))
    return lambda: paired_shift_bound(base, cand, threshold=0.05)


def make_categorical(rng: np.random.Generator, k: int) -> Callable[[], object]:
    base = _labels(rng, k, [0.4, 0.3, 0.15, 0.1, 0.05])
    cand = _labels(rng, k, [0.35, 0.3, 0.2, 0.1, 0.05])
    return lambda: categorical_shift(base, cand)


def make_shape(statistic: Literal["ks", "energy"]) -> Callable[[np.random.Generator, int], Callable[[], object]]:
    def make(rng: np.random.Generator, k: int) -> Callable[[], object]:
        base, cand = _lengths(rng, k)
        return lambda: distribution_shift(base, cand, statistic=statistic)

    return make


def make_sequential(rng: np.random.Generator, k: int) -> Callable[[], object]:
    d = (_binary(rng, k, 0.05) - _binary(rng, k, 0.05)).mean(axis=1)  # per-input mean differences, A/A
    # alpha tiny: no crossing, so every call consumes all 1000 values (the worst case of the budget)
    assert sequential_decision(d, threshold=0.0, lo=-1.0, hi=1.0, alpha=1e-12).n_used == N_TIMED
    return lambda: sequential_decision(d, threshold=0.0, lo=-1.0, hi=1.0, alpha=1e-12)


def make_holm(rng: np.random.Generator, k: int) -> Callable[[], object]:
    pvalues = rng.random(10).tolist()
    return lambda: holm(pvalues)


def table_timing(repeats: int) -> None:
    permutations = {
        "categorical_shift": inspect.signature(categorical_shift).parameters["permutations"].default,
        "distribution_shift": inspect.signature(distribution_shift).parameters["permutations"].default,
    }
    perm_cat = f"permutation ({permutations['categorical_shift']})"
    perm_shape = f"permutation ({permutations['distribution_shift']})"
    methods = [
        Method("paired binary: k=1 mid-p McNemar + Tango; k=3 exact sign-flip + t", "closed form", make_paired_binary),
        Method("absolute rate: exact binomial + Clopper–Pearson (k=3: Kish)", "closed form", make_absolute),
        Method("log-ratio: Wilcoxon + Hodges–Lehmann", "closed form", make_log_ratio),
        Method("paired shift: Wilcoxon + Hodges–Lehmann", "closed form", make_shift),
        Method("categorical: Stuart–Maxwell + permutation p + per-category McNemar", perm_cat, make_categorical),
        Method("distribution shape: KS", perm_shape, make_shape("ks")),
        Method("distribution shape: energy", perm_shape, make_shape("energy")),
        Method("sequential (betting) over 1000 values", "sequential", make_sequential),
        Method("holm of 10 p-values", "closed form", make_holm),
    ]
    reference_data = np.random.default_rng(99).normal(0.05, 1.0, N_TIMED)

    def reference() -> object:
        return sps.wilcoxon(reference_data, alternative="greater")

    ref_ms = 1e3 * statistics.median(per_call(reference, 50, quiet=True) for _ in range(repeats))
    rows = []
    slow: list[str] = []
    permutation_costs: list[str] = []
    for index, method in enumerate(methods):
        cells: list[str] = [method.name, method.kind]
        worst = 0.0
        per_k: list[float] = []
        for k in (1, 3):
            timing = time_against(method.make(np.random.default_rng(100 * index + k), k), reference, repeats)
            worst = max(worst, timing.ms)
            per_k.append(timing.ms)
            cells += [f"{timing.ms:.2f}", f"{timing.ratio:.2f}"]
        if method.kind.startswith("permutation"):
            count = permutations["categorical_shift" if method.make is make_categorical else "distribution_shift"]
            micro = ", ".join(f"k={k} {1e3 * ms / count:.0f} µs" for k, ms in zip((1, 3), per_k, strict=True))
            permutation_costs.append(f"{method.name.split(':')[-1].strip().split(' + ')[0]}: {micro}")
        verdict = "yes" if worst < BUDGET_MS else "NO"
        if method.kind == "closed form" and worst < BUDGET_MS / 10:
            verdict = "yes, well under"
        if worst >= BUDGET_MS:
            slow.append(method.name)
        rows.append([*cells, verdict])
    headers = [
        "method (N = 1000)",
        "kind",
        "k=1 ms",
        "k=1 × wilcoxon",
        "k=3 ms",
        "k=3 × wilcoxon",
        f"< {BUDGET_MS:.0f} ms",
    ]
    print(
        f"2. Wall time of judging one property at N = {N_TIMED} inputs (median of {repeats} repeats; "
        f"reference scipy.stats.wilcoxon on {N_TIMED} floats = {ref_ms:.2f} ms, interleaved)"
    )
    print(tabulate(rows, headers=headers, tablefmt="github", disable_numparse=True))
    blas = os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS")
    print(
        f"  BLAS threads: {blas or 'default (one per core)'} on {os.cpu_count()} cores (the permutation tests "
        "draw sign patterns directly and use no BLAS; scipy's wilcoxon reference may)."
    )
    print(
        f"  permutation counts are the defaults: categorical_shift(permutations={permutations['categorical_shift']}),"
        f" distribution_shift(permutations={permutations['distribution_shift']}); 'well under' = below "
        f"{BUDGET_MS / 10:.0f} ms. Sequential and holm do not depend on k (they see per-input values / p-values)."
    )
    print(f"  cost per permutation (whole call / permutations, N = {N_TIMED}): {'; '.join(permutation_costs)}")
    if slow:
        print(f"  at or above {BUDGET_MS:.0f} ms: {'; '.join(slow)}")


# --------------------------------------------------------------------------------------------------
# table 3: every bound kind at N = 100,000 inputs: wall time and peak memory, each in a fresh process
# --------------------------------------------------------------------------------------------------

N_SCALE = 100_000
SCALE_LIMIT_S = 10.0
SCALE_LIMIT_MB = 1024.0
SCALE_TIMEOUT_S = 600.0
SCALE_KINDS = {  # kind -> (label, call on (base, cand) built by _SCALE_CHILD)
    "absolute": ("absolute rate (exact binomial / Kish)", "absolute_rate_bound(cand_bin, threshold=0.10)"),
    "paired_binary": (
        "paired binary (McNemar+Tango / sign-flip+t)",
        "paired_binary_bound(base_bin, cand_bin, threshold=0.0)",
    ),
    "log_ratio": (
        "log-ratio (Wilcoxon + Hodges-Lehmann)",
        "paired_log_ratio_bound(base, cand, threshold=math.log(1.3))",
    ),
    "p95": (
        "latency p95 ratio (cluster bootstrap)",
        "paired_quantile_log_ratio_bound(base, cand, q=0.95, threshold=math.log(1.5))",
    ),
    "shape": (
        "length shape=True (profile bootstrap)",
        "paired_quantile_profile_bound(base, cand, threshold=math.log(1.3))",
    ),
}
_SCALE_CHILD = """
import json, math, resource, sys, time
import numpy as np
from pytest_behavior.stats import (absolute_rate_bound, paired_binary_bound, paired_log_ratio_bound,
                                   paired_quantile_log_ratio_bound, paired_quantile_profile_bound)
n, k, call = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rng = np.random.default_rng(k)
effect = rng.normal(0.0, 0.8, (n, 1))
base = np.exp(5.0 + effect + rng.normal(0.0, 0.35, (n, k)))
cand = np.exp(5.05 + effect + rng.normal(0.0, 0.35, (n, k)))
base_bin = (rng.random((n, k)) < 0.05).astype(np.int64)
cand_bin = (rng.random((n, k)) < 0.08).astype(np.int64)
started = time.perf_counter()
np.sort(np.concatenate([base.ravel(), cand.ravel()]))
sort_s = time.perf_counter() - started
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
eval(call)
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": seconds, "sort_s": sort_s, "rss_before_kb": before, "rss_peak_kb": peak}))
"""


def measure_scale(kind: str, k: int) -> dict[str, float] | str:
    """One call of ``kind`` at N_SCALE x k in a fresh interpreter: its timings and ru_maxrss (kB on Linux)."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", _SCALE_CHILD, str(N_SCALE), str(k), SCALE_KINDS[kind][1]],
            capture_output=True,
            text=True,
            timeout=SCALE_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"timed out after {SCALE_TIMEOUT_S:.0f} s"
    if done.returncode != 0:
        return f"failed: {done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.returncode}"
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def table_scale() -> None:
    rows = []
    over: list[str] = []
    for kind, (label, _) in SCALE_KINDS.items():
        for k in (1, 3):
            m = measure_scale(kind, k)
            if isinstance(m, str):
                rows.append([label, str(k), m, "", "", "", "NO"])
                over.append(f"{label} k={k}: {m}")
                continue
            peak_mb, base_mb = m["rss_peak_kb"] / 1024, m["rss_before_kb"] / 1024
            ok = m["seconds"] <= SCALE_LIMIT_S and peak_mb <= SCALE_LIMIT_MB
            if not ok:
                over.append(f"{label} k={k}")
            rows.append(
                [
                    label,
                    str(k),
                    f"{m['seconds']:.2f}",
                    f"{m['seconds'] / m['sort_s']:.0f}",
                    f"{peak_mb:.0f}",
                    f"{peak_mb - base_mb:+.0f}",
                    "yes" if ok else "NO",
                ]
            )
    headers = [
        "bound kind",
        "k",
        "s",
        "x numpy.sort",
        "peak RSS MB",
        "MB added by the call",
        f"<= {SCALE_LIMIT_S:.0f} s and {SCALE_LIMIT_MB:.0f} MB",
    ]
    print(
        f"3. Every bound kind at N = {N_SCALE:,} inputs, one call in a fresh process (timeout "
        f"{SCALE_TIMEOUT_S:.0f} s); reference: numpy.sort of both arms' {N_SCALE:,} x k values in the same process"
    )
    print(tabulate(rows, headers=headers, tablefmt="github", disable_numparse=True))
    print(
        "  peak RSS includes the interpreter, numpy/scipy and the data (the 'before' baseline is the peak before "
        "the call); 'MB added' is what the call itself raised the peak by."
    )
    if over:
        print(f"  over a limit: {'; '.join(over)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="R = 300 simulated runs and 3 timing repeats")
    parser.add_argument("--scale-only", action="store_true", help="only table 3 (N = 100,000)")
    args = parser.parse_args()
    runs, repeats = (300, 3) if args.quick else (2000, 7)
    started = time.perf_counter()
    if not args.scale_only:
        table_sequential(runs)
        table_timing(repeats)
        print()
    table_scale()
    print(f"\ntotal {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
