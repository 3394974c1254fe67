"""What a golden file records of its LLM judges' scores: per judged property, a summary of what the judge gave the
recorded (candidate) outputs, so ``pytest-behavior card`` can show judged quality per bundle without calling a model.

- ``rubric``: the judge id, the scale, ``n`` outputs, the count of each score 1..scale, the unparsed answers (after
  one re-ask) and the mean of the parsed scores;
- ``correctness`` with an ``llm`` matcher: the judge id, the outputs ``right`` and ``judged``, and those left
  ``undecided`` by unparsed answers (counted not right, as the candidate's arm counts them).

``preference`` records nothing: a win rate exists only against a baseline. The judge id is the model name with the
template's version and hash (`properties.judged.judge_id`): never a Bundle's parameters or credentials.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pytest_behavior.engine.comparison import Comparison


def judged_summaries(result: Comparison) -> dict[str, dict[str, Any]]:
    """The summary of each judged property of ``result`` over its candidate's outputs, by marker name."""
    from pytest_behavior.properties.correctness import LlmCorrectness
    from pytest_behavior.properties.rubric import Rubric

    outputs = [result.candidate_outputs[i] for i in result.paired_ids]
    summaries: dict[str, dict[str, Any]] = {}
    for prop in result.properties:
        if isinstance(prop, Rubric) and prop.judgments is not None:
            summaries[prop.marker_name] = _rubric(prop, outputs)
        elif isinstance(prop, LlmCorrectness) and prop.judgments is not None:
            verdicts = [prop.verdict(t) for row in outputs for t in row]
            summaries[prop.marker_name] = {
                "judge": prop.judge_id,
                "right": sum(v.right is True for v in verdicts),
                "judged": len(verdicts),
                "undecided": sum(v.right is None for v in verdicts),
            }
    return summaries


def _rubric(prop: Any, outputs: Sequence[Sequence[str]]) -> dict[str, Any]:
    counts, unparsed = prop.score_counts(outputs)
    scored = sum(counts)
    mean = sum((k + 1) * n for k, n in enumerate(counts)) / scored if scored else None
    return {
        "judge": prop.judge_id,
        "scale": prop.scale,
        "n": scored + unparsed,
        "counts": counts,
        "unparsed": unparsed,
        "mean": None if mean is None else round(mean, 4),
    }
