"""Judge-level acceptance grid of issue 13: ``engine.judge.judge`` driven black-box with data of known truth.

``grid.py`` checks the statistics functions; this module checks what a user gets: the verdicts of ``judge`` (with
its multiplicity family, segments and small-N handling) for every bound kind, built from the properties' own
metrics (and, for custom and categorical properties, their ``observe``; for invariance, ``twin_observations``).
No pytest here: ``test_judge_grid.py`` asserts on what this module measures, and ``python -m
tests.simulation.judge_grid`` prints the same numbers as markdown (every run is seeded by cell and experiment).

Experiments (``EXPERIMENTS``); "truth" is the true value of the bounded quantity, "t" the threshold written in the
bound. A bound's REGRESSED claims the quantity is beyond t, its PASS that it is within (docs/statistics.md, "Three
outcomes, one rule"); each claim is a one-sided level-alpha test whose null hypothesis includes the boundary, so
its error rate is largest when the truth equals t (for tests monotone in the effect): "just inside" is measured at
the boundary, as ``grid.py``'s ``margin.alarm`` is.

* ``inside``: no change (A/A) at the kind's threshold (the margin): REGRESSED is a false alarm. PASS shown.
* ``at``: the truth exactly at the threshold (the margin): REGRESSED is a false REGRESSED and PASS a false PASS
  (both must be <= 6.15%). INCONCLUSIVE share shown.
* ``zero``: A/A at the no-change threshold (``max_increase=0``, ``max_ratio=1``, ``max_share_change=0``, ...):
  the truth is again on the threshold, both REGRESSED and PASS are errors. Not for the absolute rate (there the
  ``at`` experiment already has the truth on the threshold).
* ``beyond``: the truth at twice the margin (the square of the ratio for ratio bounds): REGRESSED is the power
  (shown), PASS a false PASS.

A replicate's verdict for the bound kind aggregates the rows of its property: REGRESSED if any row (overall or
segment) is REGRESSED (the test fails), PASS if every overall row is PASS (the bound is claimed to hold), else
INCONCLUSIVE. An exception from ``observe``/``judge`` is an error (never acceptable), and every row is checked
against the interval it shows (:func:`disagreements`): REGRESSED iff the shown interval lies beyond the threshold,
PASS iff within, INCONCLUSIVE iff straddling, and REGRESSED iff ``p_adjusted < alpha``.

Data models (the quantity each bound kind is on, and its truth):

* binary kinds (paired rate, absolute rate, custom ``max_decrease``, invariance): ``grid.binary_arms``, the latent
  normal threshold model with input heterogeneity ICC 0.3, whose marginal rates are exact, so the true paired
  difference is the difference of the rates;
* lengths and the custom ratio: ``grid.length_arms`` (lognormal, no ties), candidate = ``ratio`` x baseline; the
  per-input log ratios are symmetric about log(ratio), the truth of every location estimand;
* shape and latency p95: the candidate is a pure rescaling, so every quantile ratio equals the ratio exactly;
* cost: 2e-6 USD x whole tokens around a median of 8 (``grid.length_arms(ties=True)``), both arms' counts from one
  law, the candidate at ``ratio`` x the price per token: many ties, and d_i symmetric about log(ratio);
* categorical: three categories (approve / review / decline, shares 60 / 25 / 15%) from one latent normal per
  output (ICC 0.3) cut per arm, so shares are exact; the change moves ``effect x margin`` from approve to review.

Binary kinds are evaluated once per distinct data set up to the order of the inputs (:func:`canonical_rows`;
inputs are exchangeable units), and the INCONCLUSIVE advice's sample-size planning functions remember their results
(:func:`memoized_planning`): both leave every verdict as it is (``test_judge_grid`` checks it) and make R = 2000
affordable.

Running (CPU time measured on the 2-core development machine, December 2026 tree)::

    python -m tests.simulation.judge_grid --quick            # the default test run's 25 cells: ~55 CPU-s
    python -m tests.simulation.judge_grid --full --jobs 2    # 210 cells x 3-4 experiments: ~3.9 CPU-h, ~2 h
    python -m tests.simulation.judge_grid --full --kinds cost "paired rate" --jobs 2 --save cost.pkl
    python -m tests.simulation.judge_grid --cell "latency p95:5:1" --reps 500
    pytest -m simulation tests/simulation/test_judge_grid.py -n 2 --dist loadgroup   # the same, as tests

Of the full grid's ~3.9 CPU-h, the distribution-shape bound takes 1.8 h (its N = 100, k = 50 cell alone 45 CPU-min:
bootstraps of 2 x 5000 outputs per replication), the
categorical and invariance kinds 0.8 and 0.4 h (six rows per replication), everything else under 0.35 h per kind.
"""

from __future__ import annotations

import argparse
import math
import pickle
import sys
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from scipy.stats import norm

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from tests.simulation import grid
else:
    from . import grid

from pytest_behavior.engine.judge import BoundVerdict, Verdict, judge
from pytest_behavior.properties.base import Observation
from pytest_behavior.properties.custom import CustomProperty
from pytest_behavior.properties.invariance import Decision, Invariance, Twin, twin_observations
from pytest_behavior.properties.length import LengthDistribution
from pytest_behavior.properties.operational import CostBound, LatencyBound
from pytest_behavior.properties.refusal import RefusalBound

ALPHA = grid.ALPHA
MAX_ERROR = grid.MAX_ERROR
R_FULL = grid.R_FULL
CONFIRM_FACTOR = grid.CONFIRM_FACTOR
Rate = grid.Rate

NS = (1, 2, 3, 5, 10, 20, 100)
KS = (1, 10, 50)
Experiment = Literal["inside", "at", "zero", "beyond"]
EXPERIMENTS: tuple[Experiment, ...] = ("inside", "at", "zero", "beyond")
MULTIPLE: dict[Experiment, int] = {"inside": 0, "at": 1, "zero": 0, "beyond": 2}
"""The truth, in multiples of the margin (rates: points; ratios: powers of the ratio)."""
ERRORS: dict[Experiment, tuple[str, ...]] = {
    "inside": ("regressed",),
    "at": ("regressed", "passed"),
    "zero": ("regressed", "passed"),
    "beyond": ("passed",),
}
"""The verdicts that are errors in each experiment (each must be <= MAX_ERROR)."""
ICC = 0.3
_CHUNK = 250
"""Replications generated at a time (bounded memory at N = 100, k = 50)."""
_TIE = 1e-9
"""Relative tolerance of an exact tie between a shown bound and the threshold (exp/log round trips)."""

Arrays = tuple[NDArray[Any], ...]
Family = tuple[list[tuple[str, Observation]], list[str | None] | None]


# --------------------------------------------------------------------------------------------------
# agreement of a verdict with the interval shown beside it
# --------------------------------------------------------------------------------------------------


def user_threshold(v: BoundVerdict) -> float:
    """The threshold on the scale of the shown interval: ``max_decrease=t`` bounds the change from below at -t."""
    return -v.threshold if v.bound.startswith("max_decrease") else v.threshold


def orientation(v: BoundVerdict) -> Literal["max", "min", "both"] | None:
    """Which side of the shown interval breaks the bound: ``max`` (the lower bound, beyond above the threshold:
    ``max_*``), ``min`` (the upper bound, beyond below it: ``min_*`` and ``max_decrease``), ``both`` (a bound on a
    change either way, ``max_share_change``, on the signed change or its size), None for a form without a rule."""
    form = v.bound.split("=", 1)[0]
    if form == "max_share_change":
        return "both"
    if form == "max_decrease" or form.startswith("min_"):
        return "min"
    if form.startswith("max_"):
        return "max"
    return None


def disagreements(verdicts: Sequence[BoundVerdict], *, alpha: float = ALPHA) -> list[str]:
    """Rows whose verdict disagrees with the numbers shown beside it (empty when all agree).

    REGRESSED iff the shown interval lies beyond the threshold (for ``max_*`` its lower bound is above it); PASS
    iff it lies within (for ``max_*`` its upper bound is at or below it); INCONCLUSIVE iff it straddles it;
    REGRESSED iff ``p_adjusted < alpha`` (the strict rule). A shown bound equal to the threshold (relative tolerance
    1e-9: an exact tie) may go either way. The bound on the good side is at 1 - alpha and the one on the bad side
    at least at that level (a Holm level is 1 - alpha / members in play).
    """
    out = []
    for v in verdicts:
        where = (
            f"{v.property} {v.label} {v.bound}: {v.verdict.value} p={v.p_value:.4g} p_adj={v.p_adjusted:.4g} "
            f"[{v.lower:.6g}, {v.upper:.6g}] (levels {v.lower_level:g}/{v.upper_level:g})"
        )
        side = orientation(v)
        if side is None:
            out.append(f"{where}: no agreement rule for this bound form")
            continue
        t = user_threshold(v)
        tol = _TIE * max(1.0, abs(t))
        lo, hi = v.lower, v.upper
        if side == "max":
            beyond, tie_bad, within, tie_good = lo > t + tol, abs(lo - t) <= tol, hi < t - tol, abs(hi - t) <= tol
            levels = (v.upper_level, v.lower_level)
        elif side == "min":
            beyond, tie_bad, within, tie_good = hi < t - tol, abs(hi - t) <= tol, lo > t + tol, abs(lo - t) <= tol
            levels = (v.lower_level, v.upper_level)
        else:
            beyond = lo > t + tol or hi < -t - tol
            tie_bad = abs(lo - t) <= tol or abs(hi + t) <= tol
            within = lo > -t + tol and hi < t - tol
            tie_good = (abs(hi - t) <= tol or abs(lo + t) <= tol) and -t - tol <= lo and hi <= t + tol
            levels = (1 - alpha, 1 - alpha)  # either side may be the bad one: no level rule
        regressed, passed = v.verdict is Verdict.REGRESSED, v.verdict is Verdict.PASS
        problems = []
        if regressed != (v.p_adjusted < alpha):
            problems.append(f"REGRESSED must be p_adjusted < {alpha:g}")
        if regressed and not (beyond or tie_bad):
            problems.append("REGRESSED but the shown interval is not beyond the threshold")
        if not regressed and beyond:
            problems.append("the shown interval is beyond the threshold but the verdict is not REGRESSED")
        if passed and not (within or tie_good):
            problems.append("PASS but the shown interval is not within the threshold")
        if not passed and not regressed and within:
            problems.append("the shown interval is within the threshold but the verdict is not PASS")
        if not lo <= hi:
            problems.append("lower > upper")
        good_level, bad_level = levels
        if abs(good_level - (1 - alpha)) > 1e-9 or not 1 - alpha - 1e-9 <= bad_level < 1:
            problems.append(f"levels: the good side's must be {1 - alpha:g}, the bad side's in [{1 - alpha:g}, 1)")
        out += [f"{where}: {p}" for p in problems]
    return out


def one_member_more(p_values: Sequence[float], index: int) -> float:
    """The largest Holm-adjusted p-value member ``index`` can get when one member (any p-value) joins the family.

    Joining with p = 1 raises every multiplier of the members at or before ``index`` by one, and no p-value raises
    it further (a member below ``index``'s p only adds its own term, at most this one); the weighted Holm of a
    member whose weights sum to 1 is bounded by the same value (its closed test has the same subset sizes).
    """
    from pytest_behavior.stats import holm

    return holm([*p_values, 1.0])[index]


# --------------------------------------------------------------------------------------------------
# data of known truth
# --------------------------------------------------------------------------------------------------


def latency_arms(rng: np.random.Generator, *, reps: int, n: int, k: int, ratio: float) -> tuple[Arrays, Arrays]:
    """Latencies in ms: lognormal around 900 ms (between-input SD 0.5, per-call SD 0.4 on the log scale), the
    candidate a pure rescaling by ``ratio`` (so its p95, and every quantile, is ``ratio`` times the baseline's)."""
    scale = math.log(900.0) + 0.5 * rng.standard_normal((reps, n, 1))
    base = np.exp(scale + 0.4 * rng.standard_normal((reps, n, k)))
    cand = ratio * np.exp(scale + 0.4 * rng.standard_normal((reps, n, k)))
    return (base,), (cand,)


CATEGORIES = ("approve", "review", "decline")
SHARES = (0.60, 0.25, 0.15)


def category_arms(
    rng: np.random.Generator, *, reps: int, n: int, k: int, shift: float, icc: float = ICC
) -> tuple[NDArray[np.int8], NDArray[np.int8]]:
    """Category codes (index into CATEGORIES) of both arms, shape (reps, n, k): one latent normal per output with
    input effect ``icc``, cut at the arm's cumulative shares; the candidate moves ``shift`` from approve to review
    (decline unchanged), so the true share changes are exactly (-shift, +shift, 0)."""
    shared = math.sqrt(icc) * rng.standard_normal((reps, n, 1))
    out = []
    for moved in (0.0, shift):
        cuts = norm.ppf([SHARES[0] - moved, SHARES[0] + SHARES[1]])
        latent = shared + math.sqrt(1.0 - icc) * rng.standard_normal((reps, n, k))
        out.append(np.searchsorted(cuts, latent).astype(np.int8))
    return out[0], out[1]


COST_PER_TOKEN = 2e-6


# --------------------------------------------------------------------------------------------------
# the bound kinds
# --------------------------------------------------------------------------------------------------


class Kind(ABC):
    """One bound kind: its data, its bound (as the property builds it) and its observations."""

    name: str
    bound: str
    """The bound as written, with the margin (for the report)."""
    margin: float
    """The threshold of the ``inside``, ``at`` and ``beyond`` experiments (the user's value)."""
    null: float | None
    """The no-change threshold of the ``zero`` experiment (None: no such experiment)."""
    discrete: bool = False
    """Data are 0/1 or categories: evaluate each distinct data set (up to input order) once."""

    def experiments(self) -> tuple[Experiment, ...]:
        return tuple(e for e in EXPERIMENTS if e != "zero" or self.null is not None)

    def threshold(self, experiment: Experiment, k: int) -> float:
        if experiment == "zero":
            assert self.null is not None
            return self.null
        return self.margin

    @abstractmethod
    def draw(self, rng: np.random.Generator, *, reps: int, n: int, k: int, multiple: int) -> Arrays:
        """Arrays of shape (reps, n, k), the truth at ``multiple`` x the margin."""

    @abstractmethod
    def family(self, arrays: Arrays, threshold: float) -> Family:
        """One replication's observations (arrays of shape (n, k)) and segments, as ``judge`` receives them."""


class PairedRate(Kind):
    name, bound, margin, null, discrete = "paired rate", "refusal max_increase=0.1", 0.10, 0.0, True
    base = 0.20

    def draw(self, rng: np.random.Generator, *, reps: int, n: int, k: int, multiple: int) -> Arrays:
        return grid.binary_arms(
            rng, reps=reps, n=n, k=k, base_rate=self.base, cand_rate=self.base + multiple * self.margin, icc=ICC
        )

    def family(self, arrays: Arrays, threshold: float) -> Family:
        metric = RefusalBound(max_increase=threshold).metrics()[0]
        base, cand = arrays
        return [("refusal_bound", Observation(metric, base.astype(float), cand.astype(float)))], None


class AbsoluteRate(Kind):
    name, bound, margin, null, discrete = "absolute rate", "refusal max_rate=0.2", 0.20, None, True
    step = 0.10
    """The truth is ``step`` x (1 + multiple): 10% inside, 20% at the threshold, 30% beyond it."""

    def draw(self, rng: np.random.Generator, *, reps: int, n: int, k: int, multiple: int) -> Arrays:
        rate = self.step * (1 + multiple)
        return (grid.binary_arms(rng, reps=reps, n=n, k=k, base_rate=rate, cand_rate=rate, icc=ICC)[1],)

    def family(self, arrays: Arrays, threshold: float) -> Family:
        metric = RefusalBound(max_rate=threshold).metrics()[0]
        return [("refusal_bound", Observation(metric, None, arrays[0].astype(float)))], None


class LengthRatio(Kind):
    name, bound, margin, null = "length ratio", "length_distribution max_ratio=1.2", 1.2, 1.0

    def draw(self, rng: np.random.Generator, *, reps: int, n: int, k: int, multiple: int) -> Arrays:
        return grid.length_arms(rng, reps=reps, n=n, k=k, ratio=self.margin**multiple, noise="lognormal", ties=False)

    def family(self, arrays: Arrays, threshold: float) -> Family:
        metric = LengthDistribution(max_ratio=threshold).metrics()[0]
        return [("length_distribution", Observation(metric, arrays[0], arrays[1]))], None


class Shape(LengthRatio):
    name, bound = "shape", "length_distribution max_ratio=1.2, shape=True (the profile bound)"

    def family(self, arrays: Arrays, threshold: float) -> Family:
        metric = LengthDistribution(max_ratio=threshold, shape=True).metrics()[1]
        assert metric.profile, "the shape metric is the one with a quantile profile"
        return [("length_distribution", Observation(metric, arrays[0], arrays[1]))], None


class LatencyP95(Kind):
    name, bound, margin, null = "latency p95", "latency_bound max_p95_ratio=1.3", 1.3, 1.0

    def draw(self, rng: np.random.Generator, *, reps: int, n: int, k: int, multiple: int) -> Arrays:
        (base,), (cand,) = latency_arms(rng, reps=reps, n=n, k=k, ratio=self.margin**multiple)
        return base, cand

    def family(self, arrays: Arrays, threshold: float) -> Family:
        metric = LatencyBound(max_p95_ratio=threshold).metrics()[0]
        return [("latency_bound", Observation(metric, arrays[0], arrays[1]))], None


class Cost(Kind):
    """Whole tokens around a median of 8 (``grid.length_arms(ties=True)``) at 2e-6 USD each; the candidate pays
    ``ratio`` x the price per token (a price change), so d_i = log(ratio) + a difference of two exchangeable
    token counts' logs: symmetric about log(ratio), the truth, with the ties of integer counts (d_i = log(ratio)
    exactly whenever the counts are equal)."""

    name, bound, margin, null = "cost", "cost_bound max_ratio=1.2 (whole tokens: ties)", 1.2, 1.0

    def draw(self, rng: np.random.Generator, *, reps: int, n: int, k: int, multiple: int) -> Arrays:
        base, cand = grid.length_arms(rng, reps=reps, n=n, k=k, ratio=1.0, noise="lognormal", ties=True)
        return COST_PER_TOKEN * base, COST_PER_TOKEN * self.margin**multiple * cand

    def family(self, arrays: Arrays, threshold: float) -> Family:
        metric = CostBound(max_ratio=threshold).metrics()[0]
        return [("cost_bound", Observation(metric, arrays[0], arrays[1]))], None


def approved(output: str) -> bool:
    """A custom yes/no property: the output's decision is "approve"."""
    return output == "approve"


def score(output: str) -> float:
    """A custom numeric property: the number an output reports."""
    return float(output)


def decision(output: str) -> str:
    """A custom categorical property: the output's decision."""
    return output.strip()


def _texts(codes: NDArray[Any], names: Sequence[str]) -> list[list[str]]:
    return np.asarray(names, dtype=object)[codes].tolist()  # type: ignore[no-any-return]


class CustomDecrease(Kind):
    name, bound, margin, null, discrete = (
        "custom max_decrease",
        "behavior_property(approved, max_decrease=0.1)",
        0.10,
        0.0,
        True,
    )
    base = 0.80

    def draw(self, rng: np.random.Generator, *, reps: int, n: int, k: int, multiple: int) -> Arrays:
        return grid.binary_arms(
            rng, reps=reps, n=n, k=k, base_rate=self.base, cand_rate=self.base - multiple * self.margin, icc=ICC
        )

    def family(self, arrays: Arrays, threshold: float) -> Family:
        prop = CustomProperty.from_marker(approved, max_decrease=threshold)
        base, cand = (_texts(a, ("decline", "approve")) for a in arrays)
        return [("behavior_property", o) for o in prop.observe(base, cand)], None


class CustomRatio(LengthRatio):
    """Lengths drawn as for `LengthRatio` (the candidate ``margin ** multiple`` times as long), judged through a
    custom property's ``min_ratio``."""

    name, bound, margin, null = "custom min_ratio", "behavior_property(score, min_ratio=0.8)", 0.8, 1.0

    def family(self, arrays: Arrays, threshold: float) -> Family:
        prop = CustomProperty.from_marker(score, min_ratio=threshold)
        base, cand = (a.astype(str).tolist() for a in arrays)
        return [("behavior_property", o) for o in prop.observe(base, cand)], None


class Categorical(Kind):
    name, bound, margin, null, discrete = (
        "categorical",
        "behavior_property(decision, max_share_change=0.1)",
        0.10,
        0.0,
        True,
    )

    def draw(self, rng: np.random.Generator, *, reps: int, n: int, k: int, multiple: int) -> Arrays:
        return category_arms(rng, reps=reps, n=n, k=k, shift=multiple * self.margin)

    def family(self, arrays: Arrays, threshold: float) -> Family:
        prop = CustomProperty.from_marker(decision, max_share_change=threshold)
        base, cand = (_texts(a, CATEGORIES) for a in arrays)
        return [("behavior_property", o) for o in prop.observe(base, cand)], None


GROUPS = ("name -> nigerian", "name -> chinese")


class InvarianceKind(Kind):
    """Twins (candidate arm) vs originals (baseline arm) of one bundle, paired by input; two perturbation groups
    (alternating inputs) judged as segments, as ``counterfactual.run_invariance`` does. The twins' approval rate
    is ``multiple`` x the margin below the originals' (the ``max_decrease`` side of ``max_difference``)."""

    name, bound, margin, null, discrete = (
        "invariance",
        "invariance(approved, max_difference=0.1), 2 groups",
        0.10,
        0.0,
        True,
    )
    base = 0.80

    def draw(self, rng: np.random.Generator, *, reps: int, n: int, k: int, multiple: int) -> Arrays:
        originals, twins = grid.binary_arms(
            rng, reps=reps, n=n, k=k, base_rate=self.base, cand_rate=self.base - multiple * self.margin, icc=ICC
        )
        groups = np.broadcast_to((np.arange(n) % len(GROUPS)).astype(np.int8)[None, :, None], (reps, n, 1))
        return groups, originals, twins

    def family(self, arrays: Arrays, threshold: float) -> Family:
        groups, originals, twins = arrays
        prop = Invariance(perturbation=None, decisions=(Decision("approved", approved),), max_difference=threshold)
        pairs = [Twin(f"i{i}", f"i{i}~twin", "name", GROUPS[int(g)]) for i, g in enumerate(groups[:, 0])]
        outputs: dict[str, Sequence[Any]] = {}
        for pair, orig, twin in zip(
            pairs, _texts(originals, ("decline", "approve")), _texts(twins, ("decline", "approve")), strict=True
        ):
            outputs[pair.original_id], outputs[pair.twin_id] = orig, twin
        observations, _ = twin_observations(prop, pairs, outputs, None)
        return observations, [p.group for p in pairs]


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        PairedRate(),
        AbsoluteRate(),
        LengthRatio(),
        Shape(),
        LatencyP95(),
        Cost(),
        CustomDecrease(),
        CustomRatio(),
        Categorical(),
        InvarianceKind(),
    )
}
BOOTSTRAP_KINDS = ("shape", "latency p95")


# --------------------------------------------------------------------------------------------------
# one replication, one experiment, one cell
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """One replication: the bound kind's aggregated verdict, or the error that replaced it."""

    regressed: bool = False
    passed: bool = False
    error: str = ""
    disagreement: str = ""
    """The first row whose verdict disagrees with its shown interval (see :func:`disagreements`)."""


def aggregate(verdicts: Sequence[BoundVerdict]) -> Outcome:
    """REGRESSED if any row is; PASS if every overall row is (and there is one); the first disagreement."""
    if not verdicts:
        return Outcome(error="judge returned no verdict")
    overall = [v for v in verdicts if v.segment is None]
    regressed = any(v.verdict is Verdict.REGRESSED for v in verdicts)
    passed = bool(overall) and all(v.verdict is Verdict.PASS for v in overall)
    problems = disagreements(verdicts)
    return Outcome(regressed, passed and not regressed, "", problems[0] if problems else "")


def evaluate(kind: Kind, arrays: Arrays, threshold: float) -> Outcome:
    """Observe and judge one replication (arrays of shape (n, k)); any exception is recorded as an error."""
    try:
        observations, segments = kind.family(arrays, threshold)
        verdicts = judge(observations, alpha=ALPHA, segments=segments)
    except Exception as exc:  # an error is an outcome to count, never acceptable (issue 13 §2)
        return Outcome(error=f"{type(exc).__name__}: {exc}")
    return aggregate(verdicts)


PLANNING = (
    "detectable_effect_binary",
    "detectable_effect_mean_shift",
    "n_for_pass_binary",
    "n_for_power_paired_binary",
)
"""Sample-size planning functions of ``pytest_behavior.stats`` that the INCONCLUSIVE advice calls (pure functions of
a few numbers, and 90% of ``judge``'s time on small discrete data)."""


def _memo(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` remembering its results and its exceptions (``functools.cache`` would recompute every exception)."""
    seen: dict[Any, tuple[bool, Any]] = {}

    def remembered(*args: Any, **kwargs: Any) -> Any:
        key = (args, tuple(sorted(kwargs.items())))
        if key not in seen:
            try:
                seen[key] = (True, fn(*args, **kwargs))
            except Exception as exc:
                seen[key] = (False, exc)
        ok, value = seen[key]
        if not ok:
            raise value
        return value

    return remembered


@contextmanager
def memoized_planning() -> Iterator[None]:
    """Within the block, the planning functions the advice looks up on ``pytest_behavior.stats`` remember their
    results: the same verdicts, advice and exceptions as without, computed once per distinct argument set."""
    import pytest_behavior.stats as stats_package

    saved = {name: getattr(stats_package, name) for name in PLANNING if hasattr(stats_package, name)}
    for name, fn in saved.items():
        setattr(stats_package, name, _memo(fn))
    try:
        yield
    finally:
        for name, fn in saved.items():
            setattr(stats_package, name, fn)


def canonical_rows(arrays: Arrays) -> tuple[Arrays, bytes]:
    """The inputs sorted by their rows (all arms' values side by side), and those bytes as a memo key.

    Inputs are exchangeable units, so a data set and any reordering of its inputs are equally likely; judging the
    sorted order is judging one of them. ``test_judge_grid`` checks that the verdicts do not depend on the order.
    """
    rows = np.concatenate([a.reshape(a.shape[0], -1).astype(np.int8) for a in arrays], axis=1)
    order = np.lexsort(rows.T[::-1])
    sorted_arrays = tuple(a[order] for a in arrays)
    return sorted_arrays, rows[order].tobytes()


@dataclass(frozen=True)
class JudgeCell:
    kind: str
    n: int
    k: int

    @property
    def label(self) -> str:
        return f"{self.kind} N={self.n} k={self.k}"


@dataclass(frozen=True)
class ExperimentResult:
    """One experiment of a cell: rates keyed ``regressed``, ``passed``, ``inconclusive``, ``error``, ``disagree``,
    with the first error and disagreement message seen."""

    cell: JudgeCell
    experiment: Experiment
    threshold: float
    rates: dict[str, grid.Rate]
    first_error: str
    first_disagreement: str
    seconds: float
    stage: str = ""


def _replicate(
    kind: Kind,
    cell: JudgeCell,
    rng: np.random.Generator,
    reps: int,
    multiple: int,
    threshold: float,
    memo: dict[bytes, Outcome],
    outcomes: list[Outcome],
) -> None:
    for done in range(0, reps, _CHUNK):
        size = min(_CHUNK, reps - done)
        arrays = kind.draw(rng, reps=size, n=cell.n, k=cell.k, multiple=multiple)
        for r in range(size):
            one = tuple(a[r] for a in arrays)
            if kind.discrete:
                one, key = canonical_rows(one)
                if key not in memo:
                    memo[key] = evaluate(kind, one, threshold)
                outcomes.append(memo[key])
            else:
                outcomes.append(evaluate(kind, one, threshold))


def run_experiment(cell: JudgeCell, experiment: Experiment, reps: int = R_FULL, *, stage: str = "") -> ExperimentResult:
    """``reps`` seeded replications of one experiment (seeded by cell, experiment and stage)."""
    kind = KINDS[cell.kind]
    threshold = kind.threshold(experiment, cell.k)
    rng = grid.rng_for("judge", cell.kind, cell.n, cell.k, experiment, stage)
    memo: dict[bytes, Outcome] = {}
    outcomes: list[Outcome] = []
    start = time.perf_counter()
    with memoized_planning():
        _replicate(kind, cell, rng, reps, MULTIPLE[experiment], threshold, memo, outcomes)
    seconds = time.perf_counter() - start
    flags = {
        "regressed": np.array([o.regressed for o in outcomes]),
        "passed": np.array([o.passed for o in outcomes]),
        "inconclusive": np.array([not (o.regressed or o.passed or o.error) for o in outcomes]),
        "error": np.array([bool(o.error) for o in outcomes]),
        "disagree": np.array([bool(o.disagreement) for o in outcomes]),
    }
    first_error = next((o.error for o in outcomes if o.error), "")
    first_disagreement = next((o.disagreement for o in outcomes if o.disagreement), "")
    return ExperimentResult(
        cell,
        experiment,
        threshold,
        {k: Rate.of(v) for k, v in flags.items()},
        first_error,
        first_disagreement,
        seconds,
        stage,
    )


# --------------------------------------------------------------------------------------------------
# acceptance
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Miss:
    """One missed acceptance number of an experiment."""

    check: str
    """``error`` (a false REGRESSED / false PASS above 6.15%), ``crash`` (an exception), ``agreement``."""
    key: str
    rate: grid.Rate
    detail: str
    where: str

    @property
    def decisive(self) -> bool:
        """Crashes and disagreements are never chance; a rate miss is decisive when its 99% band is above 6.15%."""
        return self.check != "error" or self.rate.band[0] > MAX_ERROR

    def __str__(self) -> str:
        limit = "> 6.15%" if self.check == "error" else "> 0"
        return f"[{self.check}] {self.key} = {self.rate.text()} {limit} in {self.where}{self.detail}"


def misses(result: ExperimentResult) -> list[Miss]:
    """The acceptance numbers an experiment misses: its errors <= 6.15%, no exception, no disagreeing row."""
    where = f"{result.cell.label}, {result.experiment} (threshold {result.threshold:.6g})" + (
        f" ({result.stage})" if result.stage else ""
    )
    out = []
    for verdict in ERRORS[result.experiment]:
        rate = result.rates[verdict]
        if rate.value > MAX_ERROR:
            name = "false REGRESSED" if verdict == "regressed" else "false PASS"
            out.append(Miss("error", f"{result.experiment}.{verdict}", rate, f" ({name})", where))
    if result.rates["error"].hits:
        out.append(Miss("crash", f"{result.experiment}.error", result.rates["error"], f": {result.first_error}", where))
    if result.rates["disagree"].hits:
        out.append(
            Miss(
                "agreement",
                f"{result.experiment}.disagree",
                result.rates["disagree"],
                f": {result.first_disagreement}",
                where,
            )
        )
    return out


@dataclass(frozen=True)
class Judgement:
    """Misses that stand (decisive, or repeated by the CONFIRM_FACTOR x R re-run), and those not confirmed."""

    misses: list[Miss]
    unconfirmed: list[tuple[Miss, grid.Rate]]


def judge_experiment(result: ExperimentResult, runner: Callable[..., ExperimentResult] = run_experiment) -> Judgement:
    """As ``grid.judge_cell``: a rate miss whose 99% band still contains 6.15% is re-simulated with CONFIRM_FACTOR x R
    replications on a fresh seed and stands only if missed again (a few of the ~600 error rates of the full grid
    near 5% would fall just outside by chance); decisive misses stand at once."""
    first = misses(result)
    borderline = [m for m in first if not m.decisive]
    if not borderline:
        return Judgement(first, [])
    again = runner(result.cell, result.experiment, CONFIRM_FACTOR * result.rates["regressed"].runs, stage="confirm")
    repeated = {m.key: m for m in misses(again) if m.check == "error"}
    kept = [m for m in first if m.decisive] + [repeated[m.key] for m in borderline if m.key in repeated]
    return Judgement(kept, [(m, again.rates[m.key.split(".")[1]]) for m in borderline if m.key not in repeated])


def evaluate_experiment(
    cell: JudgeCell, experiment: Experiment, reps: int = R_FULL
) -> tuple[ExperimentResult, Judgement]:
    """One task for a process pool: measure, then judge (with any confirmation run)."""
    result = run_experiment(cell, experiment, reps)
    return result, judge_experiment(result)


# --------------------------------------------------------------------------------------------------
# the grids
# --------------------------------------------------------------------------------------------------


def full_cells() -> list[JudgeCell]:
    """Every bound kind at N in {1, 2, 3, 5, 10, 20, 100} x k in {1, 10, 50} (issue 13 §2)."""
    return [JudgeCell(kind, n, k) for kind in KINDS for n in NS for k in KS]


QUICK: dict[str, tuple[tuple[int, int], ...]] = {
    "paired rate": ((1, 50), (3, 50), (5, 10), (20, 1)),
    "absolute rate": ((1, 50), (3, 10), (100, 1)),
    "length ratio": ((2, 10),),
    "shape": ((1, 50), (5, 1), (20, 1)),
    "latency p95": ((1, 50), (2, 10), (5, 1), (100, 1)),
    "cost": ((5, 1), (20, 1)),
    "custom max_decrease": ((1, 50), (5, 10), (20, 1)),
    "custom min_ratio": ((1, 10), (20, 1)),
    "categorical": ((1, 10), (5, 1)),
    "invariance": ((2, 1),),
}
"""The reduced grid of the default test run (about 55 CPU seconds), each cell at R = 2000 in the ``at`` experiment
(truth on the threshold: false REGRESSED and false PASS at once): the cells the issue names (N = 1 with 50 repeats,
N = 3 with 50, N = 5 with 10, the bootstrap kinds at N = 1, 2 and 5, one input per segment for invariance), and per
kind a cell where its method decides (false REGRESSED and false PASS both possible): the margin test of paired rates
at N = 20, the absolute rate at N = 100, the shape and p95 bounds at the fewest inputs they judge (20) or at 100,
costs with ties, the mirrored custom bounds at N = 20."""
QUICK_EXPERIMENTS: tuple[Experiment, ...] = ("at",)


def quick_cells() -> list[JudgeCell]:
    return [JudgeCell(kind, n, k) for kind, cells in QUICK.items() for n, k in cells]


def tasks(full: bool, kinds: Sequence[str] | None = None) -> list[tuple[JudgeCell, Experiment]]:
    cells = full_cells() if full else quick_cells()
    out = []
    for cell in cells:
        if kinds and cell.kind not in kinds:
            continue
        experiments = KINDS[cell.kind].experiments() if full else QUICK_EXPERIMENTS
        out += [(cell, e) for e in experiments]
    return out


def cost_estimate(cell: JudgeCell) -> float:
    """Relative cost of a cell (for ordering a process pool's tasks: longest first), after measured CPU times."""
    factor = {"shape": 40.0, "latency p95": 3.0, "categorical": 6.0, "invariance": 4.0}.get(cell.kind, 1.0)
    return factor * (cell.n * cell.k + 50.0 * cell.n)


def collect(
    task_list: Sequence[tuple[JudgeCell, Experiment]], *, reps: int = R_FULL, jobs: int = 1
) -> list[tuple[ExperimentResult, Judgement]]:
    ordered = sorted(task_list, key=lambda t: -cost_estimate(t[0]))
    if jobs > 1:
        with ProcessPoolExecutor(jobs) as pool:
            outputs = list(pool.map(_call, [(c, e, reps) for c, e in ordered]))
    else:
        outputs = [_call((c, e, reps)) for c, e in ordered]
    index = {t: i for i, t in enumerate(task_list)}
    return sorted(outputs, key=lambda ev: index[(ev[0].cell, ev[0].experiment)])


def _call(task: tuple[JudgeCell, Experiment, int]) -> tuple[ExperimentResult, Judgement]:
    cell, experiment, reps = task
    return evaluate_experiment(cell, experiment, reps)


# --------------------------------------------------------------------------------------------------
# markdown
# --------------------------------------------------------------------------------------------------


def _with_band(rate: grid.Rate) -> str:
    low, high = rate.band
    return f"{100 * rate.value:.1f} [{100 * low:.1f}, {100 * high:.1f}]"


def _flagged(rate: grid.Rate, error: bool) -> str:
    text = _with_band(rate)
    return f"**{text}**" if error and rate.value > MAX_ERROR else text


COLUMNS: tuple[tuple[Experiment, str, str], ...] = (
    ("inside", "regressed", "A/A: false REGRESSED"),
    ("inside", "passed", "A/A: PASS"),
    ("at", "regressed", "at t: false REGRESSED"),
    ("at", "passed", "at t: false PASS"),
    ("at", "inconclusive", "at t: INCONCL."),
    ("zero", "regressed", "A/A, t=0: false REGRESSED"),
    ("zero", "passed", "A/A, t=0: false PASS"),
    ("beyond", "regressed", "2x: power"),
    ("beyond", "passed", "2x: false PASS"),
)


def render(evals: Sequence[tuple[ExperimentResult, Judgement]], *, seconds: float, title: str) -> str:
    """The measured rates as markdown: one table per bound kind, rows N x k, every rate with its 99% band."""
    by_cell: dict[JudgeCell, dict[Experiment, tuple[ExperimentResult, Judgement]]] = {}
    for ev in evals:
        by_cell.setdefault(ev[0].cell, {})[ev[0].experiment] = ev
    used = [c for c in COLUMNS if any(c[0] in exps for exps in by_cell.values())]
    reps = next(iter(evals))[0].rates["regressed"].runs if evals else 0
    out = [
        f"## Judge-level grid ({title}): rates in % [99% Clopper-Pearson band], R = {reps}",
        "",
        "Black-box `judge(observations, alpha=0.05, segments=...)`; truth at the threshold t (the margin) unless "
        "stated; A/A = no change with t = the margin; t=0 = A/A at the no-change threshold; 2x = truth at twice "
        "the margin. Acceptance: every false REGRESSED and false PASS <= 6.15% (**bold** above), no error, "
        "every row's verdict agrees with its shown interval. `errors` = replications where observe/judge raised; "
        f"`disagree` = replications with a row whose verdict disagrees with its interval. Wall time "
        f"{seconds / 60:.1f} min.",
        "",
    ]
    kinds = list(dict.fromkeys(c.kind for c in by_cell))
    for name in kinds:
        kind = KINDS[name]
        out += [f"### {name}: `{kind.bound}`", ""]
        header = ["N", "k", *[c[2] for c in used], "errors", "disagree", "s", "checks"]
        out += ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
        for cell, exps in by_cell.items():
            if cell.kind != name:
                continue
            row = [str(cell.n), str(cell.k)]
            for experiment, verdict, _ in used:
                if experiment in exps:
                    rate = exps[experiment][0].rates[verdict]
                    row.append(_flagged(rate, verdict in ERRORS[experiment]))
                else:
                    row.append("–")
            errors = sum(r.rates["error"].hits for r, _ in exps.values())
            disagree = sum(r.rates["disagree"].hits for r, _ in exps.values())
            runs = sum(r.rates["error"].runs for r, _ in exps.values())
            row += [
                f"{errors}/{runs}",
                f"{disagree}/{runs}",
                f"{sum(r.seconds for r, _ in exps.values()):.1f}",
                _checks([j for _, j in exps.values()]),
            ]
            out.append("| " + " | ".join(row) + " |")
        out.append("")
    all_misses = [m for _, j in evals for m in j.misses]
    unconfirmed = [u for _, j in evals for u in j.unconfirmed]
    out += [f"### Missed acceptance numbers ({len(all_misses)})", ""]
    out += [f"- {m}" for m in all_misses] or ["none"]
    out += ["", f"### Borderline misses not confirmed by the {CONFIRM_FACTOR}x R re-run ({len(unconfirmed)})", ""]
    out += [f"- {m} -> re-run: {again.text()}" for m, again in unconfirmed] or ["none"]
    return "\n".join(out) + "\n"


def _checks(judgements: Sequence[Judgement]) -> str:
    missed = sorted({m.check for j in judgements for m in j.misses})
    if missed:
        return "**FAIL** " + ", ".join(missed)
    return "ok*" if any(j.unconfirmed for j in judgements) else "ok"


def _parse_cell(text: str) -> JudgeCell:
    kind, n, k = text.rsplit(":", 2)
    if kind not in KINDS:
        raise argparse.ArgumentTypeError(f"unknown kind {kind!r}; one of {', '.join(KINDS)}")
    return JudgeCell(kind, int(n), int(k))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="Judge-level acceptance grid of issue 13 (markdown on stdout).",
        epilog="python -m tests.simulation.judge_grid --quick   # the default test run's cells (about a minute)\n"
        "python -m tests.simulation.judge_grid --full --jobs 2   # every kind x N x k x experiment (hours)\n"
        "python -m tests.simulation.judge_grid --full --kinds 'paired rate' cost --jobs 2\n"
        "python -m tests.simulation.judge_grid --cell 'latency p95:5:1' --reps 500",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--full", action="store_true", help="every kind at N {1,2,3,5,10,20,100} x k {1,10,50}, all experiments"
    )
    mode.add_argument("--quick", action="store_true", help="the reduced grid of the default test run (default)")
    mode.add_argument("--cell", type=_parse_cell, action="append", help="KIND:N:K, all experiments (repeatable)")
    parser.add_argument("--kinds", nargs="+", choices=list(KINDS), help="only these kinds")
    parser.add_argument("--reps", type=int, default=R_FULL, help=f"replications per experiment (default {R_FULL})")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--save", type=Path, help="pickle the results to this file")
    parser.add_argument("--load", type=Path, help="print results pickled by --save instead of running")
    args = parser.parse_args(argv)
    if args.load:
        title, seconds, evals = pickle.loads(args.load.read_bytes())
        sys.stdout.write(render(evals, seconds=seconds, title=title))
        return
    if args.cell:
        task_list = [(c, e) for c in args.cell for e in KINDS[c.kind].experiments()]
        title = "selected cells"
    else:
        task_list = tasks(args.full, args.kinds)
        title = "full" if args.full else "reduced, default test run"
    start = time.perf_counter()
    evals = collect(task_list, reps=args.reps, jobs=args.jobs)
    seconds = time.perf_counter() - start
    if args.save:
        args.save.write_bytes(pickle.dumps((title, seconds, evals)))
    sys.stdout.write(render(evals, seconds=seconds, title=title))


if __name__ == "__main__":
    main()
