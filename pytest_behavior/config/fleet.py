"""The fleet's version mix: who runs which version, as shares that sum to 1.

Given (first found wins):
- ``--behavior-fleet=PATH.csv`` — telemetry counts: a header with ``version`` and one number column (``count``,
  ``users``, ``sessions``, ``requests`` or ``weight``); rows of one version add up (a row per day is fine);
- ``--behavior-fleet=v3=0.2,v4=0.5,v5=0.3`` — weights inline;
- ``[tool.pytest_behavior.fleet]`` in pyproject.toml, with ``weights = {v3 = 0.2, ...}`` or ``counts = "PATH.csv"``;
- ``--behavior-fleet=off``: none.
Weights need not sum to 1: they are normalised (counts are weights too).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

COUNT_COLUMNS = ("count", "users", "sessions", "requests", "weight")


class FleetError(ValueError):
    """A fleet mix that cannot be used, naming where it came from."""


OFF = "off"
"""``--behavior-fleet=off``: no fleet view, whatever pyproject.toml says."""


def read_fleet(option: str | None, *, pyproject: Path, rootdir: Path) -> dict[str, float] | None:
    """The version mix, normalised; None when none is configured (or ``--behavior-fleet=off``)."""
    if option == OFF:
        return None
    if option:
        if option.lower().endswith(".csv"):
            return normalised(read_counts(_resolve(option, rootdir)), where=f"--behavior-fleet={option}")
        return normalised(_inline(option), where=f"--behavior-fleet={option}")
    table = _pyproject_table(pyproject)
    if table is None:
        return None
    where = "[tool.pytest_behavior.fleet] in pyproject.toml"
    unknown = sorted(set(table) - {"weights", "counts"})
    if unknown or len(table) != 1:
        raise FleetError(f"{where} takes one of 'weights' (a table) or 'counts' (a CSV path), got {sorted(table)}")
    if "counts" in table:
        return normalised(read_counts(_resolve(str(table["counts"]), rootdir)), where=where)
    weights = table["weights"]
    if not isinstance(weights, Mapping):
        raise FleetError(f"{where}: weights must be a table such as {{v3 = 0.2, v4 = 0.8}}")
    return normalised({str(k): _number(v, where=f"{where}: weights.{k}") for k, v in weights.items()}, where=where)


def normalised(weights: Mapping[str, float], *, where: str) -> dict[str, float]:
    """Shares summing to 1; an error when a weight is negative or not finite, or when all are zero."""
    if not weights:
        raise FleetError(f"{where}: no versions")
    for version, weight in weights.items():
        if not math.isfinite(weight) or weight < 0:
            raise FleetError(f"{where}: the weight of {version!r} must be a finite number >= 0, got {weight}")
    total = sum(weights.values())
    if not math.isfinite(total):
        raise FleetError(f"{where}: the weights add up to more than a float holds; scale them down")
    if total <= 0:
        raise FleetError(f"{where}: the weights add up to 0")
    return {version: weight / total for version, weight in weights.items()}


def read_counts(path: Path) -> dict[str, float]:
    """Per-version totals of a telemetry CSV (see the module docstring)."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:  # -sig: a spreadsheet's byte-order mark
            rows = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise FleetError(f"fleet counts {path}: cannot read it ({exc})") from None
    if not rows:
        raise FleetError(f"fleet counts {path}: empty file (a header 'version,count' and a row per version)")
    header = [cell.strip().lower() for cell in rows[0]]
    numbers = [name for name in COUNT_COLUMNS if name in header]
    if len(numbers) > 1 or header.count("version") > 1:
        raise FleetError(
            f"fleet counts {path}: the header has several columns it could read ({', '.join(numbers or ['version'])}); "
            f"keep one version column and one of {', '.join(COUNT_COLUMNS)}"
        )
    number = numbers[0] if numbers else None
    if "version" not in header or number is None:
        raise FleetError(
            f"fleet counts {path}: the header needs a 'version' column and one of {', '.join(COUNT_COLUMNS)}, "
            f"got {','.join(rows[0])!r}"
        )
    at_version, at_number = header.index("version"), header.index(number)
    totals: dict[str, float] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) <= max(at_version, at_number):
            raise FleetError(f"fleet counts {path}, line {line}: {len(row)} columns, the header has {len(header)}")
        version = row[at_version].strip()
        value = _number(row[at_number].strip(), where=f"fleet counts {path}, line {line}: {number}")
        totals[version] = totals.get(version, 0.0) + value
    return totals


def _inline(option: str) -> dict[str, float]:
    weights: dict[str, float] = {}
    for part in option.split(","):
        version, sep, value = part.partition("=")
        if not sep or not version.strip():
            raise FleetError(f"--behavior-fleet={option}: write a CSV path or weights such as v3=0.2,v4=0.8")
        if version.strip() in weights:
            raise FleetError(f"--behavior-fleet={option}: {version.strip()} is weighed twice")
        weights[version.strip()] = _number(value.strip(), where=f"--behavior-fleet={option}: {version.strip()}")
    return weights


def _number(value: Any, *, where: str) -> float:
    if isinstance(value, bool):
        raise FleetError(f"{where}: not a number ({value!r})")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise FleetError(f"{where}: not a number ({value!r})") from None
    if not math.isfinite(number) or number < 0:
        raise FleetError(f"{where}: must be a finite number >= 0, got {value!r}")
    return number


def _resolve(value: str, rootdir: Path) -> Path:
    path = Path(value)
    return path if path.is_absolute() else rootdir / path


def _pyproject_table(pyproject: Path) -> dict[str, Any] | None:
    from pytest_behavior.config.pyproject import plugin_table

    try:
        table = plugin_table(pyproject).get("fleet")
    except ValueError as exc:
        raise FleetError(str(exc)) from None
    if table is None:
        return None
    if not isinstance(table, dict):
        raise FleetError(f"{pyproject}: [tool.pytest_behavior.fleet] must be a table")
    return table
