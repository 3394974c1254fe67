"""The real HTTP path: litellm's openai provider against an OpenAI-compatible server on loopback, with faults."""

from __future__ import annotations

import asyncio
import time

import pytest

from pytest_behavior.bundle import Bundle
from pytest_behavior.errors import ProviderError
from pytest_behavior.sampling.llm import CallPolicy, Completion, call_model
from tests.support.openai_server import Fault, OpenAIServer, ServerConfig, running_server

FAKE_KEY = "fake-credential-loopback-http-path"
FAST = CallPolicy(timeout_s=5.0, max_attempts=4, backoff_base_s=0.01, backoff_max_s=2.0)


def call(server: OpenAIServer, *, policy: CallPolicy = FAST, **params: object) -> Completion:
    bundle = Bundle(model="openai/loopback-model", api_base=server.url, api_key=FAKE_KEY, label="loop", **params)
    return asyncio.run(call_model(bundle, [{"role": "user", "content": "Where is my order?"}], seed=1, policy=policy))


def test_a_completion_travels_the_real_http_path() -> None:
    with running_server() as server:
        completion = call(server, temperature=0.2)
    assert completion.text == "Here is a short answer about Where is my order?."
    assert completion.finish_reason == "stop" and completion.usage == {
        "prompt_tokens": 12,
        "completion_tokens": 9,
        "total_tokens": 21,
    }
    assert server.stats.requests == 1
    assert server.stats.headers[0]["authorization"] == f"Bearer {FAKE_KEY}"  # the key goes to the provider only
    assert server.stats.bodies[0]["temperature"] == 0.2


def test_429_waits_for_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    from pytest_behavior.sampling import llm

    chosen: list[float] = []
    backoff = llm._backoff

    def recording(*args: object, **kwargs: object) -> float:
        chosen.append(backoff(*args, **kwargs))  # type: ignore[arg-type]
        return chosen[-1]

    monkeypatch.setattr(llm, "_backoff", recording)
    with running_server(ServerConfig(script=["429", "ok"], retry_after_s=0.4)) as server:
        started = time.perf_counter()
        completion = call(server)
        elapsed = time.perf_counter() - started
    assert completion.text and server.stats.requests == 2
    assert elapsed >= 0.4, "Retry-After must be honoured"
    # the wait chosen is the header's, not a long fixed one (asserted on the choice, not on a busy machine's clock)
    assert chosen == [pytest.approx(0.4)]


@pytest.mark.parametrize("fault", ["500", "drop", "timeout"])
def test_transient_failures_are_retried(fault: Fault) -> None:
    # a held request outlasts the client's timeout by far, and an answer arrives well within it even on a
    # loaded machine: a late answer would be a fourth request
    config = ServerConfig(script=[fault, fault, "ok"], timeout_s=30.0)
    with running_server(config) as server:
        completion = call(server, policy=CallPolicy(timeout_s=2.0, max_attempts=4, backoff_base_s=0.01))
    assert completion.text and server.stats.requests == 3 and server.stats.answered == 1


@pytest.mark.parametrize("fault", ["500", "malformed"])
def test_retry_budget_ends_in_a_clear_error_without_the_key(fault: Fault) -> None:
    with running_server(ServerConfig(script=[fault] * 10)) as server, pytest.raises(ProviderError) as info:
        call(server)
    message = str(info.value)
    assert "model 'openai/loopback-model' (bundle 'loop') failed after" in message
    assert FAKE_KEY not in message
    assert 1 <= server.stats.requests <= FAST.max_attempts


def test_a_bundles_own_retry_setting_sizes_the_retry_budget() -> None:
    with (
        running_server(ServerConfig(script=["500"] * 10)) as server,
        pytest.raises(ProviderError, match="after 2 attempt"),
    ):
        call(server, max_retries=1)
    assert server.stats.requests == 2
