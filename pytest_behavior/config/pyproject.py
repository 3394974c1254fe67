"""``[tool.pytest_behavior]`` of a project's pyproject.toml, read once per caller (bundles, the fleet mix)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any


def plugin_table(pyproject: Path) -> dict[str, Any]:
    """The ``[tool.pytest_behavior]`` table (empty when the file or the table is absent); a ValueError naming the
    file when it cannot be read or is not TOML."""
    if not pyproject.is_file():
        return {}
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{pyproject}: cannot read [tool.pytest_behavior] ({exc})") from None
    tool = data.get("tool", {})
    table = tool.get("pytest_behavior", {}) if isinstance(tool, dict) else {}
    if not isinstance(table, dict):
        raise ValueError(f"{pyproject}: [tool.pytest_behavior] must be a table")
    return table
