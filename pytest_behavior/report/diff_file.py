"""The full diff of a regressed test, as a Markdown file under the run directory.

The terminal shows a truncated diff (a few flipped inputs, outputs cut to a line or two); the file keeps
more of both, for the reviewer who wants to read every changed answer. Each run writes to its own
directory, ``<run dir>/<run id>/`` (the xdist run id, so every worker of a run writes to the same place),
and only the most recent `KEEP_RUNS` run directories are kept.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

KEEP_RUNS = 20
FULL_FLIPPED = 25
FULL_CELL_CHARS = 4000
_UNSAFE = re.compile(r"[^\w.\-\[\]=,+@]")


def diff_file_path(run_dir: Path, nodeid: str) -> Path:
    """``dir/test_mod.py::test[x]`` -> ``<run_dir>/dir__test_mod.py__test[x].md`` (one flat, readable name)."""
    name = _UNSAFE.sub("_", nodeid.replace("/", "__").replace("::", "__"))[:180]
    return run_dir / f"{name}.md"


def write_diff_file(result: Any, run_dir: Path) -> Path:
    """Write the Markdown diff of ``result`` (a regressed `Comparison`) and return its path."""
    from pytest_behavior.golden.diff import render_failure, verdict_table

    first_use = not run_dir.exists()
    run_dir.mkdir(parents=True, exist_ok=True)
    if first_use:
        prune_old_runs(run_dir.parent, keep=KEEP_RUNS, current=run_dir)
    path = diff_file_path(run_dir, result.test)
    full = render_failure(result, max_flipped=FULL_FLIPPED, cell_chars=FULL_CELL_CHARS)
    body = [
        f"# {result.test}: behavior regressed",
        "",
        f"candidate `{result.candidate.label}` vs "
        + ("no baseline" if result.baseline is None else f"baseline `{result.baseline.label}` "
                                                         f"({result.baseline.source})")
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
    path.write_text("\n".join(body), encoding="utf-8")
    return path


def prune_old_runs(parent: Path, *, keep: int, current: Path) -> None:
    """Remove all but the ``keep`` most recent run directories (never ``current``)."""
    try:
        runs = sorted((p for p in parent.iterdir() if p.is_dir() and p != current),
                      key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:
        return
    for old in runs[max(0, keep - 1):]:
        shutil.rmtree(old, ignore_errors=True)


class DiffRepr:
    """A failure's diff as pytest shows it: verdict rows coloured on a terminal (``tw.hasmarkup``), plain text
    everywhere else (JUnit XML, xdist, ``--color=no``), since pytest uses ``str()`` there."""

    _COLOURS = ((" REGRESSED ", {"red": True, "bold": True}), (" INCONCLUSIVE ", {"yellow": True}),
                (" PASS ", {"green": True}))

    def __init__(self, text: str) -> None:
        self.text = text

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
