"""Golden files shown outside a test run: ``pytest-behavior show`` and the helpers ``card`` and ``diff`` share.

`summarize_golden` / `render_show` say what one file holds, `render_listing` lists a directory; the files are read
by `pytest_behavior.golden.store` (`load_golden`, `golden_files`). Pure Python (no numpy): the command answers at
once.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_behavior.errors import GoldenFileError
from pytest_behavior.golden.store import FORMAT_VERSION, GoldenRecord, golden_files, load_golden
from pytest_behavior.sanitize import one_line
from pytest_behavior.spec.inputs import input_text

EXAMPLES_SHOWN = 3
TEXT_CHARS = 100
SYSTEM_CHARS = 80
NO_SEGMENT = "(no segment)"
DASH = "–"


# ---- small helpers ------------------------------------------------------------------------------------------------


def quantile(values: Sequence[float], q: float) -> float:
    """Linear interpolation between order statistics (numpy's default method), without importing numpy."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("quantile of no values")
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def words(text: str) -> int:
    """Length in words as ``length_distribution(unit="words")`` measures it (an empty answer counts as 1)."""
    from pytest_behavior.properties.length import measure_length

    return measure_length(text, "words")


def clip(text: str, limit: int = TEXT_CHARS) -> str:
    """One line, at most ``limit`` characters, control characters escaped (a golden file is data)."""
    flat = one_line(" ".join(str(text).split()))
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def compact(value: Any, limit: int = TEXT_CHARS) -> str:
    return clip(json.dumps(value, ensure_ascii=False, sort_keys=True, default=str), limit)


def schema_short(schema: Any) -> str:
    """A JSON schema in a few words: its type, required keys and how many properties it declares."""
    if schema is None:
        return "none (a JSON object)"
    if not isinstance(schema, Mapping):
        return compact(schema, 40)
    parts = []
    if "type" in schema:
        parts.append(f"type {schema['type']}")
    required = schema.get("required")
    if isinstance(required, list) and required:
        parts.append("required " + ", ".join(map(str, required)))
    declared = schema.get("properties")
    if isinstance(declared, Mapping):
        extra = [str(k) for k in declared if not (isinstance(required, list) and k in required)]
        parts.append(f"{len(declared)} properties" + (f" (optional {', '.join(extra)})" if extra else ""))
    return clip("; ".join(parts) or compact(schema, 60), 120)


def _tool_names(tools: Any) -> str:
    if not isinstance(tools, list):
        return compact(tools, 60)
    names = []
    for tool in tools:
        spec = tool.get("function", tool) if isinstance(tool, Mapping) else {}
        names.append(str(spec.get("name", "?")) if isinstance(spec, Mapping) else "?")
    return clip(", ".join(names), 100) if names else "[]"


def property_line(described: Mapping[str, Any]) -> str:
    """``refusal_bound(max_increase=0.03, detector='layered-4')``; a schema or tool list in short form."""
    args = []
    first = ("schema", "tools")  # the positional argument of its marker
    for key, value in sorted(described.items(), key=lambda item: item[0] not in first):
        if key == "marker":
            continue
        if key == "schema":
            args.append(f"schema=<{schema_short(value)}>")
        elif key == "tools":
            args.append(f"tools=<{_tool_names(value) if value is not None else 'None'}>")
        elif isinstance(value, (dict, list)):
            args.append(f"{key}={compact(value, 60)}")
        else:
            args.append(f"{key}={value!r}")
    return f"{described.get('marker', '?')}({', '.join(args)})"


def repeats_of(record: GoldenRecord) -> tuple[int, int]:
    """Fewest and most outputs recorded for one input."""
    counts = [len(s.outputs) for s in record.samples.values()] or [0]
    return min(counts), max(counts)


# ---- show ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Example:
    id: str
    input: str
    output: str


@dataclass(frozen=True)
class GoldenSummary:
    """What one golden file holds, as `render_show` prints it and ``--json`` emits it."""

    path: str
    test: str
    recorded_at: str
    plugin_version: str
    format: int
    label: str
    fingerprint: str | None
    description: Mapping[str, Any]
    settings: Mapping[str, Any]
    properties: tuple[Mapping[str, Any], ...]
    detectors: Mapping[str, str]
    inputs: int
    outputs: int
    repeats: tuple[int, int]
    segments: Mapping[str, int]
    length_words: Mapping[str, float] | None
    examples: tuple[Example, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "test": self.test,
            "recorded_at": self.recorded_at,
            "plugin_version": self.plugin_version,
            "format": self.format,
            "bundle": {"label": self.label, "fingerprint": self.fingerprint, "description": dict(self.description)},
            "settings": dict(self.settings),
            "properties": [dict(p) for p in self.properties],
            "detectors": dict(self.detectors),
            "inputs": self.inputs,
            "outputs": self.outputs,
            "repeats": {"min": self.repeats[0], "max": self.repeats[1]},
            "segments": dict(self.segments),
            "length_words": None if self.length_words is None else dict(self.length_words),
            "examples": [{"id": e.id, "input": e.input, "output": e.output} for e in self.examples],
        }


def summarize_golden(path: Path, record: GoldenRecord) -> GoldenSummary:
    lengths = [float(words(str(o.get("text", "")))) for s in record.samples.values() for o in s.outputs]
    segments = Counter(NO_SEGMENT if s.segment is None else str(s.segment) for s in record.samples.values())
    fingerprint = record.bundle.get("fingerprint")
    description = record.bundle.get("description")
    examples = tuple(
        Example(sid, clip(input_text(s.input)), clip(str(s.outputs[0].get("text", ""))))
        for sid, s in list(record.samples.items())[:EXAMPLES_SHOWN]
    )
    return GoldenSummary(
        path=str(path),
        test=record.test,
        recorded_at=record.recorded_at,
        plugin_version=record.plugin_version,
        format=FORMAT_VERSION,
        label=str(record.bundle.get("label", "?")),
        fingerprint=None if fingerprint is None else str(fingerprint),
        description=dict(description) if isinstance(description, Mapping) else {},
        settings=dict(record.settings),
        properties=tuple(p if isinstance(p, Mapping) else {"marker": compact(p, 40)} for p in record.properties),
        detectors=dict(record.detectors),
        inputs=len(record.samples),
        outputs=len(lengths),
        repeats=repeats_of(record),
        segments=dict(sorted(segments.items())) if set(segments) != {NO_SEGMENT} else {},
        length_words=None if not lengths else {f"p{round(100 * q)}": quantile(lengths, q) for q in (0.1, 0.5, 0.9)},
        examples=examples,
    )


def describe_bundle(description: Mapping[str, Any]) -> list[str]:
    """The bundle's description, one ``key: value`` line each; long prompts truncated, tools named."""
    lines = []
    for key, value in description.items():
        if key in ("system", "prompt") and isinstance(value, str):
            shown = repr(clip(value, SYSTEM_CHARS))
        elif key == "tools":
            shown = _tool_names(value)
        elif isinstance(value, (dict, list)):
            shown = compact(value)
        else:
            shown = str(value)
        lines.append(f"{key}: {shown}")
    return lines


def _settings_line(settings: Mapping[str, Any]) -> str:
    order = ["n", "repeats", "seed", "prompt"]
    keys = [k for k in order if k in settings] + sorted(k for k in settings if k not in order)
    return ", ".join(f"{k}={clip(repr(settings[k]), 60)}" for k in keys)


def render_show(summary: GoldenSummary) -> str:
    s = summary
    repeats = str(s.repeats[0]) if s.repeats[0] == s.repeats[1] else f"{s.repeats[0]}-{s.repeats[1]}"
    lines = [
        f"golden file {s.path}",
        f"test:        {s.test}",
        f"recorded:    {s.recorded_at or DASH} with pytest-behavior {s.plugin_version} (format {s.format})",
        f"bundle:      {s.label} (fingerprint {(s.fingerprint or DASH)[:12]})",
        *(f"  {line}" for line in describe_bundle(s.description)),
        f"settings:    {_settings_line(s.settings) or DASH}",
        "properties:" + ("" if s.properties else f" {DASH}"),
        *(f"  {property_line(p)}" for p in s.properties),
        "detectors:   " + (", ".join(f"{k}={v}" for k, v in s.detectors.items()) or DASH),
        f"inputs:      {s.inputs} ({repeats} repeat{'s' if repeats != '1' else ''} each, {s.outputs} outputs)",
        "segments:    " + (", ".join(f"{name} {n}" for name, n in s.segments.items()) or "none"),
    ]
    if s.length_words is not None:
        lines.append("length:      " + ", ".join(f"{q} {v:.0f}" for q, v in s.length_words.items()) + " words")
    if s.examples:
        lines += ["", f"examples (first {len(s.examples)} inputs, first output):"]
        for e in s.examples:
            lines += [f"  {e.id}: {e.input}", f"    -> {e.output}"]
    return "\n".join(one_line(line) for line in lines)  # every field is one line: none can forge another


# ---- a directory --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListedFile:
    path: str
    test: str | None
    label: str | None
    fingerprint: str | None
    inputs: int | None
    recorded_at: str | None
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def list_golden(directory: Path) -> list[ListedFile]:
    """One entry per file under ``directory``; an unreadable file is listed with its error."""
    listed = []
    for path in golden_files(directory):
        try:
            record = load_golden(path)
        except GoldenFileError as exc:
            listed.append(ListedFile(str(path), None, None, None, None, None, error=str(exc)))
            continue
        fingerprint = record.bundle.get("fingerprint")
        listed.append(
            ListedFile(
                str(path),
                record.test,
                str(record.bundle.get("label", "?")),
                None if fingerprint is None else str(fingerprint),
                len(record.samples),
                record.recorded_at or None,
            )
        )
    return listed


def _relative(path: str, directory: Path) -> str:
    try:
        return str(Path(path).relative_to(directory))
    except ValueError:
        return path


def render_listing(directory: Path, listed: Sequence[ListedFile]) -> str:
    if not listed:
        return f"no golden files (*.json) under {directory}"
    from tabulate import tabulate

    rows = [
        [
            one_line(cell)
            for cell in (
                _relative(f.path, directory),
                f.test or "(unreadable)",
                f.label or DASH,
                DASH if f.inputs is None else str(f.inputs),
                f.recorded_at or DASH,
            )
        ]
        for f in listed
    ]
    headers = [f"path (under {directory})", "test", "label", "inputs", "recorded"]
    table = tabulate(
        rows,
        headers=headers,
        tablefmt="simple",
        disable_numparse=True,
        colalign=("left", "left", "left", "right", "left"),
    )
    readable = [f for f in listed if f.error is None]
    lines = [str(table), "", f"{len(readable)} golden file{'s' if len(readable) != 1 else ''} under {directory}"]
    lines += [f"error: {one_line(f.error)}" for f in listed if f.error is not None]
    return "\n".join(lines)
