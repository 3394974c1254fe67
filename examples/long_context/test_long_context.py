"""Behavioral spec of the room-booking assistant in long prompts: it must stay right when the question comes after
pages of other documents (a retrieval pipeline that puts more into the prompt, a long conversation).

Each input (questions.jsonl) holds a `question`, the facts retrieved for it (`context`) and a short reference
answer (`expected`). The context_sweep marker asks each one with the package's distractor corpus before it, filling
10%, 25%, 50%, 80% and 95% of the model's context window, and bounds the drop in right answers from the shortest
level at each longer one: at most 15 points (`max_drop=0.15`; with 40 inputs, 10 points could not be shown to
hold when a version matrix judges three versions at alpha / 3, even for a model that loses nothing).
"""

from __future__ import annotations

from pathlib import Path

import pytest

QUESTIONS = Path(__file__).with_name("questions.jsonl")
PROMPT = "Facts:\n{context}\n\nQuestion: {question}"


@pytest.mark.context_sweep(levels=[0.1, 0.25, 0.5, 0.8, 0.95], expected="expected", match="contains", max_drop=0.15)
def test_answers_stay_right_in_long_prompts(behavior):
    result = behavior.sample(QUESTIONS, prompt=PROMPT)
    assert len(result.paired_ids) == 40
