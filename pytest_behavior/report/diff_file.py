"""The full diff of a regressed test, as a Markdown file under the run directory.

The terminal shows a truncated diff (a few flipped inputs, outputs cut to a line or two); the file keeps
more of both, for the reviewer who wants to read every changed answer. Each run writes to its own
folder, ``<run dir>/<run id>/`` (the xdist run id, so every worker of a run writes to the same place),
and only the most recent `KEEP_RUNS` run folders are kept.

The run directory is the user's (``--behavior-run-dir=.`` is the project itself): pruning removes only run
folders the plugin created, recognised by their `MARKER` file, and in them only the files the marker lists
(each diff file is listed before it is written). A folder is removed once empty; one holding anything else
(a user's file, a folder) stays. Nothing else in the run directory, nor the directory itself, is touched.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Any

from pytest_behavior.errors import BehaviorConfigError
from pytest_behavior.files import remove_stale_temp_files, write_text_atomic

KEEP_RUNS = 20
FULL_FLIPPED = 25
FULL_CELL_CHARS = 4000
#: The file that marks a run folder as the plugin's, listing the files it wrote there (one name a line).
MARKER = ".pytest-behavior-run"
_MARKER_HEADER = "# pytest-behavior run folder {name}: pruning old runs removes the files listed here, then the folder"
_UNSAFE = re.compile(r"[^\w.\-\[\]=,+@]")
_READABLE_BYTES = 180
_CUT_BYTES = 150


def diff_file_path(run_dir: Path, nodeid: str) -> Path:
    """``dir/test_mod.py::test[x]`` -> ``<run_dir>/dir__test_mod.py__test[x].md`` (one flat, readable name).

    When that name would not identify the test on its own (it is long, or characters were replaced, or the
    id holds ``__`` itself), a hash of the whole node id follows a cut of it: two tests never share a file.
    """
    file_part, separator, rest = nodeid.partition("::")
    plain = file_part.replace("/", "__") + ("__" + rest.replace("::", "__") if separator else "")
    name = _UNSAFE.sub("_", plain)
    if name != plain or "__" in nodeid or len(name.encode()) > _READABLE_BYTES or not name.strip("."):
        digest = hashlib.sha256(nodeid.encode("utf-8", "surrogatepass")).hexdigest()[:12]
        name = name.encode()[:_CUT_BYTES].decode("utf-8", "ignore") + "-" + digest
    path = run_dir / f"{name}.md"
    if path.parent != run_dir or not path.resolve().is_relative_to(run_dir.resolve()):
        raise BehaviorConfigError(f"test {nodeid!r}: its diff file {path} would be outside the run folder {run_dir}")
    return path


def write_diff_file(result: Any, run_dir: Path, *, test: str | None = None) -> Path:
    """Write the Markdown diff of ``result`` (a regressed `Comparison`) and return its path. ``test``: the item's
    id when it is not the result's (a version of a matrix run: each version writes its own file)."""
    from pytest_behavior.report.failure import render_failure, verdict_table

    test = test or result.test
    path = diff_file_path(run_dir, test)
    if _claim_run_folder(run_dir):
        prune_old_runs(run_dir.parent, keep=KEEP_RUNS, current=run_dir)
    _list_in_marker(run_dir, path.name)
    full = render_failure(result, max_flipped=FULL_FLIPPED, cell_chars=FULL_CELL_CHARS)
    body = [
        f"# {test}: behavior regressed",
        "",
        f"candidate `{result.candidate.label}` vs "
        + (
            "no baseline"
            if result.baseline is None
            else f"baseline `{result.baseline.label}` ({result.baseline.source})"
        )
        + f", {len(result.paired_ids)} paired inputs",
        "",
        verdict_table([v for v in result.verdicts if v.segment is None or v.confined], tablefmt="github"),
        "",
        "## Full diff",
        "",
        "```text",
        full.replace("```", "`\u200b``"),
        "```",
        "",
    ]
    from pytest_behavior.sanitize import printable

    write_text_atomic(path, printable("\n".join(body)))  # labels and ids are data: no raw control characters
    return path


def _claim_run_folder(run_dir: Path) -> bool:
    """Create the run folder and its marker; True when this call created the folder (the run's first diff)."""
    first_use = not run_dir.exists()
    run_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(run_dir / MARKER, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o666)
    except FileExistsError:  # another xdist worker of this run was first
        return first_use
    try:
        os.write(fd, _MARKER_HEADER.format(name=run_dir.name).encode("utf-8", "surrogateescape") + b"\n")
    finally:
        os.close(fd)
    return first_use


def _list_in_marker(run_dir: Path, name: str) -> None:
    """Record ``name`` before writing it, so pruning can remove it; one ``O_APPEND`` write per name, so the
    xdist workers of a run can list theirs at the same time."""
    fd = os.open(run_dir / MARKER, os.O_WRONLY | os.O_APPEND)
    try:
        os.write(fd, f"{name}\n".encode("utf-8", "surrogateescape"))
    finally:
        os.close(fd)


def prune_old_runs(parent: Path, *, keep: int, current: Path) -> None:
    """Remove all but the ``keep`` most recent run folders the plugin created in ``parent`` (never
    ``current``), each only as far as the plugin wrote it."""
    try:
        runs = [p for p in parent.iterdir() if p != current and _listed_files(p) is not None]
    except OSError:
        return
    runs.sort(key=_mtime, reverse=True)
    for old in runs[max(0, keep - 1) :]:
        _remove_run_folder(old)


def _listed_files(folder: Path) -> list[str] | None:
    """The file names the marker of ``folder`` lists; None when ``folder`` is not a run folder of the plugin
    (not a real folder, no marker, or a marker it did not write for a folder of this name: a run folder a
    user copied or renamed to keep it is theirs)."""
    marker = folder / MARKER
    try:
        if folder.is_symlink() or not folder.is_dir() or marker.is_symlink() or not marker.is_file():
            return None
        lines = marker.read_text(encoding="utf-8", errors="surrogateescape").splitlines()
    except OSError:
        return None
    header = _MARKER_HEADER.format(name=folder.name)
    if header not in lines:
        return None
    return [line for line in lines if line != header and _plain_name(line)]


def _plain_name(name: str) -> bool:
    """A name directly inside the folder, and not the marker itself."""
    return bool(name.strip(".")) and name != MARKER and not any(c in name for c in "/\\\0") and Path(name).name == name


def _remove_run_folder(folder: Path) -> None:
    for name in _listed_files(folder) or []:
        path = folder / name
        try:
            if not path.is_symlink() and path.is_dir():
                continue  # the plugin writes files only
            path.unlink(missing_ok=True)
            remove_stale_temp_files(path)
        except OSError:
            continue
    try:
        (folder / MARKER).unlink()
        folder.rmdir()  # fails, and the folder stays, when it holds anything the plugin did not write
    except OSError:
        pass


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


class DiffRepr:
    """A failure's diff as pytest shows it: verdict rows coloured on a terminal (``tw.hasmarkup``), plain text
    everywhere else (JUnit XML, xdist, ``--color=no``), since pytest uses ``str()`` there."""

    _COLOURS = (
        (" REGRESSED ", {"red": True, "bold": True}),
        (" INCONCLUSIVE ", {"yellow": True}),
        (" PASS ", {"green": True}),
    )

    def __init__(self, text: str) -> None:
        from pytest_behavior.sanitize import printable

        self.text = printable(text)  # outputs and ids quoted in the diff never drive the terminal

    def __str__(self) -> str:
        return self.text

    def toterminal(self, tw: Any) -> None:
        lines = self.text.splitlines()
        in_table = False
        for index, line in enumerate(lines):
            if index == 0:
                tw.line(line, red=True, bold=True)
                continue
            in_table = in_table or line.startswith("property ")
            markup = next((m for word, m in self._COLOURS if word in line), {}) if in_table else {}
            tw.line(line, **markup)
            if in_table and not line.strip():
                in_table = False
