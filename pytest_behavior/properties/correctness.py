"""Correctness against reference answers: ``@pytest.mark.correctness(expected="answer", match="exact", ...)``.

Each output is right or wrong (1 or 0) against the reference answer held in a field of the input it answered
(`pytest_behavior.spec.output.Output.input`): ``expected=`` names the field (default ``"expected"``); its value is
one reference or a list of them (any of them counts as right). ``match=`` says how an output is compared with a
reference: ``"exact"`` (the default), ``"contains"``, ``"number"`` (with ``tolerance=`` / ``rel_tolerance=``),
``"choice"`` (the input's options in the field ``choices=`` names, default ``"choices"``), ``"regex"``, ``"json"``,
or a function ``fn(output, expected) -> bool``; `pytest_behavior.properties.matchers` states each one's exact
normalisation. ``"llm:<model>"`` (or ``"llm"`` with ``judge=``, and ``context=`` fields to show) has an LLM judge
decide equivalence with the reference (`LlmCorrectness`; `pytest_behavior.properties.llm_match`).

The metric is the rate of right answers, judged like every rate: ``max_decrease=`` bounds the paired drop against
the baseline (mid-p McNemar with one output per input, a paired test on the per-input rates with repeats) and
``min_rate=`` the candidate's own rate (exact binomial). Both arms are judged by the same matcher on the same
references, so a golden baseline is re-judged on every run (nothing about the matcher is stored but its settings).

An input that is not an object, or has no such field, or a reference the matcher cannot use (a regex that does not
compile, ``number`` with a text holding no number) is a usage error naming the input and the field — never a wrong
answer. On failure, the diff lists the inputs that went right -> wrong, with the reference beside both outputs.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pytest_behavior.errors import BehaviorConfigError, MarkerError
from pytest_behavior.properties.base import (
    Metric,
    Observation,
    PromptRequest,
    Property,
    Texts,
    as_matrix,
    bounds_from,
    prompt_key,
    rate_arg,
    register,
)
from pytest_behavior.properties.callables import arity, function_name
from pytest_behavior.properties.judged import AnsweredByJudge, check_unparsed, fields_arg, question_of, seen_by_judge
from pytest_behavior.properties.llm_match import (
    LLM,
    UNDECIDED,
    OutputVerdict,
    equivalence_prompts,
    is_llm,
    llm_judge,
    output_verdict,
    unparsed_meaning,
    verdict_note,
)
from pytest_behavior.properties.matchers import MATCHER_NAMES, Matcher, MatchError, parse_options
from pytest_behavior.sanitize import clipped, one_line
from pytest_behavior.spec.judge_answers import parse_equivalence
from pytest_behavior.spec.judge_format import REFERENCE, JudgePrompt, JudgeTemplate
from pytest_behavior.spec.output import describe_value

MAX_SHOWN = 5
CELL_CHARS = 120
NOTE_CHARS = 160


@register
@dataclass(frozen=True)
class Correctness(Property):
    marker_name: ClassVar[str] = "correctness"
    reads_whole_text: ClassVar[bool] = True
    explains_flips: ClassVar[bool] = True

    matcher: Matcher
    expected: str = "expected"
    choices: str = "choices"
    max_decrease: float | None = None
    min_rate: float | None = None

    @classmethod
    def from_marker(
        cls,
        *,
        expected: Any = "expected",
        match: Any = "exact",
        tolerance: Any = None,
        rel_tolerance: Any = None,
        choices: Any = None,
        judge: Any = None,
        context: Any = None,
        max_decrease: Any = None,
        min_rate: Any = None,
    ) -> Correctness:
        name = cls.marker_name
        if not isinstance(expected, str) or not expected:
            raise MarkerError(
                f"@pytest.mark.{name}: expected must name the input field holding the reference answer "
                f"(a non-empty string such as 'answer'), got {expected!r}"
            )
        the_judge = llm_judge(name, match, judge)
        if the_judge is None and context is not None:
            raise MarkerError(
                f"@pytest.mark.{name}: context= names input fields the LLM judge of match='llm' sees; match is "
                f"{match!r}"
            )
        matcher = _matcher(match, tolerance=tolerance, rel_tolerance=rel_tolerance)
        if choices is not None and matcher.name != "choice":
            raise MarkerError(f"@pytest.mark.{name}: choices= names the options of match='choice'; match is {match!r}")
        if choices is not None and (not isinstance(choices, str) or not choices):
            raise MarkerError(
                f"@pytest.mark.{name}: choices must name the input field holding the options (a non-empty string), "
                f"got {choices!r}"
            )
        settings: dict[str, Any] = {
            "matcher": matcher,
            "expected": expected,
            "choices": "choices" if choices is None else choices,
            "max_decrease": rate_arg(name, "max_decrease", max_decrease),
            "min_rate": rate_arg(name, "min_rate", min_rate),
        }
        if the_judge is None:
            prop = Correctness(**settings)
        else:
            prop = LlmCorrectness(**settings, judge=the_judge, context=fields_arg(name, "context", context))
        if not prop.metrics()[0].bounds:
            raise MarkerError(f"@pytest.mark.{name} needs at least one of max_decrease, min_rate")
        return prop

    def metrics(self) -> tuple[Metric, ...]:
        bounds = bounds_from(min_rate=self.min_rate, max_decrease=self.max_decrease)
        return (Metric(key="correctness", title="correct answers", kind="binary", bounds=bounds),)

    def observe(self, baseline: Texts | None, candidate: Texts) -> list[Observation]:
        return [
            Observation(
                self.metrics()[0],
                None if baseline is None else as_matrix(self._judged(baseline, baseline=True)),
                as_matrix(self._judged(candidate, baseline=False)),
            )
        ]

    def _judged(self, texts: Texts, *, baseline: bool) -> list[list[float]]:
        """1 or 0 per output; ``baseline``: the texts are the baseline's arm (the LLM matcher scores its undecided
        outputs by arm)."""
        return [[1.0 if self.is_right(t) else 0.0 for t in row] for row in texts]

    def is_right(self, output: str) -> bool:
        """Whether ``output`` matches any reference answer of the input it answered (``output.input``)."""
        references, options = self.references(output)
        try:
            return any(self.matcher.matches(output, reference, options) for reference in references)
        except MatchError as exc:
            raise BehaviorConfigError(f"{self._where(output)}: {exc}") from None

    def input_fields(self) -> tuple[str, ...]:
        return (self.expected,)

    def references(self, output: str) -> tuple[list[Any], tuple[str, ...] | None]:
        """The reference answers of the input ``output`` answered, and its options (``match='choice'``)."""
        record = getattr(output, "input", None)
        where = self._where(output)
        if record is None:
            raise BehaviorConfigError(
                f"{where}: the output carries no input (output.input), so there is no reference answer to judge it by"
            )
        if not isinstance(record, dict):
            raise BehaviorConfigError(
                f"{where}: the input is {describe_value(record)}, not an object; correctness reads the reference "
                f"answer from its field {self.expected!r}: give inputs as objects, e.g. "
                f'{{"question": "...", "{self.expected}": "..."}} (in a records file, inside the line\'s "input")'
            )
        if self.expected not in record:
            fields = ", ".join(map(repr, record)) or "none"
            raise BehaviorConfigError(
                f"{where}: the input has no field {self.expected!r} holding the reference answer (its fields: "
                f"{fields}); add it, or name the field with expected="
            )
        value = record[self.expected]
        references = list(value) if isinstance(value, (list, tuple)) else [value]
        if value is None or not references:
            raise BehaviorConfigError(f"{where}: the reference answer is {describe_value(value)}, not an answer")
        options = None
        if self.matcher.name == "choice" and record.get(self.choices) is not None:
            try:
                options = parse_options(record[self.choices])
            except MatchError as exc:
                raise BehaviorConfigError(f"{self._where(output, self.choices)}: {exc}") from None
        return references, options

    def _where(self, output: str, field: str | None = None) -> str:
        input_id = getattr(output, "input_id", None)
        name = "an input" if input_id is None else f"input {input_id!r}"
        return f"correctness: {name}, field {field or self.expected!r}"

    def _note(self, output: str, *, baseline: bool) -> str:
        """A line under an output in the diff (the LLM matcher: the judge's reason); none by default."""
        return ""

    def explain(self, baseline: Texts, candidate: Texts, ids: Sequence[str], *, shown: int | None = None) -> list[str]:
        """The inputs that went right -> wrong (the most right answers lost first), the reference answer beside a
        baseline output judged right and a candidate output judged wrong."""
        base, cand = self._judged(baseline, baseline=True), self._judged(candidate, baseline=False)
        drops = [sum(b) / len(b) - sum(c) / len(c) for b, c in zip(base, cand, strict=True)]
        worse = sorted((i for i, d in enumerate(drops) if d > 0), key=lambda i: -drops[i])
        if not worse:
            return []
        better = sum(1 for d in drops if d < 0)
        rows = [
            [
                f"{one_line(ids[i])}\n{clipped(question_of(getattr(candidate[i][0], 'input', None)), 80)}",
                clipped(_shown_reference(self.references(candidate[i][0])[0]), 80),
                _pick(baseline[i], base[i], right=True),
                _pick(candidate[i], cand[i], right=False, note=lambda o: self._note(o, baseline=False)),
            ]
            for i in worse[: shown or MAX_SHOWN]
        ]
        from tabulate import tabulate

        table = tabulate(
            rows,
            headers=["input", f"expected ({self.expected})", "baseline", "candidate"],
            tablefmt="grid",
            maxcolwidths=[24, 24, 40, 40],
            disable_numparse=True,
        )
        return [
            f"right -> wrong - {self.metrics()[0].title} ({self._matcher_label()}): {len(worse)} inputs went right -> "
            f"wrong, {better} wrong -> right (showing {len(rows)}):",
            str(table),
        ]

    def _matcher_label(self) -> str:
        if self.matcher.function is not None:
            return f"match={self.matcher.name}"
        extra = ""
        if self.matcher.name == "number":
            extra = f", tolerance={self.matcher.tolerance:g}, rel_tolerance={self.matcher.rel_tolerance:g}"
        return f"match={self.matcher.name!r}{extra}"

    def describe(self) -> dict[str, Any]:
        described: dict[str, Any] = {"marker": self.marker_name, "expected": self.expected}
        if self.matcher.function is not None:
            described["match"] = f"function {self.matcher.name}"
        else:
            described["match"] = self.matcher.name
        if self.matcher.name == "number":
            described["tolerance"] = self.matcher.tolerance
            described["rel_tolerance"] = self.matcher.rel_tolerance
        if self.matcher.name == "choice":
            described["choices"] = self.choices
        described.update(self._judge_settings())
        bounds = {"max_decrease": self.max_decrease, "min_rate": self.min_rate}
        return {**described, **{k: v for k, v in bounds.items() if v is not None}}

    def _judge_settings(self) -> dict[str, Any]:
        return {}


@dataclass(frozen=True)
class LlmCorrectness(AnsweredByJudge, Correctness):
    """``match='llm:<model>'``: an LLM judge decides whether each output is equivalent to a reference answer (one
    judge prompt per output and reference, answered by the engine through `prompt_request` / `with_judgments`).
    An output left undecided by unparsed judge answers scores against the candidate (`llm_match` says why)."""

    template: ClassVar[JudgeTemplate] = REFERENCE
    sequential_capable: ClassVar[bool] = False

    judge: Any = None
    context: tuple[str, ...] = ()
    judgments: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)

    def input_fields(self) -> tuple[str, ...]:
        return (self.expected, *self.context)

    def prompts(self, output: str) -> list[JudgePrompt]:
        """The judge prompts about ``output``: one per reference answer of its input."""
        references, _ = self.references(output)
        question, context, _ = seen_by_judge(self.marker_name, output, context=self.context, expected=None)
        for reference in references:
            if isinstance(reference, str) and not reference.strip():
                raise BehaviorConfigError(f"{self._where(output)}: the reference answer {reference!r} is empty")
        return equivalence_prompts(output, references, question=question, context=context)

    def prompt_request(self, baseline: Texts | None, candidate: Texts) -> PromptRequest | None:
        outputs = [t for texts in (baseline or [], candidate) for row in texts for t in row]
        prompts = tuple(prompt for t in outputs for prompt in self.prompts(t))
        return PromptRequest(name="correctness judge", judge=self.judge, prompts=prompts, parse=parse_equivalence)

    def verdict(self, output: str) -> OutputVerdict:
        """The judge's verdict on ``output`` against every reference of its input."""
        if self.judgments is None:  # a golden diff rebuilds the property from its settings, not its judgments
            raise BehaviorConfigError(
                f"it is judged by an LLM judge ({self.judge_id}); diff judges offline only (run the test with "
                "--behavior-baseline to re-judge)"
            )
        return output_verdict([self.judgments[prompt_key(p)] for p in self.prompts(output)])

    def is_right(self, output: str) -> bool:
        """Whether the judge found ``output`` equivalent to a reference (undecided: not right)."""
        return self.verdict(output).right is True

    def _judged(self, texts: Texts, *, baseline: bool) -> list[list[float]]:
        undecided = UNDECIDED[baseline]
        return [[undecided if v.right is None else float(v.right) for v in map(self.verdict, row)] for row in texts]

    def _unparsed(self, baseline: Texts | None, candidate: Texts) -> tuple[int, int, int]:
        """Judge answers unparsed, outputs left undecided, and outputs judged, over both arms."""
        verdicts = [self.verdict(t) for texts in (baseline or [], candidate) for row in texts for t in row]
        return sum(v.unparsed for v in verdicts), sum(v.right is None for v in verdicts), len(verdicts)

    def observe(self, baseline: Texts | None, candidate: Texts) -> list[Observation]:
        unparsed, undecided, outputs = self._unparsed(baseline, candidate)
        check_unparsed(
            self.marker_name,
            self.judge_id,
            unparsed,
            answers=max(outputs, unparsed),
            meaning=f"{undecided} of {outputs} outputs are left without a verdict; {unparsed_meaning()}",
        )
        return super().observe(baseline, candidate)

    def _note(self, output: str, *, baseline: bool) -> str:
        return clipped(verdict_note(self.verdict(output), baseline=baseline), NOTE_CHARS)

    def explain(self, baseline: Texts, candidate: Texts, ids: Sequence[str], *, shown: int | None = None) -> list[str]:
        lines = super().explain(baseline, candidate, ids, shown=shown)
        unparsed, undecided, _ = self._unparsed(baseline, candidate)
        if unparsed:
            lines.append(
                f"unparsed judge answers (after one re-ask): {unparsed}; {undecided} outputs without a verdict "
                f"({unparsed_meaning()})"
            )
        return lines

    def _matcher_label(self) -> str:
        return f"match={LLM!r}, judge {self.judge_id}"

    def _judge_settings(self) -> dict[str, Any]:
        return {"judge": self.judge_id, **({"context": list(self.context)} if self.context else {})}


def _matcher(
    match: Any, *, tolerance: Any, rel_tolerance: Any, name: str = "@pytest.mark.correctness", llm: bool = True
) -> Matcher:
    """The matcher ``match=`` names (or the function it gives), its tolerances checked; errors name the marker
    ``name``, and offer an LLM judge only when the marker takes one (``llm``)."""
    if callable(match):
        found = arity(match)
        if found is not None and not found.accepts(2):
            raise MarkerError(
                f"{name}: the match function {function_name(match)} must take two positional arguments, "
                "(output, expected), and return True or False"
            )
        if tolerance is not None or rel_tolerance is not None:
            raise MarkerError(f"{name}: tolerance= and rel_tolerance= go with match='number', not a function")
        return Matcher(function_name(match), function=match)
    if is_llm(match):
        if tolerance is not None or rel_tolerance is not None:
            raise MarkerError(f"{name}: tolerance= and rel_tolerance= go with match='number', not match={match!r}")
        return Matcher(LLM)
    if not isinstance(match, str) or match not in MATCHER_NAMES:
        accepted = ", ".join(map(repr, MATCHER_NAMES))
        close = difflib.get_close_matches(match, MATCHER_NAMES, n=1) if isinstance(match, str) else []
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        judge = "'llm:<model>' (an LLM judge), " if llm else ""
        raise MarkerError(
            f"{name}: match={match!r} is not a matcher{hint}; use one of {accepted}, {judge}"
            "or a function (output, expected) -> bool"
        )
    if match != "number" and (tolerance is not None or rel_tolerance is not None):
        raise MarkerError(f"{name}: tolerance= and rel_tolerance= go with match='number', not match={match!r}")
    return Matcher(
        match,
        tolerance=_tolerance(name, "tolerance", tolerance),
        rel_tolerance=_tolerance(name, "rel_tolerance", rel_tolerance),
    )


def _tolerance(marker: str, keyword: str, value: Any) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise MarkerError(f"{marker}: {keyword} must be a finite number >= 0, got {value!r}")
    return float(value)


def _shown_reference(references: Sequence[Any]) -> str:
    return " | ".join(str(r) for r in references)


def _pick(
    outputs: Sequence[str], judged: Sequence[float], *, right: bool, note: Callable[[str], str] | None = None
) -> str:
    """An output judged ``right`` (else the first), marked with how many of the input's outputs were right, and
    ``note``'s line about it (the judge's reason)."""
    index = next((i for i, v in enumerate(judged) if (v == 1.0) == right), 0)
    total = len(judged)
    rights = int(sum(judged))
    mark = ("right" if judged[index] == 1.0 else "wrong") if total == 1 else f"{rights}/{total} right"
    cell = f"[{mark}] {clipped(outputs[index], CELL_CHARS)}"
    extra = "" if note is None else note(outputs[index])
    return f"{cell}\n{extra}" if extra else cell
