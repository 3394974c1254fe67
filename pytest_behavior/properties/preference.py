"""``@pytest.mark.preference(judge=..., criteria="...", min_win_rate=0.45)``: an LLM judge compares the answers.

For each paired input and repeat j the judge compares the baseline's answer j with the candidate's answer j
**in both orders** (`spec.judge_format.render_pairwise`), which removes the judge's position bias by design. Per
comparison: the candidate wins both orders = 1, loses both = 0, anything else (a tie, or the orders disagree) = ½;
per input the mean over repeats. The win rate, the mean over inputs, is a ``bounded`` metric in [0, 1] with the
relative bound ``min_win_rate`` (it needs a baseline): REGRESSED when it is shown to be below ``min_win_rate``
(`stats.bounded_mean_bound`). The baseline's column is 1 - score (its own win rate against the candidate).

An answer the judge gave that does not parse even when asked once more is counted as unparsed and reported (a
warning, and in the diff); its comparison scores ½, as a comparison whose two orders do not both say the same.
The diff shows wins / ties / losses, the judge's order consistency, the share of decided judgments the longer
answer won, a length-controlled win rate (`length_controlled`: the win rate at equal length) beside the raw one,
and the inputs the candidate lost most clearly with the judge's reasons.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from pytest_behavior.errors import MarkerError
from pytest_behavior.properties.base import (
    Bound,
    Metric,
    Observation,
    PromptRequest,
    Texts,
    as_matrix,
    prompt_key,
    rate_arg,
    register,
)
from pytest_behavior.properties.judged import JudgedProperty, judged_args, question_of, text_arg
from pytest_behavior.sanitize import clipped
from pytest_behavior.spec.judge_answers import PairwiseJudgment, parse_pairwise
from pytest_behavior.spec.judge_format import DEFAULT_CRITERIA, PAIRWISE, JudgePrompt, JudgeTemplate, render_pairwise

MAX_SHOWN = 5


@dataclass(frozen=True)
class Comparison:
    """One baseline/candidate pair judged in both orders (AB: baseline in A; BA: candidate in A)."""

    score: float
    ab: PairwiseJudgment | None
    ba: PairwiseJudgment | None
    base_words: int
    cand_words: int
    identical: bool = False
    """The two answers are the same text: a tie by definition, not sent to the judge (both orders would be one
    prompt, and its one verdict would read as the two orders disagreeing)."""

    @property
    def unparsed(self) -> int:
        return 0 if self.identical else (self.ab is None) + (self.ba is None)

    def candidate_lost_in(self) -> str | None:
        """The judge's reason in a judgment the candidate lost, saying which answer the candidate was (the reasons
        name answers A and B), else None."""
        if self.ab is not None and self.ab.verdict == "A":
            return f"(candidate was B) {self.ab.reason}"
        if self.ba is not None and self.ba.verdict == "B":
            return f"(candidate was A) {self.ba.reason}"
        return None

    def candidate_wins(self) -> tuple[bool | None, bool | None]:
        """Per order: True when the candidate won, False when it lost, None for a tie or no answer."""
        ab = None if self.ab is None or self.ab.verdict == "tie" else self.ab.verdict == "B"
        ba = None if self.ba is None or self.ba.verdict == "tie" else self.ba.verdict == "A"
        return ab, ba


@register
@dataclass(frozen=True)
class Preference(JudgedProperty):
    marker_name: ClassVar[str] = "preference"
    template: ClassVar[JudgeTemplate] = PAIRWISE

    criteria: str = DEFAULT_CRITERIA
    min_win_rate: float = 0.45

    @classmethod
    def from_marker(
        cls,
        *,
        judge: Any = None,
        criteria: Any = None,
        min_win_rate: Any = 0.45,
        context: Any = None,
        expected: Any = None,
    ) -> Preference:
        name = cls.marker_name
        rate = rate_arg(name, "min_win_rate", min_win_rate)
        if rate is None:
            raise MarkerError(f"@pytest.mark.{name}: min_win_rate must be a number in [0, 1], got None")
        return cls(
            **judged_args(name, judge=judge, context=context, expected=expected),
            criteria=text_arg(name, "criteria", criteria, DEFAULT_CRITERIA),
            min_win_rate=rate,
        )

    def metrics(self) -> tuple[Metric, ...]:
        bound = Bound("min_win_rate", self.min_win_rate)
        return (Metric(key="preference", title="win rate", kind="bounded", bounds=(bound,), scale=(0.0, 1.0)),)

    def _prompts(self, base: str, cand: str) -> tuple[JudgePrompt, JudgePrompt]:
        question, context, reference = self.seen(cand)
        common: dict[str, Any] = {
            "question": question,
            "criteria": self.criteria,
            "context": context or None,
            "reference": reference,
        }
        return (
            render_pairwise(answer_a=str(base), answer_b=str(cand), **common),
            render_pairwise(answer_a=str(cand), answer_b=str(base), **common),
        )

    def prompt_request(self, baseline: Texts | None, candidate: Texts) -> PromptRequest | None:
        if baseline is None:
            return None
        prompts = tuple(
            prompt
            for b_row, c_row in zip(baseline, candidate, strict=True)
            for b, c in zip(b_row, c_row, strict=True)
            if str(b) != str(c)
            for prompt in self._prompts(b, c)
        )
        return PromptRequest(name="preference judge", judge=self.judge, prompts=prompts, parse=parse_pairwise)

    def comparisons(self, baseline: Texts, candidate: Texts) -> list[list[Comparison]]:
        """Every paired output judged in both orders, by input and repeat."""
        answers = self.answers()
        rows = []
        for b_row, c_row in zip(baseline, candidate, strict=True):
            row = []
            for b, c in zip(b_row, c_row, strict=True):
                words = len(str(b).split()), len(str(c).split())
                if str(b) == str(c):
                    row.append(Comparison(0.5, None, None, *words, identical=True))
                    continue
                ab, ba = (answers[prompt_key(p)] for p in self._prompts(b, c))
                wins = Comparison(0.5, ab, ba, *words).candidate_wins()
                score = 1.0 if wins == (True, True) else 0.0 if wins == (False, False) else 0.5
                row.append(Comparison(score, ab, ba, *words))
            rows.append(row)
        return rows

    def observe(self, baseline: Texts | None, candidate: Texts) -> list[Observation]:
        metric = self.metrics()[0]
        if baseline is None:  # --behavior-update: nothing to compare with (the relative bound is not judged)
            return [Observation(metric, None, as_matrix([[0.5] * len(row) for row in candidate]))]
        rows = self.comparisons(baseline, candidate)
        self.warn_unparsed(
            sum(c.unparsed for row in rows for c in row),
            answers=2 * sum(not c.identical for row in rows for c in row),
            meaning="their comparisons count as undecided (½)",
        )
        scores = as_matrix([[c.score for c in row] for row in rows])
        return [Observation(metric, 1.0 - scores, scores)]

    def explain(self, baseline: Texts, candidate: Texts, ids: Sequence[str], *, shown: int | None = None) -> list[str]:
        if baseline is None or self.judgments is None:
            return []
        return preference_lines(self.comparisons(baseline, candidate), ids, candidate, shown=shown or MAX_SHOWN)

    def describe(self) -> dict[str, Any]:
        return self.described(criteria=self.criteria, min_win_rate=self.min_win_rate)


def length_controlled(rows: Sequence[Sequence[Comparison]]) -> float:
    """The win rate at equal length: the intercept of per-input scores regressed on tanh(r / sd(r)), r the input's
    mean log length ratio (candidate over baseline).

    The tanh of the standardised length difference is the length term of AlpacaEval's length-controlled win rate
    (Dubois et al. 2024): a judge's pull towards the longer answer grows with the difference and saturates, so a
    straight line in r, fitted where most candidates are longer, extrapolates a curve's slope to r = 0 and leaves
    part of the bias in the intercept (docs/statistics.md, "Judged quality: proof by simulation").
    """
    import numpy as np

    y = np.array([sum(c.score for c in row) / len(row) for row in rows], dtype=np.float64)
    x = np.array(
        [sum(math.log((c.cand_words + 1) / (c.base_words + 1)) for c in row) / len(row) for row in rows],
        dtype=np.float64,
    )
    if float(np.ptp(x)) == 0.0:  # one length ratio for every input: the win rate at equal length is not estimable
        return float(y.mean()) if len(y) and float(x[0]) == 0.0 else math.nan  # unless they are all equal length
    if len(y) < 3:
        return float(y.mean())
    design = np.column_stack([np.ones_like(x), np.tanh(x / float(np.std(x)))])
    coef = np.linalg.lstsq(design, y, rcond=None)[0]
    return float(min(1.0, max(0.0, coef[0])))


@dataclass(frozen=True)
class PreferenceTally:
    """What the diff and every report say about a preference: counts over all comparisons (input x repeat)."""

    comparisons: int
    wins: int
    ties: int
    losses: int
    identical: int
    """Pairs of identical answers: ties, not judged (counted in ``ties``)."""
    order_consistent: int
    both_orders_parsed: int
    """Judged pairs whose two orders both parsed: the denominator of ``order_consistent``."""
    longer_won: int
    decided_unequal_length: int
    unparsed: int
    win_rate: float
    length_controlled_win_rate: float


def tally(rows: Sequence[Sequence[Comparison]]) -> PreferenceTally:
    flat = [c for row in rows for c in row]
    wins = sum(c.score == 1.0 for c in flat)
    losses = sum(c.score == 0.0 for c in flat)
    both = [c for c in flat if c.ab is not None and c.ba is not None]
    decided = [(won, c) for c in flat for won in c.candidate_wins() if won is not None and c.cand_words != c.base_words]
    return PreferenceTally(
        comparisons=len(flat),
        wins=wins,
        ties=len(flat) - wins - losses,
        losses=losses,
        identical=sum(c.identical for c in flat),
        order_consistent=sum(_agree(c) for c in both),
        both_orders_parsed=len(both),
        longer_won=sum(won == (c.cand_words > c.base_words) for won, c in decided),
        decided_unequal_length=len(decided),
        unparsed=sum(c.unparsed for c in flat),
        win_rate=sum(c.score for c in flat) / len(flat) if flat else math.nan,
        length_controlled_win_rate=length_controlled(rows) if flat else math.nan,
    )


def losses(rows: Sequence[Sequence[Comparison]], limit: int) -> list[tuple[float, int, str | None]]:
    """The inputs the candidate lost most clearly: (per-input score, row index, the judge's reason for a loss, None
    when no judgment of it parsed)."""
    per_input = sorted((sum(c.score for c in row) / len(row), i) for i, row in enumerate(rows) if row)
    shown = []
    for score, i in [(s, i) for s, i in per_input if s < 0.5][:limit]:
        shown.append((score, i, next((r for c in rows[i] if (r := c.candidate_lost_in()) is not None), None)))
    return shown


def tally_lines(t: PreferenceTally) -> list[tuple[str, str]]:
    """The counts as (key, line), in the words of the diff; the reports show the same lines (`report.judged`)."""
    same = f"; {t.identical} identical pairs count as ties, not judged" if t.identical else ""
    lines = [
        (
            "wins_ties_losses",
            f"preference: {t.wins} wins / {t.ties} ties / {t.losses} losses of the candidate in {t.comparisons} "
            f"comparisons (each judged in both orders{same})",
        )
    ]
    if t.both_orders_parsed:
        lines.append(
            (
                "order_consistency",
                f"order consistency: {t.order_consistent}/{t.both_orders_parsed} judged pairs got the same verdict "
                f"in both orders ({t.order_consistent / t.both_orders_parsed:.0%})",
            )
        )
    if t.decided_unequal_length:
        lines.append(
            (
                "longer_won",
                f"longer answer won {t.longer_won}/{t.decided_unequal_length} decided judgments of answers of "
                f"unequal length ({t.longer_won / t.decided_unequal_length:.0%})",
            )
        )
    if t.comparisons:
        controlled = (
            f"{t.length_controlled_win_rate:.3f} length-controlled (at equal length)"
            if math.isfinite(t.length_controlled_win_rate)
            else "length-controlled not estimable (every input has the same length ratio)"
        )
        lines.append(("win_rate", f"win rate {t.win_rate:.3f} raw, {controlled}"))
    if t.unparsed:
        lines.append(
            (
                "unparsed",
                f"unparsed judge answers (after one re-ask): {t.unparsed} (counted as undecided, never as a tie)",
            )
        )
    return lines


def preference_lines(
    rows: Sequence[Sequence[Comparison]], ids: Sequence[str], candidate: Texts, *, shown: int = MAX_SHOWN
) -> list[str]:
    """The diff's lines: wins / ties / losses, order consistency, the length bias, and the clearest losses."""
    lines = [line for _, line in tally_lines(tally(rows))]
    lost = losses(rows, shown)
    if lost:
        lines.append("inputs the candidate lost most clearly:")
    for score, i, reason in lost:
        lines.append(f"  {ids[i]}: score {score:.2f}; judge: {clipped(reason or '(unparsed)', 160)}")
        question = getattr(candidate[i][0], "input", None)
        if question is not None:
            lines.append(f"    question: {clipped(question_of(question), 120)}")
        lines.append(f"    candidate: {clipped(candidate[i][0], 120)}")
    return lines


def _agree(c: Comparison) -> bool:
    assert c.ab is not None and c.ba is not None
    mirrored = {"A": "B", "B": "A", "tie": "tie"}
    return mirrored[c.ab.verdict] == c.ba.verdict
