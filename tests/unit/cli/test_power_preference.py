"""``pytest-behavior power --preference WIN_RATE MIN_WIN_RATE``: the inputs a judged win rate needs, from
``stats.power_preference`` (tests/simulation/test_judged_sim.py checks the N by simulation)."""

from __future__ import annotations

import math
import re

import pytest

from pytest_behavior import stats
from pytest_behavior.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(["power", "--preference", *argv]) == 0
    return capsys.readouterr().out


def inputs(out: str, row: str) -> int:
    match = re.search(re.escape(row) + r"\s+[\d.]+\s+(\d+)", out)
    assert match, out
    return int(match.group(1))


ONE = "k = 1 comparison per input"


def test_the_default_plan_is_n_for_win_rate_with_30_percent_ties(capsys: pytest.CaptureFixture[str]) -> None:
    out = run(capsys, "0.4", "0.5")
    assert inputs(out, ONE) == stats.n_for_win_rate(0.4, 0.5) == 104
    assert "win rate 0.4 against min_win_rate=0.5: inputs to show REGRESSED with 80% power" in out
    assert "30% of comparisons scored 1/2" in out
    assert re.search(re.escape(ONE) + r"\s+0\.406\s", out), out  # sqrt(0.4 * 0.6 - 0.3 / 4)


def test_ties_and_repeats_change_the_spread(capsys: pytest.CaptureFixture[str]) -> None:
    no_ties = stats.n_for_power_mean_shift(0.1 / math.sqrt(0.24))  # 0/1 scores: SD sqrt(w (1 - w))
    assert inputs(run(capsys, "0.4", "0.5", "--ties", "0"), ONE) == no_ties > 104
    out = run(capsys, "0.4", "0.5", "--repeats", "3", "--icc", "0.4")
    sd = stats.win_score_sd(0.4, repeats=3, icc=0.4)
    assert inputs(out, "k = 3 comparisons per input, ICC 0.4") == stats.n_for_win_rate(0.4, 0.5, sd=sd) < 104
    assert inputs(out, ONE) == 104
    default_icc = run(capsys, "0.4", "0.5", "--repeats", "3")
    assert "k = 3 comparisons per input, ICC 0.5" in default_icc


def test_the_default_margin_needs_four_times_the_inputs(capsys: pytest.CaptureFixture[str]) -> None:
    """min_win_rate=0.45 (the marker's default) against a true 0.40: half the gap, about four times the inputs."""
    assert inputs(run(capsys, "0.4", "0.45"), ONE) == stats.n_for_win_rate(0.4, 0.45) == 410


def test_a_win_rate_above_the_bound_plans_a_pass_without_multiplicity(capsys: pytest.CaptureFixture[str]) -> None:
    alone = run(capsys, "0.55", "0.45")
    among = run(capsys, "0.55", "0.45", "--bounds", "4")
    assert "inputs to show PASS" in alone
    assert inputs(among, ONE) == inputs(alone, ONE) == stats.n_for_win_rate(0.55, 0.45)
    assert "needs no multiplicity adjustment" in among


def test_regressed_is_planned_at_the_holm_level(capsys: pytest.CaptureFixture[str]) -> None:
    out = run(capsys, "0.4", "0.5", "--bounds", "2")
    assert inputs(out, ONE) == stats.n_for_win_rate(0.4, 0.5, alpha=0.025) > 104
    assert "Holm family of 2 bounds" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--preference", "0.5", "0.5"], "no number of inputs decides a bound at its own value"),
        (["--preference", "1.2", "0.5"], "argument --preference: '1.2' is not a win rate in (0, 1)"),
        (["--preference", "0.4", "0"], "argument --preference: '0' is not a win rate in (0, 1)"),
        (["--preference", "0.1", "0.5", "--ties", "0.3"], "--ties 0.3: at win rate 0.1 at most 0.2 of the comparisons"),
        (["--preference", "0.4", "0.5", "--ties", "1.5"], "argument --ties: '1.5' is not a share in [0, 1]"),
        (["--preference", "0.4", "0.5", "--repeats", "0"], "argument --repeats: '0': between 1 and 1,000 repeats"),
        (["--preference", "0.4", "0.5", "--icc", "0.5"], "--icc goes with --repeats K"),
        (["--binary", "0.05", "0.1", "--ties", "0.3"], "--ties, --repeats and --icc go with --preference"),
        (["--preference", "0.4", "0.5", "--binary", "0.05", "0.1"], "not allowed with argument"),
        (["--preference", "0.498", "0.5"], "more than 100,000 inputs would be needed"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["power", *argv])
    assert exc.value.code == 2
    assert message in capsys.readouterr().err
