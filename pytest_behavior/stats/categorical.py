"""Paired categorical outcomes (which keys, which tool, which label): marginal homogeneity and diagnosis.

The omnibus test is Stuart-Maxwell's test of marginal homogeneity of the paired baseline x candidate table,
with its chi-square p-value and a within-input permutation p-value (the chi-square approximation is poor on
the sparse tables of small suites, see docs/statistics.md). Each category is then diagnosed with a two-sided
mid-p McNemar test, Holm-adjusted across categories.

References:
    Stuart (1955), "A test for homogeneity of the marginal distributions in a two-way classification",
    Biometrika 42:412-416; Maxwell (1970), "Comparing the classification of subjects by two independent
    judges", Br J Psychiatry 116:651-655.
    Agresti (2013), "Categorical Data Analysis", 3rd ed., Wiley, sec. 11.3 (marginal homogeneity for square
    tables; the Stuart-Maxwell statistic as a quadratic form in the marginal differences).
    Good (2005), "Permutation, Parametric, and Bootstrap Tests of Hypotheses", 3rd ed., Springer
    (within-pair permutation tests); Phipson & Smyth (2010), Stat Appl Genet Mol Biol 9:39 ((b+1)/(B+1)).
    Fagerland, Lydersen & Laake (2013), BMC Med Res Methodol 13:91 (mid-p McNemar).
    Holm (1979), Scand J Stat 6:65-70.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_array
from scipy.stats import chi2

from pytest_behavior.stats.binary import _sign_flip_midp, mcnemar_midp
from pytest_behavior.stats.multiplicity import holm
from pytest_behavior.stats.permutation import sign_flip_test

__all__ = ["CategoricalResult", "CategoryChange", "categorical_shift", "stuart_maxwell_chi2"]

Labels: TypeAlias = Sequence[Any] | NDArray[Any]
"""k = 1: one label per input; k > 1: one row of k labels per input (a list or a 2-D numpy array)."""

_RANK_RTOL = 1e-10


@dataclass(frozen=True)
class CategoryChange:
    """Per-category diagnosis: did the share of one category change between the arms?"""

    category: Hashable
    baseline_share: float
    """Mean over inputs of the baseline's per-input proportion of this category (its rate at k = 1)."""
    candidate_share: float
    """Same for the candidate."""
    inputs_gained: int
    """Inputs where the candidate's proportion of the category is higher (k = 1: McNemar's b, other -> this)."""
    inputs_lost: int
    """Inputs where it is lower (k = 1: McNemar's c, this -> other)."""
    p_value: float
    """Two-sided mid-p McNemar (k = 1) or exact sign-flip mid-p test (k > 1) of "share unchanged"."""
    p_holm: float
    """``p_value`` Holm-adjusted across the categories."""


@dataclass(frozen=True)
class CategoricalResult:
    """Result of :func:`categorical_shift`: omnibus Stuart-Maxwell test plus per-category diagnosis."""

    statistic: float
    """Stuart-Maxwell statistic W = D' S^+ D (see :func:`categorical_shift`)."""
    df: int
    """Degrees of freedom: rank of S (K - 1 unless some categories never change)."""
    p_chi2: float
    """Asymptotic p-value, chi-square with ``df`` degrees of freedom (1.0 when df = 0)."""
    p_permutation: float
    """Within-input permutation p-value of the same statistic (the one to decide with on small or sparse data)."""
    categories: tuple[Hashable, ...]
    """The K categories, in the order of ``table`` and ``changes``."""
    table: tuple[tuple[float, ...], ...]
    """K x K paired table, rows = baseline, columns = candidate: counts at k = 1, sum over inputs of the outer
    product of per-input proportions at k > 1 (its margins are the summed proportions)."""
    changes: tuple[CategoryChange, ...]
    """Per-category diagnosis, one per category."""
    n_inputs: int
    repeats: int
    method: str


# --------------------------------------------------------------------------------------------------
# input handling
# --------------------------------------------------------------------------------------------------


def _label_rows(labels: Labels, name: str) -> list[list[Hashable]]:
    """Rows of labels, one per input. A list, tuple of lists or a 2-D array gives k > 1; tuples are labels."""
    if isinstance(labels, np.ndarray):
        if labels.ndim == 1:
            return [[x] for x in labels.tolist()]
        if labels.ndim == 2:
            return [list(row) for row in labels.tolist()]
        raise ValueError(f"{name} must be 1-D (k = 1) or 2-D (N, k), got shape {labels.shape}")
    rows: list[list[Hashable]] = []
    for item in labels:
        if isinstance(item, (list, np.ndarray)):
            rows.append(list(np.asarray(item, dtype=object).ravel().tolist()))
        else:
            rows.append([item])
    return rows


def _sorted_categories(values: set[Hashable]) -> list[Hashable]:
    try:
        return sorted(values)  # type: ignore[type-var]
    except TypeError:  # mixed, non-comparable labels: a stable, deterministic order
        return sorted(values, key=repr)


def _proportions(
    baseline: Labels, candidate: Labels
) -> tuple[list[Hashable], NDArray[np.float64], NDArray[np.float64], int]:
    """Categories and the (N, K) per-input category proportions of each arm, and k."""
    base_rows = _label_rows(baseline, "baseline")
    cand_rows = _label_rows(candidate, "candidate")
    if len(base_rows) != len(cand_rows):
        raise ValueError(f"baseline has {len(base_rows)} inputs and candidate {len(cand_rows)}: pair them by input")
    if not base_rows:
        raise ValueError("no inputs")
    lengths = {len(row) for row in base_rows + cand_rows}
    if len(lengths) != 1 or 0 in lengths:
        raise ValueError(f"every input needs the same number k >= 1 of labels per arm, got {sorted(lengths)}")
    k = lengths.pop()
    categories = _sorted_categories({x for row in base_rows + cand_rows for x in row})
    code = {c: j for j, c in enumerate(categories)}
    n, n_cat = len(base_rows), len(categories)

    def shares(rows: list[list[Hashable]]) -> NDArray[np.float64]:
        codes = np.array([[code[x] for x in row] for row in rows], dtype=np.int64)
        counts = np.zeros((n, n_cat))
        np.add.at(counts, (np.repeat(np.arange(n), k), codes.ravel()), 1.0)
        return counts / k

    return categories, shares(base_rows), shares(cand_rows), k


# --------------------------------------------------------------------------------------------------
# Stuart-Maxwell
# --------------------------------------------------------------------------------------------------


def _pseudo_inverse(cov: NDArray[np.float64]) -> tuple[NDArray[np.float64], int]:
    """(S^+, rank S) for the statistic D' S^+ D; S is symmetric positive semi-definite."""
    eigval, eigvec = np.linalg.eigh(cov)
    top = float(eigval.max(initial=0.0))
    keep = eigval > _RANK_RTOL * max(top, 1.0)
    inverse = (eigvec[:, keep] / eigval[keep]) @ eigvec[:, keep].T
    return inverse, int(keep.sum())


def stuart_maxwell_chi2(table: NDArray[Any]) -> tuple[float, int, float]:
    """(statistic, df, p) of the Stuart (1955) - Maxwell (1970) test of marginal homogeneity of a square table.

    ``table[i, j]`` counts the pairs with baseline category i and candidate category j. With D = column
    margins - row margins and S_ii = n_i. + n_.i - 2 n_ii, S_ij = -(n_ij + n_ji), the statistic is
    W = D' S^+ D (Agresti 2013, sec. 11.3.1), chi-square with df = rank S. When every category has some
    discordant pair S has rank K - 1 and W equals the classical form with one category dropped (as
    ``statsmodels`` ``SquareTable.homogeneity()``); categories that never change (only diagonal counts)
    carry no information and lower the rank instead of making S singular. df = 0 gives (0, 0, 1.0).
    """
    arr = np.asarray(table, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1] or arr.shape[0] == 0:
        raise ValueError(f"table must be square and non-empty, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError("table must hold finite non-negative counts")
    total = arr.sum(axis=0) - arr.sum(axis=1)
    off = arr + arr.T
    cov = -off
    np.fill_diagonal(cov, arr.sum(axis=0) + arr.sum(axis=1) - 2.0 * np.diag(arr))
    inverse, rank = _pseudo_inverse(cov)
    if rank == 0:
        return 0.0, 0, 1.0
    statistic = max(float(total @ inverse @ total), 0.0)
    return statistic, rank, float(chi2.sf(statistic, rank))


def _permutation_pvalue(
    diffs: NDArray[np.float64],
    inverse: NDArray[np.float64],
    observed: float,
    *,
    repeats: int,
    permutations: int,
    seed: int,
) -> float:
    """Sign-flip (arm swap) permutation p of W over the inputs whose proportions differ.

    The null distribution of W(s) = (sum_i s_i d_i)' S^+ (sum_i s_i d_i) over s in {-1, +1}^m comes from
    :func:`pytest_behavior.stats.permutation.sign_flip_test`: exact when 2**m <= ``permutations``, else
    ``permutations`` seeded draws with the (b + 1) / (B + 1) p-value (Phipson & Smyth 2010). The sums run
    over the integer count differences k d_i (at most 2 k non-zero categories per input) as a sparse
    product, so they are exact and cost O(m k) per pattern whatever the number of categories, and patterns
    with the same sum get bit-identical W; W = (k D)' S^+ (k D) / k^2.
    """
    changed = diffs[np.any(diffs != 0.0, axis=1)]
    m = changed.shape[0]
    if m == 0 or observed <= 0.0:
        return 1.0
    if m == 1:  # both sign patterns give the same W
        return 1.0
    counts = csr_array(np.rint(changed.T * repeats))  # (K, m) integer count differences
    scaled = inverse / float(repeats * repeats)

    def stat(signs: NDArray[np.int8]) -> NDArray[np.float64]:
        totals = np.asarray(counts @ signs, dtype=np.float64)  # (K, B): k sum_i s_i d_i per pattern
        return np.asarray(np.einsum("kb,kj,jb->b", totals, scaled, totals), dtype=np.float64)

    _, p_value, _ = sign_flip_test(stat, m, permutations=permutations, seed=seed)
    return p_value


def _two_sided_midp(p_up: float, p_down: float) -> float:
    return min(1.0, 2.0 * min(p_up, p_down))


def _category_changes(
    categories: list[Hashable], base: NDArray[np.float64], cand: NDArray[np.float64], k: int
) -> tuple[CategoryChange, ...]:
    pvalues: list[float] = []
    gained: list[int] = []
    lost: list[int] = []
    for j in range(len(categories)):
        # integer count differences per input (k times the proportion difference)
        diff = np.rint((cand[:, j] - base[:, j]) * k).astype(np.int64)
        up, down = int(np.sum(diff > 0)), int(np.sum(diff < 0))
        if k == 1:
            p = _two_sided_midp(mcnemar_midp(up, down), mcnemar_midp(down, up))
        else:
            p = _two_sided_midp(_sign_flip_midp(diff), _sign_flip_midp(-diff))
        pvalues.append(p)
        gained.append(up)
        lost.append(down)
    adjusted = holm(pvalues)
    return tuple(
        CategoryChange(
            category=c,
            baseline_share=float(base[:, j].mean()),
            candidate_share=float(cand[:, j].mean()),
            inputs_gained=gained[j],
            inputs_lost=lost[j],
            p_value=pvalues[j],
            p_holm=adjusted[j],
        )
        for j, c in enumerate(categories)
    )


def categorical_shift(
    baseline: Labels, candidate: Labels, *, permutations: int = 2000, seed: int = 0
) -> CategoricalResult:
    """Paired test of a change in the category distribution (Stuart 1955; Maxwell 1970; Agresti 2013).

    ``baseline`` and ``candidate`` hold the labels of the same N inputs, paired by position. k = 1: one
    hashable label per input (tuples and frozensets are labels, e.g. the set of keys of a JSON answer). k > 1:
    one row of k labels per input, as a list of lists or a 2-D numpy array.

    Per input i and arm, p_i and q_i are the baseline and candidate proportions of each of the K categories
    (one-hot at k = 1), and d_i = q_i - p_i. The statistic is W = D' S^+ D with D = sum_i d_i and
    S = sum_i d_i d_i'. At k = 1 this *is* the Stuart-Maxwell statistic of the paired table
    (sum_i d_i d_i' reproduces its covariance S_ii = n_i. + n_.i - 2 n_ii, S_ij = -(n_ij + n_ji)), and
    ``p_chi2`` is its chi-square p with df = rank S. At k > 1 the same form on the per-input proportions is
    the cluster (input-level) version: the repeats enter only through their per-input shares, so correlated
    repeats of one input are not counted as independent pairs, and S is the empirical covariance of the
    per-input differences, the variance of D under the within-input swap null.

    ``p_permutation``: swapping the arms of input i flips the sign of d_i and leaves S unchanged, so the
    permutation distribution of W is that of (sum_i s_i d_i)' S^+ (sum_i s_i d_i) over s in {-1, +1}^N,
    over the inputs with d_i != 0 (the sign-flip test of :mod:`pytest_behavior.stats.shape`, the same
    null and p-values as ``scipy.stats.permutation_test(permutation_type="samples")`` on one sample, without
    its per-input overhead): exact enumeration when 2**m <= ``permutations`` (m = number of such inputs;
    p = share of the 2**m patterns with W >= the observed W), else ``permutations`` patterns of independent
    fair signs drawn from ``numpy.random.default_rng(seed)`` with the (b + 1) / (B + 1) p-value (Phipson &
    Smyth 2010), valid (P(p <= u) <= u under H0) at every B. W within a relative 2.2e-14 of the observed
    one counts as a tie. This is the p-value to decide with; ``p_chi2`` is for reference. N = 1000,
    2000 permutations: a few ms (k = 1 or 3), most of it label handling.

    ``changes`` diagnoses each category against "its share did not change": two-sided mid-p McNemar
    (2 x min of the one-sided mid-p values, from :func:`mcnemar_midp`) at k = 1, the exact sign-flip mid-p
    test of the per-input count differences at k > 1 (which reduces to it at k = 1), Holm-adjusted across
    the K categories (per-category tests are for diagnosis; decide with the omnibus test).
    """
    if permutations < 1:
        raise ValueError(f"permutations must be >= 1, got {permutations!r}")
    categories, base, cand, k = _proportions(baseline, candidate)
    n = base.shape[0]
    diffs = cand - base
    total = diffs.sum(axis=0)
    cov = diffs.T @ diffs
    inverse, rank = _pseudo_inverse(cov)
    statistic = max(float(total @ inverse @ total), 0.0) if rank > 0 else 0.0
    p_chi2 = float(chi2.sf(statistic, rank)) if rank > 0 else 1.0
    p_perm = _permutation_pvalue(diffs, inverse, statistic, repeats=k, permutations=permutations, seed=seed)
    table = base.T @ cand
    changes = _category_changes(categories, base, cand, k)
    level = "per-input proportions, " if k > 1 else ""
    method = f"Stuart-Maxwell ({level}within-input permutation p) + per-category mid-p McNemar, Holm"
    return CategoricalResult(
        statistic=statistic,
        df=rank,
        p_chi2=p_chi2,
        p_permutation=p_perm,
        categories=tuple(categories),
        table=tuple(tuple(float(x) for x in row) for row in table),
        changes=changes,
        n_inputs=n,
        repeats=k,
        method=method,
    )
