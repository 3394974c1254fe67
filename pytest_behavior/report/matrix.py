"""The version matrix of a run with several candidates: rows = versions, columns = bounds, per test.

Built from the report entries (``version`` and ``test`` set by `pytest_behavior.report.outcome` in a matrix run), so
it works from xdist report data and from a saved verdict report alike. A cell is the version's overall verdict on the
bound, its change and interval (the same numbers as the version's own test: see `pytest_behavior.config.matrix` for
the multiplicity across versions); a segment that regressed alone is named in the cell.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pytest_behavior.report.values import IntervalStyle, format_change
from pytest_behavior.sanitize import one_line

VERDICT_SHORT = {"REGRESSED": "REGRESSED", "PASS": "PASS", "INCONCLUSIVE": "INCONCL."}
LEGEND = (
    "cells: verdict, change [interval]; each end of an interval is a one-sided bound at 1 - alpha/K or stricter "
    "(K versions; the version's own test shows the levels)"
)


@dataclass(frozen=True)
class Column:
    """One bound of one test."""

    test: str
    metric: str
    metric_key: str
    bound: str

    @property
    def title(self) -> str:
        return f"{self.metric} {self.bound}"


@dataclass(frozen=True)
class Cell:
    version: str
    column: Column
    entry: Mapping[str, Any] | None
    """The verdict's report entry; None when the version's test did not judge this bound (an error, a skip)."""
    outcome: str
    """The version's test outcome: passed, regressed, inconclusive, error."""
    error: str | None = None
    regressed_segments: tuple[str, ...] = ()

    @property
    def verdict(self) -> str:
        if self.entry is None:
            return "ERROR" if self.outcome == "error" else "-"
        return str(self.entry["verdict"])


@dataclass(frozen=True)
class Matrix:
    versions: tuple[str, ...]
    columns: tuple[Column, ...]
    cells: Mapping[tuple[str, Column], Cell]

    def tests(self) -> list[str]:
        return list(dict.fromkeys(column.test for column in self.columns))

    def columns_of(self, test: str) -> list[Column]:
        return [column for column in self.columns if column.test == test]

    def cell(self, version: str, column: Column) -> Cell:
        return self.cells.get((version, column)) or Cell(version, column, None, outcome="missing")


def build_matrix(entries: Sequence[Mapping[str, Any]], *, order: Sequence[str] = ()) -> Matrix | None:
    """The matrix of a run's entries; None unless they hold two or more versions. Versions come in ``order`` (the
    run's ``--behavior-candidate`` order, or a report's ``matrix.versions``), then in order of appearance."""
    versioned = [e for e in entries if e.get("version") is not None]
    seen = list(dict.fromkeys(str(e["version"]) for e in versioned))
    rank = {version: index for index, version in enumerate(order)}
    versions = tuple(sorted(seen, key=lambda v: (rank.get(v, len(rank)), seen.index(v))))
    if len(versions) < 2:
        return None
    columns: dict[Column, None] = {}
    cells: dict[tuple[str, Column], Cell] = {}
    errors: dict[tuple[str, str], Mapping[str, Any]] = {}
    for entry in sorted(versioned, key=lambda e: str(e.get("test") or e["nodeid"])):
        test, version = str(entry.get("test") or entry["nodeid"]), str(entry["version"])
        if not entry.get("properties"):
            errors[(version, test)] = entry
        segments: dict[tuple[str, str], list[str]] = {}
        for v in entry.get("properties") or ():
            if v.get("segment") is not None and v["verdict"] == "REGRESSED":
                segments.setdefault((v["metric_key"], v["bound"]), []).append(str(v["segment"]))
        for v in entry.get("properties") or ():
            if v.get("segment") is not None:
                continue
            column = Column(test=test, metric=str(v["metric"]), metric_key=str(v["metric_key"]), bound=str(v["bound"]))
            columns.setdefault(column)
            cells[(version, column)] = Cell(
                version,
                column,
                v,
                outcome=str(entry["outcome"]),
                regressed_segments=tuple(segments.get((column.metric_key, column.bound), ())),
            )
    for (version, test), entry in errors.items():
        for column in [c for c in columns if c.test == test]:
            cells.setdefault(
                (version, column), Cell(version, column, None, outcome=str(entry["outcome"]), error=entry.get("error"))
            )
    return Matrix(versions=versions, columns=tuple(columns), cells=cells)


def cell_text(cell: Cell, *, style: IntervalStyle | None = None) -> str:
    """``REGRESSED +98.8 pts [+96.1, +100.0] pts``; a segment that regressed alone is named after it."""
    if cell.entry is None:
        return cell.verdict
    text = f"{VERDICT_SHORT.get(cell.verdict, cell.verdict)} {format_change(cell.entry, style=style)}"
    if cell.regressed_segments and cell.verdict != "REGRESSED":
        text += f" (REGRESSED in {', '.join(cell.regressed_segments)})"
    return text


def short_test(test: str) -> str:
    path, sep, rest = one_line(test).partition("::")
    return path.rsplit("/", 1)[-1] + sep + rest


def matrix_lines(matrix: Matrix) -> list[str]:
    """The terminal's version matrix: one table per test (rows = versions, columns = its bounds)."""
    from tabulate import tabulate

    lines = [LEGEND, ""]
    for test in matrix.tests():
        columns = matrix.columns_of(test)
        rows = [[version, *(cell_text(matrix.cell(version, c)) for c in columns)] for version in matrix.versions]
        headers = ["version", *(one_line(c.title) for c in columns)]
        lines.append(short_test(test))
        lines += str(tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True)).splitlines()
        lines.append("")
    return lines[:-1]


def matrix_markdown(matrix: Matrix, *, escape: Callable[[str], str]) -> list[str]:
    """The matrix as Markdown tables (the GitHub job summary, the card); ``escape`` makes data safe in a cell
    (`pytest_behavior.report.github.markdown_text`)."""
    lines = [LEGEND, ""]
    for test in matrix.tests():
        columns = matrix.columns_of(test)
        lines += [f"**{escape(short_test(test))}**", ""]
        lines.append("| version | " + " | ".join(escape(c.title) for c in columns) + " |")
        lines.append("|---|" + "---|" * len(columns))
        for version in matrix.versions:
            cells = [escape(cell_text(matrix.cell(version, c))) for c in columns]
            lines.append(f"| {escape(version)} | " + " | ".join(cells) + " |")
        lines.append("")
    return lines


def matrix_json(matrix: Matrix) -> dict[str, Any]:
    """The matrix in the verdict report: versions, columns, and per version a row of cells."""
    return {
        "versions": list(matrix.versions),
        "columns": [
            {"test": c.test, "metric": c.metric, "metric_key": c.metric_key, "bound": c.bound} for c in matrix.columns
        ],
        "rows": [
            {
                "version": version,
                "cells": [_cell_json(matrix.cell(version, column)) for column in matrix.columns],
            }
            for version in matrix.versions
        ],
    }


def _cell_json(cell: Cell) -> dict[str, Any]:
    entry = cell.entry or {}
    return {
        "verdict": cell.verdict,
        "outcome": cell.outcome,
        **{
            key: entry.get(key) for key in ("baseline", "candidate", "estimate", "lower", "upper", "scale", "threshold")
        },
        "regressed_segments": list(cell.regressed_segments),
        "error": cell.error,
    }
