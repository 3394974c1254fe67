"""``@pytest.mark.rubric(judge=..., rubric="...", scale=5, max_decrease=0.25, min_mean=None)``: judged scores.

An LLM judge scores every output of both arms 1..``scale`` on the rubric (`spec.judge_format.render_pointwise`,
read by `spec.judge_answers.parse_score`). The score is a ``bounded`` metric on [1, scale]: ``max_decrease`` (in
scale points) bounds the paired per-input mean drop against the baseline (`stats.paired_mean_bound`), ``min_mean``
the candidate's own mean (`stats.bounded_mean_bound`). An answer that does not parse even when asked once more is
counted and reported, and scores the middle of the scale (neither good nor bad: never silently a pass or a fail of
that output); the diff shows the inputs whose score dropped most, with the judge's stated reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from pytest_behavior.errors import MarkerError
from pytest_behavior.properties.base import (
    Metric,
    Observation,
    PromptRequest,
    Texts,
    as_matrix,
    bounds_from,
    prompt_key,
    register,
)
from pytest_behavior.properties.judged import JudgedProperty, judged_args, text_arg
from pytest_behavior.sanitize import clipped
from pytest_behavior.spec.judge_answers import ScoreJudgment, parse_score
from pytest_behavior.spec.judge_format import DEFAULT_RUBRIC, POINTWISE, JudgePrompt, JudgeTemplate, render_pointwise

MAX_SHOWN = 5


@dataclass(frozen=True)
class ScoreDrop:
    """One input whose mean rubric score dropped: its row, both arms' mean scores, the judge's reason."""

    index: int
    baseline: float
    candidate: float
    reason: str | None


@register
@dataclass(frozen=True)
class Rubric(JudgedProperty):
    marker_name: ClassVar[str] = "rubric"
    template: ClassVar[JudgeTemplate] = POINTWISE

    rubric: str = DEFAULT_RUBRIC
    scale: int = 5
    max_decrease: float | None = 0.25
    min_mean: float | None = None

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
            **judged_args(name, judge=judge, context=context, expected=expected),
            rubric=text_arg(name, "rubric", rubric, DEFAULT_RUBRIC),
            scale=scale,
            max_decrease=None if max_decrease is None else float(max_decrease),
            min_mean=None if min_mean is None else float(min_mean),
        )

    def metrics(self) -> tuple[Metric, ...]:
        bounds = bounds_from(max_decrease=self.max_decrease, min_mean=self.min_mean)
        scale = (1.0, float(self.scale))
        return (Metric(key="rubric", title="rubric score", kind="bounded", bounds=bounds, scale=scale),)

    def _prompt(self, output: str) -> JudgePrompt:
        question, context, reference = self.seen(output)
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

    def judged(self, texts: Texts) -> list[list[ScoreJudgment | None]]:
        answers = self.answers()
        return [[answers[prompt_key(self._prompt(t))] for t in row] for row in texts]

    def _scores(self, texts: Texts) -> Any:
        middle = (1 + self.scale) / 2
        return as_matrix([[middle if j is None else float(j.score) for j in row] for row in self.judged(texts)])

    def observe(self, baseline: Texts | None, candidate: Texts) -> list[Observation]:
        arms = [candidate] if baseline is None else [baseline, candidate]
        judged = [j for texts in arms for row in self.judged(texts) for j in row]
        self.warn_unparsed(
            sum(j is None for j in judged),
            answers=len(judged),
            meaning=f"they score the middle of the scale, {(1 + self.scale) / 2:g}",
        )
        base = None if baseline is None else self._scores(baseline)
        return [Observation(self.metrics()[0], base, self._scores(candidate))]

    def score_counts(self, texts: Texts) -> tuple[list[int], int]:
        """How many of ``texts`` the judge gave each score 1..scale, and how many answers did not parse."""
        counts = [0] * self.scale
        unparsed = 0
        for row in self.judged(texts):
            for j in row:
                if j is None:
                    unparsed += 1
                else:
                    counts[j.score - 1] += 1
        return counts, unparsed

    def drops(self, baseline: Texts, candidate: Texts) -> list[ScoreDrop]:
        """The inputs whose mean score dropped, the biggest drop first, with the judge's reason for the candidate."""
        base, cand = self._scores(baseline).mean(axis=1), self._scores(candidate).mean(axis=1)
        judged = self.judged(candidate)
        order = sorted((float(c - b), i) for i, (b, c) in enumerate(zip(base, cand, strict=True)) if c < b)
        return [
            ScoreDrop(i, float(base[i]), float(cand[i]), next((j.reason for j in judged[i] if j is not None), None))
            for _, i in order
        ]

    def explain(self, baseline: Texts, candidate: Texts, ids: Sequence[str], *, shown: int | None = None) -> list[str]:
        if baseline is None or self.judgments is None:
            return []
        base, cand = self._scores(baseline).mean(), self._scores(candidate).mean()
        unparsed = self.score_counts(baseline)[1] + self.score_counts(candidate)[1]
        lines = [f"rubric scores (1..{self.scale}): baseline mean {base:.2f}, candidate {cand:.2f}"]
        if unparsed:
            lines.append(f"unparsed judge answers (after one re-ask): {unparsed}")
        drops = self.drops(baseline, candidate)
        if drops:
            lines.append("inputs whose score dropped most:")
        for d in drops[: shown or MAX_SHOWN]:
            reason = clipped(d.reason or "(unparsed)", 160)
            lines.append(
                f"  {ids[d.index]}: {d.baseline:.2f} -> {d.candidate:.2f} ({d.candidate - d.baseline:+.2f}); "
                f"judge: {reason}"
            )
            lines.append(f"    candidate: {clipped(candidate[d.index][0], 120)}")
        return lines

    def describe(self) -> dict[str, Any]:
        own = {key: getattr(self, key) for key in ("max_decrease", "min_mean") if getattr(self, key) is not None}
        return self.described(scale=self.scale, **own)
