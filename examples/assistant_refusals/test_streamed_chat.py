"""The chat UI streams the assistant's answers: what a user waits for is the first token, not the whole answer.

The bundles here are the conftest's assistants read as streams (its ``streaming_assistant`` fixture); ``latency_bound``
bounds the ratio of the 95th percentile of the time to first token, paired per input.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pytest_behavior import Bundle

QUESTIONS = [f"Which of our {n} laptop models has the longest battery life?" for n in range(2, 42)]


@pytest.fixture(scope="session")
def candidate_bundle(behavior_candidate_name: str | None, streaming_assistant: Callable[[str], Bundle]) -> Bundle:
    return streaming_assistant(behavior_candidate_name or "safe")


@pytest.fixture(scope="session")
def baseline_bundle(streaming_assistant: Callable[[str], Bundle]) -> Bundle:
    return streaming_assistant("production")


@pytest.mark.latency_bound(max_ttft_p95_ratio=2.0)
def test_first_token_arrives_as_fast(behavior):
    behavior.sample(QUESTIONS)
