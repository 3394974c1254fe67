"""Issue 12, items 21 and 22: a calls budget caps the HTTP requests sent (retries included), and a provider's
``Retry-After`` is honoured whether it is given in seconds, as an HTTP date, or as ``retry-after-ms``.

Waits are checked on the delay the sampler logs for each retry (``behavior_retry_delay_s``), not on wall time.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import time
from types import SimpleNamespace
from typing import Any

import pytest

from pytest_behavior.bundle import Bundle
from pytest_behavior.sampling.llm import CallPolicy, Completion, call_model
from tests.support.openai_server import ServerConfig, running_server
from tests.support.project import bundle_conftest, loopback_bundle

pytest_plugins = ["pytester"]

NOW = 1_700_000_000.0  # a whole second, as HTTP dates are


def failure(headers: dict[str, str]) -> Exception:
    exc = RuntimeError("429")
    exc.response = SimpleNamespace(headers=headers)  # type: ignore[attr-defined]
    return exc


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "4"}, 4.0),
        ({"retry-after": "1.5"}, 1.5),
        ({"retry-after": email.utils.formatdate(NOW + 4, usegmt=True)}, 4.0),
        ({"retry-after": "Tue, 14 Nov 2023 22:13:24 GMT"}, 4.0),  # NOW + 4, written by hand
        ({"retry-after": email.utils.formatdate(NOW - 60, usegmt=True)}, 0.0),  # a date in the past: no wait
        ({"retry-after-ms": "250"}, 0.25),
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),  # the finer one wins, as in OpenAI's SDK
        ({"Retry-After": "3"}, 3.0),  # a plain dict, as litellm_response_headers may be
        ({"retry-after": "-5"}, 0.0),
        ({"retry-after": "soon"}, None),
        ({"retry-after": "nan"}, None),
        ({"retry-after": "inf"}, None),
        ({"retry-after-ms": "later"}, None),
        ({}, None),
    ],
)
def test_retry_after_reads_seconds_http_dates_and_milliseconds(headers: dict[str, str], expected: float | None) -> None:
    from pytest_behavior.sampling.llm import _retry_after

    assert _retry_after(failure(headers), now=NOW) == expected


def test_a_wait_is_capped_at_the_policy_maximum() -> None:
    from pytest_behavior.sampling.llm import _backoff

    policy = CallPolicy(backoff_max_s=2.0)
    in_an_hour = email.utils.formatdate(time.time() + 3600, usegmt=True)
    assert _backoff(failure({"retry-after": in_an_hour}), 1, policy) == 2.0


def retry_delays(caplog: pytest.LogCaptureFixture) -> list[float]:
    return [record.behavior_retry_delay_s for record in caplog.records if hasattr(record, "behavior_retry_delay_s")]


def call(url: str, policy: CallPolicy) -> Completion:
    bundle = Bundle(model="openai/loopback-model", api_base=url, api_key="fake-credential-loopback", label="loop")
    return asyncio.run(call_model(bundle, [{"role": "user", "content": "hello"}], seed=1, policy=policy))


@pytest.mark.parametrize(
    ("retry_after_s", "fmt", "backoff_max_s", "low", "high"),
    [
        (3.0, "http-date", 30.0, 1.0, 3.0),  # honoured: an HTTP date has whole seconds, so 2-3 s from now
        (600.0, "http-date", 1.0, 1.0, 1.0),  # capped at the policy's maximum
        (0.3, "ms", 30.0, 0.3, 0.3),
        (0.2, "seconds", 30.0, 0.2, 0.2),
    ],
)
def test_the_wait_before_a_retry_is_the_one_the_provider_asked_for(
    retry_after_s: float, fmt: Any, backoff_max_s: float, low: float, high: float, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="pytest_behavior.sampling")
    config = ServerConfig(script=["429", "ok"], retry_after_s=retry_after_s, retry_after_format=fmt)
    policy = CallPolicy(timeout_s=20.0, max_attempts=3, backoff_base_s=0.01, backoff_max_s=backoff_max_s)
    with running_server(config) as server:
        assert call(server.url, policy).text
    assert server.stats.requests == 2
    delays = retry_delays(caplog)
    assert len(delays) == 1, "one retry, logged with its delay"
    assert low <= delays[0] <= high, delays


def test_a_retry_the_budget_refuses_is_not_sent() -> None:
    from pytest_behavior.sampling.llm import RetryRefused

    asked = []

    def allow_retry() -> bool:
        asked.append(1)
        return len(asked) < 2  # room for one retry, not two

    policy = CallPolicy(timeout_s=20.0, max_attempts=5, backoff_base_s=0.01, backoff_max_s=0.05)
    with running_server(ServerConfig(script=["500"] * 10)) as server, pytest.raises(RetryRefused):
        bundle = Bundle(
            model="openai/loopback-model", api_base=server.url, api_key="fake-credential-loopback", label="loop"
        )
        asyncio.run(
            call_model(bundle, [{"role": "user", "content": "hello"}], seed=1, policy=policy, allow_retry=allow_retry)
        )
    assert server.stats.requests == 2 and len(asked) == 2


CONFTEST = bundle_conftest(
    loopback_bundle(env="PB_URL", api_key="fake-credential-loopback", label="cand", temperature=0.1, num_retries=10),
    baseline=loopback_bundle(
        env="PB_URL", api_key="fake-credential-loopback", label="base", temperature=0.2, num_retries=10
    ),
)

SPEC = """
import pytest

@pytest.mark.length_distribution(max_ratio=1.5)
def test_answers(behavior):
    behavior.sample([f"question {i}" for i in range(60)])
"""


@pytest.mark.parametrize("concurrency", [1, 8])
def test_a_calls_budget_caps_the_http_requests_retries_included(
    concurrency: int, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_spec=SPEC)
    # 30% of requests fail with a quick Retry-After; the same requests fail whatever order they arrive in
    config = ServerConfig(
        fault_rate=0.3,
        faults=("429", "500"),
        retry_after_on=("429", "500"),
        retry_after_s=0.01,
        fault_by="prompt",
        seed=3,
    )
    with running_server(config) as server:
        monkeypatch.setenv("PB_URL", server.url)
        result = pytester.runpytest(
            "--behavior-baseline=live",
            "--behavior-budget=calls:50",
            f"--behavior-concurrency={concurrency}",
            "-p",
            "no:randomly",
        )
    assert server.stats.faults.get("429", 0) + server.stats.faults.get("500", 0) > 0, "faults were injected"
    assert server.stats.requests <= 50, f"a calls:50 budget sent {server.stats.requests} HTTP requests"
    assert "budget calls:50 reached" in result.stdout.str()
