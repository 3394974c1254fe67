"""Inputs of a behavioral spec: identity, segment, loading from datasets, and prompt rendering."""

from __future__ import annotations

import csv
import hashlib
import json
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union

from pytest_behavior.errors import BehaviorConfigError

InputValue = Union[str, Mapping[str, Any]]  # noqa: UP007 (a runtime alias on Python 3.10)
Message = dict[str, Any]


@dataclass(frozen=True)
class Input:
    """One input of a spec. `id` pairs it across arms and with the golden file."""

    id: str
    value: Any
    segment: str | None = None


def canonical_json(value: Any) -> str:
    """The one JSON spelling of a value that hashes and diffs stably."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def input_id(value: InputValue) -> str:
    """A stable id: the input's own ``id`` field if it has one, else a hash of its content."""
    if isinstance(value, Mapping) and "id" in value:
        return str(value["id"])
    return hashlib.sha256(canonical_json(value).encode()).hexdigest()[:12]


def make_input(value: InputValue) -> Input:
    segment = value.get("segment") if isinstance(value, Mapping) else None
    return Input(id=input_id(value), value=value, segment=None if segment is None else str(segment))


def load_dataset(path: Path) -> list[InputValue]:
    """Read inputs from a JSONL, JSON (a list) or CSV file."""
    if not path.is_file():
        raise BehaviorConfigError(f"input dataset {path} does not exist")
    suffix = path.suffix.lower()
    text = path.read_text(encoding="utf-8-sig")
    if suffix == ".csv":
        return [dict(row) for row in csv.DictReader(text.splitlines())]
    if suffix == ".json":
        data = _parse_json(text, path)
        if not isinstance(data, list):
            raise BehaviorConfigError(f"{path}: a JSON dataset must be a list of inputs")
        return [_check_value(item, f"{path}[{i}]") for i, item in enumerate(data)]
    if suffix == ".jsonl":
        values: list[InputValue] = []
        for lineno, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                values.append(_check_value(_parse_json(line, path, lineno), f"{path}:{lineno}"))
        return values
    raise BehaviorConfigError(f"input dataset {path}: use a .jsonl, .json or .csv file")


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


def resolve_inputs(
    inputs: Sequence[InputValue] | str | Path, *, n: int | None, seed: int
) -> list[Input]:
    """Turn the user's inputs into `Input`s, checking ids are unique; keep a seeded subset of `n`."""
    values: Iterable[InputValue]
    if isinstance(inputs, (str, Path)) and (isinstance(inputs, Path) or _looks_like_path(inputs)):
        values = load_dataset(Path(inputs))
        if not values:
            raise BehaviorConfigError(f"input dataset {inputs} holds no inputs")
    elif isinstance(inputs, str):
        raise BehaviorConfigError(
            "behavior.sample() got a single string; pass a list of inputs or a dataset path (.jsonl/.json/.csv)"
        )
    else:
        values = [_check_value(v, f"inputs[{i}]") for i, v in enumerate(inputs)]
    resolved = [make_input(v) for v in values]
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
    fields = _StrictFields({"input": value} if isinstance(value, str) else dict(value))
    try:
        return template.format_map(fields)
    except KeyError as exc:
        raise BehaviorConfigError(
            f"prompt template needs field {exc.args[0]!r}, which input {item.id!r} does not have"
        ) from None
    except (ValueError, IndexError) as exc:
        raise BehaviorConfigError(f"prompt template {template!r} is not a valid format string: {exc}") from None


def render_messages(*, system: str | None, template: str | None, item: Input) -> list[Message]:
    messages: list[Message] = []
    if system:
        messages.append({"role": "system", "content": system})
    messages.append({"role": "user", "content": render_prompt(template, item)})
    return messages
