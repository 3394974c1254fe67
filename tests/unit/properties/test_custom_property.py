"""behavior_property: validation at collection, values per output, clear errors when fn misbehaves."""

from __future__ import annotations

import json

import pytest

from pytest_behavior.errors import BehaviorConfigError, MarkerError
from pytest_behavior.properties.registry import parse_marker
from pytest_behavior.spec.output import Output


def decision(output: str) -> str:
    return str(json.loads(output)["decision"])


def words(output: str) -> int:
    return len(output.split())


def test_rates_from_a_category_with_equals() -> None:
    prop = parse_marker(
        "behavior_property", (decision,), {"equals": "approve", "max_decrease": 0.02, "name": "approval rate"}
    )
    [obs] = prop.observe(
        [['{"decision": "approve"}'], ['{"decision": "deny"}']], [['{"decision": "deny"}'], ['{"decision": "deny"}']]
    )
    assert obs.metric.kind == "binary" and obs.metric.key == "custom.approval rate"
    assert obs.baseline is not None and obs.baseline.tolist() == [[1.0], [0.0]]
    assert obs.candidate.tolist() == [[0.0], [0.0]]
    assert prop.describe()["function"].endswith("decision") and prop.describe()["equals"] == "approve"


def test_numbers_for_ratio_bounds_and_outputs_carry_what_was_recorded() -> None:
    prop = parse_marker("behavior_property", (words,), {"max_ratio": 1.5})
    [obs] = prop.observe(None, [["one two"], ["three"]])
    assert obs.metric.kind == "continuous" and obs.candidate.tolist() == [[2.0], [1.0]]
    slow = parse_marker("behavior_property", (lambda o: o.latency_ms > 100,), {"max_rate": 0.1, "name": "slow"})
    [obs] = slow.observe(None, [[Output("a", latency_ms=150.0)], [Output("b", latency_ms=20.0)]])
    assert obs.candidate.tolist() == [[1.0], [0.0]]


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((), {"max_rate": 0.1}, "needs a function"),
        ((words,), {}, "give at least one bound"),
        ((words,), {"max_rate": 0.1, "max_ratio": 1.2}, "cannot be mixed"),
        ((words,), {"equals": 3, "max_ratio": 1.2}, "equals= makes a yes/no value"),
        ((words,), {"max_rate": 5}, "did you mean 0.05"),
        ((words,), {"max_rat": 0.1}, "did you mean 'max_rate'"),
    ],
)
def test_marker_errors(args: tuple[object, ...], kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(MarkerError, match=message):
        parse_marker("behavior_property", args, kwargs)


def test_a_misbehaving_function_is_an_error_naming_the_property_and_output() -> None:
    not_bool = parse_marker("behavior_property", (words,), {"max_rate": 0.1, "name": "wordy"})
    with pytest.raises(
        BehaviorConfigError,
        match=r"'wordy' returned 2 for a candidate output; rate bounds need "
        r"True/False \(or pass equals=",
    ):
        not_bool.observe(None, [["one two"]])
    raises = parse_marker("behavior_property", (decision,), {"equals": "approve", "max_rate": 0.5})
    with pytest.raises(
        BehaviorConfigError,
        match=r"'decision' raised JSONDecodeError: .* on a baseline output: "
        r"'not json'",
    ):
        raises.observe([["not json"]], [['{"decision": "approve"}']])
    negative = parse_marker("behavior_property", (lambda o: -1,), {"max_ratio": 1.5, "name": "neg"})
    with pytest.raises(BehaviorConfigError, match="ratio bounds need a positive number"):
        negative.observe(None, [["x"]])


def test_categories_each_become_a_paired_share_bounded_both_ways() -> None:
    prop = parse_marker("behavior_property", (decision,), {"max_share_change": 0.05, "name": "decision"})
    base = [['{"decision": "approve"}'], ['{"decision": "deny"}'], ['{"decision": "approve"}']]
    cand = [['{"decision": "review"}'], ['{"decision": "deny"}'], ['{"decision": "approve"}']]
    observations = prop.observe(base, cand)
    assert [o.metric.title for o in observations] == [
        "decision = 'approve'",
        "decision = 'deny'",
        "decision = 'review'",
    ]
    review = observations[2]
    assert review.baseline is not None and review.baseline.ravel().tolist() == [0.0, 0.0, 0.0]
    assert review.candidate.ravel().tolist() == [1.0, 0.0, 0.0]
    assert {str(b) for b in review.metric.bounds} == {"max_increase=0.05", "max_decrease=0.05"}
    assert prop.describe()["max_share_change"] == 0.05
    recorded = prop.observe(None, cand)  # --behavior-update: shares observed, not judged (changes need a baseline)
    assert [(o.metric.title, o.baseline) for o in recorded] == [
        ("decision = 'approve'", None),
        ("decision = 'deny'", None),
        ("decision = 'review'", None),
    ]
    with pytest.raises(MarkerError, match="cannot be combined"):
        parse_marker("behavior_property", (decision,), {"max_share_change": 0.05, "equals": "approve"})
    unhashable = parse_marker("behavior_property", (lambda o: ["list"],), {"max_share_change": 0.1, "name": "u"})
    with pytest.raises(BehaviorConfigError, match="a category must be a str, number"):
        unhashable.observe([["x"]], [["y"]])
