"""The default test run's wall time against a reference commit's, measured side by side on this machine.

Clones this repository twice into a temporary folder (the reference commit and HEAD, both from the local
git history, no network), then runs each one's default test command in the current virtualenv: the reference
runs ``pytest`` in one process (its default before issue 14), HEAD runs ``pytest -n auto`` (the README's command
now). ``--together`` starts both at once (each sees the other's load, as on a shared CI machine); by default
they run one after the other. Prints each run's seconds and test counts and the ratio HEAD / reference (issue
14's target: at most 0.40).

    python benchmarks/suite_time.py                    # reference 0fb888b (before issue 14), back to back
    python benchmarks/suite_time.py --together         # both at once
    python benchmarks/suite_time.py --reference v0.1 --head-args "-n 2"

Nothing else should run on the machine meanwhile. Takes 15 to 20 minutes on a 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = "0fb888b"
"""The last commit before issue 14's test-speed work."""
TIMEOUT_S = 3600
COUNTS = re.compile(r"(\d+) (passed|failed|skipped|xfailed|xpassed|errors?)")


@dataclass(frozen=True)
class SuiteRun:
    name: str
    seconds: float
    counts: dict[str, int]
    returncode: int


def checkout(ref: str, into: Path) -> Path:
    subprocess.run(["git", "clone", "-q", str(ROOT), str(into)], check=True, timeout=300)
    subprocess.run(["git", "-C", str(into), "checkout", "-q", ref], check=True, timeout=60)
    return into


def start(tree: Path, args: list[str], log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    env.pop("PYTEST_ADDOPTS", None)
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args]
    return subprocess.Popen(
        command, cwd=tree, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, preexec_fn=_ctrl_c_as_in_a_terminal
    )


def _ctrl_c_as_in_a_terminal() -> None:
    """Started in the background by a shell (``nohup ... &``), this process ignores SIGINT and its children would
    inherit that: the suites' Ctrl-C tests would then wait for their timeouts. Restore the default in the child."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def wait_all(processes: dict[str, subprocess.Popen[bytes]], started: float) -> dict[str, float]:
    """Each process's own wall time (polled: the runs end in any order)."""
    ended: dict[str, float] = {}
    deadline = started + TIMEOUT_S
    while len(ended) < len(processes):
        if time.perf_counter() > deadline:
            for process in processes.values():
                process.kill()
            raise TimeoutError(f"the test runs did not finish in {TIMEOUT_S} s")
        for name, process in processes.items():
            if name not in ended and process.poll() is not None:
                ended[name] = time.perf_counter() - started
        time.sleep(0.2)
    return ended


def summary_counts(log: Path) -> dict[str, int]:
    summary = " ".join(log.read_text(errors="replace").splitlines()[-1:])
    return {kind: int(n) for n, kind in COUNTS.findall(summary)}


def measure(*, reference: str, head_args: list[str], together: bool, logs: Path) -> list[SuiteRun]:
    logs.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="suite-time-") as tmp:
        base = Path(tmp)
        trees = {
            f"reference {reference}: pytest": (checkout(reference, base / "reference"), [], logs / "reference.log"),
            f"HEAD: pytest {' '.join(head_args)}": (checkout("HEAD", base / "head"), head_args, logs / "head.log"),
        }
        seconds: dict[str, float] = {}
        processes: dict[str, subprocess.Popen[bytes]] = {}
        if together:
            started = time.perf_counter()
            processes = {name: start(tree, args, log) for name, (tree, args, log) in trees.items()}
            seconds = wait_all(processes, started)
        else:
            for name, (tree, args, log) in trees.items():
                started = time.perf_counter()
                processes[name] = start(tree, args, log)
                seconds.update(wait_all({name: processes[name]}, started))
        return [
            SuiteRun(name, seconds[name], summary_counts(log), processes[name].returncode)
            for name, (_tree, _args, log) in trees.items()
        ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", default=REFERENCE, help=f"commit to compare with (default {REFERENCE})")
    parser.add_argument("--head-args", default="-n auto", help="pytest arguments for HEAD (default: -n auto)")
    parser.add_argument("--together", action="store_true", help="run both at once instead of one after the other")
    parser.add_argument("--logs", type=Path, default=Path("suite-time-logs"), help="folder for the two runs' output")
    options = parser.parse_args()
    runs = measure(
        reference=options.reference,
        head_args=shlex.split(options.head_args),
        together=options.together,
        logs=options.logs,
    )
    print(f"cpus: {os.cpu_count()}, {'together' if options.together else 'back to back'}")
    for run in runs:
        counts = ", ".join(f"{n} {kind}" for kind, n in run.counts.items())
        print(f"{run.name:<32} {run.seconds:7.1f} s   exit {run.returncode}   {counts}")
    print(f"output of each run: {options.logs}/reference.log, {options.logs}/head.log")
    reference, head = runs
    print(f"ratio HEAD / reference: {head.seconds / reference.seconds:.2f}  (issue 14 target <= 0.40)")


if __name__ == "__main__":
    main()
