"""``@pytest.mark.rubric(judge=..., rubric="...", scale=5, max_decrease=0.25, min_mean=None)``: judged scores.

An LLM judge scores every output of both arms 1..``scale`` on the rubric (`spec.judge_format.render_pointwise`,
read by `spec.judge_answers.parse_score`). The score is a ``bounded`` metric on [1, scale]: ``max_decrease`` (in
scale points) bounds the paired per-input mean drop against the baseline (`stats.paired_mean_bound`), ``min_mean``
the candidate's own mean (`stats.bounded_mean_bound`). An answer that does not parse even when asked once more is
counted and reported, and scores the middle of the scale (neither good nor bad: never silently a pass or a fail of
that output); the diff shows the inputs whose score dropped most, with the judge's stated reason.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

from pytest_behavior.errors import BehaviorJudgeUnparsedWarning, MarkerError
from pytest_behavior.properties.base import (
    Metric,
    Observation,
    PromptRequest,
    Property,
    Texts,
    as_matrix,
    bounds_from,
    prompt_key,
    register,
)
from pytest_behavior.properties.judged import fields_arg, judge_arg, judge_id, seen_by_judge, text_arg
from pytest_behavior.properties.preference import _short
from pytest_behavior.spec.judge_answers import ScoreJudgment, parse_score
from pytest_behavior.spec.judge_format import DEFAULT_RUBRIC, POINTWISE, JudgePrompt, render_pointwise

MAX_SHOWN = 5


@register
@dataclass(frozen=True)
class Rubric(Property):
    marker_name: ClassVar[str] = "rubric"
    sequential_capable: ClassVar[bool] = False
    explains_flips: ClassVar[bool] = True

    judge: Any
    rubric: str = DEFAULT_RUBRIC
    scale: int = 5
    max_decrease: float | None = 0.25
    min_mean: float | None = None
    context: tuple[str, ...] = ()
    expected: str | None = None
    judgments: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def from_marker(
        cls,
        *,
        judge: Any = None,
        rubric: Any = None,
        scale: Any = 5,
        max_decrease: Any = 0.25,
        min_mean: Any = None,
        context: Any = None,
        expected: Any = None,
    ) -> Rubric:
        name = cls.marker_name
        if isinstance(scale, bool) or not isinstance(scale, int) or not 2 <= scale <= 100:
            raise MarkerError(f"@pytest.mark.{name}: scale must be an integer from 2 to 100, got {scale!r}")
        for arg, value, low, high in (("max_decrease", max_decrease, 0, scale - 1), ("min_mean", min_mean, 1, scale)):
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
                raise MarkerError(
                    f"@pytest.mark.{name}: {arg} must be a number from {low} to {high} (scale points), got {value!r}"
                )
        if max_decrease is None and min_mean is None:
            raise MarkerError(f"@pytest.mark.{name} needs max_decrease or min_mean")
        return cls(
            judge=judge_arg(name, judge),
            rubric=text_arg(name, "rubric", rubric, DEFAULT_RUBRIC),
            scale=scale,
            max_decrease=None if max_decrease is None else float(max_decrease),
            min_mean=None if min_mean is None else float(min_mean),
            context=fields_arg(name, "context", context),
            expected=None if expected is None else fields_arg(name, "expected", expected)[0],
        )

    @property
    def judge_id(self) -> str:
        return judge_id(self.judge, POINTWISE)

    def metrics(self) -> tuple[Metric, ...]:
        bounds = bounds_from(max_decrease=self.max_decrease, min_mean=self.min_mean)
        scale = (1.0, float(self.scale))
        return (Metric(key="rubric", title="rubric score", kind="bounded", bounds=bounds, scale=scale),)

    def _prompt(self, output: str) -> JudgePrompt:
        question, context, reference = seen_by_judge(
            self.marker_name, output, context=self.context, expected=self.expected
        )
        return render_pointwise(
            question=question,
            answer=str(output),
            scale=self.scale,
            rubric=self.rubric,
            context=context or None,
            reference=reference,
        )

    def prompt_request(self, baseline: Texts | None, candidate: Texts) -> PromptRequest | None:
        outputs = [t for texts in (baseline or [], candidate) for row in texts for t in row]
        prompts = tuple(self._prompt(t) for t in outputs)
        scale = self.scale
        return PromptRequest(
            name="rubric judge", judge=self.judge, prompts=prompts, parse=lambda answer: parse_score(answer, scale)
        )

    def with_judgments(self, judgments: Mapping[str, Any]) -> Rubric:
        return replace(self, judgments=judgments)

    def judged(self, texts: Texts) -> list[list[ScoreJudgment | None]]:
        if self.judgments is None:
            raise AssertionError("a rubric is observed only after its judge answered")
        return [[self.judgments[prompt_key(self._prompt(t))] for t in row] for row in texts]

    def _scores(self, texts: Texts) -> Any:
        middle = (1 + self.scale) / 2
        return as_matrix([[middle if j is None else float(j.score) for j in row] for row in self.judged(texts)])

    def observe(self, baseline: Texts | None, candidate: Texts) -> list[Observation]:
        arms = [candidate] if baseline is None else [baseline, candidate]
        unparsed = sum(j is None for texts in arms for row in self.judged(texts) for j in row)
        if unparsed:
            warnings.warn(
                BehaviorJudgeUnparsedWarning(
                    f"the rubric judge {self.judge_id}: {unparsed} answers did not parse even when asked again; "
                    f"they score the middle of the scale, {(1 + self.scale) / 2:g}"
                ),
                stacklevel=2,
            )
        base = None if baseline is None else self._scores(baseline)
        return [Observation(self.metrics()[0], base, self._scores(candidate))]

    def explain(self, baseline: Texts, candidate: Texts, ids: Sequence[str]) -> list[str]:
        if baseline is None or self.judgments is None:
            return []
        base, cand = self._scores(baseline).mean(axis=1), self._scores(candidate).mean(axis=1)
        judged = self.judged(candidate)
        unparsed = sum(j is None for texts in (baseline, candidate) for row in self.judged(texts) for j in row)
        lines = [f"rubric scores (1..{self.scale}): baseline mean {base.mean():.2f}, candidate {cand.mean():.2f}"]
        if unparsed:
            lines.append(f"unparsed judge answers (after one re-ask): {unparsed}")
        drops = sorted((float(c - b), i) for i, (b, c) in enumerate(zip(base, cand, strict=True)) if c < b)
        if drops:
            lines.append("inputs whose score dropped most:")
        for drop, i in drops[:MAX_SHOWN]:
            reason = next((j.reason for j in judged[i] if j is not None), "(unparsed)")
            lines.append(f"  {ids[i]}: {base[i]:.2f} -> {cand[i]:.2f} ({drop:+.2f}); judge: {_short(reason, 160)}")
            lines.append(f"    candidate: {_short(candidate[i][0], 120)}")
        return lines

    def describe(self) -> dict[str, Any]:
        described: dict[str, Any] = {"marker": self.marker_name, "judge": self.judge_id, "scale": self.scale}
        for key in ("max_decrease", "min_mean"):
            if getattr(self, key) is not None:
                described[key] = getattr(self, key)
        if self.context:
            described["context"] = list(self.context)
        if self.expected is not None:
            described["expected"] = self.expected
        return described
