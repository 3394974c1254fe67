"""Argument checks of the binary statistics: a test level, discordant counts, (N, k) matrices of 0/1 outcomes."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray


def _check_alpha(alpha: float) -> None:
    if not 0.0 < alpha <= 0.5:
        raise ValueError(f"alpha must be in (0, 0.5], got {alpha!r}")


def _check_counts(b: int, c: int, n: int) -> None:
    if min(b, c) < 0 or b + c > n:
        raise ValueError(f"need 0 <= b, c and b + c <= n, got b={b}, c={c}, n={n}")


def _as_binary_matrix(values: NDArray[Any], name: str) -> NDArray[np.int64]:
    """Return ``values`` as an (N, k) int matrix of 0/1; a 1-D array is read as k = 1."""
    arr = np.asarray(values)
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2:
        raise ValueError(f"{name} must have shape (N, k), got {arr.shape}")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name} is empty: shape {arr.shape}")
    if not np.isin(arr, (0, 1)).all():
        raise ValueError(f"{name} must contain only 0/1 (1 = bad)")
    return arr.astype(np.int64)


def _paired_matrices(baseline: NDArray[Any], candidate: NDArray[Any]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    base = _as_binary_matrix(baseline, "baseline")
    cand = _as_binary_matrix(candidate, "candidate")
    if base.shape != cand.shape:
        raise ValueError(f"baseline {base.shape} and candidate {cand.shape} must have the same shape")
    return base, cand
