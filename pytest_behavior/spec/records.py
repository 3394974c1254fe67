"""Recorded outputs (JSONL) replayed as a bundle: shadow traffic, production logs, test fixtures.

One JSON object per line: ``{"input": <str or object>, "output": <str or object>}`` with optional
``"id"`` (else derived from the input, as for spec inputs), ``"repeat"`` (else the order of
appearance for that id), ``"segment"``, and what the sampler would record: ``"tool_calls"`` (a list of
``{"name", "arguments"}``), ``"finish_reason"``, ``"latency_ms"``, ``"ttft_ms"`` (time to the first token of a
streamed answer), ``"cost_usd"``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_behavior.errors import BehaviorConfigError
from pytest_behavior.spec.conversation import check_conversation, is_conversation
from pytest_behavior.spec.inputs import Input, check_sendable, checked_id, checked_segment, decode_utf8, input_id
from pytest_behavior.spec.output import Output, describe_value, payload_problem


@dataclass(frozen=True)
class RecordSet:
    path: Path
    sha256: str
    inputs: tuple[Input, ...]
    outputs: Mapping[tuple[str, int], str]

    def output(self, input_id: str, repeat: int) -> str | None:
        """The recorded output, or None when this input (or repeat) was never recorded."""
        return self.outputs.get((input_id, repeat))


def load_records(path: Path) -> RecordSet:
    if not path.is_file():
        raise BehaviorConfigError(f"records file {path} does not exist")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise BehaviorConfigError(f"records file {path} cannot be read ({exc.strerror or exc})") from None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    inputs: dict[str, Input] = {}
    outputs: dict[tuple[str, int], str] = {}
    for lineno, line in enumerate(decode_utf8(raw, path, what="a records file").splitlines(), start=1):
        if not line.strip():
            continue
        record = _parse_line(line, path, lineno)
        where = f"{path}:{lineno}"
        if not isinstance(record["input"], (str, dict)):
            raise BehaviorConfigError(
                f"{where}: 'input' must be a string or an object, got {describe_value(record['input'])}"
            )
        item_id = checked_id(record["id"], where) if "id" in record else None
        # a live arm may sample a recorded input: it must be sendable, as a spec's inputs are
        label = f"input {item_id!r} ({where})" if item_id is not None else f"input {where}"
        if is_conversation(record["input"]):
            check_conversation(record["input"], label)
        check_sendable(record["input"], label)
        item_id = item_id if item_id is not None else input_id(record["input"])
        segment = checked_segment(record.get("segment"), where)
        inputs.setdefault(item_id, Input(id=item_id, value=record["input"], segment=segment, source=where))
        repeat = record.get("repeat", sum(1 for key in outputs if key[0] == item_id))
        if not isinstance(repeat, int) or repeat < 0:
            raise BehaviorConfigError(f"{path}:{lineno}: 'repeat' must be a non-negative integer")
        if (item_id, repeat) in outputs:
            raise BehaviorConfigError(f"{path}:{lineno}: input {item_id!r} repeat {repeat} is recorded twice")
        outputs[(item_id, repeat)] = _output(record, path, lineno)
    if not outputs:
        raise BehaviorConfigError(f"records file {path} holds no records")
    return RecordSet(path=path, sha256=hashlib.sha256(raw).hexdigest(), inputs=tuple(inputs.values()), outputs=outputs)


def _parse_line(line: str, path: Path, lineno: int) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise BehaviorConfigError(f"{path}:{lineno}: invalid JSON ({exc.msg})") from None
    if not isinstance(record, dict) or "input" not in record or "output" not in record:
        raise BehaviorConfigError(f"{path}:{lineno}: each record needs 'input' and 'output' fields")
    return record


def _output(record: Mapping[str, Any], path: Path, lineno: int) -> Output:
    """The recorded output; optional ``tool_calls`` (a list of {"name", "arguments"}), ``finish_reason``,
    ``latency_ms``, ``ttft_ms``, ``cost_usd`` and ``earlier`` (a conversation's earlier answers, first to last, for
    specs with follow-up turns) fields are kept for the properties that read them."""
    output = record["output"]
    text = output if isinstance(output, str) else json.dumps(output, sort_keys=True)
    payload = {
        **{
            k: record[k]
            for k in ("finish_reason", "latency_ms", "ttft_ms", "cost_usd", "tool_calls", "earlier")
            if record.get(k) is not None
        },
        "text": text,
    }
    problem = payload_problem(payload)
    if problem is not None:
        raise BehaviorConfigError(
            f"{path}:{lineno}: {problem.field!r} must be {problem.expected}, got {problem.actual}"
        )
    return Output.from_payload(payload)
