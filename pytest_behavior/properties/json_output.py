"""The JSON value in a model's answer: the whole text, a fenced block, or an object embedded in prose."""

from __future__ import annotations

import json
import re
from typing import Any

_FENCED = re.compile(r"```[ \t]*(?:json5?|jsonc|JSON)?[ \t]*\r?\n(.*?)```", re.DOTALL)
MISSING = object()
"""What `parse_json` returns for an answer that holds no JSON value (``None`` is JSON's ``null``)."""
_MAX_EMBEDDED_STARTS = 20


def parse_json(text: str) -> Any:
    """The JSON value in an answer, else `MISSING`.

    Tried in order: the whole text (a ``response_format`` answer; a JSON string that itself holds an
    object or array is unwrapped), each fenced block (```` ```json ````, or no language), then the first
    ``{...}`` embedded in prose that decodes (up to 20 starts, so ``use {name}: {"a": 1}`` still parses).
    """
    stripped = text.strip().lstrip("\ufeff").strip()
    candidates = [stripped, *(m.group(1).strip() for m in _FENCED.finditer(text))]
    for candidate in candidates:
        try:
            return _unwrap(json.loads(candidate))
        except json.JSONDecodeError:
            pass
    decoder = json.JSONDecoder()
    start = stripped.find("{")
    for _ in range(_MAX_EMBEDDED_STARTS):
        if start < 0:
            break
        try:
            return decoder.raw_decode(stripped[start:])[0]
        except json.JSONDecodeError:
            start = stripped.find("{", start + 1)
    return MISSING


def _unwrap(value: Any) -> Any:
    """A JSON-encoded object or array stored as a JSON string (double-encoded), decoded once more."""
    if isinstance(value, str) and value.strip()[:1] in ("{", "["):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            pass
    return value


def top_level_keys(text: str) -> frozenset[str] | None:
    value = parse_json(text)
    return frozenset(value) if isinstance(value, dict) else None
