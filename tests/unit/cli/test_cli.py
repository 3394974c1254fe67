"""``pytest-behavior power``: reproduces docs/statistics.md's sample-size table, rejects bad arguments clearly."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_behavior.cli import SIGPIPE_STATUS, main

ROOT = Path(__file__).resolve().parents[3]

# docs/statistics.md, "Sample sizes to quote": (paired independent, paired rho 0.5, unpaired per arm)
TABLE = {
    ("0.05", "0.10"): (338, 264, 343),
    ("0.05", "0.15"): (107, 86, 111),
    ("0.10", "0.20"): (156, 115, 157),
    ("0.01", "0.05"): (212, 189, 224),  # JSON-valid 99% -> 95% is an invalid rate 1% -> 5%
}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(["power", *argv]) == 0
    return capsys.readouterr().out


def numbers(out: str, row: str) -> int:
    match = re.search(re.escape(row) + r"\s+(\d+)", out)
    assert match, out
    return int(match.group(1))


@pytest.mark.parametrize(("rates", "expected"), list(TABLE.items()))
def test_binary_reproduces_the_table_within_five_percent(
    capsys: pytest.CaptureFixture[str], rates: tuple[str, str], expected: tuple[int, int, int]
) -> None:
    out = run(capsys, "--binary", *rates)
    got = (
        numbers(out, "paired, arms independent (rho = 0)"),
        numbers(out, "paired, latent correlation 0.5"),
        numbers(out, "unpaired, per arm"),
    )
    for value, reference in zip(got, expected, strict=True):
        assert abs(value - reference) <= 0.05 * reference, (got, expected)


@pytest.mark.parametrize(("effect", "expected"), [("0.2", 156), ("0.5", 27)])
def test_shift_reproduces_the_table(capsys: pytest.CaptureFixture[str], effect: str, expected: int) -> None:
    out = run(capsys, "--shift", effect)
    assert numbers(out, "paired t-test (exact, noncentral t)") == expected
    assert numbers(out, "Wilcoxon signed-rank, normal differences (÷ 3/π)") > expected


def test_detect_and_pass(capsys: pytest.CaptureFixture[str]) -> None:
    out = run(capsys, "--detect", "40", "--base", "0.05")
    # the example: "n=40 can detect a refusal increase of ≥ 17 points"
    assert re.search(r"paired, latent correlation 0.5\s+\+17.0 points \(5% -> 22.0%\)", out), out
    out = run(capsys, "--pass", "0.05", "0.03")
    assert numbers(out, "paired, arms independent (rho = 0)") > numbers(out, "paired, latent correlation 0.5")
    assert "0.400 SD" in run(capsys, "--detect", "40")


def test_pass_is_not_planned_at_a_multiplicity_level(capsys: pytest.CaptureFixture[str]) -> None:
    """The engine's PASS side is a one-sided bound at alpha whatever the family (intersection-union): planning
    it at alpha / K would quote about 50% more inputs than a test needs."""
    alone = run(capsys, "--pass", "0.05", "0.03")
    among = run(capsys, "--pass", "0.05", "0.03", "--bounds", "4", "--segments", "3")
    row = "paired, arms independent (rho = 0)"
    assert numbers(among, row) == numbers(alone, row)
    assert "needs no multiplicity adjustment" in among and "Holm family" not in among


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--binary", "5", "15"], "'5' is not a rate in [0, 1) (did you mean 0.05?)"),
        (["--binary", "0.05", "1"], "'1' is not a rate in [0, 1)"),
        (["--binary", "0", "0"], "the candidate rate must exceed the base rate"),
        (["--shift", "1e-200"], "--shift must be between 0.001 and 10 SD"),
        (["--detect", "1000000000"], "between 2 and 100,000 inputs"),
        (["--pass", "0.5", "1e-9"], "more than 100,000 inputs would be needed"),
        (["--binary", "0.05", "0.1", "--base", "0.3"], "--base goes with --detect"),
        (["--binary", "0.15", "0.05"], "the candidate rate must exceed the base rate"),
        (["--shift", "-1"], "'-1' must be positive"),
        (["--binary", "0.05", "0.1", "--alpha", "0.7"], "--alpha must be in (0, 0.5)"),
        (["--binary", "0.05", "0.1", "--shift", "0.2"], "not allowed with argument"),
        ([], "one of the arguments --binary --preference --shift --pass --detect is required"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["power", *argv])
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["power", "--binary", "x", "0.1"], "'x' is not a number"),
        (["power", "--binary", "nan", "0.1"], "'nan' is not a rate in [0, 1)"),
        (["power", "--shift", "inf"], "'inf' must be positive"),
        (["power", "--detect", "4.5"], "'4.5' is not a whole number"),
        (["power", "--detect", "1"], "'1': between 2 and 100,000 inputs"),
        (["power", "--binary", "0.05", "0.1", "--bounds", "x"], "'x' is not a whole number"),
        (["power", "--binary", "0.05", "0.1", "--segments", "10001"], "'10001': between 0 and 10,000"),
        (["diff", "a.json", "b.json", "--alpha", "x"], "'x' is not a number"),
        (["diff", "a.json", "b.json", "--alpha", "0"], "'0': alpha must be in (0, 0.5]"),
        (["cache", "prune", "--older-than", "soon"], "'soon' is not a number of days"),
        (["cache", "prune", "--older-than", "-1"], "'-1': give a number of days, 0 or more"),
    ],
)
def test_every_argument_type_names_the_text_and_its_rule(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    option = [arg for arg in argv if arg.startswith("--")][-1]
    assert f"error: argument {option}: {message}" in capsys.readouterr().err


def test_module_entry_point() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "pytest_behavior", "power", "--binary", "0.05", "0.15"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert numbers(out, "paired, arms independent (rho = 0)") == 107


def test_a_reader_that_stops_early_is_not_an_error() -> None:
    """``pytest-behavior show golden/ | head -1``: the reader has gone before the output ends. Here it has gone
    before the first byte (the pipe's read end is closed before the command starts), so every run writes into a
    closed pipe: no traceback, and the status a shell gives a command a closed pipe stopped (141)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        process = subprocess.run(
            [sys.executable, "-m", "pytest_behavior", "show", "golden/"],
            cwd=ROOT,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    finally:
        os.close(write_end)
    assert "Traceback" not in process.stderr and "BrokenPipeError" not in process.stderr, process.stderr
    assert process.returncode == SIGPIPE_STATUS
