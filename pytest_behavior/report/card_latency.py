"""Time to first token beside total latency, for the behavior card: p50/p95 of what the outputs recorded.

Pure: it reads the outputs (`pytest_behavior.spec.output.Output`, e.g. a golden file's ``GoldenSample.texts``) and
returns numbers; the card renders them. Only streamed samples (``Bundle(stream=True)``) record a time to first token,
so ``ttft_ms`` is None where none of the outputs was streamed, and ``n`` says how many outputs each figure is over.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pytest_behavior.report.show import quantile

FIELDS = ("ttft_ms", "latency_ms")


def ttft_figures(outputs: Iterable[Any]) -> dict[str, dict[str, float | int | None]]:
    """``{"ttft_ms": {"p50", "p95", "n"}, "latency_ms": {"p50", "p95", "n"}}`` over ``outputs``: the quantiles of the
    values recorded (p50 and p95 None, n 0, when no output recorded that value)."""
    recorded: dict[str, list[float]] = {name: [] for name in FIELDS}
    for output in outputs:
        for name in FIELDS:
            value = getattr(output, name, None)
            if value is not None:
                recorded[name].append(float(value))
    return {
        name: {
            "p50": quantile(values, 0.5) if values else None,
            "p95": quantile(values, 0.95) if values else None,
            "n": len(values),
        }
        for name, values in recorded.items()
    }
