"""The card's version matrix: ``pytest-behavior card golden/ --report run.json`` reads a matrix run's verdict report.

A run with ``--behavior-candidate=v3,v4,v5`` writes, per test and version, an entry with ``version`` and ``test``
(`pytest_behavior.report.outcome`); `pytest_behavior.report.matrix.build_matrix` rebuilds the matrix from them and,
when the run weighed a fleet (``fleet.weights``), `pytest_behavior.report.fleet.fleet_view` its fleet view. Both are
rendered by the same functions as the job summary (Markdown) and the verdict report (JSON).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_behavior.report.fleet import FleetBound
from pytest_behavior.report.matrix import Matrix


@dataclass(frozen=True)
class MatrixSection:
    source: str
    matrix: Matrix
    weights: Mapping[str, float]
    fleet: tuple[FleetBound, ...]

    def to_json(self) -> dict[str, Any]:
        from pytest_behavior.report.fleet import fleet_json
        from pytest_behavior.report.matrix import matrix_json

        fleet = fleet_json(self.fleet, self.weights) if self.weights else None
        return {"source": self.source, **matrix_json(self.matrix), "fleet": fleet}

    def markdown(self) -> list[str]:
        from pytest_behavior.report.fleet import fleet_markdown
        from pytest_behavior.report.github import markdown_text
        from pytest_behavior.report.matrix import matrix_markdown

        lines = ["## Version matrix", "", f"From the verdict report {markdown_text(self.source)}.", ""]
        lines += matrix_markdown(self.matrix, escape=markdown_text)
        if self.weights:
            lines += fleet_markdown(self.fleet, self.weights, escape=markdown_text)
        return lines


def matrix_section(path: Path) -> MatrixSection:
    """The matrix of the verdict report at ``path``; ValueError naming the file when it is not one of a matrix run."""
    from pytest_behavior.report.fleet import fleet_view
    from pytest_behavior.report.matrix import build_matrix

    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ValueError(f"--report {path}: cannot read a verdict report ({type(exc).__name__}: {exc})") from None
    tests = document.get("tests") if isinstance(document, Mapping) else None
    if not isinstance(tests, list) or not all(isinstance(t, Mapping) for t in tests):
        raise ValueError(f"--report {path}: not a verdict report (no list of tests; write one with --behavior-report)")
    try:
        matrix = build_matrix(tests)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ValueError(f"--report {path}: a test entry is malformed ({type(exc).__name__}: {exc})") from None
    if matrix is None:
        raise ValueError(
            f"--report {path}: the run holds fewer than two versions, so it has no version matrix (run the tests "
            "with --behavior-candidate=v1,v2,... and --behavior-report)"
        )
    matrix = _in_run_order(matrix, document.get("matrix"))
    weights = _weights(document.get("fleet"), path)
    return MatrixSection(str(path), matrix, weights, tuple(fleet_view(matrix, weights)) if weights else ())


def _in_run_order(matrix: Matrix, recorded: Any) -> Matrix:
    """The versions in the order the run gave them (its ``matrix.versions``): the report lists tests regressed first,
    so the entries alone would put a regressed version first."""
    from dataclasses import replace

    order = recorded.get("versions") if isinstance(recorded, Mapping) else None
    if not isinstance(order, list) or sorted(map(str, order)) != sorted(matrix.versions):
        return matrix
    return replace(matrix, versions=tuple(map(str, order)))


def _weights(fleet: Any, path: Path) -> dict[str, float]:
    raw = fleet.get("weights") if isinstance(fleet, Mapping) else None
    if raw is None:
        return {}
    if not isinstance(raw, Mapping) or not all(
        isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v >= 0 for v in raw.values()
    ):
        raise ValueError(f"--report {path}: fleet.weights must map versions to shares (numbers, 0 or more)")
    return {str(k): float(v) for k, v in raw.items()}
