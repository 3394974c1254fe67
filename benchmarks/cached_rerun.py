"""The examples' behavioral suite: cold run vs a re-run served entirely from the sample cache.

Copies examples/ and golden/ into a temporary directory, runs ``pytest examples --behavior-baseline``
twice with a fresh cache, and prints wall times, the ratio, and how many samples each run requested
from the simulated provider (counted by the provider itself through a call log).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(directory: Path, log: Path) -> tuple[float, int]:
    log.write_text("")
    env = {**os.environ, "PYTEST_BEHAVIOR_SIM_CALL_LOG": str(log)}
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "examples", "--behavior-baseline"],
        cwd=directory,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return time.perf_counter() - started, len(log.read_text().splitlines())


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        shutil.copytree(ROOT / "examples", directory / "examples")
        shutil.copytree(ROOT / "golden", directory / "golden")
        (directory / "pytest.ini").write_text("[pytest]\n")
        log = directory / "calls.log"
        cold, cold_calls = run(directory, log)
        warm, warm_calls = run(directory, log)
    print("pytest examples --behavior-baseline (3 specs, 480 candidate samples)")
    print(f"  cold run   : {cold:.2f} s, {cold_calls} samples requested")
    print(f"  cached run : {warm:.2f} s, {warm_calls} samples requested")
    print(f"  ratio      : {warm / cold:.2f}")


if __name__ == "__main__":
    main()
