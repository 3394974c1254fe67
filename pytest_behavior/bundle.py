"""`Bundle`: everything that determines a model's behavior, with a content fingerprint.

A bundle is what a branch ships (the candidate) or what production runs (the baseline): a litellm
model string with its system prompt, prompt template, sampling parameters, tool schemas and
response format; or the application itself as a Python callable; or recorded traffic (JSONL).
The fingerprint is a sha256 over the canonical JSON of what determines behavior, so it changes
when any of that changes and never contains a credential.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pytest_behavior.spec.inputs import canonical_json
from pytest_behavior.spec.records import RecordSet, load_records
from pytest_behavior.spec.secrets import public_params

BundleKind = Literal["model", "records", "callable"]
AppFunction = Callable[[Any], Any]

#: litellm parameters that change how a call is made, not what the model does.
OPERATIONAL_PARAMS = frozenset(
    {
        "timeout",
        "request_timeout",
        "num_retries",
        "max_retries",
        "metadata",
        "input_cost_per_token",
        "output_cost_per_token",
    }
)

#: Keyword arguments of `Bundle` forwarded to ``litellm.acompletion``: litellm's OpenAI-compatible completion
#: parameters, how to reach the provider, provider credentials, and prices. Anything else a provider accepts goes in
#: ``litellm_params={...}``, so that a typo (``temprature=``) is an error instead of a silent no-op.
COMPLETION_PARAMS = frozenset(
    {
        # what the model does (OpenAI-compatible, as litellm.acompletion names them)
        "top_p",
        "top_k",
        "stop",
        "max_tokens",
        "max_completion_tokens",
        "presence_penalty",
        "frequency_penalty",
        "logit_bias",
        "logprobs",
        "top_logprobs",
        "tool_choice",
        "parallel_tool_calls",
        "functions",
        "function_call",
        "reasoning_effort",
        "verbosity",
        "thinking",
        "modalities",
        "audio",
        "prediction",
        "web_search_options",
        "service_tier",
        "store",
        "prompt_cache_key",
        "safety_identifier",
        "user",
        "mock_response",
        # how the call is made
        "api_base",
        "base_url",
        "api_key",
        "api_version",
        "organization",
        "extra_headers",
        "extra_body",
        "custom_llm_provider",
        "deployment_id",
        "drop_params",
        "timeout",
        "request_timeout",
        "num_retries",
        "max_retries",
        "metadata",
        # provider credentials and locations
        "aws_access_key_id",
        "aws_secret_access_key",
        "aws_session_token",
        "aws_region_name",
        "aws_profile_name",
        "vertex_project",
        "vertex_location",
        "vertex_credentials",
        "azure_ad_token",
        # prices for a model litellm has none for (cost bounds and budgets)
        "input_cost_per_token",
        "output_cost_per_token",
    }
)

#: Names the plugin sets itself, or that would make one call stand for several samples.
_RESERVED_PARAMS = {
    "model": "it is Bundle(model=...)",
    "messages": "the plugin renders them from system=, prompt= and each input",
    "n": "one call is one sample (behavior.sample(..., repeats=K) asks for several answers per input)",
    "seed": "the plugin passes each call its own seed (--behavior-seed / behavior_seed in the ini file)",
}
BUNDLE_FIELDS = (
    # Bundle(...)'s own keywords (a pyproject bundle table takes them too)
    "model",
    "system",
    "prompt",
    "temperature",
    "tools",
    "response_format",
    "label",
    "litellm_params",
    "stream",
    "context_window",
)


def unknown_options_message(
    unknown: Sequence[str],
    *,
    where: str,
    noun: str = "keyword",
    known: Sequence[str] = (),
    other_options: str = "litellm_params={...}",
) -> str:
    """``<where> got an unknown keyword 'temprature' — did you mean 'temperature'?`` (every unknown name, each with
    the closest known one), and how to pass a provider option that is not in `COMPLETION_PARAMS` (``other_options``:
    written as the user writes it there, Python by default)."""
    reserved = [name for name in unknown if name in _RESERVED_PARAMS]
    if reserved:
        return f"{where} does not take {reserved[0]!r}: {_RESERVED_PARAMS[reserved[0]]}"
    candidates = sorted({*BUNDLE_FIELDS, *COMPLETION_PARAMS, *known})
    suggestions = {name: difflib.get_close_matches(name, candidates, n=1) for name in unknown}
    if len(unknown) == 1:
        name, close = unknown[0], suggestions[unknown[0]]
        listed = f"an unknown {noun} {name!r}" + (f" — did you mean {close[0]!r}?" if close else ".")
    else:
        parts = [
            f"{name!r}" + (f" (did you mean {close[0]!r}?)" if close else "") for name, close in suggestions.items()
        ]
        listed = f"unknown {noun}s {', '.join(parts[:-1])} and {parts[-1]}."
    return (
        f"{where} got {listed} Other litellm options go in {other_options}; the completion parameters "
        "Bundle takes directly are listed in docs/providers.md."
    )


def _litellm_params(params: Mapping[str, Any], explicit: Mapping[str, Any] | None) -> dict[str, Any]:
    """The keyword arguments (checked against `COMPLETION_PARAMS`) merged with ``litellm_params`` (not checked:
    the way to pass any other provider option)."""
    unknown = [name for name in params if name not in COMPLETION_PARAMS]
    if unknown:
        raise TypeError(unknown_options_message(unknown, where="Bundle()"))
    if explicit is None:
        return dict(params)
    if not isinstance(explicit, Mapping) or not all(isinstance(k, str) for k in explicit):
        raise TypeError(f"Bundle(litellm_params=...) must be a dict of option names to values, got {explicit!r}")
    for name in explicit:
        if name in BUNDLE_FIELDS:
            raise TypeError(f"Bundle(litellm_params=...) holds {name!r}: pass it as Bundle({name}=...)")
        if name in _RESERVED_PARAMS:
            raise TypeError(f"Bundle(litellm_params=...) holds {name!r}: {_RESERVED_PARAMS[name]}")
        if name in params:
            raise TypeError(f"Bundle() got {name!r} both as a keyword and in litellm_params")
    return {**params, **explicit}


@dataclass(frozen=True, init=False)
class Bundle:
    """A model configuration under test.

    Keyword arguments in `COMPLETION_PARAMS` (``max_tokens=``, ``api_base=``, ``api_key=``, ...) are passed to
    ``litellm.acompletion``; any other provider option goes in ``litellm_params={...}``. An unknown keyword is a
    `TypeError` naming the closest known one (a typo must not be sent to the provider, or ignored by it).
    """

    model: str | None
    system: str | None
    prompt: str | None
    temperature: float | None
    tools: tuple[Mapping[str, Any], ...] | None
    response_format: Mapping[str, Any] | None
    label: str
    kind: BundleKind
    litellm_params: Mapping[str, Any] = field(repr=False)
    records: RecordSet | None = field(repr=False, compare=False)
    app: AppFunction | None = field(repr=False, compare=False)
    app_version: str | None = field(repr=False)
    app_version_pinned: bool = field(default=False, repr=False)
    stream: bool = False
    """Ask for each answer as a stream and record its time to the first token (``ttft_ms``) beside its total time.
    Not part of the fingerprint: streaming changes how an answer arrives, not what the model says (as the
    `OPERATIONAL_PARAMS` do), so a golden file recorded either way compares as the same bundle. The sample cache
    keeps streamed samples apart (`sampling.cache_format.sample_key`): a sample read whole has no time to first
    token to give."""
    context_window: int | None = None
    """The model's maximum input tokens, for ``context_sweep`` (None: litellm's model information, or a simulated
    model's ``context`` knob). Not part of the fingerprint: it says how long a prompt may be, not what the model
    does with one (the padded prompts themselves are in every cache key)."""

    def __init__(
        self,
        model: str | None = None,
        *,
        system: str | None = None,
        prompt: str | None = None,
        temperature: float | None = None,
        tools: Sequence[Mapping[str, Any]] | None = None,
        response_format: Mapping[str, Any] | None = None,
        label: str | None = None,
        litellm_params: Mapping[str, Any] | None = None,
        stream: bool = False,
        context_window: int | None = None,
        _kind: BundleKind = "model",
        _records: RecordSet | None = None,
        _app: AppFunction | None = None,
        _app_version: str | None = None,
        **params: Any,
    ) -> None:
        if _kind == "model" and not (isinstance(model, str) and model):
            raise TypeError("Bundle(model=...) needs a litellm model string, e.g. 'openai/gpt-4o-mini' or 'sim/bot'")
        if temperature is not None and not isinstance(temperature, (int, float)):
            raise TypeError(f"Bundle temperature must be a number, got {temperature!r}")
        if not isinstance(stream, bool):
            raise TypeError(f"Bundle(stream=...) must be True or False, got {stream!r}")
        if stream and _kind != "model":
            raise TypeError("Bundle(stream=True) needs a model bundle: an app or records have no stream to time")
        if context_window is not None and (
            isinstance(context_window, bool) or not isinstance(context_window, int) or context_window <= 0
        ):
            raise TypeError(f"Bundle(context_window=...) must be a positive number of tokens, got {context_window!r}")
        forwarded = _litellm_params(params, litellm_params)
        for name, value in (
            ("model", model),
            ("system", system),
            ("prompt", prompt),
            ("temperature", temperature),
            ("tools", None if tools is None else tuple(tools)),
            ("response_format", response_format),
            ("label", label or (model.split("?")[0] if model else _kind)),
            ("kind", _kind),
            ("litellm_params", forwarded),
            ("records", _records),
            ("app", _app),
            ("app_version", _app_version),
            ("app_version_pinned", False),
            ("stream", stream),
            ("context_window", context_window),
        ):
            object.__setattr__(self, name, value)

    @classmethod
    def from_records(cls, path: str | Path, *, label: str | None = None) -> Bundle:
        """A bundle that replays outputs recorded in a JSONL file (shadow traffic, logged production)."""
        records = load_records(Path(path))
        return cls(label=label or Path(path).stem, _kind="records", _records=records)

    @classmethod
    def from_callable(cls, fn: AppFunction, *, label: str | None = None, version: str | None = None) -> Bundle:
        """The application under test: ``fn(input) -> str`` (sync or async), called once per sample.

        It receives the input as given: a string, a dict, or for a conversation the dict with its ``messages``
        (the whole conversation). On a follow-up turn (``behavior.sample(follow_up=...)``) it receives the input as
        a dict whose ``messages`` are the conversation so far, its own earlier answers included (a string input
        under ``input``).

        Its fingerprint hashes ``version`` when given, else the function's source code. Its samples are cached
        only with ``version=`` (a source hash cannot see the code the function calls): without it every run calls
        the app again.
        """
        if not callable(fn):
            raise TypeError(f"Bundle.from_callable needs a callable, got {fn!r}")
        name = getattr(fn, "__qualname__", type(fn).__qualname__)
        bundle = cls(label=label or name, _kind="callable", _app=fn, _app_version=version or source_hash(fn))
        object.__setattr__(bundle, "app_version_pinned", version is not None)
        return bundle

    def streamed(self, stream: bool) -> Bundle:
        """This bundle read as a stream or whole (``behavior.sample(stream=...)`` overrides the bundle's own
        ``stream=``); a bundle that is not a model (an app, records) is returned as it is."""
        if self.kind != "model" or self.stream == stream:
            return self
        copy = object.__new__(Bundle)
        copy.__dict__.update(self.__dict__)
        object.__setattr__(copy, "stream", stream)
        return copy

    def describe(self) -> dict[str, Any]:
        """What determines behavior, without credentials: goes into golden files and reports."""
        if self.kind == "records":
            assert self.records is not None
            return {"kind": "records", "path": self.records.path.name, "sha256": self.records.sha256}
        if self.kind == "callable":
            return {"kind": "callable", "function": self.label, "version": self.app_version}
        described: dict[str, Any] = {"kind": "model", "model": self.model}
        optional = {
            "system": self.system,
            "prompt": self.prompt,
            "temperature": self.temperature,
            "tools": None if self.tools is None else list(self.tools),
            "response_format": self.response_format,
        }
        described.update({k: v for k, v in optional.items() if v is not None})
        params = {k: v for k, v in public_params(self.litellm_params).items() if k not in OPERATIONAL_PARAMS}
        if params:
            described["params"] = params
        return described

    @functools.cached_property
    def fingerprint(self) -> str:
        """sha256 of the canonical JSON of `describe()` (the label is a name, not behavior); computed once."""
        return hashlib.sha256(canonical_json(self.describe()).encode()).hexdigest()

    @property
    def cacheable(self) -> bool:
        """Model bundles are cached by fingerprint; an app only with an explicit ``version=``, since its
        source hash cannot see the code it calls."""
        return self.kind == "model" or (self.kind == "callable" and self.app_version_pinned)

    def completion_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``litellm.acompletion`` (credentials included; never persist these)."""
        kwargs: dict[str, Any] = dict(self.litellm_params)
        if self.temperature is not None:
            kwargs["temperature"] = self.temperature
        if self.tools is not None:
            kwargs["tools"] = list(self.tools)
        if self.response_format is not None:
            kwargs["response_format"] = dict(self.response_format)
        return kwargs

    def __hash__(self) -> int:
        return hash(self.fingerprint)

    def __repr__(self) -> str:
        streamed = ", stream=True" if self.stream else ""
        return (
            f"Bundle(label={self.label!r}, kind={self.kind!r}, model={self.model!r}{streamed}, "
            f"fp={self.fingerprint[:12]})"
        )


def source_hash(fn: AppFunction) -> str:
    """Hash of the function's (or callable object's class's) source; its qualified name if unavailable."""
    target = fn if inspect.isfunction(fn) or inspect.ismethod(fn) else type(fn)
    try:
        source = inspect.getsource(target)
    except (OSError, TypeError):
        source = f"{getattr(target, '__module__', '')}.{getattr(target, '__qualname__', type(fn).__name__)}"
    return hashlib.sha256(source.encode()).hexdigest()[:16]
