"""The simulated provider's context window (``context=``) and its long-context cliff (``cliff=``).

- ``context=<tokens>``: the model's window. A prompt longer than it is refused (a 400, as a provider refuses an
  over-long prompt), and ``context_sweep`` reads it as the model's window.
- ``cliff=<share>`` (with ``context=`` and ``accuracy=``): past that share of the window, the model loses the
  thread: its ``accuracy`` falls linearly from its value at the cliff to 0 at the full window. The share is the
  prompt's real length (every message, counted offline as `pytest_behavior.context.tokens` counts).

The background block ``context_sweep`` adds (`pytest_behavior.context.filler`) is set aside before the question is
answered, so the answer's draws are those of the bare question (common random numbers across levels): without a
cliff every level gets the same answers, and with one exactly the answers with the highest draws turn wrong as the
prompt grows. The answer's usage (``prompt_tokens``) counts the whole prompt, the block included: what a provider
bills.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, TypeVar

from pytest_behavior.context.filler import without_background

S = TypeVar("S")


def check(model: str, values: Mapping[str, Any]) -> str | None:
    """Why these knobs cannot go together (None: they can)."""
    if values.get("cliff") is None:
        return None
    if not values.get("context"):
        return f"simulated model {model!r}: cliff= is a share of the window; give the window with context=<tokens>"
    if values.get("accuracy") is None:
        return f"simulated model {model!r}: cliff= lowers accuracy past a share of the window; set accuracy= too"
    return None


def whole_prompt(messages: Sequence[Mapping[str, Any]]) -> str:
    """Every message's text, one after another: what the simulated provider's usage counts (as a provider bills
    the whole prompt, the background block included, though the answer is drawn from the bare question)."""
    parts = []
    for message in messages:
        content = message.get("content")
        parts.append(content if isinstance(content, str) else json.dumps(content, sort_keys=True))
    return "\n".join(parts)


def usage(settings: Any, messages: Sequence[Mapping[str, Any]], counted: dict[str, int]) -> dict[str, int]:
    """``counted`` (the provider's usage, about 1.3 tokens a word of the whole prompt), its prompt tokens counted
    as ``context_sweep`` counts them (`count_messages`) when the model has a window: the diff's tokens sent, the
    level's share of the window and the bill then agree."""
    if not getattr(settings, "context", None):
        return counted
    from pytest_behavior.context.tokens import count_messages

    prompt_tokens = count_messages(messages)
    return {**counted, "prompt_tokens": prompt_tokens, "total_tokens": prompt_tokens + counted["completion_tokens"]}


def apply(
    settings: S, messages: Sequence[Mapping[str, Any]], prompt: str, error: type[Exception] = ValueError
) -> tuple[S, str]:
    """The settings this prompt is answered with (``accuracy`` past the cliff) and the prompt without its
    background block; raises ``error`` (the provider's 400) when the prompt is longer than the window."""
    window = float(getattr(settings, "context", 0.0) or 0.0)
    bare = without_background(prompt)  # a prompt without the block is returned as it is
    if not window:
        return settings, bare
    from pytest_behavior.context.tokens import count_messages

    tokens = count_messages(messages)
    if tokens > window:
        raise error(f"the prompt has {tokens} tokens, more than this model's context window of {window:g}")
    cliff = getattr(settings, "cliff", None)
    accuracy = getattr(settings, "accuracy", None)
    share = tokens / window
    if cliff is None or accuracy is None or share <= cliff:
        return settings, bare
    kept = max(0.0, (1.0 - share) / (1.0 - cliff)) if cliff < 1 else 1.0
    return replace(settings, accuracy=accuracy * kept), bare  # type: ignore[type-var]
