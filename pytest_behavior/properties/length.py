"""Answer length (words or characters) and the ``length_distribution`` marker.

Lengths are positive and skewed, so the paired comparison is on log-ratios (see
`pytest_behavior.stats.paired_log_ratio_bound`): ``max_ratio=1.3`` means "the candidate's answers
are not more than 30% longer than the baseline's for the same inputs".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from pytest_behavior.errors import MarkerError
from pytest_behavior.properties.base import (
    Metric,
    Observation,
    Property,
    Texts,
    as_matrix,
    bounds_from,
    ratio_arg,
    register,
)

UNITS = ("words", "chars")


def measure_length(text: str, unit: str) -> int:
    """Words or characters; an empty answer counts as 1 so that length ratios stay defined."""
    return max(1, len(text.split()) if unit == "words" else len(text))


@register
@dataclass(frozen=True)
class LengthDistribution(Property):
    marker_name: ClassVar[str] = "length_distribution"

    max_ratio: float | None = None
    min_ratio: float | None = None
    unit: str = "words"

    @classmethod
    def from_marker(cls, *, max_ratio: Any = None, min_ratio: Any = None, unit: Any = "words") -> LengthDistribution:
        name = cls.marker_name
        if unit not in UNITS:
            raise MarkerError(f"@pytest.mark.{name}: unit must be one of {', '.join(UNITS)}, got {unit!r}")
        prop = cls(max_ratio=ratio_arg(name, "max_ratio", max_ratio),
                   min_ratio=ratio_arg(name, "min_ratio", min_ratio), unit=unit)
        if prop.max_ratio is None and prop.min_ratio is None:
            raise MarkerError(f"@pytest.mark.{name} needs max_ratio and/or min_ratio")
        if prop.max_ratio is not None and prop.max_ratio < 1:
            raise MarkerError(f"@pytest.mark.{name}: max_ratio={prop.max_ratio} is below 1; did you mean min_ratio?")
        if prop.min_ratio is not None and prop.min_ratio > 1:
            raise MarkerError(f"@pytest.mark.{name}: min_ratio={prop.min_ratio} is above 1; did you mean max_ratio?")
        return prop

    def metrics(self) -> tuple[Metric, ...]:
        bounds = bounds_from(max_ratio=self.max_ratio, min_ratio=self.min_ratio)
        return (Metric(key=f"length.{self.unit}", title=f"length ({self.unit})", kind="continuous", bounds=bounds),)

    def observe(self, baseline: Texts | None, candidate: Texts) -> list[Observation]:
        metric = self.metrics()[0]
        return [Observation(metric, None if baseline is None else self._lengths(baseline), self._lengths(candidate))]

    def _lengths(self, texts: Texts) -> Any:
        return as_matrix([[float(measure_length(t, self.unit)) for t in row] for row in texts])

    def describe(self) -> dict[str, Any]:
        bounds = {"max_ratio": self.max_ratio, "min_ratio": self.min_ratio}
        return {"marker": self.marker_name, "unit": self.unit, **{k: v for k, v in bounds.items() if v is not None}}
