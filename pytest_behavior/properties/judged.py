"""What the LLM-judged properties (preference, rubric) share: the judge argument, and what a judge sees of an input.

A judge sees the question the output answered (the input itself when it is a string, else its ``question``,
``text``, ``input`` or ``prompt`` field, else the whole input as JSON), the context fields the marker names, and
the reference answer in the field ``expected=`` names (`spec.output.Output.input`). Names of fields that an input
lacks are a usage error naming the input.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pytest_behavior.errors import BehaviorConfigError, MarkerError
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
    """Recorded in golden files: the judge model, its template's version and hash."""
    return f"{judge_model(judge)} ({template.version}, sha256 {template.sha256[:12]})"


def question_of(value: Any) -> str:
    if isinstance(value, str):
        return value
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
