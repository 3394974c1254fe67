"""The accuracy-by-context-length curve of a ``context_sweep`` test, for the behavior card and the HTML report.

`context_curve(record)` reads a golden file: its answers grouped by the level recorded in each input's
``context_level``, judged again with the marker's matcher against each input's reference (offline, as the card
judges ``correctness``), with a 95% interval per level (Clopper-Pearson; with repeats, on the effective number of
answers, as the absolute rate bounds count them). ``tokens`` is the level's share of the bundle's recorded window.

`curve_from_rows(rows)` reads a report's verdict rows of one test instead (what the HTML report has): the shortest
level's rate, each longer level's rate, and the paired interval of each level's drop placed on that level's rate.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pytest_behavior.golden.store import GoldenRecord

MARKER = "context_sweep"
_VERSUS = re.compile(r" vs (?P<shortest>[\d.]+)%$")


@dataclass(frozen=True)
class CurvePoint:
    """One level of the curve: share of the window, prompt tokens it stands for (None: window unknown), the rate of
    right answers and its 95% interval, over ``answers`` answers (None: not known, on a drawn report row)."""

    level: float
    tokens: int | None
    accuracy: float
    interval: tuple[float, float]
    answers: int | None = None


def context_curve(record: GoldenRecord) -> list[CurvePoint]:
    """The curve of a golden file recorded by a ``context_sweep`` test ([] for any other file, or a matcher that is
    code and cannot be rebuilt from the file)."""
    import numpy as np

    from pytest_behavior.engine.golden_compare import rebuild_property
    from pytest_behavior.properties.context_sweep import LEVEL_FIELD, ContextSweep
    from pytest_behavior.spec.output import with_input
    from pytest_behavior.stats import absolute_rate_bound

    described = next((p for p in record.properties if p.get("marker") == MARKER), None)
    prop = None if described is None else rebuild_property(described)
    if not isinstance(prop, ContextSweep):
        return []
    window = _window(described or {}, str(record.bundle.get("label", "")))
    rows: dict[float, list[list[float]]] = {}
    for input_id, sample in record.samples.items():
        level = sample.input.get(LEVEL_FIELD) if isinstance(sample.input, Mapping) else None
        if isinstance(level, (int, float)) and sample.texts:
            outputs = [with_input(text, sample.input, input_id=input_id) for text in sample.texts]
            rows.setdefault(float(level), []).append(prop.judged([outputs])[0])
    points = []
    for level in sorted(rows):
        width = min(len(row) for row in rows[level])
        matrix = np.asarray([row[:width] for row in rows[level]], dtype=float)
        bound = absolute_rate_bound(matrix, threshold=0.5, alpha=0.025)
        tokens = None if window is None else round(level * window)
        points.append(CurvePoint(level, tokens, float(matrix.mean()), (bound.lower, bound.upper), int(matrix.size)))
    return points


def _window(described: Mapping[str, Any], label: str) -> int | None:
    windows = described.get("windows")
    value = windows.get(label) if isinstance(windows, Mapping) else None
    return int(value) if isinstance(value, (int, float)) else None


def curve_from_rows(rows: Sequence[Mapping[str, Any]]) -> list[CurvePoint]:
    """The candidate's curve from one test's overall ``context_sweep`` verdict rows (report documents: ``metric_key``
    ``context_sweep.<level>``, ``metric`` ending "vs <shortest>%", ``baseline`` / ``candidate`` rates, ``lower`` /
    ``upper`` of the drop); [] when there are none."""
    points: dict[float, CurvePoint] = {}
    for row in rows:
        key, title = str(row.get("metric_key") or ""), str(row.get("metric") or "")
        found = _VERSUS.search(title)
        if not key.startswith(f"{MARKER}.") or found is None or row.get("segment") is not None:
            continue
        try:
            level, shortest = float(key.split(".", 1)[1]), float(found.group("shortest")) / 100
            first, rate = float(row["baseline"]), float(row["candidate"])
            lower, upper = float(row["lower"]), float(row["upper"])
        except (KeyError, TypeError, ValueError):
            continue
        points.setdefault(shortest, CurvePoint(shortest, None, first, (first, first)))
        points[level] = CurvePoint(level, None, rate, (max(0.0, first + lower), min(1.0, first + upper)))
    return [points[level] for level in sorted(points)]
