"""A streamed answer (``Bundle(stream=True)``): read chunk by chunk, timed to its first token and to its end.

The time to first token (TTFT) is measured from the request to the first chunk that carries something the user
sees: text, a refusal, or a tool-call delta (a chunk holding only the role, or only reasoning, is not one). An answer
that never carries any (an empty answer) has its total time as its TTFT: nothing showed before it ended. The chunks
are rebuilt into one response by litellm's ``stream_chunk_builder`` (text, tool calls, finish reason, usage), so
the rest of the sampler reads it as it reads an answer sent whole.
"""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import AsyncIterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pytest_behavior.bundle import Bundle
from pytest_behavior.sampling.cost import PRICE_PARAMS

STREAM_OPTIONS = {"include_usage": True}
"""Asks the provider for a last chunk with the token usage (OpenAI's ``stream_options``), which the cost needs."""


_LITELLM_NOISE = r"Accessing the 'model_(computed_)?fields' attribute on the instance is deprecated"
"""What litellm's stream reader makes pydantic (2.11+) warn on every streamed answer: litellm's business, not the
user's (as `litellm_loader` says of the warnings of its import)."""


class BrokenStream(Exception):
    """The provider accepted the request but its stream held no answer (retried as a dropped connection is)."""


_warm_lock = threading.Lock()
_warmed = False
WARM_UP_PROVIDER = "behavior-warm-up"
_WARM_UP_CHUNK = {
    "text": "ok",
    "tool_use": None,
    "is_finished": True,
    "finish_reason": "stop",
    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    "index": 0,
}


def warm_up(litellm: Any) -> None:
    """Set litellm's stream reader up once per process, offline, before any streamed answer is timed.

    litellm's first streamed calls import modules and build pydantic schemas (warning about litellm's own types):
    measured on 16 concurrent simulated answers, 120-380 ms more on each, which would land in their time to first
    token; one local one-chunk stream here (blocking, ~0.1-0.25 s, so the warnings it silences cannot interleave
    with a sample's) leaves 10-90 ms. Over HTTP the first calls' connection set-up stays in (as it does for a real
    client): ``benchmarks/ttft_accuracy.py``.
    """
    global _warmed
    with _warm_lock:
        if _warmed:
            return
        from pytest_behavior.sampling.sim_provider import register_provider

        register_provider(litellm, WARM_UP_PROVIDER, _warm_up_handler)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            messages = [{"role": "user", "content": "warm-up"}]
            options = {"stream": True, "stream_options": dict(STREAM_OPTIONS)}
            try:
                for _chunk in litellm.completion(model=f"{WARM_UP_PROVIDER}/stream", messages=messages, **options):
                    pass
            except Exception:  # a warm-up that fails only leaves the set-up in the first answers
                pass
        _warmed = True


def _warm_up_handler(litellm: Any) -> Any:
    class WarmUp(litellm.CustomLLM):  # type: ignore[misc]
        def streaming(self, *args: Any, **kwargs: Any) -> Any:
            yield dict(_WARM_UP_CHUNK)

    return WarmUp()


@dataclass(frozen=True)
class StreamRead:
    response: Any
    """The chunks rebuilt into one litellm ``ModelResponse``, its cost stamped in ``_hidden_params``."""
    ttft_ms: float
    latency_ms: float


async def read_stream(
    litellm: Any, bundle: Bundle, stream: AsyncIterable[Any], *, messages: Sequence[Mapping[str, Any]], started: float
) -> StreamRead:
    """Every chunk of ``stream``, timed from ``started`` (a ``time.perf_counter()``), rebuilt into one response."""
    # first in the current filters (pytest sets a test's own), for litellm's modules only; no catch_warnings, which
    # concurrent streams would enter and leave out of order
    warnings.filterwarnings("ignore", message=_LITELLM_NOISE, module=r"litellm\.")
    chunks: list[Any] = []
    first: float | None = None
    async for chunk in stream:
        if first is None and carries_answer(chunk):
            first = time.perf_counter()
        chunks.append(chunk)
    ended = time.perf_counter()
    response = litellm.stream_chunk_builder(chunks, messages=list(messages)) if chunks else None
    if response is None or not getattr(response, "choices", None):
        raise BrokenStream(f"the stream ended after {len(chunks)} chunk(s) without an answer")
    response._hidden_params["response_cost"] = stream_cost(litellm, bundle, response)
    return StreamRead(response, ttft_ms=((first or ended) - started) * 1000, latency_ms=(ended - started) * 1000)


def carries_answer(chunk: Any) -> bool:
    """Whether a chunk holds text, a refusal or a tool-call delta: the first such chunk is the first token."""
    for choice in getattr(chunk, "choices", None) or ():
        delta = getattr(choice, "delta", None)
        if delta is None:
            continue
        if any(isinstance(getattr(delta, name, None), str) and getattr(delta, name) for name in ("content", "refusal")):
            return True
        if getattr(delta, "tool_calls", None) or getattr(delta, "function_call", None):
            return True
    return False


def stream_cost(litellm: Any, bundle: Bundle, response: Any) -> float | None:
    """The rebuilt answer's cost: at the bundle's own prices when it has them, else at litellm's for its model; None
    when neither is known (a rebuilt response carries no cost of its own, and an unknown cost is never $0)."""
    params = bundle.litellm_params
    options: dict[str, Any] = {"model": bundle.model}
    if any(params.get(name) is not None for name in PRICE_PARAMS):
        options["custom_cost_per_token"] = {name: float(params.get(name) or 0.0) for name in PRICE_PARAMS}
    try:
        cost = litellm.completion_cost(completion_response=response, **options)
    except Exception:
        return None
    return None if cost is None else float(cost)
