"""The within-input sign-flip permutation test shared by the shape and categorical tests.

Under H0 the two arms of an input are exchangeable, so swapping them is a sign flip of that input's
contribution; the null distribution of any statistic of the swap pattern is enumerated exactly when
small, else sampled with a seeded generator. Written out rather than through
``scipy.stats.permutation_test`` because, for one sample of N units, scipy loops over units in Python:
at N = 1000 and 2000 permutations that cost 50-200 ms per call, this costs 4-15 ms
(``benchmarks/stats_speed.py``); p-values agree within Monte-Carlo error (tests/unit/stats/test_stats_extra.py).

Reference: Phipson & Smyth (2010), "Permutation p-values should never be zero", Stat Appl Genet Mol Biol 9:39.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeAlias

import numpy as np
from numpy.typing import NDArray

__all__ = ["SignStatistic", "sign_flip_test"]

_BATCH_ELEMENTS = 1 << 22
"""Swap patterns are drawn and evaluated in batches of about this many (input, pattern) cells."""
_TIE_RTOL = 100.0 * float(np.finfo(np.float64).eps)
"""Null statistics within this relative distance of the observed one count as ties (scipy's rule, ~2.2e-14)."""
_MAX_EXACT_INPUTS = 62
"""Exact enumeration encodes a swap pattern in the bits of an int64, so it needs m <= 62 units."""

SignStatistic: TypeAlias = Callable[[NDArray[np.int8]], NDArray[np.float64]]
"""Statistic of a batch of swap patterns: (m, B) array of +-1 (column b = pattern b) -> (B,) values."""


def sign_flip_test(statistic: SignStatistic, m: int, *, permutations: int, seed: int) -> tuple[float, float, bool]:
    """(observed, p, exact) of the one-sided ("greater") within-unit sign-flip permutation test of m units.

    Under H0 each unit's sign is +1 or -1 with probability 1/2 independently (the two arms of an input are
    exchangeable), and ``statistic`` maps a batch of sign patterns to values; the observed value is that of
    the all +1 pattern. The null distribution is handled as ``scipy.stats.permutation_test`` with
    ``permutation_type="samples"`` on one sample does, without its per-unit Python loops:

    * exact when 2**m <= ``permutations``: all 2**m patterns are enumerated and p = #{T(s) >= T_obs} / 2**m
      (the observed pattern is one of them);
    * otherwise ``permutations`` patterns of independent fair signs from ``numpy.random.default_rng(seed)``
      (random bytes unpacked into bits, in batches of about ``_BATCH_ELEMENTS`` cells), and
      p = (1 + #{T(s_b) >= T_obs}) / (1 + B) (Phipson & Smyth 2010): the observed pattern counts as one
      more draw, which makes P(p <= u) <= u under H0 for every u and every B (never p = 0).

    Values within a relative ``_TIE_RTOL`` of T_obs count as >= T_obs, so patterns with the same
    statistic are not split by rounding (scipy's rule). Deterministic given ``seed``.
    """
    observed = float(statistic(np.ones((m, 1), dtype=np.int8))[0])
    threshold = observed - _TIE_RTOL * abs(observed)
    batch = max(8, min(permutations, _BATCH_ELEMENTS // max(m, 1)))
    count = 0
    if m <= _MAX_EXACT_INPUTS and permutations >= 2**m:
        total = 2**m
        shifts = np.arange(m, dtype=np.int64)[:, None]
        for start in range(0, total, batch):
            codes = np.arange(start, min(start + batch, total), dtype=np.int64)
            signs = (((codes[None, :] >> shifts) & 1) * 2 - 1).astype(np.int8)
            count += int(np.count_nonzero(statistic(signs) >= threshold))
        return observed, count / total, True
    rng = np.random.default_rng(seed)
    done = 0
    while done < permutations:
        size = min(batch, permutations - done)
        packed = rng.integers(0, 256, size=(m, (size + 7) // 8), dtype=np.uint8)
        signs = np.unpackbits(packed, axis=1, count=size).view(np.int8)
        signs *= 2
        signs -= 1
        count += int(np.count_nonzero(statistic(signs) >= threshold))
        done += size
    return observed, (count + 1) / (permutations + 1), False
