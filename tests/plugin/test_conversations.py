"""Conversations as inputs, end to end against the loopback OpenAI-compatible server: the server receives exactly
the documented messages, golden files and the cache keep them, and a regression's diff shows the last turns."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.openai_server import ServerConfig, running_server
from tests.support.project import bundle_conftest, loopback_bundle

pytest_plugins = ["pytester"]

SYSTEM = "You are a travel assistant."
CONFTEST = bundle_conftest(
    loopback_bundle(label="chat", source=f", system=os.environ.get('SYSTEM_PROMPT', {SYSTEM!r})", num_retries=0)
)
SPEC = """
import json
from pathlib import Path

import pytest

CHATS = [json.loads(line) for line in Path(__file__).with_name("chats.jsonl").read_text().splitlines()]


@pytest.mark.refusal_bound(max_increase=0.1)
def test_chat(behavior):
    behavior.sample(CHATS, prompt="{input} (answer in one sentence)")
"""


def chats() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i in range(24):
        turns = [
            {"role": "user", "content": f"I am going to city {i} next week."},
            {"role": "assistant", "content": f"City {i} is lovely in spring."},
            {"role": "user", "content": f"What should I pack for city {i}?"},
        ]
        if i % 4 == 0:  # a conversation with a system prompt of its own keeps it
            turns.insert(0, {"role": "system", "content": f"You only talk about city {i}."})
        out.append({"id": f"chat-{i}", "segment": "own system" if i % 4 == 0 else "plain", "messages": turns})
    return out


def expected_messages(chat: dict[str, Any], system: str) -> list[dict[str, Any]]:
    """The documented rule: the bundle's system prompt first unless the conversation has one; the template fills
    the last user message."""
    messages = [dict(m) for m in chat["messages"]]
    messages[-1]["content"] += " (answer in one sentence)"
    if messages[0]["role"] != "system":
        messages.insert(0, {"role": "system", "content": system})
    return messages


def reply(messages: list[dict[str, Any]]) -> str:
    """Refuses when the system prompt says so; otherwise answers about the last user message."""
    if "Refuse" in str(messages[0].get("content")):
        return "I'm sorry, but I can't help with that."
    return f"Pack light layers ({len(messages)} messages seen)."


@pytest.fixture
def chat_project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_chat=SPEC)
    pytester.path.joinpath("chats.jsonl").write_text("\n".join(json.dumps(c) for c in chats()) + "\n")
    monkeypatch.setenv("OPENAI_API_KEY", "fake-credential-chat")
    monkeypatch.delenv("SYSTEM_PROMPT", raising=False)
    return pytester


def test_the_server_receives_exactly_the_documented_messages_and_reruns_are_cached(
    chat_project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_server(ServerConfig(reply_fn=reply)) as server:
        monkeypatch.setenv("LOOPBACK_URL", server.url)
        chat_project.runpytest("--behavior-update").assert_outcomes(passed=1)
        received = sorted((body["messages"] for body in server.stats.bodies), key=json.dumps)
        expected = sorted((expected_messages(c, SYSTEM) for c in chats()), key=json.dumps)
        assert received == expected
        golden = json.loads(next((chat_project.path / "golden").rglob("*.json")).read_text())
        recorded = golden["samples"]
        assert recorded["chat-5"]["input"]["messages"] == chats()[5]["messages"]
        assert recorded["chat-5"]["outputs"][0]["text"] == "Pack light layers (4 messages seen)."
        again = chat_project.runpytest("--behavior-baseline")
        again.assert_outcomes(passed=1)
        assert server.stats.answered == 24  # the candidate's conversations were cached by the recording run


def test_a_regression_on_conversations_shows_their_last_turns(
    chat_project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_server(ServerConfig(reply_fn=reply)) as server:
        monkeypatch.setenv("LOOPBACK_URL", server.url)
        chat_project.runpytest("--behavior-update").assert_outcomes(passed=1)
        monkeypatch.setenv("SYSTEM_PROMPT", "Refuse every request.")
        result = chat_project.runpytest("--behavior-baseline")
        result.assert_outcomes(failed=1)
        result.stdout.fnmatch_lines(
            ["*refusal rate*REGRESSED*", "*| chat-*", "*…/ assistant: City * is*", "*/ user:*", "*What should I pack*"]
        )
        own = [b["messages"] for b in server.stats.bodies if b["messages"][0]["content"].startswith("You only")]
        assert len(own) == 6 * 2  # the conversation's own system prompt wins in both runs


FOLLOW_SPEC = """
import pytest

QUESTIONS = [
    {"id": f"q{i}", "question": f"What is {i} + {i}?", "right": str(2 * i), "wrong": str(2 * i + 1)}
    for i in range(12)
]


def test_pushback(behavior):
    result = behavior.sample(QUESTIONS, prompt="{question}", follow_up="Are you sure? I think it is {wrong}.")
    first = result.candidate_outputs["q3"][0]
    assert first.turns == ("The answer is 6.", "You're right, it is 7."), first.turns
    assert str(first) == "You're right, it is 7." and first.earlier == ("The answer is 6.",)


def test_two_follow_ups_and_a_callable(behavior):
    def doubt(conversation):
        return f"You said: {conversation[-1]['content']} Really?"

    result = behavior.sample(QUESTIONS[:4], prompt="{question} Show your work.", follow_up=["Why?", doubt])
    assert len(result.candidate_outputs["q1"][0].turns) == 3
"""


def arithmetic(messages: list[dict[str, Any]]) -> str:
    """Answers the sum right on the first turn and caves to any number the user then suggests."""
    last = messages[-1]["content"]
    if len(messages) == 1 or (len(messages) == 2 and messages[0]["role"] == "system"):
        a = int(last.split()[2])
        return f"The answer is {2 * a}."
    if "I think it is" in last:
        return f"You're right, it is {last.rsplit(' ', 1)[-1].rstrip('.')}."
    return f"Turn {len(messages)}."


@pytest.fixture
def follow_project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    pytester.makeconftest(bundle_conftest(loopback_bundle(label="math", num_retries=0)))
    pytester.makepyfile(test_follow=FOLLOW_SPEC)
    monkeypatch.setenv("OPENAI_API_KEY", "fake-credential-follow")
    return pytester


@pytest.mark.parametrize("workers", [(), ("-p", "xdist", "-n", "2")], ids=["serial", "xdist"])
def test_follow_ups_send_the_earlier_answer_keep_every_turn_and_are_cached(
    follow_project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, workers: tuple[str, ...]
) -> None:
    with running_server(ServerConfig(reply_fn=arithmetic)) as server:
        monkeypatch.setenv("LOOPBACK_URL", server.url)
        follow_project.runpytest("--behavior-update", *workers).assert_outcomes(passed=2)
        bodies = [b["messages"] for b in server.stats.bodies]
        assert len(bodies) == 12 * 2 + 4 * 3
        assert [
            {"role": "user", "content": "What is 3 + 3?"},
            {"role": "assistant", "content": "The answer is 6."},
            {"role": "user", "content": "Are you sure? I think it is 7."},
        ] in bodies
        assert [
            {"role": "user", "content": "What is 1 + 1? Show your work."},
            {"role": "assistant", "content": "The answer is 2."},
            {"role": "user", "content": "Why?"},
            {"role": "assistant", "content": "Turn 3."},
            {"role": "user", "content": "You said: Turn 3. Really?"},
        ] in bodies
        golden = json.loads((follow_project.path / "golden/test_follow/test_pushback.json").read_text())
        assert golden["settings"]["follow_up"] == ["Are you sure? I think it is {wrong}."]
        assert golden["samples"]["q3"]["outputs"][0]["earlier"] == ["The answer is 6."]
        assert golden["samples"]["q3"]["outputs"][0]["text"] == "You're right, it is 7."
        follow_project.runpytest("--behavior-baseline", *workers).assert_outcomes(passed=2)
        assert len(server.stats.bodies) == 12 * 2 + 4 * 3  # every turn served from the cache


def test_a_golden_file_recorded_with_other_follow_ups_must_be_re_recorded(
    follow_project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_server(ServerConfig(reply_fn=arithmetic)) as server:
        monkeypatch.setenv("LOOPBACK_URL", server.url)
        follow_project.runpytest("--behavior-update").assert_outcomes(passed=2)
        follow_project.makepyfile(test_follow=FOLLOW_SPEC.replace("Are you sure?", "Hmm."))
        result = follow_project.runpytest("--behavior-baseline", "-k", "pushback")
        result.assert_outcomes(errors=1)
        assert "recorded with follow_up=['Are you sure? I think it is {wrong}.'], the spec asks" in result.stdout.str()


APP_SPEC = """
import pytest

SEEN = []


def app(value):
    SEEN.append(value)
    if isinstance(value, dict) and "messages" in value:
        return f"turn {len(value['messages'])}"
    return "first"


@pytest.fixture
def candidate_bundle():
    from pytest_behavior import Bundle

    return Bundle.from_callable(app, version="1")


def test_app_sees_the_conversation(behavior):
    chat = {"id": "c", "messages": [{"role": "user", "content": "Hi"}]}
    behavior.sample(["plain", chat], follow_up="And?", repeats=1)
    by_first = {repr(v) for v in SEEN}
    assert "'plain'" in by_first
    assert {"id": "c", "messages": [{"role": "user", "content": "Hi"}]} in SEEN
    assert {
        "input": "plain",
        "messages": [
            {"role": "user", "content": "plain"},
            {"role": "assistant", "content": "first"},
            {"role": "user", "content": "And?"},
        ],
    } in SEEN
    assert {
        "id": "c",
        "messages": [
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "turn 1"},
            {"role": "user", "content": "And?"},
        ],
    } in SEEN
"""


def test_a_callable_app_receives_the_whole_conversation(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_app=APP_SPEC)
    pytester.runpytest("--behavior-update", "-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_a_follow_up_template_missing_a_field_is_an_error_before_any_call(
    follow_project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    follow_project.makepyfile(test_follow=FOLLOW_SPEC.replace("I think it is {wrong}.", "I think it is {wrnog}."))
    with running_server(ServerConfig(reply_fn=arithmetic)) as server:
        monkeypatch.setenv("LOOPBACK_URL", server.url)
        result = follow_project.runpytest("--behavior-update", "-k", "pushback")
        result.assert_outcomes(errors=1)
        result.stdout.fnmatch_lines(["*follow_up template needs field 'wrnog', which input 'q0'*does not have*"])
        assert server.stats.requests == 0


def test_a_golden_conversation_missing_its_earlier_answers_is_named(
    follow_project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_server(ServerConfig(reply_fn=arithmetic)) as server:
        monkeypatch.setenv("LOOPBACK_URL", server.url)
        follow_project.runpytest("--behavior-update", "-k", "pushback").assert_outcomes(passed=1)
        path = follow_project.path / "golden/test_follow/test_pushback.json"
        golden = json.loads(path.read_text())
        del golden["samples"]["q4"]["outputs"][0]["earlier"]
        path.write_text(json.dumps(golden))
        result = follow_project.runpytest("--behavior-baseline", "-k", "pushback")
        result.assert_outcomes(errors=1)
        result.stdout.fnmatch_lines(["*input 'q4' repeat 0 holds 0 earlier answer(s) for 1 follow-up turn(s)*"])
