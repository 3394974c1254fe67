"""Issue 15, section 5: proof by simulation of the LLM-judged markers (see ``judged_sim.py`` for the data, the judge
and what runs real code).

- ``-m acceptance`` (105 s on two workers of the shared machine at load 4-5): A/A of ``preference`` and
  ``rubric`` at N = 100, k = 1, R = 1000, with the biased judge (false REGRESSED <= the 99% band of 5% at the
  default margins and with the truth on the threshold, and the one-order control well above); power at the N
  ``pytest-behavior power`` prints (``--preference``, ``--binary``) within +-3 points of 80%; length control at
  N = 100 (a step length bias at a true win rate of 0.5, a smooth one at 0.4). And one end-to-end run through
  pytest and litellm that reaches the same verdict, estimate and bounds as the simulation's stand-in for the judge
  call on the same outputs.
- ``-m simulation``: the full grid (N 1..300 x k 1, 3 at R = 2000) and the length rows up to N = 300, for a judge
  whose length bias is a step and one whose pull grows with the length difference, at true win rates 0.5 to 0.3.
- the default run (about a second): the judge's law against its simulated frequencies, and the position bias in
  one order cancelled by both.

The Markdown table: ``python -m tests.simulation.judged_sim --jobs 2`` (``--quick`` for the acceptance cells).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from pytest_behavior.engine.judge import judge
from pytest_behavior.properties.preference import Preference
from tests.support.project import use_bundles

from . import grid
from . import judged_sim as js

pytest_plugins = ["pytester"]

R_ACCEPT = 1000
"""A/A replications per acceptance cell (the full grid: 2000)."""
ACCEPT_LIMIT = 0.05 + 2.576 * (0.05 * 0.95 / R_ACCEPT) ** 0.5
"""The upper end of the 99% band around 5% at R_ACCEPT (6.78% at R = 1000), as 6.15% is at R = 2000."""
CONTROL_FROM = 100
"""From this N on, the one-order controls' 99% Monte Carlo band must lie wholly above the limit."""


def _aa_params(pairs: tuple[tuple[int, int], ...] | None, mark: Any) -> list[Any]:
    return [
        pytest.param(cell, id=cell.label.replace(" ", "-"), marks=[mark, pytest.mark.xdist_group(cell.label)])
        for cell in js.aa_cells(pairs)
    ]


def _check_aa(result: js.AAResult, limit: float) -> None:
    for key in ("regressed", "regressed_truth", "passed_truth"):
        rate = result.rates[key]
        assert rate.value <= limit, f"{result.cell.label}: {key} = {rate.text()} > {100 * limit:.2f}%"
    if result.cell.kind == "preference" and result.cell.n >= CONTROL_FROM:
        for key in ("one_order_regressed", "one_order_passed_truth"):
            rate = result.rates[key]
            assert rate.band[0] > limit, f"{result.cell.label}: control {key} = {rate.text()}: not above the limit"


@pytest.mark.parametrize("cell", _aa_params(js.QUICK_AA, pytest.mark.acceptance))
def test_aa_acceptance(cell: js.AACell) -> None:
    """Both orders remove the judge's position bias: A/A false REGRESSED (and false PASS with the truth on the
    threshold) within the 99% band of 5%; the same judgments read in one order are far off."""
    _check_aa(js.run_aa(cell, R_ACCEPT), ACCEPT_LIMIT)


@pytest.mark.parametrize("cell", _aa_params(None, pytest.mark.simulation))
def test_aa_full_grid(cell: js.AACell) -> None:
    """The full grid at R = 2000: <= 6.15%."""
    _check_aa(js.run_aa(cell), js.MAX_ERROR)


@pytest.mark.acceptance
@pytest.mark.xdist_group("judged power")
def test_preference_power_at_the_n_the_command_prints() -> None:
    row = js.preference_power()
    assert abs(row.rate.value - js.TARGET_POWER) <= js.POWER_TOL, f"{row.command} -> N={row.n}: {row.rate.text()}"


@pytest.mark.acceptance
@pytest.mark.xdist_group("judged correctness power")
@pytest.mark.parametrize("rho", list(js.CORRECTNESS_ROWS))
def test_correctness_power_at_the_n_the_command_prints(rho: float) -> None:
    row = js.correctness_power(rho)
    assert abs(row.rate.value - js.TARGET_POWER) <= js.POWER_TOL, f"{row.command} -> N={row.n}: {row.rate.text()}"


def _length_params(rows: tuple[tuple[str, float, int, int], ...], mark: Any) -> list[Any]:
    return [
        pytest.param(*row, id=f"{row[0]}-win{row[1]}-N{row[2]}", marks=[mark, pytest.mark.xdist_group(f"length {row}")])
        for row in rows
    ]


@pytest.mark.parametrize(("judge_kind", "truth", "n", "reps"), _length_params(js.QUICK_LENGTH, pytest.mark.acceptance))
def test_length_control_acceptance(judge_kind: str, truth: float, n: int, reps: int) -> None:
    """The raw win rate is biased towards the longer candidate; the length-controlled one recovers the truth."""
    row = js.length_control(judge_kind, truth, n, reps)
    assert not row.failures(), row.failures()


@pytest.mark.parametrize(("judge_kind", "truth", "n", "reps"), _length_params(js.FULL_LENGTH, pytest.mark.simulation))
def test_length_control_full(judge_kind: str, truth: float, n: int, reps: int) -> None:
    row = js.length_control(judge_kind, truth, n, reps)
    assert not row.failures(), row.failures()


# --- the default run -------------------------------------------------------------------------------------------


def test_the_judge_law_matches_the_simulated_scores() -> None:
    """`score_law` (which sets the power experiment's candidate and --ties) against the frequencies of the real
    Preference scores from the simulated judge: 600 comparisons at win rate 0.4, each within 4 SE."""
    arms = js.arms_for_win_rate(0.4)
    assert js.win_rate(arms) == pytest.approx(0.4)
    base, cand = js.draw_outputs(arms, grid.rng_for("judged smoke"), 600, 1)
    prop = Preference(judge=js.JUDGE, expected="answer")
    request = prop.prompt_request(base, cand)
    assert request is not None
    scores = prop.with_judgments(js.answer(request, 0)).observe(base, cand)[0].candidate.ravel()
    for value, p in zip((1.0, 0.5, 0.0), js.score_law(arms), strict=True):
        seen = float(np.mean(scores == value))
        assert abs(seen - p) <= 4 * (p * (1 - p) / scores.size) ** 0.5, (value, seen, p)


def test_one_order_carries_the_position_bias_and_both_orders_cancel_it() -> None:
    """One A/A replication of 300 inputs, both arms alike: read in one order, the candidate wins 0.3 (the position
    bias) more often in position A than in position B; both orders together give a win rate near 0.5 (within 4 SE)."""
    arms, n = js.Arms(), 300
    base, cand = js.draw_outputs(arms, grid.rng_for("judged order smoke"), n, 1)
    prop = Preference(judge=js.JUDGE, expected="answer")
    request = prop.prompt_request(base, cand)
    assert request is not None
    answers = js.answer(request, 0)
    in_a = js._one_order(request, answers, n, candidate_in_a=True).mean()
    in_b = js._one_order(request, answers, n, candidate_in_a=False).mean()
    assert abs(in_a - in_b - js.SETTINGS.position_bias) < 0.1, (in_a, in_b)
    both = prop.with_judgments(answers).observe(base, cand)[0].candidate.mean()
    assert abs(both - 0.5) < 4 * 0.42 / n**0.5, both


SPEC = """
import pytest

@pytest.mark.preference(judge={judge!r}, expected="answer")
def test_quality(behavior):
    behavior.sample("items.jsonl", prompt="{{question}}")
"""
HEADER = """
import json

TEXTS = json.load(open("texts.json"))

def arm(index):
    def answer(record):
        return TEXTS[record["id"]][index]
    answer.__qualname__ = f"arm_{index}"
    return answer
"""


@pytest.mark.acceptance
@pytest.mark.xdist_group("judged end to end")
def test_end_to_end_through_litellm_matches_the_stand_in(pytester: pytest.Pytester) -> None:
    """The same outputs judged by the plugin (sim-judge/ through litellm, the sampler and its cache) and by the
    simulation's stand-in (the judge's pure function on the rendered prompts): the same verdict, estimate, bounds
    and p-value."""
    n = 40
    base, cand = js.draw_outputs(js.Arms(cand_right=0.5), grid.rng_for("judged e2e"), n, 1)
    items = [{"id": f"item-{i}", **base[i][0].input} for i in range(n)]
    (pytester.path / "items.jsonl").write_text("".join(json.dumps(row) + "\n" for row in items))
    texts = {f"item-{i}": [str(base[i][0]), str(cand[i][0])] for i in range(n)}
    (pytester.path / "texts.json").write_text(json.dumps(texts))
    use_bundles(
        pytester,
        "Bundle.from_callable(arm(1), label='candidate')",
        baseline="Bundle.from_callable(arm(0), label='baseline')",
        header=HEADER,
    )
    pytester.makepyfile(test_judged=SPEC.format(judge=js.JUDGE))
    pytester.runpytest("--behavior-baseline=live", "--behavior-report=report.json")
    [test] = json.loads((pytester.path / "report.json").read_text())["tests"]
    [reported] = test["properties"]

    prop = Preference(judge=js.JUDGE, expected="answer")
    request = prop.prompt_request(base, cand)
    assert request is not None
    (obs,) = prop.with_judgments(js.answer(request, 0)).observe(base, cand)
    [row] = judge([("preference", obs)], alpha=js.ALPHA)
    assert reported["verdict"] == row.verdict.value
    for key in ("estimate", "lower", "upper", "p_value"):
        assert reported[key] == pytest.approx(getattr(row, key), abs=1e-12), key
