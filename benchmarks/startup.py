"""pytest start-up with the plugin enabled vs disabled, on a file of 200 plain tests.

Prints the median wall time of each (interleaved runs) and their ratio; target: ratio <= 1.05.
Also checks that a run selecting no behavior test imports neither litellm nor numpy.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 7
CHECK = """
def pytest_sessionfinish(session):
    import sys
    print("HEAVY", sorted(m for m in ("litellm", "numpy", "scipy") if m in sys.modules))
"""


def run(directory: Path, *extra: str) -> tuple[float, str]:
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", *extra],
        cwd=directory,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return time.perf_counter() - started, out


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        (directory / "test_plain.py").write_text("".join(f"def test_{i}():\n    assert {i} >= 0\n" for i in range(200)))
        (directory / "conftest.py").write_text(CHECK)
        run(directory)  # warm the file system and bytecode caches
        enabled, disabled = [], []
        for _ in range(RUNS):
            seconds, out = run(directory)
            enabled.append(seconds)
            seconds, _ = run(directory, "-p", "no:behavior")
            disabled.append(seconds)
        heavy = next(line for line in out.splitlines() if "HEAVY" in line).split("HEAVY", 1)[1]
    on, off = statistics.median(enabled), statistics.median(disabled)
    print(f"200 plain tests, median of {RUNS} interleaved runs")
    print(f"  plugin enabled : {on:.3f} s")
    print(f"  -p no:behavior : {off:.3f} s")
    print(f"  ratio          : {on / off:.3f}  (target <= 1.05)")
    print(f"  heavy modules imported with the plugin enabled: {heavy.strip()}")


if __name__ == "__main__":
    main()
