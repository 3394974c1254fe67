"""Checking the tool calls of one output: a text answer, or arguments the tools' schemas reject (`check_tool_calls`)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pytest_behavior.properties.tool_schema import ToolSet, toolset


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
            reasons.append(f"{name or '(no name)'}: arguments are not a JSON object: {shorten(raw, 60)}")
            continue
        key_sets.append(frozenset(args))
        if prepared is None:
            continue
        validators = prepared.validators.get(name)
        if validators is None:
            reasons.append(f"{name or '(no name)'}: unknown tool (defined: {shorten(', '.join(prepared.names), 80)})")
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


def shorten(value: Any, limit: int) -> str:
    """``value`` on one line, at most ``limit`` characters (cut with "…")."""
    raw = value if isinstance(value, str) else repr(value)
    text = " ".join(raw[: 4 * limit].split())  # a bounded prefix: the arguments may be megabytes
    return text if len(text) <= limit and len(raw) <= 4 * limit else text[: limit - 1] + "…"
