"""The hedging score against the hedge flags of the AlpacaEval labels (``benchmarks/refusal_labels``, issue 16).

The weights were fitted on the ``dev`` models; ``report`` and the held-out Claude family are only measured. The
floors are the figures measured for ``hedge-1`` minus a margin, so a change that loses hedges shows; they are low,
and ``benchmarks/hedging_accuracy.py`` prints them with the base rate beside them (hedging is the least sharp label).
"""

from __future__ import annotations

import pytest

from pytest_behavior.properties.hedging import is_hedging
from tests.support import alpaca_labels as al
from tests.support.shared_data import data_root

MARGIN = 0.02
# split: (accuracy, precision, recall) measured for hedge-1
MEASURED = {"dev": (0.932, 0.724, 0.304), "report": (0.932, 0.471, 0.182), "held-out": (0.834, 0.450, 0.087)}
SPLIT_MODELS = {"dev": al.DEV_MODELS, "report": al.REPORT_MODELS, "held-out": al.HELD_OUT_FAMILY}


@pytest.fixture(scope="module", autouse=True)
def _needs_data() -> None:
    if not (data_root() / "alpaca_eval" / "results").is_dir():
        pytest.skip(f"AlpacaEval outputs not found under {data_root()} (they live in ../shared/data)")


@pytest.mark.parametrize("split", list(MEASURED))
def test_hedging_holds_its_floors(split: str) -> None:
    s = al.score_hedging(al.of_models(SPLIT_MODELS[split]), is_hedging)
    accuracy, precision, recall = MEASURED[split]
    assert s.accuracy >= accuracy - MARGIN and s.precision >= precision - MARGIN and s.recall >= recall - MARGIN, s


def test_dev_beats_never_hedging() -> None:
    """On the split it was fitted on the score must beat the base rate (calling no answer hedging)."""
    s = al.score_hedging(al.of_models(al.DEV_MODELS), is_hedging)
    assert s.accuracy > 1 - s.refusals / s.n, s
