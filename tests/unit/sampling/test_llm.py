"""The provider-call layer: response parsing, provider-side refusals, retry classification."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from pytest_behavior import Bundle, classify_refusal
from pytest_behavior.errors import ProviderError
from pytest_behavior.sampling.llm import PROVIDER_FILTERED, _completion, _retryable


def response(content: object, *, finish_reason: str = "stop", refusal: object = None) -> SimpleNamespace:
    message = SimpleNamespace(content=content, tool_calls=None, refusal=refusal)
    return SimpleNamespace(choices=[SimpleNamespace(message=message, finish_reason=finish_reason)], usage=None)


LITELLM = SimpleNamespace(completion_cost=lambda **_: 0.0)
BUNDLE = Bundle(model="openai/x")


def test_provider_side_refusals_are_recorded_as_refusals() -> None:
    filtered = _completion(LITELLM, BUNDLE, response(None, finish_reason="content_filter"), 1.0)
    assert filtered.text == PROVIDER_FILTERED and classify_refusal(filtered.text) == "refuse"
    structured = _completion(LITELLM, BUNDLE, response(None, refusal="I can't help with that."), 1.0)
    assert structured.text == "I can't help with that." and classify_refusal(structured.text) == "refuse"
    assert _completion(LITELLM, BUNDLE, response("fine"), 1.0).text == "fine"


def test_an_answer_that_only_calls_tools_has_empty_text_and_its_calls() -> None:
    call = SimpleNamespace(function=SimpleNamespace(name="get_weather", arguments='{"city": "Oslo"}'))
    message = SimpleNamespace(content=None, tool_calls=[call], refusal=None)
    completion = _completion(
        LITELLM,
        BUNDLE,
        SimpleNamespace(choices=[SimpleNamespace(message=message, finish_reason="tool_calls")], usage=None),
        1.0,
    )
    assert completion.text == "" and completion.finish_reason == "tool_calls"
    assert completion.tool_calls == ({"name": "get_weather", "arguments": '{"city": "Oslo"}'},)
    assert completion.output().tool_calls == completion.tool_calls


def test_garbage_responses_are_provider_errors() -> None:
    with pytest.raises(ProviderError, match="without choices"):
        _completion(LITELLM, BUNDLE, SimpleNamespace(choices=[]), 1.0)
    with pytest.raises(ProviderError, match="non-text content"):
        _completion(LITELLM, BUNDLE, response(["parts"]), 1.0)


@pytest.mark.parametrize(
    ("status", "retry"), [(408, True), (429, True), (500, True), (503, True), (400, False), (401, False), (404, False)]
)
def test_retry_classification(status: int, retry: bool) -> None:
    error = type("ProviderFailure", (Exception,), {})()
    error.status_code = status  # type: ignore[attr-defined]
    assert _retryable(error) is retry
