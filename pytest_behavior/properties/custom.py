"""Custom properties: ``@pytest.mark.behavior_property(fn, ...)`` with the verdicts, diffs and reports of the built-ins.

``fn(output) -> bool | number | category`` is called on every output (a `pytest_behavior.output.Output`, a
``str`` carrying tool calls, latency and cost). Its bounds decide how the values are judged:

* rates (``max_rate``, ``min_rate``, ``max_increase``, ``max_decrease``): ``fn`` returns a bool — or any value,
  with ``equals=`` naming the value that counts (``equals="approved"`` for a category);
* ratios (``max_ratio``, ``min_ratio``): ``fn`` returns a positive number, compared as paired log ratios.

Example::

    def approved(output):
        return json.loads(output)["decision"]

    @pytest.mark.behavior_property(approved, equals="approve", name="approval rate", max_decrease=0.02)
    def test_loans(behavior): ...
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

_RATE_FORMS = ("max_rate", "min_rate", "max_increase", "max_decrease")
_RATIO_FORMS = ("max_ratio", "min_ratio")


@register
@dataclass(frozen=True)
class CustomProperty(Property):
    marker_name: ClassVar[str] = "behavior_property"

    fn: Callable[[str], Any] = field(compare=False)
    name: str
    equals: Any = None
    bounds: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_marker(cls, fn: Any = None, *, name: Any = None, equals: Any = None, max_rate: Any = None,
                    min_rate: Any = None, max_increase: Any = None, max_decrease: Any = None,
                    max_ratio: Any = None, min_ratio: Any = None) -> CustomProperty:
        marker = cls.marker_name
        if not callable(fn):
            raise MarkerError(f"@pytest.mark.{marker} needs a function as its first argument, got {fn!r}")
        label = name if name is not None else getattr(fn, "__name__", "custom property")
        if not isinstance(label, str) or not label:
            raise MarkerError(f"@pytest.mark.{marker}: name must be a non-empty string, got {name!r}")
        rates = {form: rate_arg(marker, form, value) for form, value in
                 zip(_RATE_FORMS, (max_rate, min_rate, max_increase, max_decrease), strict=True)}
        ratios = {form: ratio_arg(marker, form, value) for form, value in
                  zip(_RATIO_FORMS, (max_ratio, min_ratio), strict=True)}
        given = {form: value for form, value in {**rates, **ratios}.items() if value is not None}
        if not given:
            raise MarkerError(f"@pytest.mark.{marker}({label}): give at least one bound: "
                              f"{', '.join((*_RATE_FORMS, *_RATIO_FORMS))}")
        if any(form in rates for form in given) and any(form in ratios for form in given):
            raise MarkerError(f"@pytest.mark.{marker}({label}): rate bounds (for a yes/no value) and ratio bounds "
                              "(for a number) cannot be mixed; use two markers")
        if equals is not None and any(form in ratios for form in given):
            raise MarkerError(f"@pytest.mark.{marker}({label}): equals= makes a yes/no value; it goes with rate "
                              "bounds, not ratios")
        return cls(fn=fn, name=label, equals=equals, bounds=given)

    @property
    def binary(self) -> bool:
        return not any(form in _RATIO_FORMS for form in self.bounds)

    def metrics(self) -> tuple[Metric, ...]:
        return (Metric(key=f"custom.{self.name}", title=self.name, kind="binary" if self.binary else "continuous",
                       bounds=bounds_from(**self.bounds)),)

    def observe(self, baseline: Texts | None, candidate: Texts) -> list[Observation]:
        metric = self.metrics()[0]
        return [Observation(metric, None if baseline is None else self._values(baseline, "baseline"),
                            self._values(candidate, "candidate"))]

    def _values(self, texts: Texts, arm: str) -> Any:
        return as_matrix([[self._value(t, arm) for t in row] for row in texts])

    def _value(self, text: str, arm: str) -> float:
        try:
            value = self.fn(text)
        except Exception as exc:
            raise BehaviorConfigError(f"behavior_property {self.name!r} raised {type(exc).__name__}: {exc} on a "
                                      f"{arm} output: {_preview(text)}") from exc
        if self.equals is not None:
            return 1.0 if value == self.equals else 0.0
        if self.binary:
            if not isinstance(value, bool):
                raise BehaviorConfigError(
                    f"behavior_property {self.name!r} returned {value!r} for a {arm} output; rate bounds need True/"
                    f"False (or pass equals= to count one value, e.g. equals='approved')")
            return 1.0 if value else 0.0
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
            raise BehaviorConfigError(f"behavior_property {self.name!r} returned {value!r} for a {arm} output; ratio "
                                      "bounds need a positive number")
        return float(value)

    def describe(self) -> dict[str, Any]:
        described: dict[str, Any] = {"marker": self.marker_name, "name": self.name,
                                     "function": f"{getattr(self.fn, '__module__', '?')}."
                                                 f"{getattr(self.fn, '__qualname__', repr(self.fn))}",
                                     **self.bounds}
        if self.equals is not None:
            described["equals"] = self.equals
        return described


def _preview(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= limit else flat[: limit - 1] + "…")
