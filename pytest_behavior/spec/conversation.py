"""Conversations as inputs: a ``messages`` list in a dict input, checked, rendered for a bundle, and shown.

An input is a conversation when it is an object with a ``messages`` field: a list of chat messages as litellm
takes them (``{"role": "system" | "user" | "assistant" | "tool", "content": ...}``). Its other fields (``id``,
``segment``, a reference answer, ...) work as for any dict input. The model answers the conversation's next
assistant turn, so its last message is a ``user`` or ``tool`` message.

How a bundle sends it (`messages_for`):

- the bundle's system prompt is prepended, unless the conversation has a system message of its own (then the
  conversation's wins: it is part of what is being tested);
- a prompt template (the bundle's ``prompt`` or ``behavior.sample(prompt=...)``) fills the *last user message*:
  ``{input}`` is that message's text and the input's other fields fill their names, so ``prompt="{input}\\nAnswer in
  one word."`` edits the question of every conversation alike. Without a template the messages go as they are.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any, TypeGuard

from pytest_behavior.errors import BehaviorConfigError
from pytest_behavior.spec.output import describe_value

ROLES = ("system", "user", "assistant", "tool")
ANSWERED_ROLES = ("user", "tool")
"""The roles a conversation may end on: the model writes the next assistant turn after them."""
SHOWN_TURNS = 3
"""How many of a conversation's last messages a diff or report shows."""

Message = dict[str, Any]


def is_conversation(value: Any) -> TypeGuard[Mapping[str, Any]]:
    """Whether an input is a conversation (an object with a ``messages`` field)."""
    return isinstance(value, Mapping) and "messages" in value


def check_conversation(value: Mapping[str, Any], where: str) -> None:
    """A usage error naming ``where`` and the message at fault, unless ``value["messages"]`` is a conversation a
    model can answer: a non-empty list of messages with a known role and text (or content parts) each, ending on a
    user or tool message."""
    messages = value["messages"]
    if not isinstance(messages, list) or not messages:
        got = (
            "an empty list"
            if messages == []
            else "a tuple"
            if isinstance(messages, tuple)
            else describe_value(messages)
        )
        raise BehaviorConfigError(
            f"{where}: 'messages' must be a non-empty list of chat messages "
            f'({{"role": "user", "content": "..."}}), got {got}'
        )
    for i, message in enumerate(messages):
        _check_message(message, f"{where}: messages[{i}]")
    last = messages[-1]["role"]
    if last not in ANSWERED_ROLES:
        raise BehaviorConfigError(
            f"{where}: the conversation ends on an {last} message; it must end on a user (or tool) message, "
            "the turn the model answers"
        )


def _check_message(message: Any, where: str) -> None:
    if not isinstance(message, Mapping):
        raise BehaviorConfigError(f"{where} must be an object with 'role' and 'content', got {describe_value(message)}")
    role = message.get("role")
    if role not in ROLES:
        shown = repr(role) if isinstance(role, str) else describe_value(role)
        raise BehaviorConfigError(f"{where} has role {shown}; use one of {', '.join(ROLES)}")
    content = message.get("content")
    calls = message.get("tool_calls")
    if role == "assistant" and content is None and calls:
        return  # an assistant turn that only called tools
    if isinstance(content, str):
        return
    if isinstance(content, list) and content:
        bad = next((i for i, part in enumerate(content) if not isinstance(part, Mapping) or "type" not in part), None)
        if bad is None:
            return
        raise BehaviorConfigError(
            f"{where} ({role}) content[{bad}] must be a content part, an object with a 'type' "
            f'({{"type": "text", "text": "..."}}), got {describe_value(content[bad])}'
        )
    raise BehaviorConfigError(
        f"{where} ({role}) needs 'content': a string or a list of content parts, got {describe_value(content)}"
    )


def conversation(value: Any) -> list[Message]:
    """The messages of a conversation input, deep-copied (so no edit, a follow-up callable's say, reaches the
    input)."""
    return copy.deepcopy([dict(message) for message in value["messages"]])


def messages_for(
    value: Mapping[str, Any], *, system: str | None, fill: Any = None, template: str | None = None
) -> list[Message]:
    """The messages a bundle sends for a conversation input (see the module's rule): ``fill(template, fields)``
    renders the template into the last user message."""
    messages = conversation(value)
    if template is not None and fill is not None:
        last = last_user_index(messages)
        if last is not None:
            fields = {k: v for k, v in value.items() if k != "messages"}
            messages[last] = _filled(messages[last], lambda text: fill(template, {**fields, "input": text}))
    if system and not any(m.get("role") == "system" for m in messages):
        messages.insert(0, {"role": "system", "content": system})
    return messages


def _filled(message: Message, fill: Any) -> Message:
    """The message with the template filled into its text: the string, or the first text part of a content list
    (the other parts, images say, stay as they are)."""
    content = message.get("content")
    if isinstance(content, str):
        return {**message, "content": fill(content)}
    parts = [dict(p) if isinstance(p, Mapping) else p for p in content] if isinstance(content, list) else []
    for part in parts:
        if isinstance(part, dict) and isinstance(part.get("text"), str):
            part["text"] = fill(part["text"])
            return {**message, "content": parts}
    raise BehaviorConfigError("a prompt template fills the last user message's text, and it has no text part")


def last_user_index(messages: Sequence[Mapping[str, Any]]) -> int | None:
    for i in range(len(messages) - 1, -1, -1):
        if messages[i].get("role") == "user":
            return i
    return None


def content_text(message: Mapping[str, Any]) -> str:
    """A message's text: the string, or the text parts of a content list (tool calls named when there is none)."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, Mapping) and p.get("text"))
    calls = message.get("tool_calls") or []
    names = [str((c.get("function") or {}).get("name", "?")) for c in calls if isinstance(c, Mapping)]
    return f"[calls {', '.join(names)}]" if names else ""


def transcript(messages: Sequence[Mapping[str, Any]], *, last: int | None = None) -> str:
    """``role: text`` lines of the conversation (only its ``last`` messages, after a ``…`` line, when given)."""
    shown = list(messages) if last is None or len(messages) <= last else list(messages)[-last:]
    lines = [f"{m.get('role', '?')}: {content_text(m)}" if isinstance(m, Mapping) else str(m) for m in shown]
    return "\n".join((["…"] if len(shown) < len(messages) else []) + lines)


def question_text(value: Any) -> str | None:
    """What a conversation asks, for a reader (a judge, a detector): its last user message; None if it is not a
    conversation."""
    if not is_conversation(value):
        return None
    messages = value["messages"]
    if not isinstance(messages, list) or not all(isinstance(m, Mapping) for m in messages):
        return None  # a hand-built output's input; inputs are checked on reading
    last = last_user_index(messages)
    return None if last is None else content_text(messages[last])
