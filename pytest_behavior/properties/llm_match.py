"""The ``llm`` matcher of ``@pytest.mark.correctness``: an LLM judge decides whether an output is equivalent to the
reference answer, for free text that no rule-based matcher reads reliably.

``match="llm:<litellm model>"``, or ``match="llm"`` with ``judge=`` a model string or a model `Bundle` (the same
``judge=`` as ``preference`` and ``rubric``). For each output and each reference of its input (a list means any of
them), one judge prompt (`spec.judge_format.render_equivalence`, template ``reference-1``): the question the output
answered (`properties.judged.question_of`), the context fields ``context=`` names, the reference and the output;
the judge answers ``{"verdict": "equivalent" | "different", "reason": ...}`` (`spec.judge_answers.parse_equivalence`).
An output is right when the judge finds it equivalent to any reference, wrong when it finds it different from all.

**Unparsed answers.** The engine asks again once for an answer that breaks the JSON contract; an output still left
without a readable verdict (no reference judged equivalent and at least one answer unparsed) is *undecided*. It is
counted, warned about (`BehaviorJudgeUnparsedWarning`) and shown in the diff, and it scores against the candidate:
right in the baseline's arm, wrong in the candidate's (so also wrong against ``min_rate``). Scoring it wrong in both
arms would lower the baseline's rate as well and shrink the measured drop, so a judge failing on a regressed
candidate's baseline could turn a regression into a pass; scoring it right would hide the candidate's errors; and
the paired tests need a value in every cell. Counted against the candidate, an unreadable judge can only make a
candidate look worse: a false alarm the warning and the diff explain, never a regression passed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pytest_behavior.errors import MarkerError
from pytest_behavior.properties.judged import judge_arg
from pytest_behavior.spec.judge_answers import EquivalenceJudgment
from pytest_behavior.spec.judge_format import JudgePrompt, render_equivalence

LLM = "llm"
UNDECIDED = {True: 1.0, False: 0.0}
"""What an undecided output scores, by whether it is in the baseline's arm (True) or the candidate's (False)."""


def is_llm(match: Any) -> bool:
    """``match="llm"`` or ``match="llm:<model>"``."""
    return isinstance(match, str) and (match == LLM or match.startswith(f"{LLM}:"))


def llm_judge(marker: str, match: Any, judge: Any) -> Any | None:
    """The judge of ``match='llm:<model>'`` (its model string) or of ``match='llm'`` (``judge=``), checked; None for
    any other matcher, which takes no ``judge=``."""
    where = f"@pytest.mark.{marker}"
    if not is_llm(match):
        if judge is not None:
            raise MarkerError(
                f"{where}: judge= goes with match='llm' (an LLM judge of equivalence with the reference), not "
                f"match={match!r}; write match='llm' to have the judge decide, or leave judge= out"
            )
        return None
    model = match[len(LLM) + 1 :].strip() if match != LLM else None
    if model is not None and not model:
        raise MarkerError(
            f"{where}: match={match!r} names no judge model; write match='llm:<litellm model>' (e.g. "
            "'llm:openai/gpt-4o-mini'), or match='llm' with judge= a model string or a model Bundle"
        )
    if model is not None and judge is not None:
        raise MarkerError(
            f"{where}: match={match!r} names the judge and judge= gives another ({judge!r}); give it once: "
            "match='llm:<model>', or match='llm' with judge="
        )
    if model is None and judge is None:
        raise MarkerError(
            f"{where}: match='llm' needs judge= a litellm model string (e.g. 'openai/gpt-4o-mini') or a model "
            "Bundle, or write the model in the matcher: match='llm:<model>'"
        )
    return judge_arg(marker, judge if model is None else model)


def reference_text(reference: Any) -> str:
    """A reference as the judge reads it: a string as it is, any other value as JSON (``42``, ``{"a": 1}``)."""
    if isinstance(reference, str):
        return reference
    return json.dumps(reference, ensure_ascii=False, sort_keys=True, default=str)


def equivalence_prompts(
    output: str, references: Sequence[Any], *, question: str, context: Mapping[str, object]
) -> list[JudgePrompt]:
    """One judge prompt per reference: is ``output`` equivalent to it?"""
    return [
        render_equivalence(
            question=question, answer=str(output), reference=reference_text(r), context=dict(context) or None
        )
        for r in references
    ]


@dataclass(frozen=True)
class OutputVerdict:
    """The judge's verdict on one output against all its references: ``right`` None when undecided."""

    right: bool | None
    reason: str
    unparsed: int
    """Judge answers about this output that did not parse even when asked again."""


def output_verdict(judgments: Sequence[EquivalenceJudgment | None]) -> OutputVerdict:
    """Right when any reference is judged equivalent (its reason), else undecided when an answer did not parse,
    else wrong (the first reference's reason)."""
    unparsed = sum(j is None for j in judgments)
    equivalent = next((j for j in judgments if j is not None and j.equivalent), None)
    if equivalent is not None:
        return OutputVerdict(True, equivalent.reason, unparsed)
    if unparsed:
        return OutputVerdict(None, "", unparsed)
    return OutputVerdict(False, next(j.reason for j in judgments if j is not None), 0)


def verdict_note(verdict: OutputVerdict, *, baseline: bool) -> str:
    """The judge's word on an output, for a diff cell."""
    if verdict.right is None:
        counted = "right (baseline)" if baseline else "wrong (candidate)"
        return f"judge: no readable verdict even when asked again, counted {counted}"
    return f"judge: {verdict.reason}" if verdict.reason else "judge: (no reason given)"


def unparsed_meaning() -> str:
    return "outputs left without a verdict count against the candidate: right in the baseline, wrong in the candidate"
