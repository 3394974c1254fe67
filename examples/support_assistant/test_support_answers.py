"""Behavioral spec of the support assistant: its answers stay right and helpful, not only well-formed.

Each input (questions.jsonl) holds the customer's `question`, the knowledge-base facts retrieved for it
(`context`) and a short reference answer (`expected`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

QUESTIONS = Path(__file__).with_name("questions.jsonl")
PROMPT = "Knowledge base:\n{context}\n\nQuestion: {question}"

# An LLM judge; offline, a simulated one that errs on 10% of what it judges and has the best-known biases of real
# judges: it picks the first answer shown 20% of the time and the longer answer 10% of the time. The preference
# marker asks it in both orders, which cancels the position bias. With a real judge: "openai/gpt-4o-mini".
JUDGE = "sim-judge/support-judge?accuracy=0.9&position_bias=0.2&length_bias=0.1&seed=7"
RUBRIC = (
    "5: answers exactly what the customer asked, with the fact from the knowledge base. "
    "3: partly answers it, or with a vague fact. "
    "1: answers something else, or states a fact the knowledge base does not support."
)


@pytest.mark.correctness(expected="expected", match="contains", max_decrease=0.05)
@pytest.mark.rubric(judge=JUDGE, rubric=RUBRIC, scale=5, max_decrease=0.25, context=("context",))
@pytest.mark.preference(
    judge=JUDGE, criteria="Which answer answers the customer's question correctly?", context=("context",)
)
def test_answers_stay_right_and_helpful(behavior):
    behavior.sample(QUESTIONS, prompt=PROMPT)


# The checks a team has before it judges quality: both hold for the regressed candidate, whose answers got worse.
@pytest.mark.length_distribution(min_ratio=0.8, max_ratio=1.25, unit="words")
@pytest.mark.refusal_bound(max_increase=0.03)
def test_answers_keep_their_form(behavior):
    result = behavior.sample(QUESTIONS, prompt=PROMPT)
    assert len(result.paired_ids) == 160
