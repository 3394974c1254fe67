"""What the LLM-judged properties (preference, rubric) share: `JudgedProperty` (the judge, what it sees of an input,
its answers), the marker arguments, and the judge's identity recorded in golden files.

A judge sees the question the output answered (the input itself when it is a string, else its ``question``,
``text``, ``input`` or ``prompt`` field, else the whole input as JSON), the context fields the marker names, and
the reference answer in the field ``expected=`` names (`spec.output.Output.input`). Names of fields that an input
lacks are a usage error naming the input.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, TypeVar, cast

from pytest_behavior.errors import BehaviorConfigError, BehaviorJudgeUnparsedWarning, JudgeFormatError, MarkerError
from pytest_behavior.properties.base import Property
from pytest_behavior.spec.conversation import is_conversation, transcript
from pytest_behavior.spec.judge_format import JudgeTemplate

QUESTION_FIELDS = ("question", "text", "input", "prompt")


def judge_arg(marker: str, judge: Any) -> Any:
    """``judge=``: a litellm model string or a model `Bundle` (checked by duck type: properties import no bundle)."""
    if isinstance(judge, str) and judge.strip():
        return judge
    if getattr(judge, "kind", None) == "model" and isinstance(getattr(judge, "model", None), str):
        return judge
    raise MarkerError(
        f"@pytest.mark.{marker} needs judge= a litellm model string (e.g. 'openai/gpt-4o-mini') or a model "
        f"Bundle, got {judge!r}"
    )


def fields_arg(marker: str, name: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = (value,)
    if not isinstance(value, (tuple, list)) or not all(isinstance(v, str) and v for v in value):
        raise MarkerError(f"@pytest.mark.{marker}: {name} must be field names (strings), got {value!r}")
    return tuple(value)


def text_arg(marker: str, name: str, value: Any, default: str) -> str:
    if value is None:
        return default
    if not isinstance(value, str) or not value.strip():
        raise MarkerError(f"@pytest.mark.{marker}: {name} must be a non-empty string, got {value!r}")
    return value


def judge_model(judge: Any) -> str:
    return judge if isinstance(judge, str) else str(judge.model)


def judge_id(judge: Any, template: JudgeTemplate) -> str:
    """Recorded in golden files: the judge model, its template's version and hash, and for a judge `Bundle` its
    fingerprint (temperature, system prompt, parameters: a change of any is judge drift too)."""
    bundle = "" if isinstance(judge, str) else f", bundle {str(getattr(judge, 'fingerprint', ''))[:12]}"
    return f"{judge_model(judge)} ({template.version}, sha256 {template.sha256[:12]}{bundle})"


def question_of(value: Any) -> str:
    """The question an output answered, as a judge is shown it: a string input itself, a conversation's turns
    (``role: text`` lines), else the first of `QUESTION_FIELDS` a dict input has, else the input as JSON."""
    if isinstance(value, str):
        return value
    if is_conversation(value) and isinstance(value["messages"], list):
        return transcript(value["messages"])
    if isinstance(value, Mapping):
        for name in QUESTION_FIELDS:
            if isinstance(value.get(name), str):
                return str(value[name])
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def seen_by_judge(
    marker: str, output: str, *, context: tuple[str, ...], expected: str | None
) -> tuple[str, dict[str, object], str | None]:
    """The question, context fields and reference answer a judge sees of the input ``output`` answered."""
    value = getattr(output, "input", None)
    fields = (*context, *(() if expected is None else (expected,)))
    if fields and not isinstance(value, Mapping):
        raise BehaviorConfigError(
            f"@pytest.mark.{marker} shows the judge the input fields {', '.join(fields)}, but input "
            f"{getattr(output, 'input_id', None)!r} is not an object"
        )
    for name in fields:
        assert isinstance(value, Mapping)
        if name not in value:
            raise BehaviorConfigError(
                f"@pytest.mark.{marker}: input {getattr(output, 'input_id', None)!r} has no field {name!r}"
            )
    ctx = {name: value[name] for name in context} if isinstance(value, Mapping) else {}
    reference = None
    if expected is not None and isinstance(value, Mapping):
        ref = value[expected]
        reference = ref if isinstance(ref, str) else json.dumps(ref, ensure_ascii=False, default=str)
    return question_of(value), ctx, reference


MAX_UNPARSED_SHARE = 0.02
"""Above this share of a property's judge answers unreadable after a re-ask, the property is not judged (a test
error): a judge that does not keep its answer contract is an infrastructure failure, and the stand-in scores of its
unreadable answers (a tie, the middle of the scale) would pull any change toward none, so a worse candidate could
PASS. At or below it they shift a win rate by at most 1 point and a rubric mean by 2% of half the scale."""


def check_unparsed(marker: str, judge: str, unparsed: int, *, answers: int, meaning: str) -> None:
    """Warn that ``unparsed`` of ``answers`` judge answers stayed unreadable after a re-ask (``meaning``: what they
    count as); raise `JudgeFormatError` when they are more than `MAX_UNPARSED_SHARE` of them."""
    if not unparsed:
        return
    said = f"the {marker} judge {judge}: {unparsed} of {answers} answers did not parse even when asked again"
    if unparsed > MAX_UNPARSED_SHARE * answers:
        raise JudgeFormatError(
            f"{said}, more than {MAX_UNPARSED_SHARE:.0%} of them: the judge does not keep its JSON answer contract, "
            "so this property is not judged (its stand-in scores would hide a change). Check the judge model and "
            "its prompt (a Bundle's system= is added before the template's instructions); the answers that parsed "
            "are cached"
        )
    warnings.warn(BehaviorJudgeUnparsedWarning(f"{said}; {meaning}"), stacklevel=4)


def judged_args(marker: str, *, judge: Any, context: Any, expected: Any) -> dict[str, Any]:
    """The marker arguments every judged property takes, checked: ``judge=``, ``context=``, ``expected=``."""
    return {
        "judge": judge_arg(marker, judge),
        "context": fields_arg(marker, "context", context),
        "expected": expected_arg(marker, expected),
    }


def expected_arg(marker: str, expected: Any) -> str | None:
    """``expected=``: the name of the one input field that holds the reference answer."""
    if expected is None:
        return None
    if not isinstance(expected, str) or not expected:
        raise MarkerError(
            f"@pytest.mark.{marker}: expected must be the name of one input field (a string), got {expected!r}"
        )
    return expected


_Answered = TypeVar("_Answered", bound="AnsweredByJudge")


class AnsweredByJudge:
    """The judge's identity and answers, for a frozen dataclass property with the fields ``judge`` and
    ``judgments``: `JudgedProperty`, and correctness with an ``llm`` matcher. The engine answers its
    `prompt_request` (cached like samples) and hands the answers back through `with_judgments`."""

    template: ClassVar[JudgeTemplate]
    marker_name: ClassVar[str]
    judge: Any
    judgments: Mapping[str, Any] | None

    @property
    def judge_id(self) -> str:
        """Recorded in golden files (judge drift): `judge_id`."""
        return judge_id(self.judge, self.template)

    def with_judgments(self: _Answered, judgments: Mapping[str, Any]) -> _Answered:
        return cast(_Answered, replace(cast(Any, self), judgments=judgments))

    def answers(self) -> Mapping[str, Any]:
        """The judge's parsed answers by prompt key (`base.prompt_key`)."""
        if self.judgments is None:
            raise AssertionError(f"{self.marker_name} is observed only after its judge answered")
        return self.judgments


@dataclass(frozen=True)
class JudgedProperty(AnsweredByJudge, Property):
    """A property whose values an LLM judge gives (preference, rubric): what the judge sees of an input."""

    sequential_capable: ClassVar[bool] = False
    explains_flips: ClassVar[bool] = True
    reads_whole_text: ClassVar[bool] = True

    judge: Any
    context: tuple[str, ...] = ()
    expected: str | None = None
    judgments: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)

    def input_fields(self) -> tuple[str, ...]:
        return (*self.context, *(() if self.expected is None else (self.expected,)))

    def seen(self, output: str) -> tuple[str, dict[str, object], str | None]:
        """The question, context fields and reference answer the judge sees beside ``output``."""
        return seen_by_judge(self.marker_name, output, context=self.context, expected=self.expected)

    def warn_unparsed(self, unparsed: int, *, answers: int, meaning: str) -> None:
        """`check_unparsed` for this property's judge."""
        check_unparsed(self.marker_name, self.judge_id, unparsed, answers=answers, meaning=meaning)

    def described(self, **own: Any) -> dict[str, Any]:
        """`describe`'s record: the marker, the judge, the property's own settings, then context and expected."""
        described: dict[str, Any] = {"marker": self.marker_name, "judge": self.judge_id, **own}
        if self.context:
            described["context"] = list(self.context)
        if self.expected is not None:
            described["expected"] = self.expected
        return described
