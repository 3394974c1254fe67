"""Tool definitions ready to validate calls: BFCL type names turned into JSON Schema, one validator per tool."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

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
