"""One sampled output as properties see it: its text, plus what the sampler recorded about it.

`Output` is a ``str`` (the text), so a property that reads only text needs nothing else; properties about
tool calls, latency or cost read the attributes. Built from a live completion, a golden file's stored payload
or a records file, so every baseline source gives properties the same view.

``output.input`` is the input the output answered (the string, or every field of a dict input or of a records
line's ``input`` object: ``expected``, ``context``, ``segment``, ...) and ``output.input_id`` its id; the engine
attaches them to every output of both arms before properties observe (`with_input`), None when not known (an
`Output` built by hand).

Golden files store at most `DEFAULT_MAX_STORED_CHARS` characters of an output (``--behavior-max-stored-chars``):
its first three quarters and last quarter with a marker between, plus the full text's length in characters and
words and its sha256 (``"truncated"`` next to ``"text"``). Properties judge the full text in the run that samples
it; read back from a golden file, length properties use the recorded full length, and the refusal detector reads
the same opening and ending it would read of the full text (it reads at most `READ_HEAD` + `READ_TAIL`
characters, fewer than a golden file keeps). Other text properties (a JSON schema) see the stored text.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

DEFAULT_MAX_STORED_CHARS = 20_000
"""Characters of one output a golden file keeps at most; 0 keeps every output whole."""
READ_HEAD = 12_000
READ_TAIL = 4_000
"""A detector that needs only the opening and ending of an answer reads at most these many characters of each (the
opening and ending of the full text, whether it was stored whole or cut at the default cap)."""


@dataclass(frozen=True)
class Truncation:
    """What a golden file kept of an output longer than its cap: the full text's size and hash."""

    chars: int
    words: int
    sha256: str
    kept_head: int
    kept_tail: int

    def to_json(self) -> dict[str, Any]:
        return {
            "chars": self.chars,
            "words": self.words,
            "sha256": self.sha256,
            "kept_head": self.kept_head,
            "kept_tail": self.kept_tail,
        }

    @classmethod
    def from_json(cls, data: Any) -> Truncation | None:
        """The recorded truncation, or None when absent or malformed (then the stored text is all there is)."""
        if not isinstance(data, Mapping):
            return None
        try:
            return cls(
                chars=int(data["chars"]),
                words=int(data["words"]),
                sha256=str(data["sha256"]),
                kept_head=int(data.get("kept_head", 0)),
                kept_tail=int(data.get("kept_tail", 0)),
            )
        except (KeyError, TypeError, ValueError):
            return None


def text_sha256(text: str) -> str:
    """sha256 of a text's UTF-8 bytes (a lone surrogate, which a provider can send, is encoded as is)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def cut_marker(omitted: int, total: int) -> str:
    return (
        f"\n\n[... {omitted:,} of {total:,} characters not stored in this golden file "
        "(--behavior-max-stored-chars) ...]\n\n"
    )


def capped_payload(payload: Mapping[str, Any], *, max_chars: int) -> dict[str, Any]:
    """A sample's payload as a golden file stores it: a text over ``max_chars`` keeps its first three quarters
    and last quarter of ``max_chars`` around a marker, and ``"truncated"`` records the full length and sha256."""
    payload = _capped_earlier(payload, max_chars=max_chars)
    text = payload.get("text")
    if max_chars <= 0 or not isinstance(text, str) or len(text) <= max_chars:
        return dict(payload)
    head = max_chars - max_chars // 4
    tail = max_chars - head
    stored = text[:head] + cut_marker(len(text) - head - tail, len(text)) + (text[len(text) - tail :] if tail else "")
    truncation = Truncation(
        chars=len(text), words=len(text.split()), sha256=text_sha256(text), kept_head=head, kept_tail=tail
    )
    return {**payload, "text": stored, "truncated": truncation.to_json()}


def _capped_earlier(payload: Mapping[str, Any], *, max_chars: int) -> Mapping[str, Any]:
    """A conversation's earlier answers, each kept to its first three quarters and last quarter of ``max_chars``
    around a marker (as the last answer is; without its length record: properties judge the last turn's length)."""
    earlier = payload.get("earlier")
    if max_chars <= 0 or not isinstance(earlier, list) or all(len(str(t)) <= max_chars for t in earlier):
        return payload
    head = max_chars - max_chars // 4
    tail = max_chars - head
    kept = [
        t if len(t) <= max_chars else t[:head] + cut_marker(len(t) - head - tail, len(t)) + t[len(t) - tail :]
        for t in map(str, earlier)
    ]
    return {**payload, "earlier": kept}


def read_window(text: str) -> str:
    """The opening `READ_HEAD` and ending `READ_TAIL` characters of a long text (all of a shorter one)."""
    if len(text) <= READ_HEAD + READ_TAIL:
        return text
    return text[:READ_HEAD] + "\n" + text[len(text) - READ_TAIL :]


class Output(str):
    """The text of an output, carrying its tool calls, finish reason, latency and cost when recorded."""

    tool_calls: tuple[Mapping[str, Any], ...] | None
    finish_reason: str | None
    latency_ms: float | None
    ttft_ms: float | None
    """Time to the first token, for a streamed sample (``Bundle(stream=True)``); None when not streamed."""
    cost_usd: float | None
    truncated: Truncation | None
    """Set when this is the stored part of a longer output (read back from a golden file)."""
    input: Any
    """The input this output answered (a string or a dict, as the spec or records line gives it); None if unknown."""
    input_id: str | None
    """That input's id (pairs it across arms and with the golden file); None if unknown."""
    earlier: tuple[str, ...] | None
    """A conversation sampled with follow-ups (`pytest_behavior.spec.follow_up`): the answers of the turns before
    this one, first to last; None for a one-turn sample."""

    def __new__(
        cls,
        text: str,
        *,
        tool_calls: tuple[Mapping[str, Any], ...] | None = None,
        finish_reason: str | None = None,
        latency_ms: float | None = None,
        cost_usd: float | None = None,
        truncated: Truncation | None = None,
        input: Any = None,
        input_id: str | None = None,
        earlier: tuple[str, ...] | None = None,
        ttft_ms: float | None = None,
    ) -> Output:
        output = super().__new__(cls, text)
        output.tool_calls = tool_calls
        output.finish_reason = finish_reason
        output.latency_ms = latency_ms
        output.cost_usd = cost_usd
        output.truncated = truncated
        output.input = input
        output.input_id = input_id
        output.earlier = earlier
        output.ttft_ms = ttft_ms
        return output

    @property
    def turns(self) -> tuple[str, ...]:
        """Every answer of the conversation, first to last (this text alone for a one-turn sample)."""
        return (*(self.earlier or ()), str(self))

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Output:
        """From a stored sample (cache entry, golden file output, records line)."""
        calls = payload.get("tool_calls")
        return cls(
            str(payload.get("text", "")),
            tool_calls=None if calls is None else tuple(dict(c) for c in calls),
            finish_reason=_opt_str(payload.get("finish_reason")),
            latency_ms=_opt_float(payload.get("latency_ms")),
            cost_usd=_opt_float(payload.get("cost_usd")),
            truncated=Truncation.from_json(payload.get("truncated")),
            earlier=_earlier(payload.get("earlier")),
            ttft_ms=_opt_float(payload.get("ttft_ms")),
        )

    def __reduce__(self) -> tuple[Any, ...]:  # keep the attributes through pickling (xdist, multiprocessing)
        return (
            _rebuild,
            (
                str(self),
                self.tool_calls,
                self.finish_reason,
                self.latency_ms,
                self.cost_usd,
                self.truncated,
                self.input,
                self.input_id,
                self.earlier,
                self.ttft_ms,
            ),
        )


def _rebuild(
    text: str,
    tool_calls: Any,
    finish_reason: Any,
    latency_ms: Any,
    cost_usd: Any,
    truncated: Any = None,
    input: Any = None,
    input_id: Any = None,
    earlier: Any = None,
    ttft_ms: Any = None,
) -> Output:
    return Output(
        text,
        tool_calls=tool_calls,
        finish_reason=finish_reason,
        latency_ms=latency_ms,
        cost_usd=cost_usd,
        truncated=truncated,
        input=input,
        input_id=input_id,
        earlier=earlier,
        ttft_ms=ttft_ms,
    )


def with_input(text: str, value: Any, *, input_id: str) -> Output:
    """A copy of ``text`` (an `Output` keeps what it carries; a plain ``str`` becomes one) answering input ``value``."""
    if not isinstance(text, Output):
        return Output(text, input=value, input_id=input_id)
    return Output(
        str(text),
        tool_calls=text.tool_calls,
        finish_reason=text.finish_reason,
        latency_ms=text.latency_ms,
        cost_usd=text.cost_usd,
        truncated=text.truncated,
        input=value,
        input_id=input_id,
        earlier=text.earlier,
        ttft_ms=text.ttft_ms,
    )


@dataclass(frozen=True)
class PayloadProblem:
    """A malformed field of a stored output: where (``latency_ms``, ``tool_calls[0]``), what it should be, and
    what it is."""

    field: str
    expected: str
    actual: str


def payload_problem(payload: Any) -> PayloadProblem | None:
    """The first malformed field of a stored output (golden file, records line), or None when it is well formed.

    A stored output is an object with a string ``text``; optional ``finish_reason`` (a string), ``latency_ms``,
    ``ttft_ms`` and ``cost_usd`` (finite numbers >= 0), ``tool_calls`` (a list of objects), ``usage`` (an object),
    ``earlier`` (a list of strings: a conversation's earlier answers) and ``truncated`` (see `Truncation`); each
    optional field may be null.
    """
    if not isinstance(payload, Mapping):
        return PayloadProblem("", "an object with a 'text' field", describe_value(payload))
    if not isinstance(payload.get("text"), str):
        actual = "missing" if "text" not in payload else describe_value(payload["text"])
        return PayloadProblem("text", "a string", actual)
    for name in ("latency_ms", "ttft_ms", "cost_usd"):
        value = payload.get(name)
        if value is not None and not _finite_non_negative(value):
            return PayloadProblem(name, "a finite number >= 0 or null", describe_value(value))
    reason = payload.get("finish_reason")
    if reason is not None and not isinstance(reason, str):
        return PayloadProblem("finish_reason", "a string or null", describe_value(reason))
    usage = payload.get("usage")
    if usage is not None and not isinstance(usage, Mapping):
        return PayloadProblem("usage", "an object or null", describe_value(usage))
    earlier = payload.get("earlier")
    if earlier is not None and (not isinstance(earlier, list) or not all(isinstance(t, str) for t in earlier)):
        return PayloadProblem(
            "earlier", "a list of strings (the earlier turns' answers) or null", describe_value(earlier)
        )
    calls = payload.get("tool_calls")
    if calls is not None:
        if not isinstance(calls, list):
            return PayloadProblem("tool_calls", "a list of objects or null", describe_value(calls))
        for i, call in enumerate(calls):
            if not isinstance(call, Mapping):
                return PayloadProblem(f"tool_calls[{i}]", "an object", describe_value(call))
    return _truncation_problem(payload.get("truncated"))


def _truncation_problem(data: Any) -> PayloadProblem | None:
    if data is None:
        return None
    if not isinstance(data, Mapping):
        return PayloadProblem("truncated", "an object or null", describe_value(data))
    for name in ("chars", "words", "kept_head", "kept_tail"):
        value = data.get(name, 0)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            actual = "missing" if name not in data else describe_value(value)
            return PayloadProblem(f"truncated.{name}", "an integer >= 0", actual)
    if not isinstance(data.get("sha256"), str):
        return PayloadProblem("truncated.sha256", "a string", describe_value(data.get("sha256")))
    return None


def _finite_non_negative(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value >= 0


def describe_value(value: Any) -> str:
    """A short description of a JSON value for an error message: ``the string 'fast'``, ``NaN``, ``a list``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"the string {value[:40]!r}" + ("..." if len(value) > 40 else "")
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, (list, tuple)):
        return "a list"
    return f"a {type(value).__name__}"


def _earlier(value: Any) -> tuple[str, ...] | None:
    return tuple(str(t) for t in value) if isinstance(value, list) and value else None


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)
