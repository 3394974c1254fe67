"""Golden files no collected test owns, as syrupy reports unused snapshots; ``--behavior-prune`` deletes them.

The plugin deletes only files it wrote, for a test this run shows is gone. A file is listed (and pruned)
only when all of these hold; nothing else under the golden directory is ever listed or touched:

- it is a regular ``*.json`` file of at most `MAX_GOLDEN_BYTES` under the golden directory, reached without
  following a symlink and outside hidden folders, ``node_modules``, ``__pycache__`` and virtualenvs (which are
  not walked at all);
- it parses as a pytest-behavior golden file (an object with this plugin's ``format``, ``plugin.name``
  ``"pytest-behavior"``, a ``test`` id and valid ``samples``): a truncated or hand-broken file the plugin cannot
  read back is left alone, as are schemas, fixtures or datasets that happen to be JSON;
- its recorded ``test`` id maps (`golden_path`) to exactly this file, so a copy or a moved file is not one;
- no collected test (selected or deselected by ``-k``/``-m``/``--deselect``/``--sw``) has that id or path;
- the test's module was collected whole by this run, or no longer exists. A module is not collected whole
  when a command-line argument names part of it (``test_m.py::test_x``) or when collection dropped some of its
  tests without deselecting them (``--lf`` does, for the tests that passed; so does a class that failed to
  collect). Modules left out of the run are not examined, so running part of a suite never reports the rest.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_behavior.errors import GoldenFileError
from pytest_behavior.golden.store import FORMAT_VERSION, _parse, golden_path

#: Larger files are not read, so never listed nor deleted (a real golden file of a few MB fits many times).
MAX_GOLDEN_BYTES = 64 * 1024 * 1024
PLUGIN_NAME = "pytest-behavior"
_NOT_WALKED = frozenset({"node_modules", "__pycache__", "site-packages"})


@dataclass(frozen=True)
class RecordedFile:
    """A golden file the plugin wrote, at the path of the test it records."""

    path: Path
    test: str


def unused_golden_files(
    golden_dir: Path, *, rootdir: Path, owned: Iterable[str], whole_modules: Iterable[str]
) -> list[Path]:
    """The plugin's golden files under ``golden_dir`` that no test of ``owned`` uses, sorted.

    ``owned``: node ids of collected behavior tests (selected or deselected); ``whole_modules``: the file
    parts of node ids (``dir/test_m.py``) of the modules this run collected whole.
    """
    if not golden_dir.is_dir():
        return []
    owned = set(owned)
    used = set(_golden_paths(golden_dir, owned))
    whole = set(whole_modules)
    unused = []
    for found in recorded_golden_files(golden_dir):
        if found.test in owned or found.path in used:
            continue
        module = module_of(found.test)
        if module in whole or not _module_exists(module, rootdir):
            unused.append(found.path)
    return sorted(unused)


def recorded_golden_files(golden_dir: Path) -> Iterator[RecordedFile]:
    """Every golden file the plugin wrote under ``golden_dir`` at its own test's path (see the module doc)."""
    for folder, folders, files in os.walk(golden_dir, followlinks=False):
        folders[:] = [name for name in folders if _walked(Path(folder, name))]
        for name in files:
            if name.endswith(".json"):
                path = Path(folder, name)
                test = recorded_test(path, golden_dir=golden_dir)
                if test is not None:
                    yield RecordedFile(path=path, test=test)


def _walked(folder: Path) -> bool:
    name = folder.name
    return not (name.startswith(".") or name in _NOT_WALKED or folder.is_symlink() or (folder / "pyvenv.cfg").exists())


def recorded_test(path: Path, *, golden_dir: Path) -> str | None:
    """The test id ``path`` records, when it is a golden file the plugin wrote at that test's path; else None."""
    data = _read_json(path)
    if not _looks_written_by_plugin(data):
        return None
    try:
        _parse(data)  # a file the plugin cannot read back is not one it can vouch for
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    test: str = data["test"]
    try:
        expected = golden_path(golden_dir, test)
    except GoldenFileError:
        return None
    return test if expected == path else None


def _read_json(path: Path) -> Any:
    """The parsed file; None when it is not a regular file (no symlink, FIFO, device), is too large, or is not
    JSON."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except (OSError, ValueError):
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_GOLDEN_BYTES:
            return None
        with os.fdopen(os.dup(fd), "rb") as handle:
            raw = handle.read(MAX_GOLDEN_BYTES + 1)
        if len(raw) > MAX_GOLDEN_BYTES:
            return None
        return json.loads(raw)
    except (OSError, ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        return None
    finally:
        os.close(fd)


def _looks_written_by_plugin(data: Any) -> bool:
    if not isinstance(data, dict):
        return False
    plugin = data.get("plugin")
    return (
        type(data.get("format")) is int
        and data["format"] == FORMAT_VERSION
        and isinstance(plugin, dict)
        and plugin.get("name") == PLUGIN_NAME
        and isinstance(data.get("test"), str)
        and isinstance(data.get("samples"), dict)
    )


def _golden_paths(golden_dir: Path, nodeids: Iterable[str]) -> Iterator[Path]:
    """The golden paths of ``nodeids``, skipping ids that name no file inside ``golden_dir`` (their tests
    error with the reason when they run)."""
    for nodeid in nodeids:
        try:
            yield golden_path(golden_dir, nodeid)
        except GoldenFileError:
            continue


def module_of(nodeid: str) -> str:
    """``dir/test_m.py::Cls::test[x]`` -> ``dir/test_m.py``."""
    return nodeid.partition("::")[0]


def _module_exists(module: str, rootdir: Path) -> bool:
    """Whether the module is a path under the rootdir or one of its parents (a run whose rootdir is a
    subfolder of the one that recorded the file sees a shorter node id; that file is kept). Unsure is yes."""
    try:
        return any((base / module).exists() for base in (rootdir, *rootdir.parents))
    except (OSError, ValueError):
        return True


# --- which modules this run collected whole ----------------------------------------------------------------------


class CollectionScope:
    """Records, while pytest collects, the modules some of whose tests were dropped without being deselected."""

    def __init__(self) -> None:
        self.dropped: set[str] = set()
        self._children: dict[str, tuple[str, ...]] = {}

    def collected(self, nodeid: str, children: Sequence[str]) -> None:
        """What a collector found, before other plugins filtered it (``--lf`` filters in place)."""
        self._children[nodeid] = tuple(children)

    def reported(self, nodeid: str, *, ok: bool, children: Sequence[str]) -> None:
        """The collector's final report: a part of a module that failed or was skipped, or children filtered
        away, leave their modules out."""
        found = self._children.pop(nodeid, None)
        if not ok:
            if "::" in nodeid:
                self.dropped.add(module_of(nodeid))
            return
        if found is not None:
            kept = set(children)
            self.dropped.update(module_of(child) for child in found if child not in kept)

    def modified(self, before: Iterable[str], after: Iterable[str], deselected: Iterable[str]) -> None:
        """Items ``pytest_collection_modifyitems`` removed without deselecting them leave their modules out."""
        kept = set(after) | set(deselected)
        self.dropped.update(module_of(nodeid) for nodeid in before if nodeid not in kept)

    def whole_modules(
        self, collected: Iterable[str], *, args: Sequence[str], invocation_dir: Path, rootdir: Path
    ) -> set[str]:
        """The modules of ``collected`` node ids that this run collected whole."""
        modules = {module_of(nodeid) for nodeid in collected} - self.dropped
        narrowed = _narrowed(args, invocation_dir=invocation_dir)
        if narrowed is None:
            return set()
        return {
            module for module in modules if (path := _resolved(rootdir / module)) is not None and path not in narrowed
        }


def _narrowed(args: Sequence[str], *, invocation_dir: Path) -> set[Path] | None:
    """The files that ``path::name`` arguments name part of; None when such an argument names no file
    (``--pyargs pkg.mod::test``): then no module counts as collected whole."""
    files = set()
    for arg in args:
        if "::" not in arg:
            continue
        target = _resolved(invocation_dir / arg.partition("::")[0])
        if target is None or not target.is_file():
            return None
        files.add(target)
    return files


def _resolved(path: Path) -> Path | None:
    try:
        return path.resolve()
    except (OSError, ValueError, RuntimeError):
        return None


def remove_files(paths: Iterable[Path], *, golden_dir: Path) -> list[Path]:
    """Delete the files, then the folders under ``golden_dir`` they leave empty; returns what was deleted.

    Each file is checked again just before it goes: only a golden file the plugin wrote at its test's path
    is deleted (the list may come from an xdist worker, and the file may have changed since)."""
    removed = []
    for path in paths:
        if recorded_test(path, golden_dir=golden_dir) is None:
            continue
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
