"""What a call costs: litellm's price data, or the bundle's own ``input_cost_per_token`` / ``output_cost_per_token``.

Estimates (before a call) count about four characters per token of the rendered messages and, for the answer, the mean
completion tokens of samples already cached for the bundle, else its ``max_tokens``, else
`DEFAULT_COMPLETION_TOKENS`. The budget reserves each call at its own estimate (`estimate_each_call_usd`: its prompt's
length at the input price), so a call with a long prompt is not reserved at the price of short ones. A model litellm
has no price for, without prices on the bundle, costs ``None``: unknown, never silently zero.
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


def estimate_each_call_usd(
    bundle: Bundle, messages: Sequence[Sequence[Mapping[str, Any]]], *, previous: Sequence[Mapping[str, Any]] = ()
) -> list[float] | None:
    """Estimated dollars of each call of ``bundle``, from its own prompt: its tokens at the input price plus the
    expected answer at the output price (None: no price known). Prompts of very different lengths (a
    ``context_sweep``'s levels) are each priced at their length, where a mean recorded cost of shorter calls would
    price a long one far too low; without a price, the recorded costs' mean stands for every call."""
    if not messages:
        return []
    prices = _token_prices(bundle, _expected_completion_tokens(bundle, previous))
    if prices is None:
        known = [float(p["cost_usd"]) for p in previous if p.get("cost_usd") is not None]
        return [sum(known) / len(known)] * len(messages) if known else None
    per_prompt_token, answer = prices
    return [answer + per_prompt_token * _approximate_tokens(m) for m in messages]


REFERENCE_PROMPT_TOKENS = 1000
"""The prompt length at which litellm's input price per token is read (tiered prices beyond it are not modelled)."""


def _token_prices(bundle: Bundle, completion_tokens: int) -> tuple[float, float] | None:
    """Dollars per prompt token, and for the expected answer; None: no price known."""
    params = bundle.litellm_params
    if any(name in params for name in PRICE_PARAMS):
        output = float(params.get("output_cost_per_token") or 0.0)
        return float(params.get("input_cost_per_token") or 0.0), completion_tokens * output
    if bundle.model is None:
        return None
    from pytest_behavior.sampling.litellm_loader import import_litellm

    litellm = import_litellm()
    try:
        prompt_usd, _ = litellm.cost_per_token(
            model=bundle.model, prompt_tokens=REFERENCE_PROMPT_TOKENS, completion_tokens=0
        )
        _, completion_usd = litellm.cost_per_token(
            model=bundle.model, prompt_tokens=0, completion_tokens=completion_tokens
        )
    except Exception:
        return None
    return float(prompt_usd) / REFERENCE_PROMPT_TOKENS, float(completion_usd)


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
