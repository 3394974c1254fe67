"""The simulated model's streamed answers (``Bundle("sim/...", stream=True)``) and the ``ttft_ms`` knob.

``ttft_ms`` is how long a streamed answer waits before its first chunk; the rest of ``latency_ms`` (if any is left)
is spread over the following chunks, so a streamed answer takes ``max(latency_ms, ttft_ms)`` in all, as an answer
read whole does. The text is the one the call would answer whole (the same draws), cut into a few chunks; the last
carries the finish reason and the token usage. A candidate with ``ttft_ms=400`` against a baseline with
``ttft_ms=100`` shows a time-to-first-token regression offline, whatever their total latency.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any, Protocol

MAX_CHUNKS = 8
"""Chunks per streamed answer at most (each is a few words; fewer chunks keep a simulated run fast)."""


class Timing(Protocol):
    @property
    def latency_ms(self) -> float: ...
    @property
    def ttft_ms(self) -> float: ...


def total_delay_s(settings: Timing) -> float:
    """Seconds an answer takes in all, streamed or read whole."""
    return max(settings.latency_ms, settings.ttft_ms) / 1000


def pieces(text: str, *, at_most: int = MAX_CHUNKS) -> list[str]:
    """``text`` cut at word boundaries into at most ``at_most`` pieces that join back into it exactly."""
    words = text.split(" ")
    size = max(1, -(-len(words) // at_most))
    groups = [" ".join(words[i : i + size]) for i in range(0, len(words), size)]
    return [group + (" " if i < len(groups) - 1 else "") for i, group in enumerate(groups)]


async def stream(settings: Timing, respond: Callable[[], Any]) -> AsyncIterator[dict[str, Any]]:
    """litellm ``GenericStreamingChunk`` dicts of the answer ``respond()`` gives (a litellm ``ModelResponse``),
    after ``ttft_ms``; ``respond`` runs once the first token is due, so a simulated error comes before any chunk."""
    await asyncio.sleep(settings.ttft_ms / 1000)
    response = respond()
    choice = response.choices[0]
    usage = response.usage
    parts = pieces(str(choice.message.content or ""))
    gap = max(0.0, settings.latency_ms - settings.ttft_ms) / 1000 / max(1, len(parts) - 1)
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        if index and gap:
            await asyncio.sleep(gap)
        yield {
            "text": part,
            "tool_use": None,
            "is_finished": last,
            "finish_reason": (choice.finish_reason or "stop") if last else "",
            "usage": _usage(usage) if last else None,
            "index": 0,
        }


def _usage(usage: Any) -> dict[str, int] | None:
    if usage is None:
        return None
    return {k: int(getattr(usage, k, 0) or 0) for k in ("prompt_tokens", "completion_tokens", "total_tokens")}
