"""Bundles of a room-booking assistant that answers from the facts retrieved for a question: production (golden),
a safe update, and a cheaper model that loses the thread in long prompts.

Every bundle is a simulated model with a context window of 4,000 tokens (``context=4000``). The regressed one has a
long-context cliff (``cliff=0.7``): past 70% of its window, it answers right less and less often. On short prompts
it is as good as production, so a correctness test on the bare questions would not see the change.
"""

from __future__ import annotations

import pytest

from pytest_behavior import Bundle

SYSTEM = "You answer questions about meeting rooms from the facts given, in one sentence."

ASSISTANTS = {
    "production": Bundle(
        model="sim/rooms-v1?accuracy=0.95&context=4000&mean_words=10&seed=18",
        system=SYSTEM,
        temperature=0.3,
        label="rooms-v1",
    ),
    "safe": Bundle(
        model="sim/rooms-v2?accuracy=0.95&context=4000&mean_words=9&seed=18",
        system=SYSTEM + " Be brief.",
        temperature=0.3,
        label="rooms-v2",
    ),
    # A cheaper model with the same window, whose accuracy falls past 70% of it.
    "regressed": Bundle(
        model="sim/rooms-v3?accuracy=0.95&context=4000&cliff=0.7&mean_words=10&seed=18",
        system=SYSTEM,
        temperature=0.3,
        label="rooms-v3",
    ),
}


@pytest.fixture(scope="session")
def candidate_bundle(behavior_candidate_name: str | None) -> Bundle:
    name = behavior_candidate_name or "safe"
    if name not in ASSISTANTS:
        raise pytest.UsageError(f"--behavior-candidate={name}: choose one of {', '.join(ASSISTANTS)}")
    return ASSISTANTS[name]


@pytest.fixture(scope="session")
def baseline_bundle() -> Bundle:
    return ASSISTANTS["production"]
