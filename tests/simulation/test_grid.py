"""The acceptance numbers of docs/statistics.md, checked by seeded simulation of the plugin's own statistics.

Acceptance run (``pytest -m acceptance -n 2``, a separate step of ``.ci/run``): a reduced grid (R = 2000 per
cell wherever an acceptance number is asserted). Default run: the engine tests and a smoke version of each
experiment (a few cells at R = 100-1000, failing on any miss that is decisive at that R: a gross error).
Full grid (R = 2000 over N {30, 100, 300, 1000} x k {1, 3} x base {1, 5, 20%} x ICC {0, 0.3}, lognormal and t3
lengths, ties and identical outputs): ``pytest -m simulation tests/simulation -n 2 --dist loadgroup`` (about
10-15 minutes on two cores; ``--dist loadgroup`` keeps the two tests of a cell on one worker, so each cell is
simulated once). ``python -m tests.simulation.report [--full]`` prints the same numbers as markdown.

Every failure message states the measured rate, its 99% band, the rule and the cell. Acceptance numbers the
implementation misses are marked ``xfail(strict=True)`` with the reason (see ``known_conservative``), so that
they stay visible and the mark must go when the statistics are fixed. A miss whose 99% band still contains the
limit is re-simulated with 5x R before it counts (``grid.judge_cell``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import pytest
from scipy.stats import binom

from pytest_behavior.stats import (
    absolute_rate_bound,
    discordant_probabilities,
    paired_binary_bound,
    paired_log_ratio_bound,
    power_paired_binary,
)

from . import grid

# --------------------------------------------------------------------------------------------------
# known misses of the acceptance numbers (reported to the lead engineer; strict: remove when fixed)
# --------------------------------------------------------------------------------------------------

_K3_FEW_CHANGED = (
    "paired_binary_bound, k > 1, with about 6 changed inputs expected (the edge of the sparse rule): the score "
    "interval on the effective fractional counts (binary.py, _effective_discordance) is exact in spirit but the "
    "data are so discrete that its one-sided bounds cover 96.5-96.8% instead of at most 96.2% (R = 10000). "
    "Until the scaling fix of sum |d_i| -> sum d_i^2 this covered 97-100% in every k = 3 cell with 5-30 changed "
    "inputs; false alarms and false PASSes stay under 6.15%"
)
_TANGO_CONTINUITY = (
    "paired_binary_bound, k = 1, lower bound at a margin with under 10 informative units: Tango's test of a margin "
    "and its dual lower bound take half a table unit off b - c (binary.TANGO_CONTINUITY), because without it the "
    "score test gave 6.4-7.0% false REGRESSED at the margin with N = 10-30; the price is a lower bound that covers "
    "96.5% instead of at most 96.2% where discordant pairs are this few"
)
_HL_ZEROS = (
    "paired_log_ratio_bound (continuous.py): the Hodges-Lehmann bounds are Walsh averages, and with identical "
    "outputs or rounded lengths many of them are exactly 0 (d_i = 0, or d_i = -d_j for integer lengths), so at "
    "the A/A truth the bounds often equal 0: the 95% interval covers 97-100% (with 50% identical outputs it is "
    "[0, 0] in 80-100% of runs) while the Wilcoxon test, which drops the zeros, still rejects 5% of the time: "
    "those REGRESSED verdicts show an interval containing 0"
)


def known_conservative(cell: grid.Cell) -> str | None:
    """Why a cell's intervals over-cover in a non-sparse cell (the ``conservative`` checks), or None.

    Rules rather than a list, so that they say which data trigger each defect; the strict xfail makes sure they
    match the measured misses exactly.
    """
    informative = grid.informative_count(cell)
    if cell.kind == "paired" and cell.k > 1 and grid.SPARSE_BELOW <= informative < 6 and cell.identical == 0:
        return _K3_FEW_CHANGED
    if cell.kind == "length" and cell.ties and (cell.k == 1 or cell.identical > 0):
        return _HL_ZEROS
    if cell.kind == "paired" and cell.k == 1 and cell.identical == 0 and informative < 10:
        return _TANGO_CONTINUITY
    return None


_TIES_AT_THE_THRESHOLD = (
    "paired_log_ratio_bound at threshold 0 with 50% identical outputs: half the d_i sit exactly on the threshold, "
    "so the pseudo-median the bound is about is held at 0 and the p-value dual to the Hodges-Lehmann interval "
    "counts those ties against a regression (A/A 0.0-0.3%). The Wilcoxon test alone, which drops them, rejected "
    "5% of the time beside an interval containing 0: the verdict disagreed with its interval (issue 13). Only a "
    "ratio bound of exactly 1 meets this; log(r) != 0 is not hit by identical outputs"
)


def known_floor(cell: grid.Cell) -> str | None:
    """Why a non-sparse cell's A/A false-alarm rate is below 2% (the ``floor`` check), or None."""
    if cell.kind == "length" and cell.identical > 0:
        return _TIES_AT_THE_THRESHOLD
    return None


KNOWN_POWER: dict[str, str] = {}
"""Power row name -> why it misses the power acceptance numbers."""


# --------------------------------------------------------------------------------------------------
# parametrisation
# --------------------------------------------------------------------------------------------------


def _grid_mark(full: bool) -> pytest.MarkDecorator:
    """The full grid runs under ``-m simulation`` (hours), the reduced one under ``-m acceptance`` (minutes)."""
    return pytest.mark.simulation if full else pytest.mark.acceptance


def _ident(cell: grid.Cell) -> str:
    return cell.label.replace(" ", "-").replace("%", "")


def _cell_params(
    cells: list[grid.Cell], full: bool, known: Callable[[grid.Cell], str | None] = lambda cell: None
) -> list[Any]:
    params = []
    for cell in cells:
        marks: list[Any] = [pytest.mark.xdist_group(cell.label), _grid_mark(full)]
        reason = known(cell)
        if reason:
            marks.append(pytest.mark.xfail(strict=True, reason=reason))
        params.append(pytest.param(cell, full, id=("full-" if full else "") + _ident(cell), marks=marks))
    return params


def _grid_cells(full: bool) -> list[grid.Cell]:
    return grid.paired_cells(full) + grid.absolute_cells(full) + grid.length_cells(full)


CELLS = _cell_params(_grid_cells(False), False) + _cell_params(_grid_cells(True), True)
FLOOR = _cell_params(_grid_cells(False), False, known_floor) + _cell_params(_grid_cells(True), True, known_floor)
CONSERVATIVE = _cell_params(_grid_cells(False), False, known_conservative) + _cell_params(
    _grid_cells(True), True, known_conservative
)


def _by_mode(full: bool) -> list[Any]:
    return [pytest.param(full, id="full" if full else "default", marks=_grid_mark(full))]


MODES = _by_mode(False) + _by_mode(True)
SEQUENTIAL = [pytest.param(c, False, id=_ident(c), marks=_grid_mark(False)) for c in grid.sequential_cells(False)] + [
    pytest.param(c, True, id="full-" + _ident(c), marks=pytest.mark.simulation) for c in grid.sequential_cells(True)
]


def _power_params(full: bool) -> list[Any]:
    params = []
    for row in grid.power_rows(full):
        marks: list[Any] = [_grid_mark(full)]
        if row.name in KNOWN_POWER:
            marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_POWER[row.name]))
        params.append(pytest.param(row, id=("full-" if full else "") + row.name.replace(" ", "-"), marks=marks))
    return params


POWER_ROWS = _power_params(False) + _power_params(True)


@cache
def _run(
    cell: grid.Cell,
    reps: int = grid.R_FULL,
    stage: str = "",
    experiments: tuple[grid.Experiment, ...] = ("aa", "margin"),
) -> grid.CellResult:
    """One simulation per (cell, stage) and process, shared by the checks of that cell."""
    return grid.run_cell(cell, reps, stage=stage, experiments=experiments)


def _check(cell: grid.Cell, checks: tuple[str, ...]) -> None:
    verdict = grid.judge_cell(_run(cell), checks, runner=_run, complete=False)
    _assert_none(verdict.failures)


def _assert_none(failures: list[grid.Failure]) -> None:
    assert not failures, "\n".join(str(f) for f in failures)


# --------------------------------------------------------------------------------------------------
# the engine itself: generators, truths and the shortcuts the grid relies on
# --------------------------------------------------------------------------------------------------


def test_binary_generator_is_the_model_of_the_power_functions() -> None:
    rng = np.random.default_rng(1)
    for base, cand, rho in [(0.05, 0.10, 0.0), (0.01, 0.05, 0.5), (0.20, 0.30, 0.3)]:
        b, c = grid.binary_arms(rng, reps=1, n=400_000, k=1, base_rate=base, cand_rate=cand, icc=rho)
        b, c = b.ravel(), c.ravel()
        p01, p10 = discordant_probabilities(base, cand, rho=rho)
        for measured, expected in [
            (b.mean(), base),
            (c.mean(), cand),
            (np.mean((b == 0) & (c == 1)), p01),
            (np.mean((b == 1) & (c == 0)), p10),
        ]:
            assert abs(measured - expected) <= 4 * math.sqrt(expected * (1 - expected) / b.size) + 1e-9
        changed = grid.changed_input_probability(base, cand, rho, k=1)
        assert changed == pytest.approx(p01 + p10, abs=1e-9)
        assert grid.true_binary_difference(base, cand, rho) == pytest.approx(cand - base, abs=1e-9)
    # k = 3 with ICC: repeats of one input are correlated, and the changed-input probability is as predicted
    b, c = grid.binary_arms(rng, reps=1, n=200_000, k=3, base_rate=0.05, cand_rate=0.05, icc=0.3)
    changed = np.mean(b[0].sum(axis=1) != c[0].sum(axis=1))
    assert changed == pytest.approx(grid.changed_input_probability(0.05, 0.05, 0.3, 3), abs=0.004)
    repeats = b[0].astype(float)
    assert np.corrcoef(repeats[:, 0], repeats[:, 1])[0, 1] == pytest.approx(grid.binary_repeat_icc(0.05, 0.3), abs=0.01)
    same = grid.binary_arms(rng, reps=2, n=50, k=3, base_rate=0.2, cand_rate=0.2, identical=1.0)
    assert np.array_equal(*same)


def test_length_generator_ties_and_truth() -> None:
    rng = np.random.default_rng(2)
    base, cand = grid.length_arms(rng, reps=1, n=100_000, k=1, ratio=1.2, noise="t3", ties=False)
    d = np.log(cand / base).ravel()
    assert np.median(d) == pytest.approx(math.log(1.2), abs=0.005)
    assert np.std(d) == pytest.approx(0.35 * math.sqrt(2), rel=0.05)  # t3 scaled to the lognormal's SD
    base, cand = grid.length_arms(rng, reps=1, n=100_000, k=1, ratio=1.0, noise="lognormal", ties=True)
    assert np.all(base >= 1) and np.all(base == np.round(base))
    assert 0.05 < np.mean(base == cand) < 0.3  # ties make d_i = 0 common
    # with rounding the pseudo-median moves only slightly from log(ratio)
    assert grid.true_length_location(1, "lognormal", True, 1.2) == pytest.approx(math.log(1.2), abs=0.01)
    assert grid.true_length_location(3, "t3", False, 1.2) == math.log(1.2)


def test_bounds_ignore_the_threshold_and_p_ignores_alpha() -> None:
    """``run_cell`` reads the 95% interval and a second p-value from one call (see its docstring).

    Two ways a lower bound depends on the threshold: where the exact test keeps the threshold in although the
    interval's lower end is beyond it, that end is the threshold (the hull of the combined test; see
    ``pytest_behavior/stats/binary.py``), so the lower bound is compared only where that did not happen; and the
    k = 1 test of a non-zero margin is continuity-corrected (``TANGO_CONTINUITY``), which lowers its bound.
    """
    rng = np.random.default_rng(3)
    b1, c1 = grid.binary_arms(rng, reps=1, n=60, k=1, base_rate=0.2, cand_rate=0.3, icc=0.3)
    b3, c3 = grid.binary_arms(rng, reps=1, n=60, k=3, base_rate=0.05, cand_rate=0.1, icc=0.3)
    lb, lc = grid.length_arms(rng, reps=1, n=60, k=3, ratio=1.1, noise="t3", ties=True, identical=0.3)
    cases: list[tuple[grid.BoundFn, tuple[Any, ...], tuple[float, float]]] = [
        (paired_binary_bound, (b1[0], c1[0]), (0.0, 0.05)),
        (paired_binary_bound, (b3[0], c3[0]), (0.0, 0.05)),
        (absolute_rate_bound, (c3[0],), (0.05, 0.1)),
        (paired_log_ratio_bound, (lb[0], lc[0]), (0.0, 0.18)),
    ]
    for fn, arms, (t1, t2) in cases:
        first, other_threshold = fn(*arms, threshold=t1, alpha=0.05), fn(*arms, threshold=t2, alpha=0.05)
        assert first.upper == other_threshold.upper, str(fn)
        corrected = fn is paired_binary_bound and arms[0].shape[-1] == 1 and t2 != 0.0
        if first.lower != t1 and other_threshold.lower != t2:
            if corrected:
                assert other_threshold.lower < first.lower, str(fn)
            else:
                assert first.lower == other_threshold.lower, str(fn)
        assert fn(*arms, threshold=t1, alpha=0.025).p_regress == first.p_regress, str(fn)


def test_k1_bound_is_a_function_of_the_2x2_table() -> None:
    """``by_table`` evaluates each distinct table once: inputs are exchangeable, so their order must not matter."""
    rng = np.random.default_rng(4)
    base, cand = grid.binary_arms(rng, reps=200, n=80, k=1, base_rate=0.1, cand_rate=0.15, icc=0.3)
    for threshold in (0.0, 0.05):
        direct = grid.run_bounds(paired_binary_bound, (base, cand), threshold=threshold, alpha=0.05)
        tabled = grid.by_table(paired_binary_bound, base, cand, threshold=threshold, alpha=0.05)
        for got, expected in zip(
            (tabled.p, tabled.lower, tabled.upper), (direct.p, direct.lower, direct.upper), strict=True
        ):
            np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)
    order = rng.permutation(80)
    assert paired_binary_bound(base[0][order], cand[0][order], threshold=0.0) == paired_binary_bound(
        base[0], cand[0], threshold=0.0
    )


def test_rate_band_and_acceptance_constants() -> None:
    low, high = grid.Rate(100, 2000).band
    assert 0.037 < low < 0.039 and 0.063 < high < 0.065  # the 99% band of 5% at R = 2000
    # 6.15% and [93.7, 96.2]% are the normal-approximation 99% limits around 5% and 95% at R = 2000
    se = math.sqrt(0.05 * 0.95 / 2000)
    assert abs(grid.MAX_ERROR - (0.05 + 2.326 * se)) < 0.0005
    assert abs(grid.COVER_LOW - (0.95 - 2.576 * se)) < 0.0006 and abs(grid.COVER_HIGH - (0.95 + 2.576 * se)) < 0.0006
    assert "R=2000" in grid.Rate(97, 2000).text()


def test_sparse_cells_are_where_exact_tests_must_be_conservative() -> None:
    """The 2% floor is waived exactly where the exact size of the test (k = 1, computed analytically) is below it."""
    for cell in grid.paired_cells(full=True):
        if cell.k != 1 or cell.identical:
            continue
        size = power_paired_binary(cell.n, cell.base, cell.base, rho=cell.icc)
        sparse = grid.informative_count(cell) < grid.SPARSE_BELOW
        assert (size < grid.MIN_ALARM) == sparse, (cell.label, size, grid.informative_count(cell))
    for cell in grid.absolute_cells(full=True):
        if cell.k != 1:
            continue
        x = np.arange(cell.n + 1)
        critical = x[binom.sf(x - 1, cell.n, cell.base) <= grid.ALPHA].min()
        size = float(binom.sf(critical - 1, cell.n, cell.base))
        if grid.informative_count(cell) >= grid.SPARSE_BELOW:
            assert size >= grid.MIN_ALARM, (cell.label, size)


# --------------------------------------------------------------------------------------------------
# the grid
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("cell", "full"), CELLS)
def test_cell(cell: grid.Cell, full: bool) -> None:
    """False alarms and false PASSes <= 6.15%, every bound covers >= 93.7%, and k = 1 rates agree with the exact
    analytic values."""
    _check(cell, ("error", "coverage", "analytic"))


@pytest.mark.parametrize(("cell", "full"), FLOOR)
def test_cell_aa_not_below_floor(cell: grid.Cell, full: bool) -> None:
    """A/A false alarms >= 2% unless the cell is sparse: a fixed-N test far below alpha wastes power."""
    _check(cell, ("floor",))


@pytest.mark.parametrize(("cell", "full"), CONSERVATIVE)
def test_cell_not_conservative(cell: grid.Cell, full: bool) -> None:
    """Intervals and bounds cover <= 96.2% where the method can be exact (not sparse, not Clopper-Pearson)."""
    _check(cell, ("conservative",))


@pytest.mark.parametrize(("cell", "full"), SEQUENTIAL)
def test_sequential_aa(cell: grid.Cell, full: bool) -> None:
    """Testing by betting: REGRESSED and PASS each <= 6.15% when the truth is on the threshold (Ville's bound;
    docs/statistics.md's "about 1-3%" is descriptive and shown by the report, not asserted)."""
    result = grid.run_sequential_cell(cell, grid.replications(full)["sequential"])
    _assert_none(grid.judge_sequential(result).failures)


@pytest.mark.parametrize("row", POWER_ROWS)
def test_power_at_table_n(row: grid.PowerCell) -> None:
    """Power at the docs/statistics.md table's N >= 0.78 and within 3 points of the analytic value (R = 10000)."""
    _assert_none(grid.judge_power(row, row.simulate(grid.R_POWER)).failures)


@pytest.mark.parametrize("full", MODES)
def test_power_rises_with_the_effect(full: bool) -> None:
    """Power at {0, 1/2, 1, 3/2, 2} x the minimum effect rises strictly (until it reaches 100%)."""
    for series in grid.monotone_power(grid.replications(full)["monotone"], full):
        powers = ", ".join(r.text() for r in series.rates)
        assert series.increasing, f"{series.name}: power not monotone over {grid.MULTIPLES} x effect: {powers}"
        assert series.rates[0].value <= grid.MAX_ERROR, f"{series.name}: size {series.rates[0].text()}"
        if series.analytic:
            for rate, expected in zip(series.rates, series.analytic, strict=True):
                assert abs(rate.value - expected) <= 4 * math.sqrt(expected * (1 - expected) / rate.runs) + 0.002, (
                    f"{series.name}: {rate.text()} vs exact {100 * expected:.1f}%"
                )


@pytest.mark.parametrize("full", MODES)
def test_holm_controls_a_suite_of_correlated_properties(full: bool) -> None:
    """Family-wise A/A false alarms of 10 correlated properties: <= 6.15% with Holm, far above 5% without."""
    result = grid.run_holm_suite(grid.replications(full)["holm"])
    where = f"A/A suite of 10 properties, N={result.n}, correlation {result.correlation}"
    assert result.adjusted.value <= grid.MAX_ERROR, f"Holm family-wise {result.adjusted.text()} > 6.15% ({where})"
    assert result.unadjusted.value >= 3 * grid.ALPHA, (
        f"negative control: unadjusted family-wise {result.unadjusted.text()} should be >> 5% ({where})"
    )
    assert 0.03 <= result.single.value <= grid.MAX_ERROR, f"per-property A/A {result.single.text()} ({where})"


@pytest.mark.parametrize("full", MODES)
def test_pooled_repeats_negative_control(full: bool) -> None:
    """Analysing k repeats per input keeps both errors <= 6.15%; taking the N k outputs as independent inputs
    (the error docs/statistics.md warns about) inflates both far beyond alpha."""
    result = grid.run_pooled_control(grid.replications(full)["pooled"])
    where = f"N={result.n} k={result.k} ICC {result.icc} + input x arm {result.arm_icc}"
    for key in ("correct.alarm", "correct.false_pass"):
        assert result.rates[key].value <= grid.MAX_ERROR, f"{key} {result.rates[key].text()} > 6.15% ({where})"
    for key in ("pooled.alarm", "pooled.false_pass"):
        assert result.rates[key].value >= 2 * grid.ALPHA, (
            f"negative control {key} {result.rates[key].text()} should be >> 5% ({where})"
        )


@pytest.mark.parametrize("full", MODES)
def test_peeking_negative_control(full: bool) -> None:
    """Re-running the fixed-N test after every input inflates A/A false alarms (docs/statistics.md: 16-25%); the
    sequential mode on the same data stays below alpha."""
    result = grid.run_peeking_control(grid.replications(full)["peeking"])
    where = f"A/A paired k=1, base {100 * result.base:g}%, N={result.n}"
    assert result.fixed.value <= grid.MAX_ERROR, f"fixed-N test {result.fixed.text()} > 6.15% ({where})"
    assert 0.16 <= result.peeking.value <= 0.25, f"peeking {result.peeking.text()}, not 16-25% ({where})"
    assert result.sequential.value <= grid.MAX_ERROR, f"sequential {result.sequential.text()} > 6.15% ({where})"


# --------------------------------------------------------------------------------------------------
# smoke: the same experiments in the default run, few replications, failing only on a gross error
# --------------------------------------------------------------------------------------------------

SMOKE_CELLS = [
    grid.Cell("paired", 100, 1, 0.20, 0.0),
    grid.Cell("paired", 100, 3, 0.20, 0.3),
    grid.Cell("absolute", 100, 3, 0.05, 0.3),
    grid.Cell("length", 100, 1, noise="lognormal"),
]
"""One cell per bound function and per path of the paired binary bound (k = 1 by table, k > 1 with an ICC)."""


def _decisive(failures: list[grid.Failure]) -> list[grid.Failure]:
    """The misses a smoke run can tell from chance: the 99% band of the measured rate lies beyond the limit (the
    ``analytic`` check is already 4 standard errors wide, so it counts at any R)."""
    return [f for f in failures if f.decisive or f.check == "analytic"]


def _smoke_rate_within(rate: grid.Rate, low: float, high: float) -> bool:
    """The 99% band of ``rate`` overlaps [low, high]: only a gross departure fails at a smoke run's R."""
    band_low, band_high = rate.band
    return band_high >= low and band_low <= high


@pytest.mark.parametrize("cell", [pytest.param(c, id=_ident(c)) for c in SMOKE_CELLS])
def test_cell_smoke(cell: grid.Cell) -> None:
    """``test_cell`` at R = 100-200: false alarms, false PASSes, coverage and the exact analytic rates
    (``-m acceptance`` asserts them at R = 2000 on the whole reduced grid)."""
    reps = 200 if cell.kind == "paired" and cell.k == 1 else 100  # k = 1 is judged once per distinct 2x2 table
    result = grid.run_cell(cell, reps, stage="smoke")
    assert {"aa.alarm", "aa.cover_two"} <= set(result.rates)
    _assert_none(_decisive(grid.cell_failures(result, ("error", "coverage", "analytic"))))


def test_power_and_sequential_smoke() -> None:
    """A power row of the table at R = 1000, and the sequential A/A at R = 100 (``test_power_at_table_n`` and
    ``test_sequential_aa`` at full R: ``-m acceptance``)."""
    row = grid.POWER_TABLE[2]  # 5% -> 15%, independent arms, N = 107
    rate = row.simulate(1000, stage="smoke")
    _assert_none(_decisive(grid.power_failures(row, rate)))
    result = grid.run_sequential_cell(grid.sequential_cells(False)[0], 100, stage="smoke")
    _assert_none(_decisive(grid.sequential_failures(result)))


def test_negative_controls_smoke() -> None:
    """Holm, pooled repeats and peeking at R = 100-200: each control still shows the error it guards against."""
    holm = grid.run_holm_suite(100)
    assert _smoke_rate_within(holm.adjusted, 0.0, grid.ALPHA), holm.adjusted.text()
    assert _smoke_rate_within(holm.unadjusted, 3 * grid.ALPHA, 1.0), holm.unadjusted.text()
    pooled = grid.run_pooled_control(100)
    assert _smoke_rate_within(pooled.rates["correct.alarm"], 0.0, grid.ALPHA), pooled.rates["correct.alarm"].text()
    assert _smoke_rate_within(pooled.rates["pooled.alarm"], 2 * grid.ALPHA, 1.0), pooled.rates["pooled.alarm"].text()
    peeking = grid.run_peeking_control(200)
    assert _smoke_rate_within(peeking.peeking, 0.16, 0.25), peeking.peeking.text()
    assert _smoke_rate_within(peeking.sequential, 0.0, grid.ALPHA), peeking.sequential.text()
