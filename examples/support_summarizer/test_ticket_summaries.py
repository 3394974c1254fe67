"""Behavioral spec of the ticket summarizer: JSON with fixed keys, stable length."""

from __future__ import annotations

from pathlib import Path

import pytest

TICKETS = Path(__file__).with_name("tickets.jsonl")

SUMMARY_SCHEMA = {
    "type": "object",
    "required": ["summary", "sentiment", "priority"],
    "properties": {
        "summary": {"type": "string", "minLength": 1},
        "sentiment": {"enum": ["positive", "neutral", "negative"]},
        "priority": {"enum": ["low", "medium", "high"]},
    },
}


@pytest.mark.schema_stability(SUMMARY_SCHEMA, max_invalid_increase=0.02, max_key_change_increase=0.02)
@pytest.mark.length_distribution(min_ratio=0.8, max_ratio=1.3, unit="words")
def test_ticket_summaries_keep_their_shape(behavior):
    result = behavior.sample(TICKETS, prompt="Summarize this support ticket:\n\n{text}")
    # The plugin asserts the marked properties; the test can also check what it cares about directly.
    assert len(result.paired_ids) == 240
