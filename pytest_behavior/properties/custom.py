"""Custom properties: ``@pytest.mark.behavior_property(fn, ...)`` with the verdicts, diffs and reports of the built-ins.

``fn(output) -> bool | number | category`` is called on every output (a `pytest_behavior.spec.output.Output`, a
``str`` carrying tool calls, latency and cost, and ``output.input``: the input it answered). A function with a second
positional parameter, ``fn(output, input)``, is given that input too (the string, or the dict with every field of a
dict input or of a records line's ``input`` object, e.g. ``input["expected"]``); the signature decides, once, at
collection (a ``functools.partial`` or a callable object is read the same way; ``*args`` alone gets the output only).
Its bounds decide how the values are judged:

* rates (``max_rate``, ``min_rate``, ``max_increase``, ``max_decrease``): ``fn`` returns a bool — or any value,
  with ``equals=`` naming the value that counts (``equals="approved"`` for a category);
* ratios (``max_ratio``, ``min_ratio``): ``fn`` returns a positive number, compared as paired log ratios;
* categories (``max_share_change``): ``fn`` returns a category; the share of every category seen in either arm
  is a paired rate that may move by at most that much either way (one bound of the test's multiplicity
  family, its weight shared by the categories' rows), so "more loans sent to review" fails even when the
  approval rate alone holds.

Example::

    def approved(output):
        return json.loads(output)["decision"]

    @pytest.mark.behavior_property(approved, equals="approve", name="approval rate", max_decrease=0.02)
    def test_loans(behavior): ...

    def cites_the_policy(output, input):
        return input["policy_id"] in output

    @pytest.mark.behavior_property(cites_the_policy, max_decrease=0.05)
    def test_policy_answers(behavior): ...
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pytest_behavior.errors import BehaviorConfigError, MarkerError
from pytest_behavior.properties.base import (
    Metric,
    Observation,
    Property,
    Texts,
    as_matrix,
    bounds_from,
    rate_arg,
    ratio_arg,
    register,
)
from pytest_behavior.properties.callables import arity, function_name

_RATE_FORMS = ("max_rate", "min_rate", "max_increase", "max_decrease")
_RATIO_FORMS = ("max_ratio", "min_ratio")


@register
@dataclass(frozen=True)
class CustomProperty(Property):
    marker_name: ClassVar[str] = "behavior_property"

    fn: Callable[..., Any] = field(compare=False)
    name: str
    equals: Any = None
    bounds: dict[str, float] = field(default_factory=dict)
    max_share_change: float | None = None
    takes_input: bool = False
    """``fn(output, input)``: its signature has a second positional parameter."""
    sequential_capable: ClassVar[bool] = False  # categories are found in the data, after sampling

    @classmethod
    def from_marker(
        cls,
        fn: Any = None,
        *,
        name: Any = None,
        equals: Any = None,
        max_rate: Any = None,
        min_rate: Any = None,
        max_increase: Any = None,
        max_decrease: Any = None,
        max_ratio: Any = None,
        min_ratio: Any = None,
        max_share_change: Any = None,
    ) -> CustomProperty:
        marker = cls.marker_name
        if not callable(fn):
            raise MarkerError(f"@pytest.mark.{marker} needs a function as its first argument, got {fn!r}")
        label = name if name is not None else getattr(fn, "__name__", "custom property")
        if not isinstance(label, str) or not label:
            raise MarkerError(f"@pytest.mark.{marker}: name must be a non-empty string, got {name!r}")
        takes_input = _takes_input(fn, label)
        rates = {
            form: rate_arg(marker, form, value)
            for form, value in zip(_RATE_FORMS, (max_rate, min_rate, max_increase, max_decrease), strict=True)
        }
        ratios = {
            form: ratio_arg(marker, form, value)
            for form, value in zip(_RATIO_FORMS, (max_ratio, min_ratio), strict=True)
        }
        given = {form: value for form, value in {**rates, **ratios}.items() if value is not None}
        share = rate_arg(marker, "max_share_change", max_share_change)
        if share is not None:
            if given or equals is not None:
                raise MarkerError(
                    f"@pytest.mark.{marker}({label}): max_share_change judges every category; it "
                    "cannot be combined with equals= or other bounds (use another marker)"
                )
            return cls(fn=fn, name=label, max_share_change=share, takes_input=takes_input)
        if not given:
            raise MarkerError(
                f"@pytest.mark.{marker}({label}): give at least one bound: {', '.join((*_RATE_FORMS, *_RATIO_FORMS))}"
            )
        if any(form in rates for form in given) and any(form in ratios for form in given):
            raise MarkerError(
                f"@pytest.mark.{marker}({label}): rate bounds (for a yes/no value) and ratio bounds "
                "(for a number) cannot be mixed; use two markers"
            )
        if equals is not None and any(form in ratios for form in given):
            raise MarkerError(
                f"@pytest.mark.{marker}({label}): equals= makes a yes/no value; it goes with rate bounds, not ratios"
            )
        return cls(fn=fn, name=label, equals=equals, bounds=given, takes_input=takes_input)

    @property
    def binary(self) -> bool:
        return not any(form in _RATIO_FORMS for form in self.bounds)

    def metrics(self) -> tuple[Metric, ...]:
        """One metric; for categories, a placeholder: each category seen becomes a metric when observed."""
        if self.max_share_change is not None:
            return (self._category_metric(None),)
        return (
            Metric(
                key=f"custom.{self.name}",
                title=self.name,
                kind="binary" if self.binary else "continuous",
                bounds=bounds_from(**self.bounds),
            ),
        )

    def _category_metric(self, category: Any) -> Metric:
        change = self.max_share_change
        suffix = "" if category is None else f"={category}"
        title = self.name if category is None else f"{self.name} = {category!r}"
        return Metric(
            key=f"custom.{self.name}{suffix}",
            title=title,
            kind="binary",
            bounds=bounds_from(max_increase=change, max_decrease=change),
            family=f"custom.{self.name}",
        )

    def observe(self, baseline: Texts | None, candidate: Texts) -> list[Observation]:
        if self.max_share_change is not None:
            return self._observe_categories(baseline, candidate)
        metric = self.metrics()[0]
        return [
            Observation(
                metric,
                None if baseline is None else self._values(baseline, "baseline"),
                self._values(candidate, "candidate"),
            )
        ]

    def _observe_categories(self, baseline: Texts | None, candidate: Texts) -> list[Observation]:
        """One paired rate per category seen. Without a baseline (``--behavior-update`` records the candidate alone)
        the shares are observed but, being changes, not judged: the next ``--behavior-baseline`` run judges them."""
        base = None if baseline is None else [[self._call(t, "baseline") for t in row] for row in baseline]
        cand = [[self._call(t, "candidate") for t in row] for row in candidate]
        categories = sorted(
            {_hashable(v, self.name) for rows in (base or [], cand) for row in rows for v in row}, key=repr
        )
        return [
            Observation(self._category_metric(c), None if base is None else _indicator(base, c), _indicator(cand, c))
            for c in categories
        ]

    def _call(self, text: str, arm: str) -> Any:
        try:
            return self.fn(text, getattr(text, "input", None)) if self.takes_input else self.fn(text)
        except Exception as exc:
            raise BehaviorConfigError(
                f"behavior_property {self.name!r} raised {type(exc).__name__}: {exc} on a "
                f"{arm} output: {_preview(text)}"
            ) from exc

    def _values(self, texts: Texts, arm: str) -> Any:
        return as_matrix([[self._value(t, arm) for t in row] for row in texts])

    def _value(self, text: str, arm: str) -> float:
        value = self._call(text, arm)
        if self.equals is not None:
            return 1.0 if value == self.equals else 0.0
        if self.binary:
            if not isinstance(value, bool):
                raise BehaviorConfigError(
                    f"behavior_property {self.name!r} returned {value!r} for a {arm} output; rate bounds need True/"
                    f"False (or pass equals= to count one value, e.g. equals='approved')"
                )
            return 1.0 if value else 0.0
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
            raise BehaviorConfigError(
                f"behavior_property {self.name!r} returned {value!r} for a {arm} output; ratio "
                "bounds need a positive number"
            )
        return float(value)

    def describe(self) -> dict[str, Any]:
        described: dict[str, Any] = {
            "marker": self.marker_name,
            "name": self.name,
            "function": function_name(self.fn),
            **self.bounds,
        }
        if self.equals is not None:
            described["equals"] = self.equals
        if self.max_share_change is not None:
            described["max_share_change"] = self.max_share_change
        return described


def _takes_input(fn: Callable[..., Any], label: str) -> bool:
    """Whether ``fn`` is called as ``fn(output, input)`` (a second positional parameter) or ``fn(output)``."""
    found = arity(fn)
    if found is None:
        return False  # Python cannot tell (a builtin): called with the output, as always
    if found.keyword_only:
        raise MarkerError(
            f"@pytest.mark.behavior_property({label}): the function has keyword-only parameter(s) without a default "
            f"({', '.join(found.keyword_only)}); it is called as fn(output) or fn(output, input)"
        )
    if found.named == 0 and not found.variadic:
        raise MarkerError(
            f"@pytest.mark.behavior_property({label}): the function takes no argument; it is called as fn(output) "
            "or fn(output, input)"
        )
    if found.required > 2:
        raise MarkerError(
            f"@pytest.mark.behavior_property({label}): the function needs {found.required} arguments; it is called "
            "as fn(output) or fn(output, input)"
        )
    return found.named >= 2


def _indicator(values: list[list[Any]], category: Any) -> Any:
    return as_matrix([[1.0 if v == category else 0.0 for v in row] for row in values])


def _hashable(value: Any, name: str) -> Any:
    try:
        hash(value)
    except TypeError:
        raise BehaviorConfigError(
            f"behavior_property {name!r} returned {value!r}; a category must be a str, number or other hashable value"
        ) from None
    return value


def _preview(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= limit else flat[: limit - 1] + "…")
