"""Follow-up turns: after the model's first answer, ask again in the same conversation and keep every answer.

``behavior.sample(inputs, follow_up=...)`` (or a marker's ``follow_up=``, such as ``sycophancy``'s) takes:

- a string: a ``str.format`` template of the next user turn, filled from the input's fields (a string input is
  ``{input}``) and ``{answer}``, the model's previous answer: ``"Are you sure? I think the answer is {wrong}."``;
- a list of such strings (and callables): one follow-up turn each, in order;
- a callable ``fn(conversation) -> str``: writes the next user turn from the conversation so far (the messages
  sent, then the model's answer as the last ``assistant`` message).

Each turn is one call, cached like any sample: turn *k* is sent the conversation of turn *k - 1* plus its answer
and the follow-up, so its cache key holds the exact earlier answer. The sample keeps every answer: its text is the
last one and ``output.turns`` all of them, first to last (`pytest_behavior.spec.output.Output`), so a property can
compare turn 1 with turn 2. A callable app (`Bundle.from_callable`) receives its input on the first turn and, on a
follow-up, the input as a dict whose ``messages`` are the conversation so far (a string input under ``input``).
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Union

from pytest_behavior.errors import BehaviorConfigError
from pytest_behavior.spec.conversation import Message, conversation, is_conversation
from pytest_behavior.spec.inputs import template_fields

FollowUpTurn = Union[str, Callable[[list[Message]], str]]  # noqa: UP007 (a runtime alias on Python 3.10)


@dataclass(frozen=True)
class FollowUps:
    """The follow-up turns of a spec, in order (at least one)."""

    turns: tuple[FollowUpTurn, ...]

    def describe(self) -> list[str]:
        """As golden files record them: each template, or ``<callable name source-hash>`` (an edited function is
        another follow-up: the golden file must be re-recorded)."""
        return [t if isinstance(t, str) else f"<callable {_name(t)} {_source_hash(t)[:12]}>" for t in self.turns]


def _name(turn: Any) -> str:
    return str(getattr(turn, "__qualname__", type(turn).__name__))


def _source_hash(turn: Any) -> str:
    """Its source's hash; a ``functools.partial`` hashes its function's source and its arguments."""
    import functools
    import hashlib

    from pytest_behavior.bundle import source_hash

    if isinstance(turn, functools.partial):
        return hashlib.sha256(
            f"{source_hash(turn.func)}|{turn.args!r}|{sorted(turn.keywords.items())!r}".encode()
        ).hexdigest()
    return source_hash(turn)


def follow_ups(value: Any, *, where: str = "follow_up") -> FollowUps | None:
    """The follow-ups ``value`` declares (None: none), or a usage error naming ``where``."""
    if value is None:
        return None
    turns = [value] if isinstance(value, str) or callable(value) else value
    if not isinstance(turns, Sequence) or isinstance(turns, (bytes, bytearray)) or not turns:
        raise BehaviorConfigError(
            f"{where} must be a template string, a callable writing the next user turn, or a non-empty list of "
            f"them, got {value!r}"
        )
    for i, turn in enumerate(turns):
        if isinstance(turn, str):
            if not turn.strip():
                raise BehaviorConfigError(f"{where}[{i}] is an empty template: a follow-up turn needs text")
        elif not callable(turn):
            raise BehaviorConfigError(f"{where}[{i}] must be a template string or a callable, got {turn!r}")
        elif inspect.iscoroutinefunction(turn) or inspect.iscoroutinefunction(getattr(turn, "__call__", None)):  # noqa: B004
            raise BehaviorConfigError(f"{where}[{i}] is an async function; give a plain function returning the text")
    return FollowUps(tuple(turns))


def opening(value: Any, rendered: list[Message] | None, prompt: Callable[[], str]) -> list[Message]:
    """The conversation of the first turn: the messages a model bundle was sent (``rendered``), or for a callable
    app the input as a conversation (its ``messages``, or one user message: ``prompt()``, the input's text)."""
    if rendered is not None:
        return [dict(m) for m in rendered]
    if is_conversation(value):
        return conversation(value)
    return [{"role": "user", "content": prompt()}]


def next_turn(
    turn: FollowUpTurn,
    so_far: list[Message],
    answer: Any,
    fields: Mapping[str, Any],
    *,
    fill: Callable[..., str],
    where: str = "an input",
) -> list[Message]:
    """The conversation of the next turn: ``so_far``, the model's ``answer`` as an assistant message, and the
    follow-up as a user message (``fill(template, fields)`` renders a template). ``where`` names the input in
    errors. An answer that called tools cannot be followed up: the conversation would need the tools' results."""
    if answer.tool_calls:
        raise BehaviorConfigError(
            f"follow_up: {where}'s answer called tools ({len(answer.tool_calls)} call(s)); a follow-up turn after "
            "tool calls would need their results, which the sampler does not run: ask follow-ups of answers in text"
        )
    history = [*copy.deepcopy(so_far), {"role": "assistant", "content": str(answer.text)}]
    if isinstance(turn, str):
        text = fill(turn, {**fields, "answer": str(answer.text)})
    else:
        try:
            text = turn(copy.deepcopy(history))
        except Exception as exc:
            raise BehaviorConfigError(
                f"follow_up {_name(turn)} raised {type(exc).__name__}: {exc} (writing the next turn of {where})"
            ) from exc
        if not isinstance(text, str) or not text.strip():
            raise BehaviorConfigError(
                f"follow_up {_name(turn)} returned {text!r} for {where}; it must return the next user turn's text"
            )
    return [*history, {"role": "user", "content": text}]


def check_templates(
    turns: FollowUps, items: Sequence[Any], *, fill: Callable[[str, Mapping[str, Any], Any], str]
) -> None:
    """Every template of ``turns`` filled for every input (``{answer}`` a stand-in) before any call: a missing field or
    a stray brace is a usage error naming the follow-up, not a failure after the first turns were paid for."""
    for turn in turns.turns:
        if isinstance(turn, str):
            for item in items:
                fill(turn, {**template_fields(item.value), "answer": "(the previous answer)"}, item)


def app_input(value: Any, messages: list[Message]) -> dict[str, Any]:
    """What a callable app receives on a follow-up turn: its input as a dict, ``messages`` the conversation."""
    base = dict(value) if isinstance(value, Mapping) else {"input": value}
    return {**base, "messages": messages}
