"""Inputs of a behavioral spec: identity, segment, loading from datasets, and prompt rendering."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

from pytest_behavior.errors import BehaviorConfigError
from pytest_behavior.spec.conversation import SHOWN_TURNS, check_conversation, is_conversation, messages_for, transcript
from pytest_behavior.spec.output import describe_value

InputValue = Union[str, Mapping[str, Any]]  # noqa: UP007 (a runtime alias on Python 3.10)
Message = dict[str, Any]


@dataclass(frozen=True)
class Input:
    """One input of a spec. `id` pairs it across arms and with the golden file."""

    id: str
    value: Any
    segment: str | None = None
    source: str | None = field(default=None, compare=False, repr=False)
    """Where the input was read (``tickets.jsonl:12``, ``tickets.csv:4``, ``data.json[3]``), for error messages."""


def canonical_json(value: Any) -> str:
    """The one JSON spelling of a value that hashes and diffs stably."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def input_id(value: InputValue) -> str:
    """A stable id: the input's own ``id`` field if it has one, else a hash of its content."""
    if isinstance(value, Mapping) and "id" in value:
        return str(value["id"])
    return hashlib.sha256(canonical_json(value).encode("utf-8", "surrogatepass")).hexdigest()[:12]


def make_input(value: InputValue, source: str | None = None, *, where: str | None = None) -> Input:
    """An `Input`, its ``id`` and ``segment`` checked; ``where`` (default ``source``) names it in errors."""
    where = where or source or "an input"
    explicit = checked_id(value["id"], where) if isinstance(value, Mapping) and "id" in value else None
    segment = checked_segment(value.get("segment"), where) if isinstance(value, Mapping) else None
    label = f"input {explicit!r} ({where})" if explicit is not None else f"input {where}"
    if is_conversation(value):
        check_conversation(value, label)
    check_sendable(value, label)
    return Input(id=explicit if explicit is not None else input_id(value), value=value, segment=segment, source=source)


def checked_id(raw: Any, where: str) -> str:
    """An input's own id: a non-empty string, or an integer (as its decimal string)."""
    if isinstance(raw, str) and raw:
        return raw
    if isinstance(raw, int) and not isinstance(raw, bool):
        return str(raw)
    raise BehaviorConfigError(
        f"{where}: 'id' must be a non-empty string or an integer, got {describe_value(raw)} "
        "(inputs pair across arms and with the golden file by id)"
    )


def checked_segment(raw: Any, where: str) -> str | None:
    """An input's segment: a string, an integer (as its decimal string), or null for none."""
    if raw is None or isinstance(raw, str):
        return raw
    if isinstance(raw, int) and not isinstance(raw, bool):
        return str(raw)
    raise BehaviorConfigError(f"{where}: 'segment' must be a string (or an integer), got {describe_value(raw)}")


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def check_sendable(value: Any, label: str) -> None:
    """A string holding a lone surrogate (JSON's ``"\\ud800"`` without its pair) has no UTF-8 form, so no provider
    can receive it: a usage error naming the input, raised before any call (the data needs fixing)."""
    stack = [value]
    while stack:  # iterative: a deeply nested input must not overflow the stack here
        item = stack.pop()
        if isinstance(item, str):
            found = _LONE_SURROGATE.search(item)
            if found:
                raise BehaviorConfigError(
                    f"{label} contains a lone surrogate \\u{ord(found.group()):04x}, which no "
                    "provider can receive: fix the data"
                )
        elif isinstance(item, Mapping):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)


def load_dataset(path: Path) -> list[InputValue]:
    """Read inputs from a JSONL, JSON (a list) or CSV file."""
    return [value for value, _ in load_dataset_with_sources(path)]


def load_dataset_with_sources(path: Path) -> list[tuple[InputValue, str]]:
    """The inputs of a JSONL, JSON (a list) or CSV file, each with where it was read (``path:line``)."""
    if not path.is_file():
        where = "is a folder" if path.is_dir() else "does not exist"
        if not path.is_absolute():
            where += (
                f" (a relative path is read from the working directory: {path.absolute()}; to read it beside the "
                "test file, pass Path(__file__).with_name(...))"
            )
        raise BehaviorConfigError(f"input dataset {path} {where}")
    suffix = path.suffix.lower()
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise BehaviorConfigError(f"input dataset {path} cannot be read ({exc.strerror or exc})") from None
    text = decode_utf8(raw, path, what="an input dataset")
    if suffix == ".csv":
        return _load_csv(text, path)
    if suffix == ".json":
        data = _parse_json(text, path)
        if not isinstance(data, list):
            raise BehaviorConfigError(f"{path}: a JSON dataset must be a list of inputs")
        return [(_check_value(item, f"{path}[{i}]"), f"{path}[{i}]") for i, item in enumerate(data)]
    if suffix == ".jsonl":
        values: list[tuple[InputValue, str]] = []
        for lineno, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                values.append((_check_value(_parse_json(line, path, lineno), f"{path}:{lineno}"), f"{path}:{lineno}"))
        return values
    raise BehaviorConfigError(f"input dataset {path}: use a .jsonl, .json or .csv file")


def _load_csv(text: str, path: Path) -> list[tuple[InputValue, str]]:
    """Rows of a CSV file as dicts keyed by its header. A row with fewer cells than the header is an error naming the
    file, line and column (``csv`` would fill them with None, which a template renders as the text "None"); so is a
    row with more cells. An empty cell (``a,,c``) is a value: the empty string. Quoted cells may span lines."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    blank = [i + 1 for i, name in enumerate(header) if not name.strip()]
    if blank:
        raise BehaviorConfigError(f"{path}:1: the header has no name for column {blank[0]}")
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise BehaviorConfigError(f"{path}:1: the header names column {duplicates[0]!r} twice")
    rows: list[tuple[InputValue, str]] = []
    for row_number, row in enumerate(reader, start=1):
        where = f"{path}:{reader.line_num}"
        missing = [name for name in header if row.get(name) is None]
        if missing:
            raise BehaviorConfigError(
                f"{where}: data row {row_number} has no value for column {missing[0]!r} "
                f"({len(header) - len(missing)} of {len(header)} cells); write an empty cell (a trailing comma) "
                "for an empty value"
            )
        if None in row:
            raise BehaviorConfigError(
                f"{where}: data row {row_number} has {len(header) + len(row[None])} cells but the header names "
                f"{len(header)} columns (quote a cell that holds a comma)"
            )
        rows.append((dict(row), where))
    return rows


_BOM = b"\xef\xbb\xbf"


def decode_utf8(raw: bytes, path: Path, *, what: str) -> str:
    """The text of a data file, which must be UTF-8 (a leading BOM is fine); else a usage error naming the file
    and the line and column of the first byte that is not UTF-8."""
    skip = len(_BOM) if raw.startswith(_BOM) else 0
    try:
        return raw[skip:].decode("utf-8")
    except UnicodeDecodeError as exc:
        at = skip + exc.start
        line = raw.count(b"\n", 0, at) + 1
        column = at - (raw.rfind(b"\n", 0, at) + 1) + 1
        raise BehaviorConfigError(
            f"{path}:{line}: not UTF-8 text (byte 0x{raw[at]:02x} at column {column}): {what} "
            "must be UTF-8; save the file as UTF-8"
        ) from None


def _parse_json(text: str, path: Path, lineno: int | None = None) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"{path}:{lineno}" if lineno else str(path)
        raise BehaviorConfigError(f"{where}: invalid JSON ({exc.msg} at column {exc.colno})") from None


def _check_value(value: Any, where: str) -> InputValue:
    if not isinstance(value, (str, Mapping)):
        raise BehaviorConfigError(f"{where}: an input must be a string or an object, got {type(value).__name__}")
    return value


def resolve_inputs(inputs: Sequence[InputValue] | str | Path, *, n: int | None, seed: int) -> list[Input]:
    """Turn the user's inputs into `Input`s, checking ids are unique; keep a seeded subset of `n`."""
    values: Iterable[InputValue]
    sources: Sequence[str | None] | None = None
    if isinstance(inputs, (str, Path)) and (isinstance(inputs, Path) or _looks_like_path(inputs)):
        loaded = load_dataset_with_sources(Path(inputs))
        if not loaded:
            raise BehaviorConfigError(f"input dataset {inputs} holds no inputs")
        values, sources = [v for v, _ in loaded], [where for _, where in loaded]
    elif isinstance(inputs, str):
        raise BehaviorConfigError(
            "behavior.sample() got a single string; pass a list of inputs or a dataset path (.jsonl/.json/.csv)"
        )
    else:
        values = [_check_value(v, f"inputs[{i}]") for i, v in enumerate(inputs)]
    resolved = [
        make_input(v, sources[i], where=sources[i]) if sources is not None else make_input(v, where=f"inputs[{i}]")
        for i, v in enumerate(values)
    ]
    _check_unique(resolved)
    if not resolved:
        raise BehaviorConfigError("behavior.sample() got no inputs")
    return subset(resolved, n=n, seed=seed)


def _looks_like_path(text: str) -> bool:
    return "\n" not in text and text.lower().endswith((".jsonl", ".json", ".csv"))


def _check_unique(resolved: Sequence[Input]) -> None:
    seen: set[str] = set()
    for item in resolved:
        if item.id in seen:
            raise BehaviorConfigError(
                f"two inputs share the id {item.id!r}; give each input a unique 'id' (pairing is by id)"
            )
        seen.add(item.id)


def subset(resolved: list[Input], *, n: int | None, seed: int) -> list[Input]:
    """A seeded random subset of `n` inputs in their original order (stable across runs)."""
    if n is None or n >= len(resolved):
        return resolved
    if n < 1:
        raise BehaviorConfigError(f"n must be at least 1, got {n}")
    keep = set(random.Random(seed).sample(range(len(resolved)), n))
    return [item for i, item in enumerate(resolved) if i in keep]


class _StrictFields(dict[str, Any]):
    def __missing__(self, key: str) -> Any:
        raise KeyError(key)


def render_prompt(template: str | None, item: Input) -> str:
    """Fill a ``str.format`` template from the input (a string input is ``{input}``)."""
    value = item.value
    if template is None:
        if isinstance(value, str):
            return value
        for key in ("input", "text", "prompt"):
            if isinstance(value.get(key), str):
                return str(value[key])
        raise BehaviorConfigError(
            f"input {item.id!r} is an object without an 'input'/'text'/'prompt' field: "
            "pass prompt='... {field} ...' to behavior.sample()"
        )
    return fill_template(template, template_fields(value), item)


def template_fields(value: Any) -> dict[str, Any]:
    """The fields a template reads of an input: a dict's own, or a string input as ``input``."""
    return {"input": value} if isinstance(value, str) else dict(value)


def fill_template(template: str, fields: Mapping[str, Any], item: Input, *, what: str = "prompt template") -> str:
    """``template`` filled with ``fields`` (``str.format``), or a usage error naming ``what`` it is and the field
    ``item`` lacks."""
    try:
        return template.format_map(_StrictFields(fields))
    except KeyError as exc:
        name = str(exc.args[0])
        if _looks_like_literal_braces(name):
            raise BehaviorConfigError(
                f"{what} {_shown(template)!r} has literal braces, read as a field named {name!r}. {_BRACES_HINT}"
            ) from None
        where = f" ({item.source})" if item.source else ""
        raise BehaviorConfigError(
            f"{what} needs field {name!r}, which input {item.id!r}{where} does not have"
        ) from None
    except (ValueError, IndexError, AttributeError, TypeError) as exc:
        raise BehaviorConfigError(
            f"{what} {_shown(template)!r} is not a valid format string ({exc}). {_BRACES_HINT}"
        ) from None


def input_text(value: Any) -> str:
    """The human part of an input, for diffs and reports: the string, the text field of an object, a
    conversation's last turns (``role: text``, separated by `` / ``), else the object as JSON."""
    if is_conversation(value) and isinstance(value["messages"], list):
        return " / ".join(transcript(value["messages"], last=SHOWN_TURNS).split("\n"))
    if isinstance(value, Mapping):
        for key in ("text", "input", "prompt", "question"):
            if isinstance(value.get(key), str):
                return str(value[key])
        return canonical_json(value)
    return value if isinstance(value, str) else str(value)


_BRACES_HINT = (
    "The template is filled with str.format: write a literal brace twice, {{ and }}, e.g. "
    '\'Summarize {text} as JSON: {{"summary": "..."}}\' (a field stays single: {text}).'
)


def _looks_like_literal_braces(name: str) -> bool:
    """A field "name" no input can mean: ``{"summary": ...}`` (JSON), ``{ x }``, a name across lines."""
    return not name or name != name.strip() or any(c in name for c in "\"'\n{},")


def _shown(template: str) -> str:
    return template if len(template) <= 200 else template[:200] + "..."


def render_messages(*, system: str | None, template: str | None, item: Input) -> list[Message]:
    """The chat messages of one input; text that is not valid Unicode (a lone surrogate such as ``"\\ud800"``,
    which no provider accepts) is an error naming where it is, before any call."""
    _check_unicode("the system prompt", system)
    _check_unicode("the prompt template", template)
    if is_conversation(item.value):  # its own turns (checked on reading); see `spec.conversation` for the rule
        return messages_for(item.value, system=system, template=template, fill=lambda t, f: fill_template(t, f, item))
    messages: list[Message] = []
    if system:
        messages.append({"role": "system", "content": system})
    messages.append({"role": "user", "content": render_prompt(template, item)})  # inputs: checked on reading
    return messages


def _check_unicode(where: str, text: str | None) -> None:
    if text is None:
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise BehaviorConfigError(
            f"{where} holds {text[exc.start : exc.end]!r} at character {exc.start}, a lone surrogate: not valid "
            "Unicode, so it cannot be sent to a model (decode the text with errors='replace', or remove it)"
        ) from None


def check_fields(inputs: Sequence[Input], fields: Sequence[str], *, needed_by: str) -> None:
    """Every input is an object with each of ``fields`` (``needed_by`` names who reads them), before any call: a
    missing reference answer found after sampling would waste what was paid for."""
    if not fields:
        return
    for item in inputs:
        where = f"input {item.id!r}" + (f" ({item.source})" if item.source else "")
        if not isinstance(item.value, Mapping):
            raise BehaviorConfigError(
                f"{needed_by} reads the input fields {', '.join(map(repr, fields))}, but {where} is not an object"
            )
        missing = [name for name in fields if name not in item.value]
        if missing:
            raise BehaviorConfigError(
                f"{needed_by} reads the input field {missing[0]!r}, which {where} does not have (its fields: "
                f"{', '.join(map(repr, item.value)) or 'none'}): add it, or name another field in the marker; "
                "checked before any call"
            )
