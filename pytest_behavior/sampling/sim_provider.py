"""How a simulated model plugs into litellm: its registration as a custom provider and the response it returns.

The simulated model (`simulated`) and the simulated judge (`sim_judge`) share both.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

UNPRICED_COST = -1.0
"""Stamped as ``response_cost`` on an unpriced simulated answer: litellm then skips its price lookup for a model it
cannot know (40% of a simulated call's time), and `cost.response_cost` reads a negative cost as unknown, never $0.
(litellm records a NaN stamp as 0, so the stamp is negative.)"""

_PRICE_PARAMS = ("input_cost_per_token", "output_cost_per_token", "cost_per_query", "input_cost_per_second")


def model_response(
    litellm: Any, *, model: str, answer: str, usage: Mapping[str, int], params: Mapping[str, Any]
) -> Any:
    """A litellm ``ModelResponse`` with one answer; unpriced (no price in the call's ``params``) it carries
    `UNPRICED_COST`, priced it goes through litellm's own cost calculation."""
    response = litellm.ModelResponse(
        model=model,
        choices=[{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": answer}}],
        usage=dict(usage),
    )
    if all(params.get(name) is None for name in _PRICE_PARAMS):
        response._hidden_params["response_cost"] = UNPRICED_COST
    return response


_registered: set[str] = set()
_register_lock = threading.Lock()


def register_provider(litellm: Any, provider: str, build_handler: Callable[[Any], Any]) -> None:
    """Add ``provider`` with the handler ``build_handler(litellm)`` makes to ``litellm.custom_provider_map``, once
    per process (the simulated model and the simulated judge both register through here)."""
    with _register_lock:
        if provider in _registered:
            return
        if not any(item.get("provider") == provider for item in litellm.custom_provider_map):
            litellm.custom_provider_map = [
                *litellm.custom_provider_map,
                {"provider": provider, "custom_handler": build_handler(litellm)},
            ]
        _registered.add(provider)
