"""The marker table (`pytest_behavior.config.markers`) against the property registry, and collection-time checks."""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any

import pytest

from pytest_behavior.config.markers import (
    BUDGET_MARKER,
    MARKER_DOCS,
    MARKER_NAMES,
    MarkerSpec,
    marker_lines,
    read_marker_spec,
)
from pytest_behavior.properties import registered_markers


def test_the_property_registry_and_the_marker_table_name_the_same_markers() -> None:
    registry = set(registered_markers())
    assert registry - MARKER_NAMES == set(), "registered properties without a MARKER_DOCS entry in config/markers.py"
    assert MARKER_NAMES - registry == set(), "MARKER_DOCS entries no property registers (properties/registry.py)"


def _documented_keywords(doc: str) -> list[str]:
    """The parameter names of the signature a marker's documentation opens with: ``name(a, *, b=1): ...``."""
    depth, names, current = 0, [], ""
    for char in doc[doc.index("(") :]:
        depth += char in "([{"
        depth -= char in ")]}"
        if depth == 0:
            break
        if depth == 1 and char in ",)":
            names.append(current)
            current = ""
        elif depth == 1 and char != "(":
            current += char
    names.append(current)
    return [name.split("=")[0].strip() for name in names if name.split("=")[0].strip() not in ("", "*")]


@pytest.mark.parametrize("name", sorted(MARKER_NAMES))
def test_each_marker_doc_shows_exactly_the_keywords_its_property_accepts(name: str) -> None:
    accepted = list(inspect.signature(registered_markers()[name].from_marker).parameters)
    assert MARKER_DOCS[name].startswith(f"{name}(")
    assert _documented_keywords(MARKER_DOCS[name]) == accepted


def test_pytest_markers_documents_every_marker_and_the_budget_once() -> None:
    lines = list(marker_lines())
    assert sorted(line.split("(")[0] for line in lines) == sorted([*MARKER_NAMES, BUDGET_MARKER])
    assert all("sequential=True" in line for line in lines if not line.startswith(BUDGET_MARKER))


@dataclass
class FakeItem:
    """What `read_marker_spec` reads of a pytest item: its markers, closest first, and its fixtures."""

    marks: list[pytest.Mark] = field(default_factory=list)
    fixturenames: tuple[str, ...] = ("behavior",)

    def iter_markers(self) -> list[pytest.Mark]:
        return self.marks

    def get_closest_marker(self, name: str) -> pytest.Mark | None:
        return next((mark for mark in self.marks if mark.name == name), None)


def _mark(marker: str, /, *args: Any, **kwargs: Any) -> pytest.Mark:
    return getattr(pytest.mark, marker).with_args(*args, **kwargs).mark  # type: ignore[no-any-return]


def _read(item: FakeItem, *, sequential_run: bool = False) -> tuple[MarkerSpec | None, list[str]]:
    return read_marker_spec(item, sequential_run=sequential_run)  # type: ignore[arg-type]


def test_a_test_without_the_behavior_fixture_is_left_alone_unless_it_has_behavior_markers() -> None:
    assert _read(FakeItem(fixturenames=())) == (None, [])
    assert _read(FakeItem([_mark("skip")], fixturenames=())) == (None, [])
    for marked in (_mark("refusal_bound", max_rate=0.1), _mark(BUDGET_MARKER, calls=10)):
        spec, problems = _read(FakeItem([marked], fixturenames=()))
        assert spec is None and problems == ["behavior markers need the `behavior` fixture (call behavior.sample())"]


def test_the_closest_marker_of_a_name_wins_and_every_custom_property_applies() -> None:
    item = FakeItem(
        [
            _mark("refusal_bound", max_rate=0.1),
            _mark("refusal_bound", max_rate=0.5),
            _mark("behavior_property", len, name="size", max_ratio=1.5),
            _mark("behavior_property", str.isupper, name="shouting", max_rate=0.1),
        ]
    )
    spec, problems = _read(item)
    assert problems == [] and spec is not None
    assert [p.marker_name for p in spec.properties] == ["refusal_bound", "behavior_property", "behavior_property"]
    assert [str(bound) for metric in spec.properties[0].metrics() for bound in metric.bounds] == ["max_rate=0.1"]
    assert spec.sequential is None and spec.budget is None


def test_sequential_true_on_any_marker_opts_in_and_false_opts_out_of_the_run_wide_switch() -> None:
    both = FakeItem(
        [
            _mark("refusal_bound", max_rate=0.1, sequential=False),
            _mark("length_distribution", max_ratio=1.5, sequential=True),
        ]
    )
    assert _read(both)[0] == MarkerSpec(_read(both)[0].properties, sequential=True)  # type: ignore[union-attr]
    out = FakeItem([_mark("refusal_bound", max_rate=0.1, sequential=False)])
    spec, problems = _read(out, sequential_run=True)
    assert spec is not None and spec.sequential is False and problems == []


def test_a_bound_that_cannot_be_judged_sequentially_is_a_problem_of_a_valid_spec() -> None:
    item = FakeItem([_mark("latency_bound", max_p95_ratio=1.5)])
    assert _read(item) == (_read(item)[0], [])
    spec, problems = _read(item, sequential_run=True)
    assert spec is not None and len(problems) == 1 and "latency_bound is not judged sequentially" in problems[0]


def test_marker_problems_are_reported_one_per_test_the_budget_first() -> None:
    budget = _mark(BUDGET_MARKER, calls=-1)
    bad = _mark("refusal_bound", max_rate=5)
    assert _read(FakeItem([bad]))[1] == [
        "@pytest.mark.refusal_bound: max_rate=5 is outside [0, 1] (did you mean 0.05?)"
    ]
    spec, problems = _read(FakeItem([bad, budget]))
    assert spec is None and len(problems) == 1 and "calls" in problems[0]
    twice = FakeItem(
        [
            _mark("behavior_property", len, name="n", max_ratio=1.5),
            _mark("behavior_property", len, name="n", max_ratio=2.0),
        ]
    )
    assert "measure the same metric" in _read(twice)[1][0]
    from pytest_behavior.perturb import Casing

    mixed = FakeItem([_mark("invariance", Casing()), _mark("refusal_bound", max_rate=0.1)])
    assert "put the other behavior markers on a separate test" in _read(mixed)[1][0]


def test_a_valid_budget_marker_is_read_into_the_spec() -> None:
    spec, problems = _read(FakeItem([_mark(BUDGET_MARKER, calls=20, usd=0.5)]))
    assert problems == [] and spec is not None and spec.properties == ()
    assert spec.budget is not None and (spec.budget.calls, spec.budget.usd) == (20, 0.5)
