"""The verdict code (scipy, statistics, failure report) imported in a background thread while samples are in flight."""

from __future__ import annotations

import contextlib
import importlib
import sys
import threading

_STATISTICS_MODULES = (
    "pytest_behavior.stats.binary",
    "pytest_behavior.stats.continuous",
    "pytest_behavior.report.failure",
)
_preloading: list[threading.Thread] = []


def preload_statistics() -> None:
    """Import scipy and the verdict code in a background thread while the first samples are in flight.

    Those imports take about half a second of CPU that sampling, mostly waiting on the network, leaves idle;
    done here they are off the critical path. Once per process; a failure is left for the judge to report.

    The thread is joined before the verdict code runs (`finish_preload`), at the end of the pytest session,
    and it is not a daemon, so the interpreter joins it before it finalises. A daemon thread still importing
    at exit is frozen holding the import lock, and any import during finalisation then waits forever (litellm's
    client finalisers import): the process printed its summary and never exited (issue 12, item 4).
    """
    if _preloading or all(name in sys.modules for name in _STATISTICS_MODULES):
        return

    def load() -> None:
        for name in _STATISTICS_MODULES:
            with contextlib.suppress(Exception):
                importlib.import_module(name)

    thread = threading.Thread(target=load, name="pytest-behavior-preload", daemon=False)
    _preloading.append(thread)
    thread.start()


def finish_preload() -> None:
    """Wait for the preload thread, if one is running (idempotent; called before judging and at session end)."""
    for thread in _preloading:
        if thread is not threading.current_thread():
            thread.join()
