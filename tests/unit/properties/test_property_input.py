"""Properties can read the input an output answered: ``output.input`` on every output, and ``fn(output, input)`` for
a custom property whose function takes a second positional parameter."""

from __future__ import annotations

import functools
import pickle
from typing import Any

import pytest

from pytest_behavior.errors import MarkerError
from pytest_behavior.properties.callables import arity
from pytest_behavior.properties.custom import CustomProperty
from pytest_behavior.properties.registry import parse_marker
from pytest_behavior.spec.output import Output, Truncation, with_input

RECORD = {"id": "q1", "question": "Capital of France?", "expected": "Paris", "segment": "fr"}


def test_an_output_carries_its_input_through_a_copy_and_pickling() -> None:
    truncated = Truncation(chars=10, words=2, sha256="ab", kept_head=6, kept_tail=2)
    original = Output("Paris", latency_ms=12.0, cost_usd=0.001, tool_calls=({"name": "f"},), truncated=truncated)
    answered = with_input(original, RECORD, input_id="q1")
    assert (answered.input, answered.input_id) == (RECORD, "q1")
    assert original.input is None and original.input_id is None  # a copy: the original is left as it was
    back = pickle.loads(pickle.dumps(answered))
    assert isinstance(back, Output) and back == "Paris"
    assert (back.input, back.input_id, back.latency_ms, back.cost_usd) == (RECORD, "q1", 12.0, 0.001)
    assert (back.tool_calls, back.truncated) == (({"name": "f"},), truncated)


def test_a_plain_string_becomes_an_output_carrying_its_input() -> None:
    answered = with_input("Paris", "Capital of France?", input_id="abc123")
    assert isinstance(answered, Output) and answered.input == "Capital of France?" and answered.latency_ms is None


def rows(*texts: str) -> list[list[str]]:
    return [[with_input(t, {**RECORD, "id": f"q{i}"}, input_id=f"q{i}")] for i, t in enumerate(texts)]


def right(output: str, input: dict[str, Any]) -> bool:
    return output.strip() == str(input["expected"])


def right_from_attribute(output: Any) -> bool:
    return str(output).strip() == str(output.input["expected"])


def values(prop: Any, *texts: str) -> list[list[float]]:
    [obs] = prop.observe(None, rows(*texts))
    return obs.candidate.tolist()  # type: ignore[no-any-return]


@pytest.mark.parametrize("fn", [right, right_from_attribute], ids=["fn(output, input)", "output.input"])
def test_a_custom_property_reads_the_input_either_way(fn: Any) -> None:
    prop = parse_marker("behavior_property", (fn,), {"max_decrease": 0.05})
    assert isinstance(prop, CustomProperty) and prop.takes_input is (fn is right)
    assert values(prop, "Paris", "Lyon") == [[1.0], [0.0]]


def test_partials_callable_objects_and_defaults_are_read_by_their_signature() -> None:
    def field_is(output: str, input: dict[str, Any], *, key: str) -> bool:
        return output == str(input[key])

    class Mentions:
        def __call__(self, output: str, input: dict[str, Any]) -> bool:
            return input["expected"] in output

    def optional(output: str, input: Any = None) -> bool:
        return input is not None and output == input["expected"]

    for fn in (functools.partial(field_is, key="expected"), Mentions(), optional):
        prop = parse_marker("behavior_property", (fn,), {"max_decrease": 0.05, "name": "n"})
        assert isinstance(prop, CustomProperty) and prop.takes_input, fn
        assert values(prop, "Paris", "Lyon") == [[1.0], [0.0]]


def test_functions_of_the_output_alone_keep_working() -> None:
    for fn in (str.isupper, lambda output: output.isupper(), lambda *outputs: outputs[0].isupper()):
        prop = parse_marker("behavior_property", (fn,), {"max_rate": 0.5, "name": "shouting"})
        assert isinstance(prop, CustomProperty) and not prop.takes_input
        assert values(prop, "PARIS", "paris") == [[1.0], [0.0]]
    words = parse_marker("behavior_property", (len,), {"max_ratio": 1.5})
    assert values(words, "Paris", "Lyon") == [[5.0], [4.0]]


def test_bool_and_other_builtins_without_a_signature_are_called_with_the_output() -> None:
    prop = parse_marker("behavior_property", (bool,), {"max_rate": 0.5})
    assert values(prop, "x") == [[1.0]]


@pytest.mark.parametrize(
    ("fn", "message"),
    [
        (lambda: True, "the function takes no argument; it is called as fn(output) or fn(output, input)"),
        (lambda output, input, extra: True, "the function needs 3 arguments"),
        (lambda output, *, strict: True, "keyword-only parameter(s) without a default (strict)"),
    ],
)
def test_a_function_that_cannot_be_called_with_the_output_is_a_usage_error(fn: Any, message: str) -> None:
    with pytest.raises(MarkerError, match=r"@pytest\.mark\.behavior_property\(custom\):") as info:
        parse_marker("behavior_property", (fn,), {"max_rate": 0.1, "name": "custom"})
    assert message in str(info.value)


def test_categories_see_the_input_too() -> None:
    def verdict(output: str, input: dict[str, Any]) -> str:
        return "right" if output == input["expected"] else "wrong"

    prop = parse_marker("behavior_property", (verdict,), {"max_share_change": 0.1})
    observations = prop.observe(rows("Paris", "Lyon"), rows("Lyon", "Lyon"))
    assert {o.metric.key: o.candidate.tolist() for o in observations} == {
        "custom.verdict=right": [[0.0], [0.0]],
        "custom.verdict=wrong": [[1.0], [1.0]],
    }


def test_the_function_name_recorded_for_a_partial_and_an_object_is_stable() -> None:
    class Scorer:
        def __call__(self, output: str) -> bool:
            return True

    described = parse_marker("behavior_property", (Scorer(),), {"max_rate": 0.1, "name": "s"}).describe()
    assert described["function"].endswith(".<locals>.Scorer")  # its class, not a repr with an address
    partial = parse_marker("behavior_property", (functools.partial(right),), {"max_rate": 0.1}).describe()
    assert partial["function"] == f"{__name__}.right"


def test_arity_reads_positional_parameters() -> None:
    found = arity(lambda a, b=1, *rest, c, d=2: None)
    assert found is not None
    assert (found.required, found.named, found.variadic, found.keyword_only) == (1, 2, True, ("c",))
    assert not found.accepts(2)  # c has no default
