"""Compiled bytecode for the test run's own Python processes, kept in a temporary folder.

Some machines set ``PYTHONDONTWRITEBYTECODE`` (this project's CI machines do). Then every Python process the tests
start — pytester's subprocess runs, xdist workers, the exit and signal tests — compiles this package's source again,
and pytest rewrites the asserts of every module of each installed pytest plugin's distribution (this package's and
hypothesis's) again, about half a second to two seconds a process. Pointing ``PYTHONPYCACHEPREFIX`` at a folder of
the run's own lets those processes share one compiled copy without writing a ``__pycache__`` into the source tree or
into a test's project folder; the folder is removed when the run ends.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

_OWNED: list[Path] = []


def share_bytecode_for_this_run() -> None:
    """Point this process and its children at a fresh bytecode folder (once: children inherit it)."""
    if os.environ.get("PYTHONPYCACHEPREFIX"):
        return
    folder = Path(tempfile.mkdtemp(prefix="pytest-behavior-bytecode-"))
    _OWNED.append(folder)
    os.environ["PYTHONPYCACHEPREFIX"] = str(folder)
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    sys.pycache_prefix = str(folder)
    sys.dont_write_bytecode = False


def remove_shared_bytecode() -> None:
    """Remove the folder this process made (a child that inherited it leaves it alone)."""
    while _OWNED:
        shutil.rmtree(_OWNED.pop(), ignore_errors=True)
