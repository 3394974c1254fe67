"""Follow-up turns: what ``follow_up=`` accepts, and the conversation each turn is sent."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_behavior.errors import BehaviorConfigError
from pytest_behavior.sampling.llm import Completion
from pytest_behavior.spec.follow_up import FollowUps, app_input, follow_ups, next_turn
from pytest_behavior.spec.output import Output, capped_payload, payload_problem


def fill(template: str, fields: dict[str, Any]) -> str:
    return template.format_map(fields)


def test_a_template_a_callable_or_a_list_of_them() -> None:
    def doubt(conversation: list[dict[str, Any]]) -> str:
        return "Really?"

    assert follow_ups(None) is None
    assert follow_ups("Are you sure?") == FollowUps(("Are you sure?",))
    assert follow_ups(["Why?", doubt]) == FollowUps(("Why?", doubt))
    described = FollowUps(("Why?", doubt)).describe()
    assert described[0] == "Why?"
    assert described[1].startswith("<callable test_a_template_a_callable_or_a_list_of_them.<locals>.doubt ")


@pytest.mark.parametrize("value", [[], 3, ["  "], ["ok", 4], b"bytes"])
def test_anything_else_is_a_usage_error_naming_the_argument(value: Any) -> None:
    with pytest.raises(BehaviorConfigError, match="follow_up"):
        follow_ups(value)


def test_the_next_turn_carries_the_answer_and_the_filled_follow_up() -> None:
    so_far = [{"role": "user", "content": "2 + 2?"}]
    turn = next_turn("Sure? Not {wrong}? You said {answer}.", so_far, Completion(text="4"), {"wrong": "5"}, fill=fill)
    assert turn == [
        {"role": "user", "content": "2 + 2?"},
        {"role": "assistant", "content": "4"},
        {"role": "user", "content": "Sure? Not 5? You said 4."},
    ]
    assert so_far == [{"role": "user", "content": "2 + 2?"}]  # not edited


def test_an_answer_that_called_tools_cannot_be_followed_up() -> None:
    calls = Completion(text="", tool_calls=({"name": "calc", "arguments": "{}"},))
    with pytest.raises(BehaviorConfigError, match="input 'q1''s answer called tools"):
        next_turn("Sure?", [{"role": "user", "content": "2 + 2?"}], calls, {}, fill=fill, where="input 'q1'")


def test_a_callable_cannot_edit_the_conversation_it_is_shown() -> None:
    parts = [{"role": "user", "content": [{"type": "text", "text": "Hi"}]}]

    def meddle(conversation: list[dict[str, Any]]) -> str:
        conversation[0]["content"][0]["text"] += " MUTATED"
        return "And?"

    turn = next_turn(meddle, parts, Completion(text="Hello"), {}, fill=fill)
    assert parts[0]["content"][0]["text"] == "Hi" and turn[0]["content"][0]["text"] == "Hi"


def test_a_callable_that_raises_or_is_async_is_named() -> None:
    def boom(conversation: list[dict[str, Any]]) -> str:
        raise RuntimeError("no")

    async def later(conversation: list[dict[str, Any]]) -> str:
        return "x"

    with pytest.raises(BehaviorConfigError, match=r"follow_up .*boom raised RuntimeError: no \(writing the next turn"):
        next_turn(boom, [{"role": "user", "content": "Hi"}], Completion(text="Hello"), {}, fill=fill)
    with pytest.raises(BehaviorConfigError, match="is an async function"):
        follow_ups(later)


def test_an_edited_callable_is_another_follow_up() -> None:
    def one(conversation: list[dict[str, Any]]) -> str:
        return "Why?"

    def two(conversation: list[dict[str, Any]]) -> str:
        return "Are you sure?"

    assert FollowUps((one,)).describe()[0].split()[:2] == [
        "<callable",
        "test_an_edited_callable_is_another_follow_up.<locals>.one",
    ]
    assert FollowUps((one,)).describe()[0].split()[2] != FollowUps((two,)).describe()[0].split()[2]


def test_a_callable_writes_the_turn_from_the_conversation_and_must_return_text() -> None:
    so_far = [{"role": "user", "content": "Hi"}]
    turn = next_turn(lambda c: f"{len(c)} so far", so_far, Completion(text="Hello"), {}, fill=fill)
    assert turn[-1] == {"role": "user", "content": "2 so far"}
    with pytest.raises(BehaviorConfigError, match="must return the next user turn"):
        next_turn(lambda c: None, so_far, Completion(text="Hello"), {}, fill=fill)  # type: ignore[arg-type,return-value]


def test_an_app_gets_the_conversation_beside_its_input() -> None:
    messages = [{"role": "user", "content": "x"}]
    assert app_input("x", messages) == {"input": "x", "messages": messages}
    assert app_input({"id": "a", "q": "x"}, messages) == {"id": "a", "q": "x", "messages": messages}


def test_every_answer_travels_with_the_sample_and_is_stored_capped() -> None:
    completion = Completion(text="second", earlier=("first",))
    output = completion.output()
    assert output.turns == ("first", "second") and output.earlier == ("first",)
    payload = completion.to_payload()
    assert payload["earlier"] == ["first"] and payload_problem(payload) is None
    assert Completion.from_payload(payload) == completion
    assert Output.from_payload(payload).turns == ("first", "second")
    assert Output("only").turns == ("only",)
    assert payload_problem({"text": "x", "earlier": [1]}) is not None
    capped = capped_payload({"text": "b", "earlier": ["a" * 1000]}, max_chars=40)
    assert capped["earlier"][0].startswith("a" * 30) and "960 of 1,000 characters not stored" in capped["earlier"][0]


def test_a_records_file_keeps_a_conversations_earlier_answers_and_checks_its_input(tmp_path: Any) -> None:
    import json

    from pytest_behavior.spec.records import load_records

    good = {"id": "q", "input": {"messages": [{"role": "user", "content": "2+2?"}]}, "output": "5", "earlier": ["4"]}
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps(good) + "\n")
    assert load_records(path).output("q", 0).turns == ("4", "5")  # type: ignore[union-attr]
    path.write_text(json.dumps({**good, "input": {"messages": "hello"}}) + "\n")
    with pytest.raises(BehaviorConfigError, match=r"r.jsonl:1.*'messages' must be a non-empty list"):
        load_records(path)


def test_a_partial_is_recorded_by_its_function_and_arguments() -> None:
    import functools

    def ask(conversation: list[dict[str, Any]], *, text: str) -> str:
        return text

    one = FollowUps((functools.partial(ask, text="Why?"),)).describe()[0]
    two = FollowUps((functools.partial(ask, text="Sure?"),)).describe()[0]
    assert one != two
