"""Conversations as inputs: checked on reading, rendered for a bundle by the documented rule, shown by their end."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_behavior.errors import BehaviorConfigError
from pytest_behavior.properties.judged import question_of
from pytest_behavior.properties.refusal import question_of as refusal_question
from pytest_behavior.spec.inputs import input_text, make_input, render_messages, resolve_inputs
from pytest_behavior.spec.output import Output

CHAT: dict[str, Any] = {
    "id": "capital",
    "expected": "Canberra",
    "messages": [
        {"role": "user", "content": "I'm planning a trip to Australia."},
        {"role": "assistant", "content": "Lovely! How can I help?"},
        {"role": "user", "content": "What is its capital?"},
    ],
}
OWN_SYSTEM = {"messages": [{"role": "system", "content": "Answer in French."}, {"role": "user", "content": "Hi"}]}


def test_the_bundles_system_prompt_is_prepended_unless_the_conversation_has_its_own() -> None:
    rendered = render_messages(system="Be brief.", template=None, item=make_input(CHAT))
    assert rendered == [{"role": "system", "content": "Be brief."}, *CHAT["messages"]]
    assert render_messages(system="Be brief.", template=None, item=make_input(OWN_SYSTEM)) == OWN_SYSTEM["messages"]
    assert render_messages(system=None, template=None, item=make_input(CHAT)) == CHAT["messages"]


def test_a_template_fills_the_last_user_message_with_the_inputs_fields() -> None:
    rendered = render_messages(system=None, template="{input} (hint: it is not {expected}?)", item=make_input(CHAT))
    assert rendered[-1] == {"role": "user", "content": "What is its capital? (hint: it is not Canberra?)"}
    assert rendered[:2] == CHAT["messages"][:2]  # earlier turns as they are
    with pytest.raises(BehaviorConfigError, match="needs field 'missing'"):
        render_messages(system=None, template="{missing}", item=make_input(CHAT))


def test_rendering_never_edits_the_input() -> None:
    item = make_input(CHAT)
    render_messages(system="S", template="{input}!", item=item)
    assert item.value["messages"][-1]["content"] == "What is its capital?"
    assert len(item.value["messages"]) == 3


@pytest.mark.parametrize(
    ("messages", "message"),
    [
        ([], "'messages' must be a non-empty list"),
        ("hello", "'messages' must be a non-empty list"),
        (
            [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}],
            "ends on an assistant message",
        ),
        ([{"role": "robot", "content": "Hi"}], r"messages\[0\] has role 'robot'"),
        ([{"role": "user"}], r"messages\[0\] \(user\) needs 'content'"),
        ([{"role": "user", "content": 3}], "needs 'content'"),
        (["Hi"], r"messages\[0\] must be an object"),
        ([{"role": "user", "content": [1, 2]}], r"content\[0\] must be a content part"),
    ],
)
def test_a_malformed_conversation_is_an_error_naming_the_input_and_the_message(messages: Any, message: str) -> None:
    with pytest.raises(BehaviorConfigError, match=message) as info:
        resolve_inputs([{"id": "q7", "messages": messages}], n=None, seed=0)
    assert "input 'q7'" in str(info.value)


def test_tool_turns_and_content_parts_are_conversations_too() -> None:
    messages = [
        {"role": "user", "content": [{"type": "text", "text": "Weather in Oslo?"}]},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "function": {"name": "weather"}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "4 C, rain"},
    ]
    item = make_input({"messages": messages})
    assert render_messages(system=None, template=None, item=item) == messages
    assert input_text(item.value) == "user: Weather in Oslo? / assistant: [calls weather] / tool: 4 C, rain"


def test_reports_show_the_last_turns_and_readers_the_question() -> None:
    longer = {"messages": [{"role": "user", "content": "Hello"}, {"role": "assistant", "content": "Hi!"}]}
    longer["messages"] += CHAT["messages"]
    assert input_text(longer) == (
        "… / user: I'm planning a trip to Australia. / assistant: Lovely! How can I help? / user: What is its capital?"
    )
    assert question_of(CHAT).splitlines() == [
        "user: I'm planning a trip to Australia.",
        "assistant: Lovely! How can I help?",
        "user: What is its capital?",
    ]
    assert refusal_question(Output("Canberra.", input=CHAT)) == "What is its capital?"


def test_a_conversations_id_is_its_own_or_a_hash_of_its_turns() -> None:
    assert make_input(CHAT).id == "capital"
    anonymous = {"messages": CHAT["messages"]}
    edited = {"messages": [*CHAT["messages"][:2], {"role": "user", "content": "And its largest city?"}]}
    assert make_input(anonymous).id == make_input(dict(anonymous)).id != make_input(edited).id


def test_a_template_fills_the_text_part_of_a_content_list() -> None:
    chat = {"messages": [{"role": "user", "content": [{"type": "text", "text": "Hi"}, {"type": "image_url"}]}]}
    rendered = render_messages(system=None, template="{input} (briefly)", item=make_input(chat))
    assert rendered[-1]["content"] == [{"type": "text", "text": "Hi (briefly)"}, {"type": "image_url"}]
    assert chat["messages"][0]["content"][0]["text"] == "Hi"
