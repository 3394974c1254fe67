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
