"""Tool calls: did the model call a tool, with arguments its schema accepts, the same tool and keys as before?

``tool_calls(tools=None)`` watches four per-output indicators:

* *text answer*: the output carries no tool call (the model answered in text instead);
* *invalid arguments*: a call's arguments are not a JSON object, name a tool not in ``tools``, or do not
  validate against that tool's ``parameters`` (jsonschema, Draft 2020-12);
* *tool changed* (paired): the output calls other tools than the baseline's most common call for that input;
* *argument keys changed* (paired): it calls the same tools with other argument names than the baseline's
  most common key sets for that input (unparseable arguments count as changed).

The last two compare each output with the baseline's outputs *for the same input*, so they need a baseline;
the text-answer and invalid-argument rates can also be bounded without one (``max_*_rate``).

``tools`` takes the OpenAI list (``{"type": "function", "function": {"name", "parameters"}}``) or plain
``{"name", "parameters"}`` dicts. Schemas written with the Berkeley Function Calling Leaderboard's own type
names are normalised to JSON Schema (`normalize_schema`). A tool whose name has dots (which the OpenAI API
does not allow) also matches calls to the name with underscores, as harnesses rename them. `check_tool_calls`
is the same check as a plain function.

Measured on BFCL's "simple" category (6 models × 400 real function-calling answers, each checked against
its item's function): every answer the official scorer marks as a type error or a missing required
parameter, and every text answer, is flagged (recall 1.0 for each model); reproduce with
``python benchmarks/bfcl_tool_calls.py`` (needs ``../shared/data/bfcl``).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pytest_behavior.errors import MarkerError
from pytest_behavior.properties.base import (
    Metric,
    Observation,
    Property,
    Texts,
    as_matrix,
    bounds_from,
    rate_arg,
    register,
)
from pytest_behavior.properties.tool_check import ToolCallCheck as ToolCallCheck
from pytest_behavior.properties.tool_check import calls_of as calls_of
from pytest_behavior.properties.tool_check import check_tool_calls as check_tool_calls
from pytest_behavior.properties.tool_check import parse_arguments as parse_arguments
from pytest_behavior.properties.tool_check import shorten
from pytest_behavior.properties.tool_schema import FLOAT_LITERAL as FLOAT_LITERAL
from pytest_behavior.properties.tool_schema import NON_STANDARD_TYPES as NON_STANDARD_TYPES
from pytest_behavior.properties.tool_schema import ToolSet as ToolSet
from pytest_behavior.properties.tool_schema import normalize_schema as normalize_schema
from pytest_behavior.properties.tool_schema import toolset as toolset

# ---- the property --------------------------------------------------------------------------------------------

Signature = tuple[str, ...]
KeySets = tuple[frozenset[str] | None, ...]


@register
@dataclass(frozen=True)
class ToolCalls(Property):
    marker_name: ClassVar[str] = "tool_calls"

    tools: tuple[Mapping[str, Any], ...] | None = field(default=None, hash=False)
    max_text_answer_increase: float | None = 0.02
    max_invalid_args_increase: float | None = 0.02
    max_wrong_tool_increase: float | None = 0.02
    max_key_change_increase: float | None = 0.02
    max_text_answer_rate: float | None = None
    max_invalid_args_rate: float | None = None

    @classmethod
    def from_marker(
        cls,
        tools: Any = None,
        *,
        max_text_answer_increase: Any = 0.02,
        max_invalid_args_increase: Any = 0.02,
        max_wrong_tool_increase: Any = 0.02,
        max_key_change_increase: Any = 0.02,
        max_text_answer_rate: Any = None,
        max_invalid_args_rate: Any = None,
    ) -> ToolCalls:
        name = cls.marker_name
        if tools is not None:
            if isinstance(tools, Mapping):
                raise MarkerError(
                    f"@pytest.mark.{name}: tools must be a list of tool definitions (wrap a single tool in a list)"
                )
            try:
                ToolSet.from_tools(tools)
            except ValueError as exc:
                raise MarkerError(f"@pytest.mark.{name}: {exc}") from None
            tools = tuple(tools)
        prop = cls(
            tools=tools,
            max_text_answer_increase=rate_arg(name, "max_text_answer_increase", max_text_answer_increase),
            max_invalid_args_increase=rate_arg(name, "max_invalid_args_increase", max_invalid_args_increase),
            max_wrong_tool_increase=rate_arg(name, "max_wrong_tool_increase", max_wrong_tool_increase),
            max_key_change_increase=rate_arg(name, "max_key_change_increase", max_key_change_increase),
            max_text_answer_rate=rate_arg(name, "max_text_answer_rate", max_text_answer_rate),
            max_invalid_args_rate=rate_arg(name, "max_invalid_args_rate", max_invalid_args_rate),
        )
        if not any(m.bounds for m in prop.metrics()):
            raise MarkerError(
                f"@pytest.mark.{name}: every bound is None; set at least one (e.g. max_text_answer_increase=0.02)"
            )
        return prop

    def metrics(self) -> tuple[Metric, ...]:
        return (
            Metric(
                "tools.text",
                "text answer (no tool call) rate",
                "binary",
                bounds_from(max_rate=self.max_text_answer_rate, max_increase=self.max_text_answer_increase),
            ),
            Metric(
                "tools.invalid",
                "invalid tool arguments rate",
                "binary",
                bounds_from(max_rate=self.max_invalid_args_rate, max_increase=self.max_invalid_args_increase),
            ),
            Metric("tools.tool", "tool changed rate", "binary", bounds_from(max_increase=self.max_wrong_tool_increase)),
            Metric(
                "tools.keys",
                "argument keys changed rate",
                "binary",
                bounds_from(max_increase=self.max_key_change_increase),
            ),
        )

    def observe(self, baseline: Texts | None, candidate: Texts) -> list[Observation]:
        text, invalid, tool, keys = self.metrics()
        tools = toolset(self.tools)
        cand = [[check_tool_calls(t, tools) for t in row] for row in candidate]
        base = None if baseline is None else [[check_tool_calls(t, tools) for t in row] for row in baseline]
        observations = [
            Observation(text, _matrix(base, lambda c: c.text_answer), _matrix(cand, lambda c: c.text_answer)),
            Observation(invalid, _matrix(base, lambda c: c.invalid_args), _matrix(cand, lambda c: c.invalid_args)),
        ]
        if base is not None:
            references = [usual_call(row) for row in base]
            observations += [
                Observation(tool, *(_paired(checks, references, tool_changed) for checks in (base, cand))),
                Observation(keys, *(_paired(checks, references, keys_changed) for checks in (base, cand))),
            ]
        return observations

    def explain(self, baseline: Texts, candidate: Texts, ids: Sequence[str], *, shown: int | None = None) -> list[str]:
        return tool_call_diff(baseline, candidate, ids, self.tools)

    def describe(self) -> dict[str, Any]:
        described: dict[str, Any] = {
            "marker": self.marker_name,
            "tools": None if self.tools is None else list(self.tools),
        }
        for name in (
            "max_text_answer_increase",
            "max_invalid_args_increase",
            "max_wrong_tool_increase",
            "max_key_change_increase",
            "max_text_answer_rate",
            "max_invalid_args_rate",
        ):
            if getattr(self, name) is not None:
                described[name] = getattr(self, name)
        return described


def _matrix(checks: list[list[ToolCallCheck]] | None, predicate: Any) -> Any:
    if checks is None:
        return None
    return as_matrix([[1.0 if predicate(c) else 0.0 for c in row] for row in checks])


Reference = tuple[Signature, KeySets] | None


def usual_call(checks: Sequence[ToolCallCheck]) -> Reference:
    """The most common (tools called, their key sets) among one input's outputs that call a tool; ties go to
    the first seen. None when none of them calls a tool."""
    calls = [(c.names, c.key_sets) for c in checks if not c.text_answer]
    if not calls:
        return None
    names = Counter(n for n, _ in calls).most_common(1)[0][0]
    key_sets = Counter(k for n, k in calls if n == names).most_common(1)[0][0]
    return names, key_sets


def tool_changed(check: ToolCallCheck, reference: Reference) -> bool:
    """Calls other tools than the input's usual call (a text answer is counted by the text-answer metric)."""
    return reference is not None and not check.text_answer and check.names != reference[0]


def keys_changed(check: ToolCallCheck, reference: Reference) -> bool:
    """Calls the usual tools with other argument names (or unparseable arguments)."""
    return (
        reference is not None
        and not check.text_answer
        and check.names == reference[0]
        and (check.key_sets != reference[1] or None in check.key_sets)
    )


def _paired(checks: list[list[ToolCallCheck]], references: Sequence[Reference], predicate: Any) -> Any:
    return as_matrix(
        [[1.0 if predicate(c, ref) else 0.0 for c in row] for row, ref in zip(checks, references, strict=True)]
    )


# ---- the diff shown on a regression ---------------------------------------------------------------------------


def tool_call_diff(
    baseline: Texts, candidate: Texts, ids: Sequence[str], tools: Any = None, *, max_inputs: int = 5
) -> list[str]:
    """Inputs whose first output flipped (text answer, validity, tool, argument keys), baseline -> candidate."""
    tools = toolset(tools)
    flipped: list[tuple[int, str, str, str, str]] = []
    for i, (b_row, c_row) in enumerate(zip(baseline, candidate, strict=True)):
        if not b_row or not c_row:
            continue
        b, c = check_tool_calls(b_row[0], tools), check_tool_calls(c_row[0], tools)
        if b.text_answer != c.text_answer:
            what = "now answers in text" if c.text_answer else "now calls a tool"
        elif b.invalid_args != c.invalid_args:
            what = "arguments now invalid" if c.invalid_args else "arguments now valid"
        elif b.names != c.names:
            what = "other tool"
        elif b.key_sets != c.key_sets:
            what = "other argument keys"
        else:
            continue
        note = f"  [{c.reasons[0]}]" if c.invalid_args and c.reasons else ""
        flipped.append(
            (
                _PRIORITY.index(what),
                ids[i] if i < len(ids) else str(i),
                what,
                f"{_brief(b_row[0])} -> {_brief(c_row[0])}",
                note,
            )
        )
    if not flipped:
        return []
    flipped.sort(key=lambda f: f[0])
    lines = [f"tool call changes (first output of each input; {len(flipped)} of {len(candidate)} inputs):"]
    lines += [f"  {input_id}: {what}: {pair}{note}" for _, input_id, what, pair, note in flipped[:max_inputs]]
    if len(flipped) > max_inputs:
        lines.append(f"  ... and {len(flipped) - max_inputs} more")
    return lines


_PRIORITY = (
    "now answers in text",
    "arguments now invalid",
    "other tool",
    "other argument keys",
    "now calls a tool",
    "arguments now valid",
)


def _brief(output: Any, limit: int = 70) -> str:
    calls = calls_of(output)
    if not calls:
        return f"text {shorten(str(output), 50)!r}"
    return "; ".join(
        f"{name}({shorten(raw if isinstance(raw, str) else json.dumps(raw), limit)})" for name, raw in calls
    )
