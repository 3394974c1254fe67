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

import functools
import json
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
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

# ---- schemas ---------------------------------------------------------------------------------------------------

NON_STANDARD_TYPES: Mapping[str, str | None] = {
    "dict": "object",
    "float": "number",
    "tuple": "array",
    "list": "array",
    "int": "integer",
    "bool": "boolean",
    "str": "string",
    "any": None,
}
"""Type names used by BFCL (and Python-minded tool definitions) -> JSON Schema (None: no constraint)."""

FLOAT_LITERAL = "x-float-literal"
"""Keyword `normalize_schema` puts on a BFCL ``float`` inside a list: the number must be written as a float."""

_SUBSCHEMA = (
    "additionalProperties",
    "not",
    "contains",
    "propertyNames",
    "if",
    "then",
    "else",
    "unevaluatedItems",
    "unevaluatedProperties",
)
_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_SCHEMA_LISTS = ("anyOf", "oneOf", "allOf")


def normalize_schema(schema: Any, *, in_array: bool = False) -> Any:
    """A tool's parameters schema with non-standard type names turned into JSON Schema.

    BFCL (the Berkeley Function Calling Leaderboard) writes ``dict``, ``float``, ``tuple`` and ``any`` where
    JSON Schema says ``object``, ``number``, ``array`` and nothing (``any`` drops the type constraint);
    ``list``, ``int``, ``bool`` and ``str`` are mapped too. Standard names are left alone, so a JSON Schema
    passes through unchanged. One BFCL rule is kept on purpose: its checker accepts an integer for a
    ``float`` parameter but not inside a list (``[1, 3]`` for a list of floats is an official type error),
    so a ``float`` as list items also gets ``"x-float-literal": true``, which `check_tool_calls` enforces
    (the number must be written with a fraction or exponent: ``1.0``, not ``1``).
    """
    if not isinstance(schema, Mapping):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "type":
            names = value if isinstance(value, list) else [value]
            mapped = [NON_STANDARD_TYPES.get(n, n) if isinstance(n, str) else n for n in names]
            if None in mapped:  # "any"
                continue
            out["type"] = mapped if isinstance(value, list) else mapped[0]
            if in_array and "float" in names:
                out[FLOAT_LITERAL] = True
        elif key == "items":
            out[key] = (
                [normalize_schema(v, in_array=True) for v in value]
                if isinstance(value, list)
                else normalize_schema(value, in_array=True)
            )
        elif key == "prefixItems" and isinstance(value, list):
            out[key] = [normalize_schema(v, in_array=True) for v in value]
        elif key in _SUBSCHEMA:
            out[key] = normalize_schema(value)
        elif key in _SCHEMA_MAPS and isinstance(value, Mapping):
            out[key] = {k: normalize_schema(v) for k, v in value.items()}
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            out[key] = [normalize_schema(v, in_array=in_array) for v in value]
        else:
            out[key] = value
    return out


def _float_literal(validator: Any, value: Any, instance: Any, schema: Any) -> Iterator[Any]:
    from jsonschema.exceptions import ValidationError

    if value and isinstance(instance, int) and not isinstance(instance, bool):
        yield ValidationError(f"{instance!r} is an integer where a float is expected")


@functools.cache
def _validator_class() -> Any:
    from jsonschema import Draft202012Validator
    from jsonschema.validators import extend

    return extend(Draft202012Validator, validators={FLOAT_LITERAL: _float_literal})  # type: ignore[no-untyped-call]


@dataclass(frozen=True)
class ToolSet:
    """Tool definitions ready to validate calls: name -> validators (several when names collide after the
    dot -> underscore renaming; a call is valid against any of them)."""

    validators: Mapping[str, tuple[Any, ...]]
    names: tuple[str, ...]

    @classmethod
    def from_tools(cls, tools: Sequence[Mapping[str, Any]] | Mapping[str, Any]) -> ToolSet:
        """Raise ValueError, with a message a user can act on, for a malformed tool list."""
        if isinstance(tools, Mapping):
            tools = [tools]
        if isinstance(tools, (str, bytes)) or not isinstance(tools, Sequence):
            raise ValueError(f"tools must be a list of tool definitions, got {type(tools).__name__}")
        from jsonschema.exceptions import SchemaError

        exact: dict[str, Any] = {}
        for i, tool in enumerate(tools):
            name, parameters = _definition(tool, i)
            if name in exact:
                raise ValueError(f"tools: the name {name!r} is defined twice")
            schema = normalize_schema(parameters)
            try:
                _validator_class().check_schema(schema)
            except SchemaError as exc:
                where = "/".join(str(p) for p in exc.absolute_path) or "(root)"
                raise ValueError(f"tools: invalid parameters schema of {name!r} at {where}: {exc.message}") from None
            exact[name] = _validator_class()(schema)
        validators: dict[str, tuple[Any, ...]] = {name: (v,) for name, v in exact.items()}
        aliases: dict[str, list[Any]] = {}
        for name, v in exact.items():
            alias = name.replace(".", "_")
            if alias != name and alias not in exact:
                aliases.setdefault(alias, []).append(v)
        validators.update({alias: tuple(vs) for alias, vs in aliases.items()})
        return cls(validators=validators, names=tuple(exact))


def _definition(tool: Any, index: int) -> tuple[str, Any]:
    if not isinstance(tool, Mapping):
        raise ValueError(f"tools[{index}] must be a dict, got {type(tool).__name__}")
    spec = tool.get("function", tool) if tool.get("type", "function") == "function" else None
    if not isinstance(spec, Mapping) or not isinstance(spec.get("name"), str) or not spec["name"]:
        raise ValueError(
            f"tools[{index}] needs a name: {{'type': 'function', 'function': {{'name': ..., "
            "'parameters': {...}}}} or {'name': ..., 'parameters': {...}}"
        )
    parameters = spec.get("parameters", {"type": "object"})
    if not isinstance(parameters, (Mapping, bool)):
        raise ValueError(f"tools[{index}] ({spec['name']!r}): parameters must be a JSON schema dict")
    return spec["name"], parameters


@functools.lru_cache(maxsize=32)
def _toolset_from_json(canonical: str) -> ToolSet:
    return ToolSet.from_tools(json.loads(canonical))


def toolset(tools: Sequence[Mapping[str, Any]] | Mapping[str, Any] | ToolSet | None) -> ToolSet | None:
    if tools is None or isinstance(tools, ToolSet):
        return tools
    try:
        canonical = json.dumps(tools, sort_keys=True)
    except (TypeError, ValueError):
        return ToolSet.from_tools(tools)
    return _toolset_from_json(canonical)


# ---- checking one output -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ToolCallCheck:
    """What `check_tool_calls` found in one output."""

    text_answer: bool
    """No tool call: the model answered in text (or not at all)."""
    invalid_args: bool
    reasons: tuple[str, ...]
    """Why the arguments are invalid, one line per problem."""
    names: tuple[str, ...]
    """The called tools, in order."""
    key_sets: tuple[frozenset[str] | None, ...]
    """Each call's argument names (None: the arguments are not a JSON object)."""

    @property
    def flagged(self) -> bool:
        return self.text_answer or self.invalid_args


def calls_of(output: Any) -> list[tuple[str, Any]]:
    """(name, arguments) of each tool call an output carries; none for a plain ``str``."""
    calls = getattr(output, "tool_calls", None) or ()
    found = []
    for call in calls:
        spec = call.get("function", call) if isinstance(call, Mapping) else {}
        if not isinstance(spec, Mapping):
            spec = {}
        found.append((str(spec.get("name", "")), spec.get("arguments")))
    return found


def parse_arguments(arguments: Any) -> Any:
    """The arguments as a value: a JSON string parsed (an empty one is ``{}``), a dict kept; else `_INVALID`."""
    if isinstance(arguments, Mapping):
        return dict(arguments)
    if isinstance(arguments, str):
        if not arguments.strip():  # some providers send "" for a call without arguments
            return {}
        try:
            return json.loads(arguments)
        except json.JSONDecodeError:
            return _INVALID
    return _INVALID


_INVALID = object()


def check_tool_calls(
    output: Any, tools: Sequence[Mapping[str, Any]] | Mapping[str, Any] | ToolSet | None = None
) -> ToolCallCheck:
    """Check the tool calls of one output (an `Output`, or anything with ``tool_calls``; a plain ``str`` has none).

    ``tools``: the tool definitions (see the module docstring), a prepared `ToolSet`, or None to check only
    that each call's arguments are a JSON object.
    """
    prepared = toolset(tools)
    calls = calls_of(output)
    reasons: list[str] = []
    key_sets: list[frozenset[str] | None] = []
    for name, raw in calls:
        args = parse_arguments(raw)
        if not isinstance(args, dict):
            key_sets.append(None)
            reasons.append(f"{name or '(no name)'}: arguments are not a JSON object: {_short(raw, 60)}")
            continue
        key_sets.append(frozenset(args))
        if prepared is None:
            continue
        validators = prepared.validators.get(name)
        if validators is None:
            reasons.append(f"{name or '(no name)'}: unknown tool (defined: {_short(', '.join(prepared.names), 80)})")
            continue
        errors = [list(v.iter_errors(args)) for v in validators]
        if all(errors):
            best = min(errors, key=len)
            reasons += [f"{name}: {_error_line(e)}" for e in best[:3]]
    return ToolCallCheck(
        text_answer=not calls,
        invalid_args=bool(reasons),
        reasons=tuple(reasons),
        names=tuple(name for name, _ in calls),
        key_sets=tuple(key_sets),
    )


def _error_line(error: Any) -> str:
    where = "/".join(str(p) for p in error.absolute_path)
    return f"{error.message} (at {where})" if where else str(error.message)


def _short(value: Any, limit: int) -> str:
    raw = value if isinstance(value, str) else repr(value)
    text = " ".join(raw[: 4 * limit].split())  # a bounded prefix: the arguments may be megabytes
    return text if len(text) <= limit and len(raw) <= 4 * limit else text[: limit - 1] + "…"


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

    def explain(self, baseline: Texts, candidate: Texts, ids: Sequence[str]) -> list[str]:
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
        return f"text {_short(str(output), 50)!r}"
    return "; ".join(
        f"{name}({_short(raw if isinstance(raw, str) else json.dumps(raw), limit)})" for name, raw in calls
    )
