"""Token counts for ``context_sweep``, offline.

Tokens are counted with tiktoken's ``o200k_base`` encoding (GPT-4o's), loaded from the copy litellm ships (never
downloaded): exact for OpenAI's current models, an approximation for others (their tokenizers differ by some
percent, so a level is a share of the window as ``o200k_base`` counts it). A message counts its text plus
`MESSAGE_OVERHEAD` tokens of framing.

A bundle's window is found by `pytest_behavior.sampling.windows`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from pytest_behavior.errors import BehaviorConfigError

ENCODING = "o200k_base"
MESSAGE_OVERHEAD = 4


@functools.lru_cache(maxsize=1)
def encoding() -> Any:
    """The tiktoken encoding, from the offline copy (`BehaviorConfigError` when it is not there)."""
    from pytest_behavior.properties.length import _encoding, offline_tokenizer_problem

    problem = offline_tokenizer_problem(ENCODING)
    if problem is not None:
        raise BehaviorConfigError(f"context_sweep counts tokens offline: {problem}")
    return _encoding(ENCODING)


def count_text(text: str) -> int:
    return len(encoding().encode(text, disallowed_special=()))


def count_messages(messages: Sequence[Mapping[str, Any]]) -> int:
    """The tokens of a chat prompt: every message's text (content parts: their text) plus its framing."""
    total = 0
    for message in messages:
        content = message.get("content")
        if isinstance(content, list):
            content = " ".join(str(part.get("text", "")) for part in content if isinstance(part, Mapping))
        total += MESSAGE_OVERHEAD + count_text(str(content or ""))
    return total
