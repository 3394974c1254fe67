"""The only code that talks to a model: ``litellm.acompletion`` with retries, timeouts, cost, latency.

litellm is imported on the first call, not before (`pytest_behavior.sampling.litellm_loader`): importing it takes
seconds, and a pytest run that selects no behavior test must not pay for it.

No credential leaves this module: every message it raises, every answer it returns (a model or proxy may
repeat the key it was sent) and every log record of litellm, openai and httpx (redacted by the loader) goes through
`pytest_behavior.spec.secrets.redact`, which knows the bundle's credentials (headers, nested parameters, URL
passwords and query keys) and those litellm reads from the environment. The credentials stay wrapped in
`Secret` in this module's frames, so a traceback showing locals does not print them.
"""

from __future__ import annotations

import asyncio
import datetime
import email.utils
import functools
import inspect
import logging
import math
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from pytest_behavior.bundle import Bundle
from pytest_behavior.errors import BehaviorConfigError, ProviderError
from pytest_behavior.sampling.cost import response_cost
from pytest_behavior.sampling.litellm_loader import import_litellm
from pytest_behavior.sampling.streaming import STREAM_OPTIONS, StreamRead, read_stream, warm_up
from pytest_behavior.spec.inputs import canonical_json
from pytest_behavior.spec.output import Output
from pytest_behavior.spec.secrets import (
    conceal,
    redact,
    redact_url,
    remember_environment,
    remember_module_keys,
    remember_params,
    reveal,
)

#: The text recorded for an answer the provider's content filter withheld (the refusal detector knows it).
PROVIDER_FILTERED = "[refused: withheld by the provider's content filter]"

_RETRYABLE_NAMES = (
    "RateLimitError",
    "InternalServerError",
    "ServiceUnavailableError",
    "APIConnectionError",
    "Timeout",
    "BadGatewayError",
    "APIError",
    "BrokenStream",
)


_log = logging.getLogger("pytest_behavior.sampling")


class RetryRefused(Exception):
    """A retry was needed but the budget refused the request: the sample stays unsampled (a budget stop)."""


@dataclass(frozen=True)
class CallPolicy:
    timeout_s: float = 120.0
    max_attempts: int = 4
    backoff_base_s: float = 0.5
    backoff_max_s: float = 30.0


@dataclass(frozen=True)
class Completion:
    text: str
    finish_reason: str | None = None
    tool_calls: tuple[Mapping[str, Any], ...] | None = None
    usage: Mapping[str, int] | None = None
    latency_ms: float | None = None
    cost_usd: float | None = None
    earlier: tuple[str, ...] = ()
    """A conversation sampled with follow-ups: the answers of the turns before this one (`spec.follow_up`)."""
    ttft_ms: float | None = None
    """A streamed answer's time to first token (`sampling.streaming`); None when the answer was read whole."""

    def to_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {"text": self.text}
        optional = {
            "earlier": list(self.earlier) or None,
            "finish_reason": self.finish_reason,
            "usage": None if self.usage is None else dict(self.usage),
            "tool_calls": None if self.tool_calls is None else [dict(t) for t in self.tool_calls],
            "latency_ms": self.latency_ms,
            "ttft_ms": self.ttft_ms,
            "cost_usd": self.cost_usd,
        }
        payload.update({k: v for k, v in optional.items() if v is not None})
        return payload

    def output(self) -> Output:
        """The text as properties see it, carrying tool calls, finish reason, latency and cost."""
        return Output(
            self.text,
            tool_calls=self.tool_calls,
            finish_reason=self.finish_reason,
            latency_ms=self.latency_ms,
            cost_usd=self.cost_usd,
            earlier=self.earlier or None,
            ttft_ms=self.ttft_ms,
        )

    @classmethod
    def from_output(cls, output: str) -> Completion:
        """A replayed output (a records line) as a completion, keeping what the record holds."""
        if not isinstance(output, Output):
            return cls(text=output)
        return cls(
            text=str(output),
            finish_reason=output.finish_reason,
            tool_calls=output.tool_calls,
            latency_ms=output.latency_ms,
            cost_usd=output.cost_usd,
            earlier=output.earlier or (),
            ttft_ms=output.ttft_ms,
        )

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Completion:
        tool_calls = payload.get("tool_calls")
        earlier = payload.get("earlier")
        return cls(
            text=str(payload.get("text", "")),
            finish_reason=payload.get("finish_reason"),
            tool_calls=None if tool_calls is None else tuple(tool_calls),
            usage=payload.get("usage"),
            latency_ms=payload.get("latency_ms"),
            cost_usd=payload.get("cost_usd"),
            earlier=tuple(map(str, earlier)) if isinstance(earlier, list) else (),
            ttft_ms=payload.get("ttft_ms"),  # absent from samples cached before streaming existed
        )


def check_model(bundle: Bundle) -> None:
    """Fail early, naming the bundle, on a malformed simulated model or simulated judge string (before any call)."""
    from pytest_behavior.sampling import sim_judge, simulated

    parsers = {f"{simulated.PROVIDER}/": simulated.parse_model, f"{sim_judge.PROVIDER}/": sim_judge.parse_model}
    for prefix, parse in parsers.items():
        if bundle.model and bundle.model.startswith(prefix):
            try:
                parse(bundle.model)
            except simulated.SimModelError as exc:
                raise BehaviorConfigError(f"bundle {bundle.label!r}: {exc}") from None


async def call_model(
    bundle: Bundle,
    messages: list[dict[str, Any]],
    *,
    seed: int,
    policy: CallPolicy,
    on_retry: Callable[[], None] | None = None,
    allow_retry: Callable[[], bool] | None = None,
) -> Completion:
    """One sample, retried on transient failures (honouring ``Retry-After``); a `ProviderError` when it fails.

    A streaming bundle (``Bundle(stream=True)``) is read chunk by chunk (`sampling.streaming`): a stream that breaks
    part-way is retried, or fails, as a failed request does, and ``timeout`` bounds the whole answer.

    ``allow_retry`` is asked before each retry, so that a budget counts every HTTP request, retries included;
    when it refuses, `RetryRefused` is raised and nothing more is sent. ``on_retry`` is told of each retry.
    """
    litellm = import_litellm()
    _learn_credentials(litellm, bundle)
    kwargs = conceal(bundle.completion_kwargs())  # credentials stay wrapped in this frame (shown with -l)
    timeout = kwargs.pop("timeout", None) or policy.timeout_s
    retries = [kwargs.pop(name) for name in ("num_retries", "max_retries") if kwargs.get(name) is not None]
    # the plugin retries (honouring Retry-After, caching what arrives); a bundle's own setting sizes that budget
    max_attempts = int(retries[0]) + 1 if retries else policy.max_attempts
    if _supports_seed(litellm, bundle.model or ""):
        kwargs["seed"] = seed
    if bundle.stream:
        warm_up(litellm)  # once per process: litellm's set-up must not count as a first token's wait
    for attempt in range(1, max_attempts + 1):
        started = time.perf_counter()
        try:
            if bundle.stream:
                read = await _streamed(litellm, bundle, messages, timeout, kwargs, started)
            else:
                response = await litellm.acompletion(
                    model=bundle.model, messages=messages, timeout=timeout, num_retries=0, **reveal(kwargs)
                )
        except Exception as exc:
            _raise_config_error(bundle, exc)
            if not _retryable(exc) or attempt == max_attempts:
                raise ProviderError(_describe_failure(bundle, exc, attempt)) from None
            if allow_retry is not None and not allow_retry():
                raise RetryRefused(_describe_failure(bundle, exc, attempt)) from None
            delay = _backoff(exc, attempt, policy)
            _log.debug(
                "bundle %r: attempt %d failed (%s), retrying in %.3f s",
                bundle.label,
                attempt,
                type(exc).__name__,
                delay,
                extra={"behavior_retry_delay_s": delay},
            )
            if on_retry is not None:
                on_retry()
            await asyncio.sleep(delay)
            continue
        if bundle.stream:
            return replace(_completion(litellm, bundle, read.response, read.latency_ms), ttft_ms=round(read.ttft_ms, 3))
        latency_ms = (time.perf_counter() - started) * 1000
        return _completion(litellm, bundle, response, latency_ms)
    raise AssertionError("unreachable")  # pragma: no cover


async def _streamed(
    litellm: Any, bundle: Bundle, messages: list[dict[str, Any]], timeout: Any, kwargs: Any, started: float
) -> StreamRead:
    """One streamed request read to its end, within ``timeout`` seconds in all (a stream may stall part-way)."""

    async def read() -> StreamRead:
        stream = await litellm.acompletion(
            model=bundle.model,
            messages=messages,
            timeout=timeout,
            num_retries=0,
            stream=True,
            stream_options=dict(STREAM_OPTIONS),
            **reveal(kwargs),
        )
        return await read_stream(litellm, bundle, stream, messages=messages, started=started)

    limit = float(timeout) if isinstance(timeout, (int, float)) and not isinstance(timeout, bool) else None
    return await asyncio.wait_for(read(), limit)


_AUTH_CONFLICT = "Cannot combine AUTHORIZATION header"
"""How aiohttp (litellm's async transport) refuses a request whose URL has ``user:password@`` and which also has an
``Authorization`` header: before sending, every time, though litellm reports it as a server error (500)."""


def _raise_config_error(bundle: Bundle, exc: BaseException) -> None:
    """A failure no retry can mend, caused by the bundle's configuration: a `BehaviorConfigError` that says what to
    change, raised at once (not retried as the server error litellm calls it)."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if _AUTH_CONFLICT in str(cause):
            api_base = next(
                (
                    str(bundle.litellm_params[name])
                    for name in ("api_base", "base_url")
                    if isinstance(bundle.litellm_params.get(name), str)
                ),
                None,
            )
            where = (
                f"its api_base {redact_url(api_base)!r} (shown without its credentials)"
                if api_base
                else "its api base URL (from the environment)"
            )
            raise BehaviorConfigError(
                f"bundle {bundle.label!r}: {where} carries a user name and password, and the request also has an "
                "Authorization header (the api_key, the bundle's or the environment's): the HTTP client sends only "
                "one. Remove user:password@ from the URL and pass the key as api_key (or in extra_headers)"
            ) from None
        cause = cause.__cause__ or cause.__context__


def _learn_credentials(litellm: Any, bundle: Bundle) -> None:
    """Everything this call may send as a credential, for `redact`: the bundle's, the environment's (where
    litellm looks when the bundle has none) and litellm's module-level keys."""
    remember_params(bundle.litellm_params)
    remember_environment()
    remember_module_keys(litellm)


async def call_app(bundle: Bundle, value: Any) -> Completion:
    """Call the application under test (sync functions run in a worker thread)."""
    assert bundle.app is not None
    started = time.perf_counter()
    try:
        if inspect.iscoroutinefunction(bundle.app) or inspect.iscoroutinefunction(
            getattr(bundle.app, "__call__", None)  # noqa: B004 (an object with async __call__)
        ):
            result = await bundle.app(value)
        else:
            result = await asyncio.to_thread(bundle.app, value)
        if inspect.isawaitable(result):
            result = await result
    except Exception as exc:
        raise ProviderError(redact(f"app {bundle.label!r} raised {type(exc).__name__}: {exc}")) from exc
    text = result if isinstance(result, str) else canonical_json(result)
    return Completion(text=text, latency_ms=(time.perf_counter() - started) * 1000)


@functools.lru_cache(maxsize=256)
def _supports_seed(litellm: Any, model: str) -> bool:
    if model.startswith("sim/"):
        return True
    try:
        return "seed" in (litellm.get_supported_openai_params(model=model) or [])
    except Exception:
        return False


def _retryable(exc: Exception) -> bool:
    if isinstance(exc, (asyncio.TimeoutError, ConnectionError)):
        return True
    status = getattr(exc, "status_code", None)
    if isinstance(status, int):
        return status in (408, 409, 429) or status >= 500
    return type(exc).__name__ in _RETRYABLE_NAMES


def _backoff(exc: Exception, attempt: int, policy: CallPolicy) -> float:
    retry_after = _retry_after(exc)
    if retry_after is not None:
        return min(retry_after, policy.backoff_max_s)
    ceiling = min(policy.backoff_max_s, policy.backoff_base_s * 2 ** (attempt - 1))
    return random.uniform(ceiling / 2, ceiling)


def _retry_after(exc: Exception, *, now: float | None = None) -> float | None:
    """Seconds the provider asked to wait: ``retry-after-ms`` (OpenAI's), else ``Retry-After`` as delta-seconds
    or as an HTTP date (RFC 9110); None when it said nothing usable. ``now``: the clock, as ``time.time()``."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None) or getattr(exc, "litellm_response_headers", None)
    if not headers:
        return None
    milliseconds = _seconds(_header(headers, "retry-after-ms"))
    if milliseconds is not None:
        return milliseconds / 1000
    value = _header(headers, "retry-after")
    seconds = _seconds(value)
    if seconds is not None or value is None:
        return seconds
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # an HTTP date is GMT
        when = when.replace(tzinfo=datetime.timezone.utc)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _header(headers: Any, name: str) -> str | None:
    try:
        value = headers.get(name)
        if value is None and isinstance(headers, Mapping):
            value = next((v for k, v in headers.items() if str(k).lower() == name), None)
    except (AttributeError, TypeError):
        return None
    return None if value is None else str(value).strip()


def _seconds(value: str | None) -> float | None:
    """A non-negative finite number of seconds, or None."""
    try:
        seconds = float(value) if value is not None else math.nan
    except ValueError:
        return None
    return max(0.0, seconds) if math.isfinite(seconds) else None


def _describe_failure(bundle: Bundle, exc: Exception, attempts: int) -> str:
    return redact(
        f"model {bundle.model!r} (bundle {bundle.label!r}) failed after {attempts} attempt(s): "
        f"{type(exc).__name__}: {exc}"
    )


def _completion(litellm: Any, bundle: Bundle, response: Any, latency_ms: float) -> Completion:
    try:
        choice = response.choices[0]
        message = choice.message
    except (AttributeError, IndexError, TypeError):
        raise ProviderError(
            f"model {bundle.model!r} (bundle {bundle.label!r}) returned a response without choices"
        ) from None
    tool_calls = getattr(message, "tool_calls", None)
    content = getattr(message, "content", None)
    refusal = getattr(message, "refusal", None)
    if not content and isinstance(refusal, str) and refusal:
        content = refusal  # the provider's structured refusal message is the answer
    elif not content and not tool_calls and getattr(choice, "finish_reason", None) == "content_filter":
        content = PROVIDER_FILTERED
    if content is None:
        content = ""  # no text: an empty answer, or an answer that only calls tools
    if not isinstance(content, str):
        raise ProviderError(f"model {bundle.model!r} returned non-text content: {type(content).__name__}")
    usage = getattr(response, "usage", None)
    return Completion(
        text=redact(content),  # a model (or proxy) that repeats the key it was sent must not get it recorded
        finish_reason=getattr(choice, "finish_reason", None),
        tool_calls=tuple(_tool_call(t) for t in tool_calls) if tool_calls else None,
        usage=None
        if usage is None
        else {k: int(getattr(usage, k) or 0) for k in ("prompt_tokens", "completion_tokens", "total_tokens")},
        latency_ms=round(latency_ms, 3),
        cost_usd=response_cost(litellm, response),
    )


def _tool_call(call: Any) -> dict[str, Any]:
    function = getattr(call, "function", None)
    name, arguments = getattr(function, "name", None), getattr(function, "arguments", None)
    return {
        "name": redact(name) if isinstance(name, str) else name,
        "arguments": redact(arguments) if isinstance(arguments, str) else arguments,
    }
