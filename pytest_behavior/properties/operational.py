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

    @property
    def needs_ttft(self) -> bool:
        """Whether a bound reads the time to first token (only streamed samples record it)."""
        return self.max_ttft_p95_ratio is not None or self.max_ttft_ratio is not None

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
        if self.max_ttft_p95_ratio is not None:
            metrics.append(
                Metric(
                    key="ttft.p95",
                    title="time to first token p95 (ms)",
                    kind="continuous",
                    bounds=(Bound("max_p95_ratio", self.max_ttft_p95_ratio, keyword="max_ttft_p95_ratio"),),
                    summary_quantile=0.95,
                )
            )
        if self.max_ttft_ratio is not None:
            metrics.append(
                Metric(
                    key="ttft.paired",
                    title="time to first token (ms)",
                    kind="continuous",
                    bounds=(Bound("max_ratio", self.max_ttft_ratio, keyword="max_ttft_ratio"),),
                )
            )
        return tuple(metrics)

    def observe(self, baseline: Texts | None, candidate: Texts) -> list[Observation]:
        observations = []
        for field in ("latency_ms", "ttft_ms"):
            metrics = [m for m in self.metrics() if m.key.startswith(field.removesuffix("_ms") + ".")]
            if not metrics:
                continue
            base = None if baseline is None else _recorded(baseline, field, arm="baseline", marker=self.marker_name)
            cand = _recorded(candidate, field, arm="candidate", marker=self.marker_name)
            observations += [Observation(metric, base, cand) for metric in metrics]
        return observations

    def describe(self) -> dict[str, Any]:
        bounds = {
            "max_p95_ratio": self.max_p95_ratio,
            "max_ratio": self.max_ratio,
            "max_ttft_p95_ratio": self.max_ttft_p95_ratio,
            "max_ttft_ratio": self.max_ttft_ratio,
        }
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
