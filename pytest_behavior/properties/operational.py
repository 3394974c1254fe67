"""Latency and cost: the operational numbers a model card leaves out, from what the sampler recorded.

``latency_bound(max_p95_ratio=1.5)`` bounds the ratio of the arms' 95th-percentile latency (a paired cluster
bootstrap, `pytest_behavior.stats.quantile`); ``max_ratio=`` bounds the typical paired latency ratio, as
``length_distribution`` does for lengths; ``max_ttft_p95_ratio=`` and ``max_ttft_ratio=`` bound the time to first
token the same ways (streamed samples: ``Bundle(stream=True)``). ``cost_bound(max_ratio=1.2)`` bounds the paired
ratio of the cost per call. Both need the values recorded: live samples always have latency, cost needs a price
(litellm's, or ``input_cost_per_token`` / ``output_cost_per_token`` on the bundle); golden files and records carry
what was recorded when they were made (records: ``latency_ms`` / ``ttft_ms`` / ``cost_usd`` fields).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from pytest_behavior.errors import BehaviorConfigError, MarkerError
from pytest_behavior.properties.base import (
    Bound,
    BoundForm,
    Metric,
    Observation,
    Property,
    Texts,
    as_matrix,
    bounds_from,
    ratio_arg,
    register,
)

_FLOORS = {"latency_ms": 1e-3, "ttft_ms": 1e-3, "cost_usd": 1e-12}
_WHAT = {"latency_ms": "latency", "ttft_ms": "time to first token", "cost_usd": "cost"}
_HINTS = {
    "ttft_ms": "; only a streamed answer has one: sample with Bundle(..., stream=True) or behavior.sample(..., "
    "stream=True);",
    "cost_usd": "; litellm has no price for this model: set input_cost_per_token= and output_cost_per_token= on "
    "the Bundle,",
}


def _recorded(texts: Texts, field: str, *, arm: str, marker: str) -> Any:
    """The per-output values of ``field`` (``latency_ms``, ``ttft_ms``, ``cost_usd``); a clear error when any is
    missing."""
    values = [[getattr(t, field, None) for t in row] for row in texts]
    missing = sum(v is None for row in values for v in row)
    if missing:
        raise BehaviorConfigError(
            f"@pytest.mark.{marker}: {missing} {arm} output(s) have no recorded {_WHAT[field]}{_HINTS.get(field, '')} "
            "(golden files and records keep only what was recorded: re-record with --behavior-update, or add "
            f"'{field}' to records)"
        )
    floor = _FLOORS[field]  # a recorded 0 (a free model, a clock tick) must not make a log ratio infinite
    return as_matrix([[max(float(v), floor) for v in row if v is not None] for row in values])


def _check_ratio(marker: str, name: str, value: float | None) -> None:
    if value is not None and value < 1:
        raise MarkerError(f"@pytest.mark.{marker}: {name}={value} is below 1 (it bounds an increase)")


@dataclass(frozen=True)
class _LatencyMetric:
    option: str
    """The marker's keyword."""
    field: str
    """What each output recorded (``Output.latency_ms`` or ``Output.ttft_ms``)."""
    key: str
    title: str
    form: BoundForm
    """The judge's bound form (`pytest_behavior.engine.judge`)."""


_LATENCY_METRICS = (
    _LatencyMetric("max_p95_ratio", "latency_ms", "latency.p95", "latency p95 (ms)", "max_p95_ratio"),
    _LatencyMetric("max_ratio", "latency_ms", "latency.paired", "latency (ms)", "max_ratio"),
    _LatencyMetric("max_ttft_p95_ratio", "ttft_ms", "ttft.p95", "time to first token p95 (ms)", "max_p95_ratio"),
    _LatencyMetric("max_ttft_ratio", "ttft_ms", "ttft.paired", "time to first token (ms)", "max_ratio"),
)
"""The bounds of ``latency_bound``, in the order reports list them."""


@register
@dataclass(frozen=True)
class LatencyBound(Property):
    marker_name: ClassVar[str] = "latency_bound"
    sequential_capable: ClassVar[bool] = False

    max_p95_ratio: float | None = None
    max_ratio: float | None = None
    max_ttft_p95_ratio: float | None = None
    max_ttft_ratio: float | None = None

    @classmethod
    def from_marker(
        cls,
        *,
        max_p95_ratio: Any = None,
        max_ratio: Any = None,
        max_ttft_p95_ratio: Any = None,
        max_ttft_ratio: Any = None,
    ) -> LatencyBound:
        name = cls.marker_name
        given = {
            "max_p95_ratio": max_p95_ratio,
            "max_ratio": max_ratio,
            "max_ttft_p95_ratio": max_ttft_p95_ratio,
            "max_ttft_ratio": max_ttft_ratio,
        }
        ratios = {option: ratio_arg(name, option, value) for option, value in given.items()}
        if all(value is None for value in ratios.values()):
            raise MarkerError(
                f"@pytest.mark.{name} needs max_p95_ratio and/or max_ratio (total latency), or max_ttft_p95_ratio "
                "and/or max_ttft_ratio (time to first token, of streamed samples)"
            )
        for option, value in ratios.items():
            _check_ratio(name, option, value)
        return cls(**ratios)

    def _bounds(self) -> list[tuple[_LatencyMetric, float]]:
        return [(row, value) for row in _LATENCY_METRICS if (value := getattr(self, row.option)) is not None]

    def metrics(self) -> tuple[Metric, ...]:
        return tuple(
            Metric(
                key=row.key,
                title=row.title,
                kind="continuous",
                # the judge's form; the row shows the keyword the user wrote
                bounds=(Bound(row.form, value, keyword=None if row.option == row.form else row.option),),
                summary_quantile=0.95 if row.form == "max_p95_ratio" else None,
            )
            for row, value in self._bounds()
        )

    def observe(self, baseline: Texts | None, candidate: Texts) -> list[Observation]:
        recorded: dict[str, tuple[Any, Any]] = {}  # each field read once, for all its bounds
        observations = []
        for (row, _), metric in zip(self._bounds(), self.metrics(), strict=True):
            if row.field not in recorded:
                base = (
                    None
                    if baseline is None
                    else _recorded(baseline, row.field, arm="baseline", marker=self.marker_name)
                )
                recorded[row.field] = (base, _recorded(candidate, row.field, arm="candidate", marker=self.marker_name))
            observations.append(Observation(metric, *recorded[row.field]))
        return observations

    def describe(self) -> dict[str, Any]:
        return {"marker": self.marker_name, **{row.option: value for row, value in self._bounds()}}


@register
@dataclass(frozen=True)
class CostBound(Property):
    marker_name: ClassVar[str] = "cost_bound"
    sequential_capable: ClassVar[bool] = False

    max_ratio: float | None = None

    @classmethod
    def from_marker(cls, *, max_ratio: Any = None) -> CostBound:
        name = cls.marker_name
        prop = cls(max_ratio=ratio_arg(name, "max_ratio", max_ratio))
        if prop.max_ratio is None:
            raise MarkerError(
                f"@pytest.mark.{name} needs max_ratio (the candidate's cost per call over the baseline's, e.g. 1.2)"
            )
        _check_ratio(name, "max_ratio", prop.max_ratio)
        return prop

    def metrics(self) -> tuple[Metric, ...]:
        return (
            Metric(
                key="cost", title="cost per call (USD)", kind="continuous", bounds=bounds_from(max_ratio=self.max_ratio)
            ),
        )

    def observe(self, baseline: Texts | None, candidate: Texts) -> list[Observation]:
        base = None if baseline is None else _recorded(baseline, "cost_usd", arm="baseline", marker=self.marker_name)
        return [
            Observation(
                self.metrics()[0], base, _recorded(candidate, "cost_usd", arm="candidate", marker=self.marker_name)
            )
        ]

    def describe(self) -> dict[str, Any]:
        return {"marker": self.marker_name, "max_ratio": self.max_ratio}
