"""Golden files no collected test owns, as syrupy reports unused snapshots.

Only golden files that this run can vouch for are candidates: those under the golden directory of a test
module that was collected (selected or deselected by ``-k``/``-m``: a deselected test still owns its file),
and those whose test module no longer exists at all. A module left out of the run (``pytest tests/a.py``,
``--lf``) is not looked at, so running part of a suite never reports the rest as unused.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from pytest_behavior.errors import GoldenFileError
from pytest_behavior.golden.store import golden_path


def unused_golden_files(golden_dir: Path, *, rootdir: Path, owned: Iterable[str],
                        collected: Iterable[str]) -> list[Path]:
    """Golden files under ``golden_dir`` owned by none of the ``owned`` node ids, sorted.

    ``owned``: node ids of collected behavior tests (selected or not); ``collected``: node ids of every
    collected test (their modules' golden directories are the ones examined).
    """
    if not golden_dir.is_dir():
        return []
    used = {path.resolve() for path in _golden_paths(golden_dir, owned)}
    module_dirs = {path.parent.resolve()
                   for path in _golden_paths(golden_dir, (nodeid.partition("::")[0] + "::x" for nodeid in collected))}
    unused = []
    for path in sorted(golden_dir.rglob("*.json")):
        resolved = path.resolve()
        if resolved in used:
            continue
        if _under_any(resolved, module_dirs) or not _module_exists(path.relative_to(golden_dir), rootdir):
            unused.append(path)
    return unused


def _golden_paths(golden_dir: Path, nodeids: Iterable[str]) -> Iterator[Path]:
    """The golden paths of ``nodeids``, skipping ids that name no file inside ``golden_dir`` (their tests
    error with the reason when they run)."""
    for nodeid in nodeids:
        try:
            yield golden_path(golden_dir, nodeid)
        except GoldenFileError:
            continue


def _under_any(path: Path, directories: set[Path]) -> bool:
    return any(parent in directories for parent in path.parents)


def _module_exists(relative: Path, rootdir: Path) -> bool:
    """Whether some prefix of the golden file's folders names a test module (``a/test_m/Cls/t.json`` ->
    ``a/test_m.py``)."""
    folders = relative.parent.parts
    return any(rootdir.joinpath(*folders[: i - 1], folders[i - 1] + ".py").is_file()
               for i in range(1, len(folders) + 1))


def remove_files(paths: Iterable[Path], *, golden_dir: Path) -> list[Path]:
    """Delete the files, then the folders under ``golden_dir`` they leave empty; returns what was deleted."""
    removed = []
    for path in paths:
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        removed.append(path)
        parent = path.parent
        while parent != golden_dir and golden_dir in parent.parents:
            try:
                parent.rmdir()
            except OSError:
                break
            parent = parent.parent
    return removed
