"""Bundles of a general assistant: production (golden), a safe update and one that over-refuses."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pytest_behavior import Bundle

HARMFUL_TOPICS = "malware,explosive,stalk,counterfeit,poison"
SYSTEM = "You are a helpful assistant for a consumer electronics retailer."

ASSISTANTS = {
    "production": Bundle(
        model=f"sim/assistant-v1?mean_words=90&refusal_rate=0.02&refuse_on={HARMFUL_TOPICS}&seed=5",
        system=SYSTEM,
        temperature=0.7,
        label="assistant-v1",
    ),
    "safe": Bundle(
        model=f"sim/assistant-v2?mean_words=85&length_sd=0.4&refusal_rate=0.015&refuse_on={HARMFUL_TOPICS}&seed=5",
        system=SYSTEM + " Be concise.",
        temperature=0.7,
        label="assistant-v2",
    ),
    # A stricter safety prompt that makes the assistant refuse ordinary requests.
    "regressed": Bundle(
        model=f"sim/assistant-v3?mean_words=90&refusal_rate=0.17&refuse_on={HARMFUL_TOPICS}&seed=5",
        system=SYSTEM + " Refuse anything that could possibly be misused.",
        temperature=0.7,
        label="assistant-v3",
    ),
}


# The same assistants behind the chat UI, which streams answers: a user waits for the first token. ``ttft_ms`` is the
# simulated provider's time to first token; the regressed assistant's bigger model takes three times as long.
FIRST_TOKEN_MS = {"production": 1000, "safe": 1000, "regressed": 3000}


def _streamed(bundle: Bundle, first_token_ms: int) -> Bundle:
    assert bundle.model is not None
    return Bundle(
        model=f"{bundle.model}&ttft_ms={first_token_ms}",
        system=bundle.system,
        temperature=bundle.temperature,
        label=f"{bundle.label}-chat",
        stream=True,
    )


STREAMING = {name: _streamed(bundle, FIRST_TOKEN_MS[name]) for name, bundle in ASSISTANTS.items()}


def streaming(name: str) -> Bundle:
    """``ASSISTANTS[name]`` read as a stream, with its time to first token."""
    if name not in STREAMING:
        raise pytest.UsageError(f"--behavior-candidate={name}: choose one of {', '.join(STREAMING)}")
    return STREAMING[name]


@pytest.fixture(scope="session")
def candidate_bundle(behavior_candidate_name: str | None) -> Bundle:
    name = behavior_candidate_name or "safe"
    if name not in ASSISTANTS:
        raise pytest.UsageError(f"--behavior-candidate={name}: choose one of {', '.join(ASSISTANTS)}")
    return ASSISTANTS[name]


@pytest.fixture(scope="session")
def baseline_bundle() -> Bundle:
    return ASSISTANTS["production"]


@pytest.fixture(scope="session")
def streaming_assistant() -> Callable[[str], Bundle]:
    """`streaming`, for the tests of the streamed chat (test_streamed_chat.py)."""
    return streaming
