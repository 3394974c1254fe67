"""Input validation shared by the statistics: per-arm metric arrays laid out as (N inputs, k repeats)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray


def as_metric_matrix(values: NDArray[Any], name: str, *, positive: bool = False) -> NDArray[np.float64]:
    """A finite, non-empty (N, k) float array (a 1-D array is k = 1); ``positive`` also requires > 0."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty (N, k) array, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite")
    if positive and np.any(arr <= 0):
        raise ValueError(f"{name} must be > 0 (floor values at the metric's smallest unit, e.g. 1 word)")
    return arr
