"""Issue 15's acceptance numbers for the bounded-score statistics (``bounded_mean_bound``, ``paired_mean_bound``):
see ``bounded_mean_grid.py`` for the data, the cells and the rules.

Acceptance run (``pytest -m acceptance tests/simulation/test_bounded_mean_grid.py -n 2 --dist loadgroup``, a few
minutes on two cores): every cell of N {1, 2, 3, 5, 10, 30, 100, 300} x k {1, 3} x setting at R = 2000, truth on
the threshold: false REGRESSED and false PASS <= 6.15%, one-sided 95% bounds covering >= 93.7%, every verdict
agreeing with its bound, INCONCLUSIVE below 2 inputs; and min_win_rate's power at the N ``n_for_win_rate`` quotes.
The default run keeps a smoke of the same code path (``tests/unit/stats/test_bounded_mean.py``). The markdown table:
``python -m tests.simulation.bounded_mean_grid --jobs 2``.
"""

from __future__ import annotations

from typing import Any

import pytest

from . import bounded_mean_grid as bg

TIE_HEAVY = {bg.Preference(0.5, 0.9), bg.Preference(0.45, 0.9)}
"""Beyond the issue's grid: with 90% ties a few cells are near the sparse limit (7-10 decisive inputs expected) and
their REGRESSED rate is just below 2% (1.9-1.95% measured at N = 30, k = 3 and N = 100, k = 1): listed, not failed."""


def _params() -> list[Any]:
    return [
        pytest.param(
            cell, id=cell.label.replace(" ", "-"), marks=[pytest.mark.acceptance, pytest.mark.xdist_group(cell.label)]
        )
        for cell in bg.cells()
    ]


@pytest.mark.parametrize("cell", _params())
def test_cell(cell: bg.Cell) -> None:
    """Both errors <= 6.15% with the truth on the threshold, coverage >= 93.7%, no disagreement, INCONCLUSIVE below
    2 inputs (R = 2000; a borderline miss is re-simulated with 5x R before it counts); outside the tie-heavy
    settings, no non-sparse cell below 2% false REGRESSED."""
    result = bg.run_cell(cell)
    judgement = bg.judge_cell(result)
    assert not judgement.failures, "\n".join(map(str, judgement.failures))
    if cell.setting not in TIE_HEAVY:
        assert bg.wasted_power(result) is None, str(bg.wasted_power(result))


@pytest.mark.acceptance
@pytest.mark.parametrize("row", bg.POWER_ROWS, ids=lambda r: f"win{r[0]}-min{r[1]}-ties{r[2]}")
def test_power_at_the_quoted_n(row: tuple[float, float, float]) -> None:
    """At the N ``n_for_win_rate`` quotes for 80% power: simulated >= 78% and within 3 points of the analytic value."""
    n, analytic, rate = bg.power_row(*row)
    assert rate.value >= 0.78 and abs(rate.value - analytic) <= 0.03, f"N={n}: {rate.text()} vs {analytic:.3f}"
