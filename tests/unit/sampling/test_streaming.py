"""Streamed samples (``Bundle(stream=True)``): time to first token through litellm, offline and on loopback HTTP."""

from __future__ import annotations

import asyncio
import json
import pickle
import uuid
from pathlib import Path

import pytest

from pytest_behavior.bundle import Bundle
from pytest_behavior.errors import ProviderError
from pytest_behavior.report.card_latency import ttft_figures
from pytest_behavior.sampling.cache_format import sample_key
from pytest_behavior.sampling.llm import CallPolicy, Completion, call_model
from pytest_behavior.sampling.sim_stream import pieces
from pytest_behavior.spec.output import Output, payload_problem
from tests.support.openai_server import ServerConfig, running_server

FAKE_KEY = "fake-credential-" + uuid.uuid4().hex  # made at run time: no key-shaped literal in the tree
FAST = CallPolicy(timeout_s=10.0, max_attempts=3, backoff_base_s=0.01, backoff_max_s=0.5)
MESSAGES = [{"role": "user", "content": "Where is my order?"}]


def call(bundle: Bundle, *, seed: int = 1, policy: CallPolicy = FAST) -> Completion:
    return asyncio.run(call_model(bundle, list(MESSAGES), seed=seed, policy=policy))


def loopback(url: str, **params: object) -> Bundle:
    return Bundle(model="openai/loopback-model", api_base=url, api_key=FAKE_KEY, label="loop", stream=True, **params)


# --- what a streamed sample records, and where it is kept -------------------------------------------------------------


def test_the_payload_keeps_both_times_and_an_old_payload_still_loads() -> None:
    completion = Completion(text="hi", latency_ms=420.5, ttft_ms=310.25, cost_usd=0.001)
    payload = completion.to_payload()
    assert payload["latency_ms"] == 420.5 and payload["ttft_ms"] == 310.25
    assert Completion.from_payload(payload) == completion
    old = {"text": "hi", "latency_ms": 12.0}  # cached before streaming existed
    assert Completion.from_payload(old).ttft_ms is None
    assert "ttft_ms" not in Completion.from_payload(old).to_payload()
    output = completion.output()
    assert output.ttft_ms == 310.25 and output.latency_ms == 420.5
    assert Completion.from_output(output) == completion
    assert pickle.loads(pickle.dumps(output)).ttft_ms == 310.25  # xdist workers send outputs pickled
    assert Output.from_payload(payload).ttft_ms == 310.25


def test_a_stored_ttft_must_be_a_finite_non_negative_number() -> None:
    problem = payload_problem({"text": "hi", "ttft_ms": "fast"})
    assert problem is not None and problem.field == "ttft_ms" and "the string 'fast'" in problem.actual
    assert payload_problem({"text": "hi", "ttft_ms": 12.5}) is None
    assert payload_problem({"text": "hi", "ttft_ms": None}) is None


def test_streaming_is_outside_the_fingerprint_but_streamed_samples_have_their_own_cache_key() -> None:
    whole, streamed = Bundle("sim/bot?seed=1"), Bundle("sim/bot?seed=1", stream=True)
    assert whole.fingerprint == streamed.fingerprint and "stream" not in str(streamed.describe())
    key = {"fingerprint": whole.fingerprint, "messages": MESSAGES, "repeat": 0, "seed": 7}
    assert sample_key(**key) != sample_key(**key, stream=True)
    assert sample_key(**key) == sample_key(**key, stream=False)
    assert whole.streamed(True) == streamed and streamed.streamed(False) == whole
    assert whole.streamed(True).stream and not whole.stream  # a copy: the original is unchanged


def test_stream_must_be_a_bool_and_belongs_to_model_bundles() -> None:
    with pytest.raises(TypeError, match=r"Bundle\(stream=...\) must be True or False, got 'yes'"):
        Bundle("sim/bot", stream="yes")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"pass it as Bundle\(stream=...\)"):
        Bundle("sim/bot", litellm_params={"stream": True})
    app = Bundle.from_callable(lambda value: "ok", version="1")
    assert app.streamed(True) is app  # an app has no stream to time


def test_records_and_pyproject_bundles_carry_streaming(tmp_path: Path) -> None:
    from pytest_behavior.config.settings import bundle_from_table
    from pytest_behavior.errors import BehaviorConfigError
    from pytest_behavior.spec.records import load_records

    assert bundle_from_table("fast", {"model": "sim/bot", "stream": True}, rootdir=tmp_path).stream
    path = tmp_path / "traces.jsonl"
    path.write_text(json.dumps({"id": "a", "input": "q", "output": "x", "latency_ms": 90, "ttft_ms": 40}) + "\n")
    output = load_records(path).output("a", 0)
    assert isinstance(output, Output) and output.ttft_ms == 40.0 and output.latency_ms == 90.0
    path.write_text(json.dumps({"id": "a", "input": "q", "output": "x", "ttft_ms": -1}) + "\n")
    with pytest.raises(BehaviorConfigError, match=r"traces.jsonl:1: 'ttft_ms' must be a finite number >= 0"):
        load_records(path)


def test_card_figures_give_ttft_and_latency_quantiles() -> None:
    outputs = [Output("a", latency_ms=100.0 + i, ttft_ms=10.0 + i) for i in range(21)] + [Output("b", latency_ms=5.0)]
    figures = ttft_figures(outputs)
    assert figures["ttft_ms"] == {"p50": 20.0, "p95": 29.0, "n": 21}
    assert figures["latency_ms"]["n"] == 22
    assert ttft_figures([Output("c")]) == {
        "ttft_ms": {"p50": None, "p95": None, "n": 0},
        "latency_ms": {"p50": None, "p95": None, "n": 0},
    }


# --- the simulated provider streams ----------------------------------------------------------------------------------


def test_pieces_join_back_into_the_text() -> None:
    text = "one two  three four five six seven eight nine ten eleven"
    for at_most in (1, 3, 8, 40):
        parts = pieces(text, at_most=at_most)
        assert "".join(parts) == text and 1 <= len(parts) <= at_most
    assert pieces("") == [""]


def test_a_simulated_stream_gives_the_answer_read_whole_with_its_first_token_delay() -> None:
    streamed = call(Bundle("sim/bot?seed=3&ttft_ms=150&latency_ms=200", stream=True))
    whole = call(Bundle("sim/bot?seed=3&ttft_ms=150&latency_ms=200"))
    assert streamed.text == whole.text and streamed.usage == whole.usage  # the same draws
    assert streamed.finish_reason == whole.finish_reason == "stop"
    assert streamed.ttft_ms is not None and streamed.ttft_ms >= 150
    assert streamed.latency_ms is not None and streamed.latency_ms >= max(200.0, streamed.ttft_ms)
    assert whole.ttft_ms is None and whole.latency_ms is not None and whole.latency_ms >= 200
    assert streamed.cost_usd is None  # unpriced: unknown, never $0


def test_a_streamed_answer_is_priced_as_one_read_whole() -> None:
    prices = {"input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6}
    streamed = call(Bundle("sim/bot?seed=4", stream=True, **prices))
    whole = call(Bundle("sim/bot?seed=4", **prices))
    assert streamed.usage == whole.usage and streamed.usage is not None
    expected = streamed.usage["prompt_tokens"] * 1e-6 + streamed.usage["completion_tokens"] * 2e-6
    assert streamed.cost_usd == pytest.approx(expected) and whole.cost_usd == pytest.approx(expected)


def test_a_simulated_stream_that_fails_is_retried_then_a_provider_error() -> None:
    with pytest.raises(ProviderError, match=r"failed after 2 attempt\(s\).*simulated provider error"):
        call(Bundle("sim/bot?error_rate=1", stream=True), policy=CallPolicy(max_attempts=2, backoff_base_s=0.01))


def test_ttft_knob_must_be_a_non_negative_number() -> None:
    from pytest_behavior.errors import BehaviorConfigError
    from pytest_behavior.sampling.llm import check_model

    with pytest.raises(BehaviorConfigError, match=r"ttft_ms=-5 must be a non-negative number"):
        check_model(Bundle("sim/bot?ttft_ms=-5", stream=True))


# --- the real HTTP path: server-sent events on loopback --------------------------------------------------------------


def test_a_known_first_token_delay_is_recorded_over_http() -> None:
    config = ServerConfig(first_token_s=0.3, chunk_interval_s=0.02, stream_chunks=5)
    with running_server(config) as server:
        completion = call(loopback(server.url))
    assert completion.text == "Here is a short answer about Where is my order?."
    assert completion.ttft_ms is not None and completion.ttft_ms >= 300  # the role-only chunk came at once
    assert completion.latency_ms is not None and completion.latency_ms >= completion.ttft_ms + 4 * 20
    assert completion.usage == {"prompt_tokens": 12, "completion_tokens": 9, "total_tokens": 21}  # the usage chunk
    assert completion.finish_reason == "stop"
    body = server.stats.bodies[0]
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert server.stats.headers[0]["authorization"] == f"Bearer {FAKE_KEY}"


def test_a_streamed_tool_call_is_rebuilt_and_its_first_delta_is_the_first_token() -> None:
    arguments = '{"order_id": "A-1234", "reason": "late delivery"}'
    config = ServerConfig(first_token_s=0.25, chunk_interval_s=0.01, tool_call=("refund", arguments))
    with running_server(config) as server:
        streamed = call(loopback(server.url))
        whole = call(Bundle(model="openai/loopback-model", api_base=server.url, api_key=FAKE_KEY, label="loop"))
    assert streamed.tool_calls == whole.tool_calls == ({"name": "refund", "arguments": arguments},)
    assert streamed.finish_reason == whole.finish_reason == "tool_calls"
    assert streamed.text == whole.text == ""
    assert streamed.ttft_ms is not None and streamed.ttft_ms >= 250


def test_a_stream_cut_part_way_is_retried_and_a_stream_that_keeps_breaking_is_a_provider_error() -> None:
    with running_server(ServerConfig(script=["cut", "ok"])) as server:
        completion = call(loopback(server.url))
    assert server.stats.requests == 2 and completion.text.startswith("Here is a short answer")
    broken = pytest.raises(ProviderError, match=r"bundle 'loop'\) failed after 3 attempt\(s\)")
    with running_server(ServerConfig(script=["cut"] * 3)) as server, broken as failure:
        call(loopback(server.url))
    assert FAKE_KEY not in str(failure.value)


def test_a_stream_slower_than_the_timeout_is_retried_then_fails() -> None:
    config = ServerConfig(first_token_s=5.0)
    policy = CallPolicy(timeout_s=0.3, max_attempts=2, backoff_base_s=0.01)
    with running_server(config) as server, pytest.raises(ProviderError, match=r"failed after 2 attempt\(s\)"):
        call(loopback(server.url), policy=policy)
    assert server.stats.requests == 2
