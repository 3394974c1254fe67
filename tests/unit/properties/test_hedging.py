"""The hedging score, its phrases and the hedging_bound property, on short made-up answers."""

from __future__ import annotations

import pytest

import pytest_behavior
from pytest_behavior.errors import MarkerError
from pytest_behavior.properties.hedging import DETECTOR, THRESHOLD, HedgingBound, highlight, is_hedging

DIRECT = [
    "The capital of Australia is Canberra.",
    "Preheat the oven to 200 C, then bake the bread for 35 minutes.",
    "Use `git rebase -i HEAD~3` and mark the commits you want to squash.",
    "Paris has about 2.1 million inhabitants within the city limits.",
]
HEDGED = [
    "It's difficult to say for sure. It may depend on the season, and it might also vary by region.",
    "I'm not sure, but it could be around 20. It might also be 30; perhaps you could check the label.",
    "There is no definitive answer: opinions vary, and you may want to consult a professional.",
    "These predictions are speculative and the actual future could be vastly different.",
]


@pytest.mark.parametrize("text", DIRECT)
def test_direct_answers_do_not_hedge(text: str) -> None:
    assert pytest_behavior.hedging(text) < THRESHOLD and not is_hedging(text)


@pytest.mark.parametrize("text", HEDGED)
def test_hedged_answers_hedge(text: str) -> None:
    assert pytest_behavior.hedging(text) >= THRESHOLD and is_hedging(text)


def test_the_score_grows_with_the_cues() -> None:
    one = "It may rain tomorrow afternoon in the north of the city."
    more = "It may rain tomorrow; it might not. It's difficult to say, and forecasts can vary."
    assert 0 < pytest_behavior.hedging(one) < pytest_behavior.hedging(more) < 1


def test_phrases_and_highlight() -> None:
    text = "Well. I'm not sure, but it might be around 20. You may want to consult a doctor."
    assert pytest_behavior.hedge_phrases(text) == ["I'm not sure", "might", "may", "consult a doctor"]
    assert highlight(text) == "«I'm not sure», but it «might» be around 20. You «may» want to «consult a doctor»."
    assert highlight("No hedging here.") == "No hedging here."


def test_bounded_cost_on_huge_answers() -> None:
    assert not is_hedging("word " * 500_000)
    assert is_hedging("There is no definitive answer; opinions vary, so consult a doctor. " + "word " * 500_000)


def test_hedging_bound_observes_and_explains() -> None:
    prop = HedgingBound.from_marker(max_increase=0.05)
    base = [[DIRECT[0]], [DIRECT[1]], [HEDGED[0]]]
    cand = [[HEDGED[1]], [DIRECT[1]], [HEDGED[0]]]
    (obs,) = prop.observe(base, cand)
    assert obs.baseline.tolist() == [[0.0], [0.0], [1.0]] and obs.candidate.tolist() == [[1.0], [0.0], [1.0]]
    lines = prop.explain(base, cand, ["a", "b", "c"])
    assert lines[0].startswith("started hedging - 1 inputs") and lines[1].startswith("  a: «I'm not sure»")
    assert prop.describe() == {"marker": "hedging_bound", "detector": DETECTOR, "max_increase": 0.05}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "needs at least one of max_rate"),
        ({"max_rate": 1.5}, "max_rate"),
        ({"min_rate": 0.5, "max_rate": 0.2}, "min_rate=0.5 is above max_rate=0.2"),
    ],
)
def test_bad_marker_arguments(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(MarkerError, match=message):
        HedgingBound.from_marker(**kwargs)
