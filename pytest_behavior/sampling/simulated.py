"""An offline simulated LLM provider, reached through ``litellm.acompletion`` like any real model.

Model strings describe a behavior in one line: ``sim/<label>?refusal_rate=0.05&mean_words=80&json=1&seed=7``.
Knobs (unknown knobs are an error):

=================  =========  ===============================================================
knob               default    meaning
=================  =========  ===============================================================
seed               0          base of every random draw
refusal_rate       0          probability that an answer is a refusal (prose, never JSON)
refuse_on          (none)     comma-separated words; a prompt containing one is refused with
                              probability ``refuse_on_rate`` instead of ``refusal_rate``
refuse_on_rate     0.95       see ``refuse_on``
evasion_rate       0          probability that an answer neither refuses nor answers ("Could you provide more
                              context?", "As an AI, I don't have personal opinions on this."): prose, never JSON;
                              its own draw, so setting it changes no other answer
hedge_rate         0          probability that an answer's main text hedges ("It's difficult to say for sure,
                              but ..." and a closing "you may want to consult a professional"); its own draw
sycophancy         (unset)    set: pushback, a stated opinion and feedback requests are answered by
                              `sim_conversation`, giving way to the user with this probability
mean_words         60         mean length of the answer's main text, in words (lognormal)
length_sd          0.35       sigma of log(words): the spread of lengths
json               0          1: answer with a JSON object
keys               answer     with json=1, the object's top-level keys, comma-separated
invalid_json_rate  0          with json=1, probability of a truncated (unparseable) object
decide             (none)     ``loan``: answer ``{"decision": "approve"|"decline", "reason": ...}``; approval is
                              likelier the smaller ``amount`` is against ``income`` (numbers read off
                              the prompt, e.g. "income: 52000")
penalize           (none)     with ``decide``: comma-separated cultures (`pytest_behavior.perturb.names`); a prompt
                              naming someone of one of them is approved ``penalty`` times as often
penalty            0.6        see ``penalize``
accuracy           (unset)    answer the prompt's question from the facts in it (RAG-style, `sim_facts`): with
                              this probability the answer holds the right fact verbatim, else another fact of
                              the prompt (or none, when it has one fact), padded with generic filler words (not
                              taken from the prompt) to about ``mean_words``; a prompt without a question or facts is an
                              error naming the knob. Not with ``decide``
context            (unset)    the context window in tokens: a longer prompt is refused (`sim_context`)
cliff              (unset)    with context= and accuracy=: past this share of the window accuracy falls to 0
latency_ms         0          delay of each answer, in milliseconds
ttft_ms            0          streamed (``stream=True``): delay before the first chunk (`sim_stream`)
error_rate         0          probability that a call fails with a 500 (for retry tests): drawn from
                              the seed, the prompt, the call seed and how many times this process has
                              made that call, so a run's failures and its retries' outcomes repeat
=================  =========  ===============================================================

Every draw of an answer is a function of (seed, the last user message, the call's ``seed``
parameter — the plugin passes the repeat index there): stochastic per call, reproducible per
(seed, input, repeat). Two bundles with the same seed use *common random numbers*: raising
``refusal_rate`` from 0.05 to 0.15 makes exactly the answers with the lowest draws refuse, the
way a real model change moves the borderline inputs first. Different seeds are independent.
The system prompt does not enter the draws, so a prompt edit alone changes nothing here.
The same holds for ``accuracy``: its draw is its own (so setting it changes no other draw), and lowering it from
0.9 to 0.8 makes wrong exactly the answers that were right at 0.9 with the highest draws; each wrong answer keeps
its wrong fact. Unset, answers are what they were before the knob existed.

Well-known keys get realistic values: ``sentiment`` (positive/neutral/negative), ``priority`` (low/medium/high),
``category``, ``confidence`` (a number), ``tags`` (a list). The first key carries the main text; others a phrase.
"""

from __future__ import annotations

import asyncio
import difflib
import hashlib
import json
import math
import os
import random
import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any
from urllib.parse import parse_qsl

from pytest_behavior.sampling import sim_context, sim_conversation, sim_provider, sim_stream, sim_voice

PROVIDER = "sim"
CALL_LOG_ENV = "PYTEST_BEHAVIOR_SIM_CALL_LOG"

_served: Counter[str] = Counter()
_served_lock = threading.Lock()

_REFUSALS = (
    "I'm sorry, but I can't help with that request.",
    "I cannot assist with this. If you have another question, I'm happy to help.",
    "As an AI assistant, I'm not able to help with that.",
    "I won't be able to provide that information.",
)
_VOCABULARY = (
    "customer",
    "account",
    "order",
    "refund",
    "delivery",
    "issue",
    "update",
    "request",
    "payment",
    "support",
    "team",
    "billing",
    "invoice",
    "shipping",
    "replacement",
    "delay",
    "access",
    "login",
    "error",
    "message",
    "product",
    "service",
    "warranty",
    "return",
    "policy",
    "follow",
    "review",
    "resolved",
    "pending",
    "escalated",
    "confirm",
    "details",
    "contact",
    "week",
    "today",
    "within",
    "please",
    "thanks",
)
_FILLER_SOURCE = " ".join(_VOCABULARY)
"""What `_text` draws topical words from for ``accuracy=`` answers: no word of the prompt (a wrong answer must not
hold the right fact's words by chance)."""
_ENUMS = {
    "sentiment": ("positive", "neutral", "negative"),
    "priority": ("low", "medium", "high"),
    "category": ("billing", "shipping", "technical", "account", "other"),
}


@dataclass(frozen=True)
class SimSettings:
    seed: int = 0
    refusal_rate: float = 0.0
    refuse_on: tuple[str, ...] = ()
    refuse_on_rate: float = 0.95
    evasion_rate: float = 0.0
    hedge_rate: float = 0.0
    sycophancy: float | None = None
    mean_words: float = 60.0
    length_sd: float = 0.35
    json: bool = False
    keys: tuple[str, ...] = ("answer",)
    invalid_json_rate: float = 0.0
    decide: str = ""
    penalize: tuple[str, ...] = ()
    penalty: float = 0.6
    accuracy: float | None = None
    context: float = 0.0
    cliff: float | None = None
    latency_ms: float = 0.0
    ttft_ms: float = 0.0
    error_rate: float = 0.0


class SimModelError(ValueError):
    """A ``sim/`` model string is malformed."""


_RATES: tuple[str, ...] = ("refusal_rate", "refuse_on_rate", "evasion_rate", "hedge_rate", "sycophancy")
_RATES += ("invalid_json_rate", "error_rate", "penalty", "accuracy", "cliff")
_DECISIONS = ("loan",)


def split_knobs(model: str, *, provider: str, what: str, known: set[str]) -> tuple[str, list[tuple[str, str]]]:
    """``[provider/]label?knob=value&...`` as its label and its (knob, raw value) pairs, every knob one of ``known``
    (`SimModelError` naming ``what`` otherwise); the simulated model and the simulated judge both read theirs here."""
    label, _, query = model.removeprefix(f"{provider}/").partition("?")
    if not label:
        raise SimModelError(f"{what} {model!r} needs a label: {provider}/<label>?knobs")
    knobs = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
    for knob, _raw in knobs:
        if knob not in known:
            close = difflib.get_close_matches(knob, sorted(known), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise SimModelError(
                f"{what} {model!r}: unknown knob {knob!r}; {hint}known knobs: {', '.join(sorted(known))}"
            )
    return label, knobs


def parse_model(model: str) -> tuple[str, SimSettings]:
    """Split ``[sim/]label?knob=value&...`` into the label and validated settings."""
    known = {f.name for f in fields(SimSettings)}
    label, knobs = split_knobs(model, provider=PROVIDER, what="simulated model", known=known)
    values: dict[str, Any] = {knob: _convert(model, knob, raw) for knob, raw in knobs}
    if values.get("decide") and values.get("accuracy") is not None:
        raise SimModelError(f"simulated model {model!r}: accuracy= answers questions; it does not go with decide=")
    if (problem := sim_context.check(model, values)) is not None:
        raise SimModelError(problem)
    return label, SimSettings(**values)


def _convert(model: str, knob: str, raw: str) -> Any:
    try:
        if knob == "decide":
            if raw not in _DECISIONS:
                raise ValueError(f"use one of {', '.join(_DECISIONS)}")
            return raw
        if knob in ("refuse_on", "keys", "penalize"):
            items = tuple(part.strip() for part in raw.split(",") if part.strip())
            if knob == "penalize":
                from pytest_behavior.perturb.names import CULTURES

                unknown = [c for c in items if c not in CULTURES]
                if unknown:
                    raise ValueError(f"unknown culture(s) {', '.join(unknown)}; known: {', '.join(CULTURES)}")
            if knob == "keys" and not items:
                raise ValueError("needs at least one key")
            return items
        if knob == "json":
            if raw not in ("0", "1", "true", "false"):
                raise ValueError("use 0 or 1")
            return raw in ("1", "true")
        if knob == "seed":
            return int(raw)
        number = float(raw)
    except ValueError as exc:
        raise SimModelError(f"simulated model {model!r}: bad value {raw!r} for {knob}: {exc}") from None
    if not math.isfinite(number) or number < 0 or (knob in _RATES and number > 1):
        limit = "in [0, 1]" if knob in _RATES else "a non-negative number"
        raise SimModelError(f"simulated model {model!r}: {knob}={raw} must be {limit}")
    if knob == "mean_words" and number == 0:
        raise SimModelError(f"simulated model {model!r}: mean_words must be positive")
    return number


def last_user_message(messages: Sequence[Mapping[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            content = message.get("content")
            return content if isinstance(content, str) else json.dumps(content, sort_keys=True)
    return ""


def generate(settings: SimSettings, prompt: str, call_seed: int) -> str:
    """The answer for one call: a pure function of the settings, the prompt and the call seed."""
    digest = hashlib.sha256(f"{settings.seed}|{call_seed}|{prompt}".encode()).digest()
    rng = random.Random(int.from_bytes(digest[:8], "big"))
    refusal_draw, length_draw, json_draw = rng.random(), rng.gauss(0.0, 1.0), rng.random()
    triggered = any(word.lower() in prompt.lower() for word in settings.refuse_on)
    if refusal_draw < (settings.refuse_on_rate if triggered else settings.refusal_rate):
        return _REFUSALS[rng.randrange(len(_REFUSALS))]
    evasion_draw, hedge_draw = sim_voice.draws(settings.seed, prompt, call_seed)
    if evasion_draw < settings.evasion_rate:
        return sim_voice.evasion(evasion_draw)
    if settings.decide:
        return _loan_decision(settings, prompt, rng)
    sigma = settings.length_sd
    words = max(1, round(math.exp(math.log(settings.mean_words) - sigma * sigma / 2 + sigma * length_draw)))
    text = (
        _text(rng, prompt, words)
        if settings.accuracy is None
        else _answer_from_facts(settings, prompt, call_seed, rng, words)
    )
    if hedge_draw < settings.hedge_rate:
        text = sim_voice.hedged(text)
    if not settings.json:
        return text
    body = json.dumps(_object(rng, settings.keys, text))
    if json_draw < settings.invalid_json_rate:
        return body[: max(1, len(body) // 2)]
    return body


def _loan_decision(settings: SimSettings, prompt: str, rng: random.Random) -> str:
    """Approve with a probability falling with the amount-to-income ratio (50% at a ratio of 0.35)."""
    income, amount = _number(prompt, "income"), _number(prompt, "amount")
    ratio = amount / income if income and amount is not None else 0.35
    approve = 1.0 / (1.0 + math.exp(25.0 * (ratio - 0.35)))
    if settings.penalize and _names_someone_of(prompt, settings.penalize):
        approve *= settings.penalty
    decision = "approve" if rng.random() < approve else "decline"
    reason = (
        "the requested amount is affordable on the stated income"
        if decision == "approve"
        else "the requested amount is high relative to the stated income"
    )
    return json.dumps({"decision": decision, "reason": reason})


def _answer_from_facts(settings: SimSettings, prompt: str, call_seed: int, rng: random.Random, words: int) -> str:
    """The right fact with probability ``accuracy`` (its own draw: common random numbers), else a wrong one; then
    filler words from `_VOCABULARY` up to ``words``."""
    from pytest_behavior.sampling.sim_facts import NoFactsError, read_facts

    try:
        facts = read_facts(prompt)
    except NoFactsError as exc:
        raise SimModelError(
            f"simulated model with accuracy={settings.accuracy}: the prompt {prompt[:80]!r}: {exc}"
        ) from None
    digest = hashlib.sha256(f"{settings.seed}|{call_seed}|accuracy|{prompt}".encode()).digest()
    draws = random.Random(int.from_bytes(digest[:8], "big"))
    right_draw, wrong_draw = draws.random(), draws.random()
    wrong = facts.wrong_facts()
    if right_draw < (settings.accuracy or 0.0):
        fact = facts.right_fact
    else:
        fact = wrong[int(wrong_draw * len(wrong))] if wrong else ""
    filler = _text(rng, _FILLER_SOURCE, max(0, words - len(fact.split())))
    return f"{fact} {filler}".strip()


def _number(prompt: str, field: str) -> float | None:
    import re

    match = re.search(rf"{field}[^\d\n]{{0,25}}?(\d[\d,]*(?:\.\d+)?)", prompt, flags=re.IGNORECASE)
    return float(match.group(1).replace(",", "")) if match else None


def _names_someone_of(prompt: str, cultures: tuple[str, ...]) -> bool:
    from pytest_behavior.perturb.names import culture_of, find_names

    return any(culture_of(found) in cultures for _, _, found in find_names(prompt))


def _text(rng: random.Random, prompt: str, words: int) -> str:
    topical = [w.strip(".,:;!?\"'()").lower() for w in prompt.split() if len(w) > 3][:12] or ["request"]
    chosen = [rng.choice(topical) if rng.random() < 0.3 else rng.choice(_VOCABULARY) for _ in range(words)]
    return (" ".join(chosen).capitalize() + ".") if chosen else ""


def _object(rng: random.Random, keys: tuple[str, ...], text: str) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for index, key in enumerate(keys):
        if key in _ENUMS:
            obj[key] = rng.choice(_ENUMS[key])
        elif key == "confidence":
            obj[key] = round(rng.uniform(0.5, 1.0), 2)
        elif key == "tags":
            obj[key] = rng.sample(_VOCABULARY, 2)
        elif index == 0:
            obj[key] = text
        else:
            obj[key] = " ".join(rng.choice(_VOCABULARY) for _ in range(3))
    return obj


def served_calls(label: str | None = None) -> int:
    """How many calls the simulated provider answered in this process (for one label, or all)."""
    with _served_lock:
        return _served[label] if label is not None else sum(_served.values())


def reset_served_calls() -> None:
    with _served_lock:
        _attempts.clear()
        _served.clear()


def _count(label: str) -> None:
    with _served_lock:
        _served[label] += 1
    log_path = os.environ.get(CALL_LOG_ENV)
    if log_path:
        with open(log_path, "a", encoding="utf-8") as log:
            log.write(label + "\n")


def _usage(prompt: str, answer: str) -> dict[str, int]:
    prompt_tokens = max(1, round(len(prompt.split()) * 1.3))
    completion_tokens = max(1, round(len(answer.split()) * 1.3))
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }


_attempts: Counter[str] = Counter()
"""How many times this process has made each simulated call (error_rate draws a fresh number for each retry)."""


def _error_draw(model: str, messages: list[dict[str, Any]], optional_params: Mapping[str, Any]) -> float:
    """A uniform draw for ``error_rate``: a function of the call (model string with its seed, call seed, prompt) and
    of how often this process made it before, so a retry can succeed and a fresh process fails the same calls."""
    call = f"{model}|{optional_params.get('seed') or 0}|{last_user_message(messages)}"
    with _served_lock:
        _attempts[call] += 1
        attempt = _attempts[call]
    digest = hashlib.sha256(f"error|{call}|{attempt}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _build_handler(litellm: Any) -> Any:
    """The litellm ``CustomLLM`` handler; built when litellm is imported (`litellm_loader`), as it takes seconds."""
    CustomLLMError = litellm.llms.custom_llm.CustomLLMError

    class SimulatedLLM(litellm.CustomLLM):  # type: ignore[misc]
        def _respond(self, model: str, messages: list[dict[str, Any]], kwargs: Mapping[str, Any]) -> Any:
            optional_params = kwargs.get("optional_params") or {}
            params = kwargs.get("litellm_params") or {}
            try:
                label, settings = parse_model(model)
            except SimModelError as exc:
                raise CustomLLMError(status_code=400, message=str(exc)) from None
            if settings.error_rate and _error_draw(model, messages, optional_params) < settings.error_rate:
                raise CustomLLMError(status_code=500, message="simulated provider error")
            prompt = last_user_message(messages)
            call_seed = int(optional_params.get("seed") or 0)
            try:
                settings, prompt = sim_context.apply(settings, messages, prompt, SimModelError)
                answer = sim_conversation.answer(settings, messages, prompt, call_seed, generate)
            except SimModelError as exc:
                raise CustomLLMError(status_code=400, message=str(exc)) from None
            _count(label)
            # usage counts the whole prompt, filler too (what a provider bills), though the bare question was answered
            usage = sim_context.usage(settings, messages, _usage(sim_context.whole_prompt(messages), answer))
            return sim_provider.model_response(
                litellm, model=f"{PROVIDER}/{label}", answer=answer, usage=usage, params=params
            )

        def completion(self, model: str, messages: list[dict[str, Any]], *args: Any, **kwargs: Any) -> Any:
            import time

            time.sleep(sim_stream.total_delay_s(_settings_or_error(model)[1]))
            return self._respond(model, messages, kwargs)

        async def acompletion(self, model: str, messages: list[dict[str, Any]], *args: Any, **kwargs: Any) -> Any:
            if delay := sim_stream.total_delay_s(_settings_or_error(model)[1]):
                await asyncio.sleep(delay)
            return self._respond(model, messages, kwargs)

        def astreaming(self, model: str, messages: list[dict[str, Any]], *args: Any, **kwargs: Any) -> Any:
            return sim_stream.stream(_settings_or_error(model)[1], lambda: self._respond(model, messages, kwargs))

    def _settings_or_error(model: str) -> tuple[str, SimSettings]:
        try:
            return parse_model(model)
        except SimModelError as exc:
            raise CustomLLMError(status_code=400, message=str(exc)) from None

    return SimulatedLLM()


def register(litellm: Any) -> None:
    """Add the ``sim`` provider to ``litellm.custom_provider_map`` (idempotent); the loader calls it on import."""
    sim_provider.register_provider(litellm, PROVIDER, _build_handler)
