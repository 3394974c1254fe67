"""Bundles of a support assistant that answers from a knowledge base: production (golden), a safe update and one
that answers in the same form but picks the wrong fact more often."""

from __future__ import annotations

import pytest

from pytest_behavior import Bundle

SYSTEM_V1 = (
    "You are the support assistant of an online shop. Answer the customer's question from the knowledge base "
    "given with it, in two or three sentences."
)
SYSTEM_V2 = SYSTEM_V1 + " If the knowledge base does not say, tell the customer you will ask a colleague."

# accuracy= is the simulated model's quality knob: the share of questions it answers with the fact that answers
# them (else with another fact of the knowledge base). The same seed gives common random numbers: a lower accuracy
# makes wrong exactly the answers that were right with the highest draws, and leaves the others word for word.
ASSISTANTS = {
    # What production runs. The golden files were recorded from this bundle.
    "production": Bundle(
        model="sim/kb-assistant-v1?accuracy=0.92&mean_words=40&refusal_rate=0.01&seed=41",
        system=SYSTEM_V1,
        temperature=0.2,
        label="kb-assistant-v1",
    ),
    # A prompt edit with equivalent answers: the suite passes.
    "safe": Bundle(
        model="sim/kb-assistant-v2?accuracy=0.93&mean_words=40&refusal_rate=0.01&seed=41",
        system=SYSTEM_V2,
        temperature=0.2,
        label="kb-assistant-v2",
    ),
    # A cheaper model: answers of the same length and tone, no more refusals, but the wrong fact more often.
    "regressed": Bundle(
        model="sim/kb-assistant-v3?accuracy=0.68&mean_words=40&refusal_rate=0.01&seed=41",
        system=SYSTEM_V2,
        temperature=0.2,
        label="kb-assistant-v3",
    ),
}


@pytest.fixture(scope="session")
def candidate_bundle(behavior_candidate_name: str | None) -> Bundle:
    """The bundle this branch ships; `--behavior-candidate=NAME` picks another for comparison."""
    name = behavior_candidate_name or "safe"
    if name not in ASSISTANTS:
        raise pytest.UsageError(f"--behavior-candidate={name}: choose one of {', '.join(ASSISTANTS)}")
    return ASSISTANTS[name]


@pytest.fixture(scope="session")
def baseline_bundle() -> Bundle:
    """Used by --behavior-baseline=live (sample production live instead of reading golden/)."""
    return ASSISTANTS["production"]
