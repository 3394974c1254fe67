"""The four bounds a rate property takes (refusal, hedging): ``max_rate`` and ``min_rate`` on the candidate's own
rate, ``max_increase`` and ``max_decrease`` paired against the baseline; their validation and description in one
place."""

from __future__ import annotations

from abc import ABC
from dataclasses import dataclass
from typing import Any, TypedDict, TypeVar

from pytest_behavior.errors import MarkerError
from pytest_behavior.properties.base import Bound, Property, bounds_from, rate_arg

_R = TypeVar("_R", bound="RateBound")
RATE_BOUNDS = ("max_rate", "max_increase", "min_rate", "max_decrease")


class RateArgs(TypedDict):
    max_rate: float | None
    max_increase: float | None
    min_rate: float | None
    max_decrease: float | None


@dataclass(frozen=True)
class RateBound(Property, ABC):
    max_rate: float | None = None
    max_increase: float | None = None
    min_rate: float | None = None
    max_decrease: float | None = None

    @classmethod
    def rate_args(cls, *, max_rate: Any, max_increase: Any, min_rate: Any, max_decrease: Any) -> RateArgs:
        """The four bounds as given to the marker, each checked to be a rate in [0, 1]."""
        name = cls.marker_name
        return RateArgs(
            max_rate=rate_arg(name, "max_rate", max_rate),
            max_increase=rate_arg(name, "max_increase", max_increase),
            min_rate=rate_arg(name, "min_rate", min_rate),
            max_decrease=rate_arg(name, "max_decrease", max_decrease),
        )

    def checked(self: _R) -> _R:
        """This property, or `MarkerError` when it bounds nothing or its absolute bounds cross."""
        name = self.marker_name
        if not self.rate_bounds():
            raise MarkerError(f"@pytest.mark.{name} needs at least one of {', '.join(RATE_BOUNDS)}")
        if self.min_rate is not None and self.max_rate is not None and self.min_rate > self.max_rate:
            raise MarkerError(f"@pytest.mark.{name}: min_rate={self.min_rate} is above max_rate={self.max_rate}")
        return self

    def rate_bounds(self) -> tuple[Bound, ...]:
        return bounds_from(
            max_rate=self.max_rate,
            min_rate=self.min_rate,
            max_increase=self.max_increase,
            max_decrease=self.max_decrease,
        )

    def described_bounds(self) -> dict[str, float]:
        """The bounds set, as golden files and reports record them."""
        values = {form: getattr(self, form) for form in RATE_BOUNDS}
        return {form: value for form, value in values.items() if value is not None}
