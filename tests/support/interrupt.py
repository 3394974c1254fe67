"""Starting a pytest subprocess that a test interrupts with SIGINT (Ctrl-C).

Python installs its KeyboardInterrupt handler only when SIGINT is not ignored, and a process started in the
background by a non-interactive shell (some CI runners, ``nohup cmd &``) inherits SIGINT ignored: the child would
never see the Ctrl-C. `PYTEST_WITH_CTRL_C` installs the handler explicitly, as an interactive Ctrl-C would find it.
"""

from __future__ import annotations

import sys

PYTEST_WITH_CTRL_C = (
    "import signal, sys, pytest; signal.signal(signal.SIGINT, signal.default_int_handler); sys.exit(pytest.main())"
)


def pytest_command(*args: str) -> list[str]:
    """``python -m pytest *args`` that a SIGINT interrupts even when this process ignores SIGINT."""
    return [sys.executable, "-c", PYTEST_WITH_CTRL_C, *args]
