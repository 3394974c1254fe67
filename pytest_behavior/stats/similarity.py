"""Two-sided tests of "no difference" for one per-input feature: does a sample behave like another?

Used by ``pytest-behavior identify``, where the question is equality (is the field traffic version V?), not a
one-sided regression bound. Inputs are the unit: each value is one input's mean over its repeats.

- `paired_difference`: the same inputs on both sides; Wilcoxon signed-rank test of the differences (with
  ±1/0 differences of a 0/1 feature it is McNemar's sign test on the discordant pairs), mean difference and
  its t interval.
- `unpaired_difference`: different inputs; Mann-Whitney U test, difference of means and its Welch interval.
- `nearer_side`: is a sample nearer one of two others? Its mean against their midpoint (Welch's t): how
  ``identify`` tells apart two versions that are both consistent with the field sample.
- `discordant_sign`: the sign test of discordant pairs (McNemar's exact test).

The p-value is rank-based (robust to the long tails of lengths); the estimate and interval are on the mean, the
scale a reader reads (a rate difference, or a log ratio). ``z`` is the estimate over its standard error, a
sample-size-aware distance used to rank candidates.

References: Wilcoxon (1945), Biometrics Bull 1:80-83; Mann & Whitney (1947), Ann Math Stat 18:50-60;
Welch (1947), Biometrika 34:28-35; McNemar (1947), Psychometrika 12:153-157.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.stats import binomtest, mannwhitneyu, t, wilcoxon

__all__ = ["Difference", "discordant_sign", "nearer_side", "paired_difference", "unpaired_difference"]

_TINY = 1e-12


@dataclass(frozen=True)
class Difference:
    """``estimate`` (mean of a - b), its two-sided (1 - alpha) interval, the two-sided p of no difference, the
    standardized estimate ``z`` (0 when both sides are constant and equal) and the test's name."""

    estimate: float
    lower: float
    upper: float
    p: float
    z: float
    n: int
    method: str


def _values(values: NDArray[Any] | list[float], name: str) -> NDArray[np.float64]:
    arr = np.asarray(values, dtype=np.float64).ravel()
    if arr.size < 2:
        raise ValueError(f"{name} needs at least 2 values, got {arr.size}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite")
    return arr


def _check_alpha(alpha: float) -> None:
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")


def _z(estimate: float, se: float) -> float:
    if se > _TINY:
        return estimate / se
    return 0.0 if abs(estimate) <= _TINY else math.copysign(math.inf, estimate)


def paired_difference(a: NDArray[Any] | list[float], b: NDArray[Any] | list[float], *, alpha: float) -> Difference:
    """a - b on the same inputs (row i of each is input i): Wilcoxon signed-rank (zeros dropped, normal
    approximation with tie correction when ties are present) and the paired t interval of the mean difference."""
    _check_alpha(alpha)
    x, y = _values(a, "a"), _values(b, "b")
    if x.size != y.size:
        raise ValueError(f"paired samples need the same inputs on both sides, got {x.size} and {y.size}")
    d = x - y
    n = int(d.size)
    estimate = float(d.mean())
    se = float(d.std(ddof=1)) / math.sqrt(n)
    half = float(t.ppf(1 - alpha / 2, n - 1)) * se
    p = 1.0 if np.count_nonzero(d) == 0 else float(wilcoxon(d, zero_method="wilcox").pvalue)
    return Difference(estimate, estimate - half, estimate + half, p, _z(estimate, se), n, "Wilcoxon signed-rank")


def unpaired_difference(a: NDArray[Any] | list[float], b: NDArray[Any] | list[float], *, alpha: float) -> Difference:
    """a - b on different inputs: two-sided Mann-Whitney U (scipy, method "auto") and the Welch interval of the
    difference of means."""
    _check_alpha(alpha)
    x, y = _values(a, "a"), _values(b, "b")
    estimate = float(x.mean() - y.mean())
    vx, vy = float(x.var(ddof=1)) / x.size, float(y.var(ddof=1)) / y.size
    se = math.sqrt(vx + vy)
    if se > _TINY:
        df = (vx + vy) ** 2 / ((vx**2 / (x.size - 1) if vx else 0.0) + (vy**2 / (y.size - 1) if vy else 0.0))
        half = float(t.ppf(1 - alpha / 2, df)) * se
    else:
        half = 0.0
    pooled = np.concatenate([x, y])
    p = 1.0 if np.all(pooled == pooled[0]) else float(mannwhitneyu(x, y, alternative="two-sided").pvalue)
    n = int(x.size + y.size)
    return Difference(estimate, estimate - half, estimate + half, p, _z(estimate, se), n, "Mann-Whitney U")


def nearer_side(
    field: NDArray[Any] | list[float], a: NDArray[Any] | list[float], b: NDArray[Any] | list[float]
) -> tuple[float, float]:
    """Is ``field`` nearer ``a`` than ``b``? The field's mean against the midpoint of a's and b's means: Welch's t
    (Satterthwaite degrees of freedom) of mean(field) - (mean(a) + mean(b)) / 2, signed so that a positive t is
    a's side. Returns (t, two-sided p); (0, 1) when a and b have the same mean. The three samples are taken as
    independent: when they share inputs the positive correlation this ignores makes the test conservative."""
    f, x, y = _values(field, "field"), _values(a, "a"), _values(b, "b")
    gap = float(x.mean() - y.mean())
    if abs(gap) <= _TINY:
        return 0.0, 1.0
    parts = [float(f.var(ddof=1)) / f.size, float(x.var(ddof=1)) / x.size / 4, float(y.var(ddof=1)) / y.size / 4]
    sizes = [f.size, x.size, y.size]
    se = math.sqrt(sum(parts))
    shift = (float(f.mean()) - (float(x.mean()) + float(y.mean())) / 2) * (1.0 if gap > 0 else -1.0)
    if se <= _TINY:
        return (0.0, 1.0) if abs(shift) <= _TINY else (math.copysign(math.inf, shift), 0.0)
    df = sum(parts) ** 2 / sum(v**2 / (n - 1) for v, n in zip(parts, sizes, strict=True) if v)
    statistic = shift / se
    return statistic, float(2 * t.sf(abs(statistic), df))


def discordant_sign(for_a: int, for_b: int) -> tuple[float, float]:
    """McNemar's exact test on the discordant pairs: ``for_a`` pairs favour a, ``for_b`` favour b. Returns
    (for_a - for_b, two-sided binomial p)."""
    if for_a < 0 or for_b < 0:
        raise ValueError(f"counts must be non-negative, got {for_a} and {for_b}")
    n = for_a + for_b
    return float(for_a - for_b), 1.0 if n == 0 else float(binomtest(for_a, n, 0.5).pvalue)
