"""The invariance check's statistics and twins (the marker itself: tests/plugin/test_invariance_marker.py)."""

from __future__ import annotations

import random

import pytest

from pytest_behavior.errors import MarkerError
from pytest_behavior.perturb import Casing, NameSwap, Typos
from pytest_behavior.properties.invariance import TWIN_SUFFIX, draw_twins, group_of
from pytest_behavior.properties.registry import parse_marker
from pytest_behavior.spec.inputs import Input
from tests.support.invariance_sim import false_alarm_rate


def test_a_perturbation_insensitive_bundle_rarely_raises_a_false_alarm_smoke() -> None:
    """A/A on 10 runs of 60 applications: the overall bounds and four perturbation groups, Holm-adjusted; fails on a
    gross error only (R = 200: ``pytest -m acceptance tests/simulation/test_invariance_aa.py``; R = 2000:
    ``-m simulation``)."""
    assert false_alarm_rate(10, n=60) <= 0.3


def test_twins_are_reproducible_from_the_seed_and_skip_unchanged_inputs() -> None:
    inputs = [
        Input(id="a", value={"name": "Emily Clarke", "income": 50000}),
        Input(id="b", value={"name": "nobody we know", "income": 1}),
    ]
    perturbation = NameSwap(from_cultures=("english",))
    first = draw_twins(inputs, perturbation, seed=3)
    again = draw_twins(inputs, perturbation, seed=3)
    other = [draw_twins(inputs, perturbation, seed=s)[1][0].value["name"] for s in range(20)]
    assert first == again
    originals, twins, pairs = first
    assert [i.id for i in originals] == ["a", "b"] and [t.id for t in twins] == ["a" + TWIN_SUFFIX]
    assert pairs[0].group.startswith("name -> ") and "Emily Clarke" in pairs[0].change
    assert len(set(other)) > 5  # the seed decides the twin


def test_group_names_what_changed() -> None:
    perturbed = (Typos() + Casing(mode="upper")).apply("The applicant requests a loan for furniture", random.Random(1))
    assert group_of(perturbed) in ("typo + casing", "casing + typo")


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((), {}, "needs perturb="),
        ((Typos(),), {"properties": ["schema_valid"]}, "needs schema="),
        ((Typos(),), {"properties": []}, "at least one decision"),
        ((Typos(),), {"max_difference": 5}, "outside [0, 1]"),
        ((Typos(),), {"properties": ["refusal", "refusal"]}, "share a name"),
    ],
)
def test_marker_arguments_are_checked(args: tuple[object, ...], kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(MarkerError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_marker("invariance", args, kwargs)


def test_the_golden_description_names_the_perturbation_and_decisions() -> None:
    prop = parse_marker("invariance", (NameSwap(to=("polish",)),), {"properties": ["refusal", "tool_called"]})
    described = prop.describe()
    assert described["marker"] == "invariance" and described["properties"] == ["refusal", "tool_called"]
    assert described["perturb"]["perturbation"] == "name" and described["max_difference"] == 0.05
