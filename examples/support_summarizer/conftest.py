"""Bundles of the ticket summarizer: production (golden), a safe update and a regressed one."""

from __future__ import annotations

import pytest

from pytest_behavior import Bundle

SYSTEM_V1 = "You summarize customer support tickets. Answer with a JSON object only."
SYSTEM_V2 = (
    "You summarize customer support tickets for the support queue. Answer with a JSON object with "
    "the keys summary, sentiment and priority, and nothing else."
)

SUMMARIZERS = {
    # What production runs. The golden files were recorded from this bundle.
    "production": Bundle(
        model="sim/support-v1?json=1&keys=summary,sentiment,priority&mean_words=45&refusal_rate=0.01&seed=11",
        system=SYSTEM_V1,
        temperature=0.2,
        response_format={"type": "json_object"},
        label="support-v1",
    ),
    # A prompt edit and a model update with equivalent behavior: the suite passes.
    "safe": Bundle(
        model="sim/support-v2?json=1&keys=summary,sentiment,priority&mean_words=48&length_sd=0.4"
        "&refusal_rate=0.01&seed=11",
        system=SYSTEM_V2,
        temperature=0.2,
        response_format={"type": "json_object"},
        label="support-v2",
    ),
    # The new model writes `exec_summary` instead of `summary`, and much shorter summaries.
    "regressed": Bundle(
        model="sim/support-v3?json=1&keys=exec_summary,sentiment,priority&mean_words=14&refusal_rate=0.01&seed=11",
        system=SYSTEM_V2,
        temperature=0.2,
        response_format={"type": "json_object"},
        label="support-v3",
    ),
}


@pytest.fixture(scope="session")
def candidate_bundle(behavior_candidate_name: str | None) -> Bundle:
    """The bundle this branch ships; `--behavior-candidate=NAME` picks another for comparison."""
    name = behavior_candidate_name or "safe"
    if name not in SUMMARIZERS:
        raise pytest.UsageError(f"--behavior-candidate={name}: choose one of {', '.join(SUMMARIZERS)}")
    return SUMMARIZERS[name]


@pytest.fixture(scope="session")
def baseline_bundle() -> Bundle:
    """Used by --behavior-baseline=live (sample production live instead of reading golden/)."""
    return SUMMARIZERS["production"]
