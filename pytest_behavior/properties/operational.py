"""Latency and cost: the operational numbers a model card leaves out, from what the sampler recorded.

``latency_bound(max_p95_ratio=1.5)`` bounds the ratio of the arms' 95th-percentile latency (a paired cluster
bootstrap, `pytest_behavior.stats.quantile`); ``max_ratio=`` bounds the typical paired latency ratio, as
``length_distribution`` does for lengths. ``cost_bound(max_ratio=1.2)`` bounds the paired ratio of the cost
per call. Both need the values recorded: live samples always have latency, cost needs a price (litellm's,
or ``input_cost_per_token`` / ``output_cost_per_token`` on the bundle); golden files and records carry
what was recorded when they were made (records: ``latency_ms`` / ``cost_usd`` fields).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from pytest_behavior.errors import BehaviorConfigError, MarkerError
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

_FLOORS = {"latency_ms": 1e-3, "cost_usd": 1e-12}


def _recorded(texts: Texts, field: str, *, arm: str, marker: str) -> Any:
    """The per-output values of ``field`` (``latency_ms``, ``cost_usd``); a clear error when any is missing."""
    values = [[getattr(t, field, None) for t in row] for row in texts]
    missing = sum(v is None for row in values for v in row)
    if missing:
        what = "latency" if field == "latency_ms" else "cost"
        hint = (
            ""
            if field == "latency_ms"
            else "; litellm has no price for this model: set input_cost_per_token= and output_cost_per_token= on "
            "the Bundle, "
        )
        raise BehaviorConfigError(
            f"@pytest.mark.{marker}: {missing} {arm} output(s) have no recorded {what}{hint} (golden files and "
            f"records keep only what was recorded: re-record with --behavior-update, or add '{field}' to records)"
        )
    floor = _FLOORS[field]  # a recorded 0 (a free model, a clock tick) must not make a log ratio infinite
    return as_matrix([[max(float(v), floor) for v in row if v is not None] for row in values])


def _check_ratio(marker: str, name: str, value: float | None) -> None:
    if value is not None and value < 1:
        raise MarkerError(f"@pytest.mark.{marker}: {name}={value} is below 1 (it bounds an increase)")


@register
@dataclass(frozen=True)
class LatencyBound(Property):
    marker_name: ClassVar[str] = "latency_bound"
    sequential_capable: ClassVar[bool] = False

    max_p95_ratio: float | None = None
    max_ratio: float | None = None

    @classmethod
    def from_marker(cls, *, max_p95_ratio: Any = None, max_ratio: Any = None) -> LatencyBound:
        name = cls.marker_name
        prop = cls(
            max_p95_ratio=ratio_arg(name, "max_p95_ratio", max_p95_ratio),
            max_ratio=ratio_arg(name, "max_ratio", max_ratio),
        )
        if prop.max_p95_ratio is None and prop.max_ratio is None:
            raise MarkerError(f"@pytest.mark.{name} needs max_p95_ratio and/or max_ratio")
        _check_ratio(name, "max_p95_ratio", prop.max_p95_ratio)
        _check_ratio(name, "max_ratio", prop.max_ratio)
        return prop

    def metrics(self) -> tuple[Metric, ...]:
        metrics = []
        if self.max_p95_ratio is not None:
            metrics.append(
                Metric(
                    key="latency.p95",
                    title="latency p95 (ms)",
                    kind="continuous",
                    bounds=bounds_from(max_p95_ratio=self.max_p95_ratio),
                    summary_quantile=0.95,
                )
            )
        if self.max_ratio is not None:
            metrics.append(
                Metric(
                    key="latency.paired",
                    title="latency (ms)",
                    kind="continuous",
                    bounds=bounds_from(max_ratio=self.max_ratio),
                )
            )
        return tuple(metrics)

    def observe(self, baseline: Texts | None, candidate: Texts) -> list[Observation]:
        base = None if baseline is None else _recorded(baseline, "latency_ms", arm="baseline", marker=self.marker_name)
        cand = _recorded(candidate, "latency_ms", arm="candidate", marker=self.marker_name)
        return [Observation(metric, base, cand) for metric in self.metrics()]

    def describe(self) -> dict[str, Any]:
        bounds = {"max_p95_ratio": self.max_p95_ratio, "max_ratio": self.max_ratio}
        return {"marker": self.marker_name, **{k: v for k, v in bounds.items() if v is not None}}


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
