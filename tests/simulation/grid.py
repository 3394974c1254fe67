"""Simulation engine for the acceptance numbers of docs/statistics.md ("Acceptance numbers for the project's
simulation tests"): data generators, grid cells, seeded replications and the acceptance rules.

No pytest here: ``test_grid.py`` asserts on what this module measures, and ``report.py`` prints it as markdown,
so the numbers in the issue note are exactly the numbers the tests checked (every run is seeded by the cell).

Data models
-----------
Binary outcomes (1 = bad) follow a latent normal threshold model with unit latent variance:
``L = sqrt(icc) u_i + sqrt(arm_icc) v_ia + sqrt(1 - icc - arm_icc) e_iaj``, bad iff ``L < Phi^-1(rate_a)``.
``u_i`` is the input's difficulty (shared by both arms and all repeats), ``v_ia`` an input x configuration
effect (0 in the grid: two identical configurations behave alike on each input), ``e`` the sampling noise.
Hence every arm has exactly its marginal ``rate``, two outputs of one input and arm have latent correlation
``icc + arm_icc`` and, at k = 1, the two arms have latent correlation ``icc``: that is the Gaussian copula of
:func:`pytest_behavior.stats.discordant_probabilities`, so the analytic power ``power_paired_binary(..., rho=icc)``
describes exactly the data simulated here.

Lengths: per input a typical log-length (between-input SD 0.8), per output independent noise on the log scale,
``lognormal`` (normal noise, SD 0.35) or ``t3`` (Student t with 3 df scaled to the same SD); the candidate is
multiplied by ``ratio``. ``ties`` rounds to whole words (at least 1) around a median of 8 words, which makes
tied |d_i| and d_i = 0 common. ``identical`` (both kinds) copies the baseline's outputs into the candidate for
that share of inputs: deterministic outputs, as at temperature 0 for many prompts.
"""

from __future__ import annotations

import itertools
import math
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from scipy.stats import beta, binom, norm

from pytest_behavior.stats import (
    BoundResult,
    absolute_rate_bound,
    holm,
    mcnemar_midp,
    paired_binary_bound,
    paired_log_ratio_bound,
    power_mean_shift,
    power_paired_binary,
    sequential_decision,
)

# --------------------------------------------------------------------------------------------------
# acceptance numbers (docs/statistics.md) and grid constants
# --------------------------------------------------------------------------------------------------

ALPHA = 0.05
"""One-sided level of every test; REGRESSED iff p_regress <= ALPHA (as in ``pytest_behavior.engine.judge``)."""
MAX_ERROR = 0.0615
"""Largest acceptable A/A false-alarm / false-PASS rate: upper end of the 99% band around 5% at R = 2000."""
MIN_ALARM = 0.02
"""A fixed-N test whose A/A rate is below this in a non-sparse cell wastes power (docs/statistics.md)."""
COVER_LOW, COVER_HIGH = 0.937, 0.962
"""99% band around 95% coverage at R = 2000."""
POWER_MIN, POWER_TOL = 0.78, 0.03
"""Power at the table's N: at least POWER_MIN and within POWER_TOL of the analytic value."""
SPARSE_BELOW = 5.0
"""A cell is sparse when fewer than this many informative units are expected (see :func:`informative_count`).

Why 5: the mid-p McNemar test cannot reject at all with 3 or fewer discordant pairs (the smallest mid-p is
then 1/16 > 0.05), so its exact size (``power_paired_binary(n, p, p)``) is 1.5% at 2.9 expected discordant
pairs (N = 30, 5%), 0.7% at 2.0 (N = 100, 1%), but 3.3% at 5.9 (N = 300, 1%) and >= 3.9% from 8 on; the exact
binomial test of the absolute bound likewise has size 1.6-1.8% at 1-1.5 expected bad outputs and >= 2.6% from
5 on. Below 5 a small A/A rate is forced by the discreteness of any exact test, not a loss of power."""
R_FULL = 2000
"""Replications per cell: the R of the acceptance numbers (used in the reduced grid too, so that the same limits
mean the same thing there)."""
MIN_EFFECT = {0.01: 0.04, 0.05: 0.05, 0.20: 0.10}
"""Minimum effect (= non-inferiority margin) per base bad rate, from the rows of the docs/statistics.md table:
JSON-valid 99% -> 95% (1% -> 5%), refusal 5% -> 10%, 10% -> 20% (used at 20%: +10 points)."""
LENGTH_MARGIN = math.log(1.2)
"""``max_ratio=1.2``: the length margin on the log scale."""
_SEED = 20_250_917
_MEDIAN_WORDS = {False: 150.0, True: 8.0}
_BETWEEN_SD, _NOISE_SD = 0.8, 0.35
_QUAD = np.polynomial.hermite_e.hermegauss(60)

Kind = Literal["paired", "absolute", "length"]
Noise = Literal["lognormal", "t3"]
Int8 = NDArray[np.int8]
Float = NDArray[np.float64]


def rng_for(*key: object) -> np.random.Generator:
    """A generator seeded by a stable hash of ``key`` (crc32, not ``hash``: same stream in every process)."""
    return np.random.default_rng([_SEED, zlib.crc32(repr(key).encode())])


# --------------------------------------------------------------------------------------------------
# the grid cell
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One grid cell: which bound is tested on which data. Effects (0 and the margin) are added per experiment."""

    kind: Kind
    n: int
    k: int = 1
    base: float = 0.05
    """Binary kinds: the baseline's (and in A/A the candidate's) marginal bad rate."""
    icc: float = 0.0
    """Binary kinds: latent correlation of two outputs of one input (within an arm and across arms)."""
    noise: Noise = "lognormal"
    """Lengths: noise law on the log scale."""
    ties: bool = False
    """Lengths: rounded to whole words around a median of 8 words."""
    identical: float = 0.0
    """Share of inputs whose candidate outputs are the baseline's (only in A/A: there is no margin experiment)."""

    @property
    def label(self) -> str:
        """Short readable name used in messages and reports."""
        if self.kind == "length":
            data = self.noise + (" ties" if self.ties else "")
        else:
            data = f"base={100 * self.base:g}% ICC={self.icc:g}"
        ident = f" identical={100 * self.identical:g}%" if self.identical else ""
        return f"{self.kind} N={self.n} k={self.k} {data}{ident}"

    @property
    def margin(self) -> float:
        """Non-inferiority margin (threshold of the false-PASS experiment) on the tested quantity's scale."""
        return LENGTH_MARGIN if self.kind == "length" else MIN_EFFECT[self.base]

    @property
    def has_margin(self) -> bool:
        """Paired kinds run a margin experiment, except with identical outputs (copying the baseline leaves no room
        for an effect). The absolute kind's A/A experiment already has the truth on the threshold."""
        return self.identical == 0.0 and self.kind != "absolute"


# --------------------------------------------------------------------------------------------------
# data generators (vectorised over replications: arrays of shape (reps, N, k))
# --------------------------------------------------------------------------------------------------


def binary_arms(
    rng: np.random.Generator,
    *,
    reps: int,
    n: int,
    k: int,
    base_rate: float,
    cand_rate: float,
    icc: float = 0.0,
    arm_icc: float = 0.0,
    identical: float = 0.0,
) -> tuple[Int8, Int8]:
    """Paired 0/1 outcomes (1 = bad) of the latent model in the module docstring, shape (reps, n, k) per arm."""
    if not (icc >= 0.0 and arm_icc >= 0.0 and icc + arm_icc < 1.0):
        raise ValueError(f"need icc, arm_icc >= 0 and icc + arm_icc < 1, got {icc}, {arm_icc}")
    noise_sd = math.sqrt(1.0 - icc - arm_icc)
    shared = math.sqrt(icc) * rng.standard_normal((reps, n, 1))
    arms = []
    for rate in (base_rate, cand_rate):
        latent = shared + noise_sd * rng.standard_normal((reps, n, k))
        if arm_icc:
            latent += math.sqrt(arm_icc) * rng.standard_normal((reps, n, 1))
        arms.append((latent < norm.ppf(rate)).astype(np.int8))
    base, cand = arms
    if identical:
        same = rng.random((reps, n)) < identical
        cand[same] = base[same]
    return base, cand


def length_arms(
    rng: np.random.Generator,
    *,
    reps: int,
    n: int,
    k: int,
    ratio: float,
    noise: Noise,
    ties: bool,
    identical: float = 0.0,
) -> tuple[Float, Float]:
    """Positive lengths per (replication, input, repeat) and arm; the candidate is ``ratio`` times longer."""
    scale = math.log(_MEDIAN_WORDS[ties]) + _BETWEEN_SD * rng.standard_normal((reps, n, 1))

    def noise_draw() -> Float:
        if noise == "t3":
            return _NOISE_SD / math.sqrt(3.0) * rng.standard_t(3, size=(reps, n, k))
        return _NOISE_SD * rng.standard_normal((reps, n, k))

    base = np.exp(scale + noise_draw())
    cand = np.exp(scale + math.log(ratio) + noise_draw())
    if ties:
        base, cand = np.maximum(np.round(base), 1.0), np.maximum(np.round(cand), 1.0)
    if identical:
        same = rng.random((reps, n)) < identical
        cand[same] = base[same]
    return base, cand


# --------------------------------------------------------------------------------------------------
# truths and expected counts (quadrature over the latent input effect)
# --------------------------------------------------------------------------------------------------


def _expect(f: Callable[[Float], Float]) -> float:
    """E[f(Z)], Z ~ N(0, 1), by 60-node Gauss-Hermite quadrature."""
    nodes, weights = _QUAD
    return float(np.dot(weights, f(nodes)) / math.sqrt(2.0 * math.pi))


def conditional_rate(rate: float, icc: float, u: Float) -> Float:
    """P(bad | input effect u) in the latent model (input x arm effect and noise integrated out)."""
    return np.asarray(norm.cdf((norm.ppf(rate) - math.sqrt(icc) * u) / math.sqrt(1.0 - icc)), dtype=np.float64)


def true_binary_difference(base_rate: float, cand_rate: float, icc: float) -> float:
    """True mean over inputs of (candidate rate - baseline rate), integrating the input effect by quadrature.

    The latent thresholds are set so that the marginal rates are exact, so this equals cand - base; computing it
    independently checks the generator (and stays right if a cell ever parametrises the effect on the latent
    scale instead).
    """
    return _expect(lambda u: conditional_rate(cand_rate, icc, u) - conditional_rate(base_rate, icc, u))


def changed_input_probability(base_rate: float, cand_rate: float, icc: float, k: int) -> float:
    """P(d_i != 0): the k repeats of the two arms have different bad counts (arm_icc = 0).

    At k = 1 this is p01 + p10 of :func:`discordant_probabilities` with rho = icc.
    """

    def changed(u: Float) -> Float:
        q0, q1 = conditional_rate(base_rate, icc, u), conditional_rate(cand_rate, icc, u)
        j = np.arange(k + 1)[:, None]
        return np.asarray(1.0 - np.sum(binom.pmf(j, k, q0) * binom.pmf(j, k, q1), axis=0), dtype=np.float64)

    return _expect(changed)


def binary_repeat_icc(rate: float, icc: float) -> float:
    """Correlation of two 0/1 repeats of one input (the ICC the Kish design effect estimates)."""
    both = _expect(lambda u: conditional_rate(rate, icc, u) ** 2)
    return (both - rate * rate) / (rate * (1.0 - rate))


def informative_count(cell: Cell) -> float:
    """Expected number of units that carry information for the cell's test (compared with SPARSE_BELOW).

    Paired binary: inputs with d_i != 0 (discordant pairs at k = 1), identical inputs excluded. Absolute: expected
    bad outputs in the Kish effective sample, n_eff p with n_eff = N k / (1 + (k - 1) ICC_binary). Lengths:
    inputs without identical outputs (an upper bound when rounding makes more d_i = 0; never sparse in the grid).
    """
    if cell.kind == "paired":
        return cell.n * (1.0 - cell.identical) * changed_input_probability(cell.base, cell.base, cell.icc, cell.k)
    if cell.kind == "absolute":
        deff = 1.0 + (cell.k - 1) * binary_repeat_icc(cell.base, cell.icc)
        return cell.n * cell.k / deff * min(cell.base, 1.0 - cell.base)
    return cell.n * (1.0 - cell.identical)


@cache
def true_length_location(k: int, noise: Noise, ties: bool, ratio: float) -> float:
    """The location the Hodges-Lehmann bounds estimate: the pseudo-median of d = mean log cand - mean log base.

    Without rounding d is symmetric about log(ratio), which is then the exact answer. Rounding to whole words
    breaks the symmetry slightly (at ratio != 1), so the pseudo-median, the median of (d + d') / 2 for
    independent d, d', is estimated from 10^6 seeded pairs (standard error about 5e-4 on the log scale).
    """
    if not ties or ratio == 1.0:
        return math.log(ratio)
    pairs = 1_000_000
    base, cand = length_arms(
        rng_for("truth", k, noise, ratio), reps=1, n=2 * pairs, k=k, ratio=ratio, noise=noise, ties=True
    )
    d = (np.log(cand).mean(axis=2) - np.log(base).mean(axis=2)).ravel()
    return float(np.median((d[:pairs] + d[pairs:]) / 2.0))


# --------------------------------------------------------------------------------------------------
# measured rates
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    """A simulated rate: ``hits`` of ``runs`` replications, with its 99% Clopper-Pearson band."""

    hits: int
    runs: int

    @classmethod
    def of(cls, events: NDArray[np.bool_]) -> Rate:
        return cls(int(np.count_nonzero(events)), int(events.size))

    @property
    def value(self) -> float:
        return self.hits / self.runs

    @property
    def band(self) -> tuple[float, float]:
        """Two-sided 99% Clopper-Pearson interval of the true rate given the measured one."""
        lo = 0.0 if self.hits == 0 else float(beta.ppf(0.005, self.hits, self.runs - self.hits + 1))
        hi = 1.0 if self.hits == self.runs else float(beta.ppf(0.995, self.hits + 1, self.runs - self.hits))
        return lo, hi

    def text(self) -> str:
        """E.g. ``4.85% [99% band 3.7, 6.2] (R=2000)``."""
        lo, hi = self.band
        return f"{100 * self.value:.2f}% [99% band {100 * lo:.1f}, {100 * hi:.1f}] (R={self.runs})"

    def short(self) -> str:
        return f"{100 * self.value:.1f}"


@dataclass(frozen=True)
class Bounds:
    """The fields of R BoundResults, as arrays."""

    p: Float
    lower: Float
    upper: Float


BoundFn = Callable[..., BoundResult]


def run_bounds(fn: BoundFn, arms: Sequence[NDArray[Any]], *, threshold: float, alpha: float) -> Bounds:
    """Call the bound function once per replication (arrays of shape (reps, N, k))."""
    results = [fn(*(a[r] for a in arms), threshold=threshold, alpha=alpha) for r in range(arms[0].shape[0])]
    return Bounds(
        np.array([x.p_regress for x in results]),
        np.array([x.lower for x in results]),
        np.array([x.upper for x in results]),
    )


# --------------------------------------------------------------------------------------------------
# one cell: A/A and margin experiments
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CellResult:
    """Everything measured in one cell. Rates are keyed ``experiment.measure``:

    ``aa.alarm`` REGRESSED (p <= alpha) with no change; ``aa.cover_lower``/``aa.cover_upper`` one-sided 95% bounds
    cover the truth; ``aa.cover_two`` the 95% interval (bounds at alpha = 0.025) covers it; ``aa.mismatch`` the
    plugin's REGRESSED (p <= alpha) disagrees with "lower bound above the threshold" (docs/statistics.md's rule);
    ``aa.false_pass`` (absolute: truth on the threshold) PASS although the bound is not met;
    ``margin.*`` the same with the truth exactly at the margin: ``margin.false_pass`` PASS at threshold = margin,
    ``margin.alarm`` REGRESSED at threshold = margin (a false alarm too), ``margin.power`` REGRESSED at threshold 0.
    """

    cell: Cell
    stage: str
    """"" for the first run, "confirm" for the confirmation run of a borderline miss (see :func:`judge_cell`)."""
    rates: dict[str, Rate]
    truth: dict[str, float]
    informative: float
    analytic: dict[str, float] = field(default_factory=dict)
    """k = 1 paired cells: exact size (``aa.alarm``) and power (``margin.power``) from ``power_paired_binary``."""

    @property
    def sparse(self) -> bool:
        return self.informative < SPARSE_BELOW


def _coverage(rates: dict[str, Rate], prefix: str, b05: Bounds, b025: Bounds, truth: float) -> None:
    rates[f"{prefix}.cover_lower"] = Rate.of(b05.lower <= truth)
    rates[f"{prefix}.cover_upper"] = Rate.of(b05.upper >= truth)
    rates[f"{prefix}.cover_two"] = Rate.of((b025.lower <= truth) & (truth <= b025.upper))


def _arms(cell: Cell, rng: np.random.Generator, reps: int, effect: float) -> tuple[NDArray[Any], ...]:
    if cell.kind == "length":
        return length_arms(
            rng,
            reps=reps,
            n=cell.n,
            k=cell.k,
            ratio=math.exp(effect),
            noise=cell.noise,
            ties=cell.ties,
            identical=cell.identical,
        )
    base, cand = binary_arms(
        rng,
        reps=reps,
        n=cell.n,
        k=cell.k,
        base_rate=cell.base,
        cand_rate=cell.base + effect,
        icc=cell.icc,
        identical=cell.identical,
    )
    return (cand,) if cell.kind == "absolute" else (base, cand)


Experiment = Literal["aa", "margin"]


def run_cell(
    cell: Cell, reps: int = R_FULL, *, stage: str = "", experiments: Sequence[Experiment] = ("aa", "margin")
) -> CellResult:
    """Run the cell's experiments, ``reps`` replications each, seeded by (cell, experiment, stage).

    A/A: both arms from one configuration (effect 0). Paired kinds test threshold 0 (REGRESSED rate = false
    alarms; coverage of 0); the absolute kind tests the candidate's rate against its own true rate (false alarms
    and false PASSes at once). Margin (paired kinds without identical outputs): the true difference is exactly the
    margin; PASS at threshold = margin is a false PASS; REGRESSED at threshold 0 is the power.

    Bounds do not depend on the threshold and p-values not on alpha (checked in ``test_grid.py``), so a second
    call at alpha = 0.025 gives both the 95% interval and the p-value at a second threshold.
    """
    functions: dict[str, BoundFn] = {
        "paired": paired_binary_bound,
        "absolute": absolute_rate_bound,
        "length": paired_log_ratio_bound,
    }
    fn = functions[cell.kind]
    run: Callable[..., Bounds] = run_bounds
    if cell.kind == "paired" and cell.k == 1:
        run = _by_table_run  # same numbers, each distinct 2x2 table evaluated once (see by_table)
    rates: dict[str, Rate] = {}
    truth: dict[str, float] = {}
    analytic: dict[str, float] = {}

    def seed(experiment: str) -> np.random.Generator:
        return rng_for(cell, experiment, stage) if stage else rng_for(cell, experiment)

    if "aa" in experiments:
        aa = _arms(cell, seed("aa"), reps, 0.0)
        # absolute: the candidate's true rate (by quadrature, = base); paired kinds: no change
        aa_truth = _expect(lambda u: conditional_rate(cell.base, cell.icc, u)) if cell.kind == "absolute" else 0.0
        truth["aa"] = aa_truth
        b05 = run(fn, aa, threshold=aa_truth, alpha=ALPHA)
        b025 = run(fn, aa, threshold=aa_truth, alpha=ALPHA / 2)
        regressed = b05.p < ALPHA  # strict, as pytest_behavior.engine.judge
        rates["aa.alarm"] = Rate.of(regressed)
        rates["aa.mismatch"] = Rate.of(regressed != (b05.lower > aa_truth))
        if cell.kind == "absolute":
            rates["aa.false_pass"] = Rate.of(~regressed & (b05.upper <= aa_truth))
        _coverage(rates, "aa", b05, b025, aa_truth)
        if cell.kind == "paired" and cell.k == 1 and cell.identical == 0:
            analytic["aa.alarm"] = power_paired_binary(cell.n, cell.base, cell.base, rho=cell.icc)

    if cell.has_margin and "margin" in experiments:
        margin_arms = _arms(cell, seed("margin"), reps, cell.margin)
        if cell.kind == "length":
            target = true_length_location(cell.k, cell.noise, cell.ties, math.exp(cell.margin))
        else:
            target = true_binary_difference(cell.base, cell.base + cell.margin, cell.icc)
        truth["margin"] = target
        at_margin = run(fn, margin_arms, threshold=target, alpha=ALPHA)
        at_zero = run(fn, margin_arms, threshold=0.0, alpha=ALPHA / 2)  # p at 0; the 95% interval
        rates["margin.false_pass"] = Rate.of((at_margin.p > ALPHA) & (at_margin.upper <= target))
        rates["margin.alarm"] = Rate.of(at_margin.p < ALPHA)
        rates["margin.power"] = Rate.of(at_zero.p < ALPHA)
        rates["margin.mismatch"] = Rate.of((at_zero.p < ALPHA) != (at_margin.lower > 0.0))
        _coverage(rates, "margin", at_margin, at_zero, target)
        if cell.kind == "paired" and cell.k == 1:
            analytic["margin.power"] = power_paired_binary(cell.n, cell.base, cell.base + cell.margin, rho=cell.icc)
    return CellResult(cell, stage, rates, truth, informative_count(cell), analytic)


# --------------------------------------------------------------------------------------------------
# acceptance rules
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Failure:
    """One missed acceptance number: which check, which measured rate, the limit it is on the wrong side of."""

    check: str
    key: str
    rate: Rate
    limit: float
    above: bool
    """True: the rate must not exceed ``limit``; False: it must not fall below it."""
    rule: str
    where: str

    @property
    def decisive(self) -> bool:
        """The 99% band of the measured rate lies beyond the limit, so no confirmation run is needed."""
        low, high = self.rate.band
        return low > self.limit if self.above else high < self.limit

    def __str__(self) -> str:
        side = ">" if self.above else "<"
        limit = f"{100 * self.limit:.2f}%" if self.limit < 1 else f"{self.limit:g}"
        return f"[{self.check}] {self.key} = {self.rate.text()} {side} {limit}{self.rule} in cell {self.where}"


CHECKS = ("error", "floor", "coverage", "conservative", "analytic")
"""Groups of checks, so that a known defect in one group does not hide the others (see :func:`cell_failures`)."""


def _within_4se(rate: Rate, expected: float) -> bool:
    return abs(rate.value - expected) <= 4.0 * math.sqrt(expected * (1.0 - expected) / rate.runs) + 1.0 / rate.runs


def cell_failures(result: CellResult, checks: Sequence[str] = CHECKS) -> list[Failure]:
    """The acceptance numbers the measured rates miss, each stating the rate, its 99% band, the rule and the cell.

    ``error`` (every cell): false alarms (A/A, and REGRESSED with the truth exactly at the margin) and false
    PASSes <= 6.15%.
    ``floor`` (non-sparse cells): A/A false alarms >= 2% -- below, a fixed-N test wastes power.
    ``coverage`` (every cell): each one-sided 95% bound and the 95% interval cover the truth >= 93.7%.
    ``conservative`` (non-sparse cells, not the absolute rate): each of them covers <= 96.2%. Exempt: sparse cells
    (any exact test is forced to be conservative there, see SPARSE_BELOW) and the absolute rate, whose exact
    Clopper-Pearson bounds are conservative by construction (docs/statistics.md prescribes them).
    ``analytic`` (k = 1 paired cells): the A/A rate and the power at the margin agree with the exact values of
    ``power_paired_binary`` within 4 standard errors -- not an acceptance number but a check that the simulated
    model is the analytic one (a plain chance deviation has probability 6e-5).
    """
    cell, rates, where = result.cell, result.rates, result.cell.label + (f" ({result.stage})" if result.stage else "")
    units = f" in a non-sparse cell ({result.informative:.1f} informative units)"
    out: list[Failure] = []
    if "error" in checks:
        for key in ("aa.alarm", "aa.false_pass", "margin.alarm", "margin.false_pass"):
            if key in rates and rates[key].value > MAX_ERROR:
                out.append(Failure("error", key, rates[key], MAX_ERROR, True, "", where))
    if "floor" in checks and not result.sparse and "aa.alarm" in rates and rates["aa.alarm"].value < MIN_ALARM:
        out.append(Failure("floor", "aa.alarm", rates["aa.alarm"], MIN_ALARM, False, units, where))
    for key, rate in rates.items():
        if ".cover" not in key:
            continue
        if "coverage" in checks and rate.value < COVER_LOW:
            out.append(Failure("coverage", key, rate, COVER_LOW, False, "", where))
        exempt = result.sparse or cell.kind == "absolute"
        if "conservative" in checks and not exempt and rate.value > COVER_HIGH:
            out.append(Failure("conservative", key, rate, COVER_HIGH, True, units, where))
    if "analytic" in checks:
        for key, expected in result.analytic.items():
            if key in rates and not _within_4se(rates[key], expected):
                out.append(
                    Failure(
                        "analytic",
                        key,
                        rates[key],
                        expected,
                        rates[key].value > expected,
                        " (exact value; off by more than 4 standard errors)",
                        where,
                    )
                )
    return out


CONFIRM_FACTOR = 5
"""A borderline miss is re-simulated with this many times the replications on a fresh seed."""


@dataclass(frozen=True)
class Judgement:
    """Misses that stand (decisive at R = 2000, or confirmed by the re-run) and those the re-run did not confirm."""

    failures: list[Failure]
    unconfirmed: list[tuple[Failure, Rate]]


def judge_cell(
    result: CellResult,
    checks: Sequence[str] = CHECKS,
    runner: Callable[..., CellResult] = run_cell,
    *,
    complete: bool = True,
) -> Judgement:
    """Apply the acceptance numbers with a confirmation stage for borderline misses.

    The limits are 99% bands, and the full grid checks about a thousand of them: even with exact methods a few
    measured rates fall just outside by chance (1% of the checks near their nominal value). A miss whose own 99%
    band still contains the limit is therefore re-simulated with CONFIRM_FACTOR x R replications on a fresh seed,
    and stands only if the same limit is missed again. A decisive miss (band entirely beyond the limit) stands at
    once. This does not relax any limit: the re-run measures the same rate five times more precisely.
    ``complete=False`` (tests) skips the re-run when a decisive miss already fails the cell.
    """
    first = cell_failures(result, checks)
    borderline = [f for f in first if not f.decisive and f.check != "analytic"]
    if not borderline or (not complete and len(borderline) < len(first)):
        return Judgement(first, [])
    experiments = sorted({f.key.split(".")[0] for f in borderline})
    again = runner(
        result.cell,
        CONFIRM_FACTOR * result.rates[borderline[0].key].runs,
        stage="confirm",
        experiments=tuple(experiments),
    )
    repeated = {(f.check, f.key): f for f in cell_failures(again, checks)}
    failures = [f for f in first if f not in borderline]
    unconfirmed = []
    for f in borderline:
        if (f.check, f.key) in repeated:
            failures.append(repeated[(f.check, f.key)])
        else:
            unconfirmed.append((f, again.rates[f.key]))
    return Judgement(failures, unconfirmed)


# --------------------------------------------------------------------------------------------------
# power at the table's N and monotone power
# --------------------------------------------------------------------------------------------------


def by_table(fn: BoundFn, base: Int8, cand: Int8, *, threshold: float, alpha: float) -> Bounds:
    """``run_bounds`` for k = 1 paired outcomes, calling ``fn`` once per distinct 2x2 table.

    Inputs are exchangeable units, so the result of a paired k = 1 bound is a function of the counts of
    (baseline, candidate) = (0, 0), (0, 1), (1, 0), (1, 1); each distinct table is evaluated once, on sorted
    canonical arrays (``test_grid.py`` checks that shuffling the inputs does not change the result). This is
    what makes R = 10000 affordable for the power rows.
    """
    reps, n = base.shape[0], base.shape[1]
    code = 2 * base[:, :, 0].astype(np.int64) + cand[:, :, 0]
    counts = np.stack([np.count_nonzero(code == j, axis=1) for j in range(4)], axis=1)
    tables, index = np.unique(counts, axis=0, return_inverse=True)
    values = np.empty((tables.shape[0], 3))
    for t, table in enumerate(tables):
        canonical = np.repeat(np.arange(4), table)
        res = fn(canonical // 2, canonical % 2, threshold=threshold, alpha=alpha)
        values[t] = (res.p_regress, res.lower, res.upper)
    per_rep = values[np.asarray(index).reshape(reps)]
    assert per_rep.shape == (reps, 3) and n == int(tables[0].sum())
    return Bounds(per_rep[:, 0], per_rep[:, 1], per_rep[:, 2])


def _by_table_run(fn: BoundFn, arms: Sequence[Int8], *, threshold: float, alpha: float) -> Bounds:
    base, cand = arms
    return by_table(fn, base, cand, threshold=threshold, alpha=alpha)


R_POWER = 10_000
"""Replications of the power rows: at R = 2000 the standard error of a power of 80% is 0.9 points, so the floor
0.78 would fail a test whose true power is the table's 80% in 1.3% of cells by chance alone."""


@dataclass(frozen=True)
class PowerCell:
    """A row of docs/statistics.md's sample-size table: simulated power of the plugin's test at the table's N.

    Binary rows: paired k = 1, latent correlation ``rho`` (0 = independent arms). Mean-shift rows: lognormal
    lengths whose paired log-differences d_i are normal, shifted by ``shift`` SDs of d_i; the plugin's test is
    the Wilcoxon signed-rank test while the table (and ``power_mean_shift``) is the t-test's.
    """

    name: str
    n: int
    base: float = 0.0
    cand: float = 0.0
    rho: float = 0.0
    shift: float = 0.0

    @property
    def analytic(self) -> float:
        if self.shift:
            return power_mean_shift(self.n, self.shift)
        return power_paired_binary(self.n, self.base, self.cand, rho=self.rho)

    def simulate(self, reps: int = R_POWER, scale: float = 1.0, stage: str = "") -> Rate:
        """Power with the effect multiplied by ``scale`` (the same seed at every scale: common random numbers)."""
        rng = rng_for("power", self, stage) if stage else rng_for("power", self)
        if self.shift:
            sd_d = _NOISE_SD * math.sqrt(2.0)
            arms = length_arms(
                rng, reps=reps, n=self.n, k=1, ratio=math.exp(scale * self.shift * sd_d), noise="lognormal", ties=False
            )
            return Rate.of(run_bounds(paired_log_ratio_bound, arms, threshold=0.0, alpha=ALPHA).p < ALPHA)
        cand = self.base + scale * (self.cand - self.base)
        base_arm, cand_arm = binary_arms(
            rng, reps=reps, n=self.n, k=1, base_rate=self.base, cand_rate=cand, icc=self.rho
        )
        return Rate.of(by_table(paired_binary_bound, base_arm, cand_arm, threshold=0.0, alpha=ALPHA).p < ALPHA)


def power_failures(cell: PowerCell, rate: Rate) -> list[Failure]:
    """Power at the table's N >= 0.78 and within 3 points of the analytic value."""
    where, analytic = f"{cell.name}, N={cell.n}", cell.analytic
    out = []
    if rate.value < POWER_MIN:
        out.append(Failure("power", "power", rate, POWER_MIN, False, "", where))
    if rate.value < analytic - POWER_TOL:
        out.append(Failure("power", "power", rate, analytic - POWER_TOL, False, " (analytic - 3 points)", where))
    if rate.value > analytic + POWER_TOL:
        out.append(Failure("power", "power", rate, analytic + POWER_TOL, True, " (analytic + 3 points)", where))
    return out


def judge_power(cell: PowerCell, rate: Rate) -> Judgement:
    """As :func:`judge_cell`: a borderline miss is re-simulated with CONFIRM_FACTOR x R replications."""
    first = power_failures(cell, rate)
    borderline = [f for f in first if not f.decisive]
    if not borderline:
        return Judgement(first, [])
    again = cell.simulate(CONFIRM_FACTOR * rate.runs, stage="confirm")
    repeated = power_failures(cell, again)
    failures = [f for f in first if f.decisive] + [r for r in repeated if any(r.limit == b.limit for b in borderline)]
    unconfirmed = [(b, again) for b in borderline if not any(r.limit == b.limit for r in repeated)]
    return Judgement(failures, unconfirmed)


_TABLE_ROWS = {(0.05, 0.10): (338, 264), (0.05, 0.15): (107, 86), (0.10, 0.20): (156, 115), (0.01, 0.05): (212, 189)}
POWER_TABLE = [
    PowerCell(f"{100 * p0:g}% -> {100 * p1:g}%, {'rho 0.5' if rho else 'independent arms'}", n, p0, p1, rho)
    for (p0, p1), (n_ind, n_rho) in _TABLE_ROWS.items()
    for rho, n in ((0.0, n_ind), (0.5, n_rho))
] + [
    PowerCell("mean shift 0.2 SD (Wilcoxon)", 156, shift=0.2),
    PowerCell("mean shift 0.5 SD (Wilcoxon)", 27, shift=0.5),
]
"""docs/statistics.md, "Sample sizes to quote" (the JSON-valid row 99% -> 95% is the bad rate 1% -> 5%)."""

MULTIPLES = (0.0, 0.5, 1.0, 1.5, 2.0)


@dataclass(frozen=True)
class MonotoneSeries:
    """Simulated power at {0, 1/2, 1, 3/2, 2} x the minimum effect (the same seed at every multiple)."""

    name: str
    rates: tuple[Rate, ...]
    analytic: tuple[float, ...] | None

    @property
    def increasing(self) -> bool:
        """Strictly increasing until it reaches 100% (a saturated power cannot rise any further)."""
        return all(b.value > a.value or a.value == 1.0 for a, b in itertools.pairwise(self.rates))


def monotone_power(reps: int, full: bool = True) -> list[MonotoneSeries]:
    """Binary k = 1 (5% -> 10% at N = 338, independent arms, with the exact analytic power), lengths (0.2 SD of d
    at N = 156, lognormal noise) and, in the full grid, binary k = 3 with ICC 0.3 (5% -> 10%, N = 100) and lengths
    with t3 noise."""
    out = []
    row = POWER_TABLE[0]
    out.append(
        MonotoneSeries(
            f"paired binary k=1, {row.name}, N={row.n}",
            tuple(row.simulate(reps, m) for m in MULTIPLES),
            tuple(power_paired_binary(row.n, row.base, row.base + m * (row.cand - row.base)) for m in MULTIPLES),
        )
    )
    if full:
        rates = []
        for m in MULTIPLES:
            binary = binary_arms(
                rng_for("monotone k3"), reps=reps, n=100, k=3, base_rate=0.05, cand_rate=0.05 + m * 0.05, icc=0.3
            )
            rates.append(Rate.of(run_bounds(paired_binary_bound, binary, threshold=0.0, alpha=ALPHA).p < ALPHA))
        out.append(MonotoneSeries("paired binary k=3 ICC 0.3, 5% -> 10%, N=100", tuple(rates), None))
    noises: tuple[Noise, ...] = ("lognormal", "t3") if full else ("lognormal",)
    for noise in noises:
        rates = []
        for m in MULTIPLES:
            ratio = math.exp(m * 0.2 * _NOISE_SD * math.sqrt(2.0))
            arms = length_arms(rng_for("monotone", noise), reps=reps, n=156, k=1, ratio=ratio, noise=noise, ties=False)
            rates.append(Rate.of(run_bounds(paired_log_ratio_bound, arms, threshold=0.0, alpha=ALPHA).p < ALPHA))
        out.append(MonotoneSeries(f"length ratio, {noise} noise, 0.2 SD of d, N=156", tuple(rates), None))
    return out


# --------------------------------------------------------------------------------------------------
# sequential mode
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SequentialCellResult:
    """A/A of the sequential mode on per-input d_i in [-1, 1], threshold 0: both decisions are errors."""

    cell: Cell
    regressed: Rate
    passed: Rate
    mean_n: float


def run_sequential_cell(cell: Cell, reps: int = R_FULL, stage: str = "") -> SequentialCellResult:
    rng = rng_for(cell, "sequential", stage) if stage else rng_for(cell, "sequential")
    base, cand = binary_arms(rng, reps=reps, n=cell.n, k=cell.k, base_rate=cell.base, cand_rate=cell.base, icc=cell.icc)
    d = cand.mean(axis=2) - base.mean(axis=2)
    results = [sequential_decision(row, threshold=0.0, lo=-1.0, hi=1.0) for row in d]
    decisions = np.array([r.decision for r in results])
    return SequentialCellResult(
        cell,
        Rate.of(decisions == "REGRESSED"),
        Rate.of(decisions == "PASS"),
        float(np.mean([r.n_used for r in results])),
    )


def sequential_failures(result: SequentialCellResult) -> list[Failure]:
    """Ville's bound: each error <= alpha at any stopping time (so <= 6.15% measured); no floor (it is anytime)."""
    return [
        Failure("error", name, rate, MAX_ERROR, True, "", f"sequential {result.cell.label}")
        for name, rate in (("REGRESSED", result.regressed), ("PASS", result.passed))
        if rate.value > MAX_ERROR
    ]


def judge_sequential(result: SequentialCellResult) -> Judgement:
    """As :func:`judge_cell`: a borderline miss is re-simulated with CONFIRM_FACTOR x R replications."""
    first = sequential_failures(result)
    borderline = [f for f in first if not f.decisive]
    if not borderline:
        return Judgement(first, [])
    again = run_sequential_cell(result.cell, CONFIRM_FACTOR * result.regressed.runs, stage="confirm")
    repeated = {f.key: f for f in sequential_failures(again)}
    failures = [f for f in first if f.decisive] + [repeated[b.key] for b in borderline if b.key in repeated]
    rates = {"REGRESSED": again.regressed, "PASS": again.passed}
    return Judgement(failures, [(b, rates[b.key]) for b in borderline if b.key not in repeated])


# --------------------------------------------------------------------------------------------------
# multiplicity, pooled repeats, peeking
# --------------------------------------------------------------------------------------------------

HOLM_RATES = (0.05, 0.08, 0.10, 0.15, 0.20, 0.30, 0.40)
"""Bad rates of the 7 binary properties of the Holm suite (plus 3 length-like continuous properties)."""


@dataclass(frozen=True)
class HolmResult:
    """A/A suite of 10 correlated properties: family-wise false alarms with and without Holm."""

    n: int
    correlation: float
    unadjusted: Rate
    adjusted: Rate
    single: Rate
    """Per-property false alarms, pooled over the 10 properties (each should be about alpha)."""


def run_holm_suite(reps: int, n: int = 100, correlation: float = 0.5, icc: float = 0.3) -> HolmResult:
    """10 properties of the same outputs, correlated through an output-level latent factor.

    Per input and arm one output with latent quality f = sqrt(icc) u_i + sqrt(1 - icc) g_ia; property j reads
    y_j = sqrt(correlation) f + sqrt(1 - correlation) e_j: 7 binary properties (bad iff y_j < Phi^-1(rate_j)) and
    3 continuous ones (log-length = log 150 + 0.5 y_j). Both arms have the same configuration (A/A).
    """
    rng = rng_for("holm", n, correlation, icc)
    u = rng.standard_normal((reps, n, 1))
    arms = []
    for _ in range(2):
        f = math.sqrt(icc) * u + math.sqrt(1.0 - icc) * rng.standard_normal((reps, n, 1))
        arms.append(math.sqrt(correlation) * f + math.sqrt(1.0 - correlation) * rng.standard_normal((reps, n, 10)))
    base, cand = arms
    pvalues = np.empty((reps, 10))
    for r in range(reps):
        for j in range(10):
            if j < len(HOLM_RATES):
                cut = norm.ppf(HOLM_RATES[j])
                res = paired_binary_bound(base[r, :, j] < cut, cand[r, :, j] < cut, threshold=0.0)
            else:
                res = paired_log_ratio_bound(
                    150 * np.exp(0.5 * base[r, :, j]), 150 * np.exp(0.5 * cand[r, :, j]), threshold=0.0
                )
            pvalues[r, j] = res.p_regress
    adjusted = np.array([holm(list(row)) for row in pvalues])
    return HolmResult(
        n,
        correlation,
        Rate.of(np.any(pvalues <= ALPHA, axis=1)),
        Rate.of(np.any(adjusted <= ALPHA, axis=1)),
        Rate.of((pvalues <= ALPHA).ravel()),
    )


@dataclass(frozen=True)
class PooledResult:
    """Repeats analysed per input (correct) vs the N k outputs taken as N k independent inputs (k = 1)."""

    n: int
    k: int
    icc: float
    arm_icc: float
    rates: dict[str, Rate]
    """``correct.alarm``, ``correct.false_pass``, ``pooled.alarm``, ``pooled.false_pass``."""


def run_pooled_control(
    reps: int, n: int = 100, k: int = 5, icc: float = 0.3, arm_icc: float = 0.4, base: float = 0.05
) -> PooledResult:
    """Negative control "pooled repeats": k = 5 repeats whose latent correlation within an arm is icc + arm_icc.

    ``arm_icc`` is an input x configuration effect: the candidate changes *which* inputs fail (a realistic prompt
    change) while keeping the mean difference at the truth (0 for the alarm, the margin for the false PASS).
    The repeats of one input then share their difference, which the pooled analysis ignores.
    """
    margin = MIN_EFFECT[base]
    rates: dict[str, Rate] = {}
    for experiment, effect in (("alarm", 0.0), ("false_pass", margin)):
        arms = binary_arms(
            rng_for("pooled", n, k, icc, arm_icc, experiment),
            reps=reps,
            n=n,
            k=k,
            base_rate=base,
            cand_rate=base + effect,
            icc=icc,
            arm_icc=arm_icc,
        )
        pooled = tuple(a.reshape(reps, n * k, 1) for a in arms)
        for name, data in (("correct", arms), ("pooled", pooled)):
            b = run_bounds(paired_binary_bound, data, threshold=effect, alpha=ALPHA)
            hit = b.p < ALPHA if experiment == "alarm" else (b.p >= ALPHA) & (b.upper <= effect)
            rates[f"{name}.{experiment}"] = Rate.of(hit)
    return PooledResult(n, k, icc, arm_icc, rates)


@dataclass(frozen=True)
class PeekingResult:
    """A/A paired k = 1: the fixed-N test once at N, re-run after every input, and the sequential mode."""

    n: int
    base: float
    fixed: Rate
    peeking: Rate
    sequential: Rate


def run_peeking_control(reps: int, n: int = 338, base: float = 0.05) -> PeekingResult:
    """Negative control "peeking": mid-p McNemar (``mcnemar_midp``, the p of ``paired_binary_bound`` at k = 1 and
    threshold 0) after each of N = 338 inputs (the table's N for 5% -> 10%); REGRESSED at the first p <= alpha.
    The p-value only depends on the running (b, c), so it is memoised per (b, c)."""
    base_arm, cand_arm = binary_arms(rng_for("peeking", n, base), reps=reps, n=n, k=1, base_rate=base, cand_rate=base)
    d = (cand_arm[:, :, 0] - base_arm[:, :, 0]).astype(np.int64)
    b, c = np.cumsum(d == 1, axis=1), np.cumsum(d == -1, axis=1)
    midp = cache(mcnemar_midp)

    def ever_rejects(ok_to_bad: NDArray[np.int64], bad_to_ok: NDArray[np.int64]) -> bool:
        return any(midp(int(x), int(y)) <= ALPHA for x, y in zip(ok_to_bad, bad_to_ok, strict=True))

    peek = np.array([ever_rejects(bb, cc) for bb, cc in zip(b, c, strict=True)])
    fixed = np.array([midp(int(bb[-1]), int(cc[-1])) <= ALPHA for bb, cc in zip(b, c, strict=True)])
    seq = np.array(
        [sequential_decision(row.astype(float), threshold=0.0, lo=-1.0, hi=1.0).decision == "REGRESSED" for row in d]
    )
    return PeekingResult(n, base, Rate.of(fixed), Rate.of(peek), Rate.of(seq))


# --------------------------------------------------------------------------------------------------
# the grids
# --------------------------------------------------------------------------------------------------

FULL_N = (30, 100, 300, 1000)
FULL_BASE = (0.01, 0.05, 0.20)


def _half_fraction() -> list[tuple[int, int, float, float]]:
    """2^(4-1) fractional factorial of N {100, 300} x k {1, 3} x base {5%, 20%} x ICC {0, 0.3}: the ICC level is
    the product of the other three codes, so every level appears 4 times and every pair of factors is crossed."""
    cells = []
    for n_hi in (False, True):
        for k_hi in (False, True):
            for base_hi in (False, True):
                icc = 0.3 if (n_hi + k_hi + base_hi) % 2 == 1 else 0.0
                cells.append((300 if n_hi else 100, 3 if k_hi else 1, 0.20 if base_hi else 0.05, icc))
    return cells


def paired_cells(full: bool) -> list[Cell]:
    if full:
        return [
            Cell("paired", n, k, b, icc, identical=ident)
            for ident in (0.0, 0.5)
            for n in FULL_N
            for k in (1, 3)
            for b in FULL_BASE
            for icc in (0.0, 0.3)
        ]
    cells = [Cell("paired", n, k, b, icc) for n, k, b, icc in _half_fraction()]
    return [*cells, Cell("paired", 300, 1, 0.05, 0.3, identical=0.5), Cell("paired", 100, 3, 0.20, 0.0, identical=0.5)]


def absolute_cells(full: bool) -> list[Cell]:
    if full:
        return [Cell("absolute", n, k, b, icc) for n in FULL_N for k in (1, 3) for b in FULL_BASE for icc in (0.0, 0.3)]
    return [Cell("absolute", n, k, b, icc) for n, k, b, icc in _half_fraction()]


def length_cells(full: bool) -> list[Cell]:
    variants = ((False, 0.0), (True, 0.0), (True, 0.5))  # continuous, ties, ties + identical outputs
    if full:
        return [
            Cell("length", n, k, noise=noise, ties=ties, identical=ident)
            for n in FULL_N
            for k in (1, 3)
            for noise in ("lognormal", "t3")
            for ties, ident in variants
        ]
    return [
        Cell("length", 100, 1, noise="lognormal"),
        Cell("length", 100, 1, noise="t3", ties=True),
        Cell("length", 100, 3, noise="lognormal", ties=True, identical=0.5),
    ]


def replications(full: bool) -> dict[str, int]:
    """Replications per experiment. Every acceptance number is asserted at R = 2000 (power rows: 10000) in both
    grids; the reduced grid saves time on the experiments whose limits are far from the expected rates."""
    light = R_FULL if full else 1000
    return {
        "cell": R_FULL,
        "power": R_POWER,
        "pooled": R_FULL,
        "monotone": light,
        "holm": light,
        "peeking": light,
        "sequential": light,
    }


def power_rows(full: bool) -> list[PowerCell]:
    """All rows of the table in the full grid; the binary rows (fast: one call per distinct 2x2 table) by default."""
    return [row for row in POWER_TABLE if full or not row.shift]


def sequential_cells(full: bool) -> list[Cell]:
    if full:
        return [Cell("paired", n, k, b, 0.3) for n in (100, 338, 1000) for k in (1, 3) for b in (0.05, 0.20)]
    return [Cell("paired", 338, 3, 0.20, 0.3)]


# --------------------------------------------------------------------------------------------------
# one task per cell, for process pools: measure, then judge (with any confirmation run)
# --------------------------------------------------------------------------------------------------


def evaluate_cell(cell: Cell, reps: int = R_FULL) -> tuple[CellResult, Judgement]:
    result = run_cell(cell, reps)
    return result, judge_cell(result)


def evaluate_sequential(cell: Cell, reps: int = R_FULL) -> tuple[SequentialCellResult, Judgement]:
    result = run_sequential_cell(cell, reps)
    return result, judge_sequential(result)


def evaluate_power(row: PowerCell, reps: int = R_POWER) -> tuple[PowerCell, Rate, Judgement]:
    rate = row.simulate(reps)
    return row, rate, judge_power(row, rate)
