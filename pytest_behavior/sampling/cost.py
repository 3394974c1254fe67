"""What a call costs: litellm's price data, or the bundle's own ``input_cost_per_token`` / ``output_cost_per_token``.

Estimates (before a call) count about four characters per token of the rendered messages and, for the answer, the mean
completion tokens of samples already cached for the bundle, else its ``max_tokens``, else
`DEFAULT_COMPLETION_TOKENS`. A model litellm has no price for, without prices on the bundle, costs ``None``:
unknown, never silently zero.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from pytest_behavior.bundle import Bundle

DEFAULT_COMPLETION_TOKENS = 256
"""Completion tokens assumed per call when nothing better is known (a typical chat answer)."""

PRICE_PARAMS = ("input_cost_per_token", "output_cost_per_token")


def response_cost(litellm: Any, response: Any) -> float | None:
    """The cost litellm computed for this response (custom prices included); None when unknown (non-finite, <0)."""
    hidden = getattr(response, "_hidden_params", None)
    if isinstance(hidden, dict) and "response_cost" in hidden:
        cost = hidden["response_cost"]  # litellm priced it already (None: it has no price; asking again is slow)
    else:
        try:
            cost = litellm.completion_cost(completion_response=response)
        except Exception:
            return None
    if cost is None:
        return None
    try:
        value = float(cost)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) and value >= 0 else None  # negative: the simulated provider's "no price"


def _expected_completion_tokens(bundle: Bundle, previous: Sequence[Mapping[str, Any]]) -> int:
    seen = [
        int(p["usage"]["completion_tokens"])
        for p in previous
        if isinstance(p.get("usage"), Mapping) and p["usage"].get("completion_tokens") is not None
    ]
    if seen:
        return max(1, round(sum(seen) / len(seen)))
    max_tokens = bundle.litellm_params.get("max_tokens") or bundle.litellm_params.get("max_completion_tokens")
    return int(max_tokens) if isinstance(max_tokens, int) and max_tokens > 0 else DEFAULT_COMPLETION_TOKENS


def _approximate_tokens(messages: Sequence[Mapping[str, Any]]) -> int:
    """About four characters per token (OpenAI's rule of thumb), plus a few tokens of framing per message.

    An exact tokenizer would cost half a second to load for an estimate dominated by the unknown answer length.
    """
    return sum(4 + len(str(message.get("content") or "")) // 4 for message in messages)


def estimate_call_usd(
    bundle: Bundle, messages: Sequence[Sequence[Mapping[str, Any]]], *, previous: Sequence[Mapping[str, Any]] = ()
) -> float | None:
    """Mean estimated dollars per call of ``bundle`` over these rendered message lists (None: no price known).

    ``previous`` are cached payloads of the same calls, whose recorded costs are the best estimate when known.
    """
    known = [float(p["cost_usd"]) for p in previous if p.get("cost_usd") is not None]
    if known:
        return sum(known) / len(known)
    if not messages or bundle.model is None:
        return None
    from pytest_behavior.sampling.litellm_loader import import_litellm

    litellm = import_litellm()
    completion_tokens = _expected_completion_tokens(bundle, previous)
    prompt_tokens = round(sum(_approximate_tokens(m) for m in messages) / len(messages))
    params = bundle.litellm_params
    if any(name in params for name in PRICE_PARAMS):
        return float(
            prompt_tokens * float(params.get("input_cost_per_token") or 0.0)
            + completion_tokens * float(params.get("output_cost_per_token") or 0.0)
        )
    try:
        prompt_usd, completion_usd = litellm.cost_per_token(
            model=bundle.model, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens
        )
    except Exception:
        return None
    return float(prompt_usd) + float(completion_usd)
