"""One sampled output as properties see it: its text, plus what the sampler recorded about it.

`Output` is a ``str`` (the text), so a property that reads only text needs nothing else; properties about
tool calls, latency or cost read the attributes. Built from a live completion, a golden file's stored payload
or a records file, so every baseline source gives properties the same view.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class Output(str):
    """The text of an output, carrying its tool calls, finish reason, latency and cost when recorded."""

    tool_calls: tuple[Mapping[str, Any], ...] | None
    finish_reason: str | None
    latency_ms: float | None
    cost_usd: float | None

    def __new__(cls, text: str, *, tool_calls: tuple[Mapping[str, Any], ...] | None = None,
                finish_reason: str | None = None, latency_ms: float | None = None,
                cost_usd: float | None = None) -> Output:
        output = super().__new__(cls, text)
        output.tool_calls = tool_calls
        output.finish_reason = finish_reason
        output.latency_ms = latency_ms
        output.cost_usd = cost_usd
        return output

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Output:
        """From a stored sample (cache entry, golden file output, records line)."""
        calls = payload.get("tool_calls")
        return cls(str(payload.get("text", "")),
                   tool_calls=None if calls is None else tuple(dict(c) for c in calls),
                   finish_reason=_opt_str(payload.get("finish_reason")),
                   latency_ms=_opt_float(payload.get("latency_ms")), cost_usd=_opt_float(payload.get("cost_usd")))

    def __reduce__(self) -> tuple[Any, ...]:  # keep the attributes through pickling (xdist, multiprocessing)
        return (_rebuild, (str(self), self.tool_calls, self.finish_reason, self.latency_ms, self.cost_usd))


def _rebuild(text: str, tool_calls: Any, finish_reason: Any, latency_ms: Any, cost_usd: Any) -> Output:
    return Output(text, tool_calls=tool_calls, finish_reason=finish_reason, latency_ms=latency_ms, cost_usd=cost_usd)


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)
