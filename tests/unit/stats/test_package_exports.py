"""`pytest_behavior.stats`: one list of names (its TYPE_CHECKING imports) from which the lazy table derives."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import pytest_behavior.stats as stats


def _type_checking_imports() -> list[ast.ImportFrom]:
    tree = ast.parse(Path(stats.__file__).read_text(encoding="utf-8"))
    block = next(node for node in tree.body if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING")
    return [node for node in block.body if isinstance(node, ast.ImportFrom)]


def test_every_exported_name_is_the_object_its_submodule_defines() -> None:
    assert len(stats.__all__) == 49 and stats.__all__ == sorted(set(stats.__all__))
    for name in stats.__all__:
        module = importlib.import_module(f"pytest_behavior.stats.{stats._SUBMODULE_OF[name]}")
        assert getattr(stats, name) is getattr(module, name), name
    assert dir(stats) == stats.__all__
    with pytest.raises(AttributeError, match="no attribute 'not_a_stat'"):
        stats.not_a_stat  # noqa: B018


def test_the_type_checking_imports_are_the_table_and_reexport_for_mypy() -> None:
    """``X as X``: under ``mypy --strict`` a plain import in a package is not a re-export (users' imports fail)."""
    imports = _type_checking_imports()
    names = {alias.name: node.module for node in imports for alias in node.names}
    assert all(alias.asname == alias.name for node in imports for alias in node.names)
    assert {name: f"pytest_behavior.stats.{sub}" for name, sub in stats._SUBMODULE_OF.items()} == names


def test_importing_the_package_loads_no_submodule_nor_scipy() -> None:
    code = (
        "import sys, pytest_behavior.stats as s; "
        "print(sorted(m for m in sys.modules if m.startswith(('pytest_behavior.stats.', 'scipy', 'numpy'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == "[]"
