"""An offline simulated LLM judge with known biases, reached through ``litellm.acompletion`` like any real judge.

Model strings describe the judge in one line::

    sim-judge/<label>?accuracy=0.9&position_bias=0.3&length_bias=0.2&tie_rate=0.05&malformed_rate=0.01&seed=7

It reads a prompt rendered by `pytest_behavior.spec.judge_format` (its sections, through `read_sections`) and
answers in that contract's strict JSON. Which judge it is follows from the sections: ``[Answer A]`` and
``[Answer B]``: pairwise; ``[Answer]`` and ``[Rubric]``: pointwise, on the scale the system prompt states ("1 to N");
``[Answer]`` and ``[Reference answer]`` without a rubric: reference equivalence. Any other message is a 400 error.

**The truth** it judges by: with a ``[Reference answer]`` section, an answer is right iff it holds the reference
(its words, adjacent and in order, case and punctuation aside: `sim_facts.holds`); otherwise by the fact oracle of
the simulated provider's ``accuracy=`` knob (`sim_facts`), read off the ``[Context...]`` sections followed by the
``[Question]``: an answer is right iff it holds the right fact for the question. When neither tells (no reference,
and no question or no facts), every answer counts as right, and only the biases and coin flips decide.

Knobs (unknown knobs are an error):

==============  =======  ===================================================================================
knob            default  meaning
==============  =======  ===================================================================================
seed            0        base of every random draw
accuracy        1        probability that the judge sees the truth: pairwise, it picks the truly better answer
                         (else the other one; two answers equally right or wrong: a coin flip); pointwise, it
                         scores a right answer high (``scale`` or ``scale - 1``) and a wrong one low (1 or 2)
                         (else the other way round); reference, it says equivalent iff the answer is right
position_bias   0        pairwise: probability of picking position A whatever the answers say
length_bias     0        pairwise: probability of picking the longer answer (in words; equal lengths go on to the
                         truth); pointwise: probability that the score moves one point per doubling of the
                         answer's length from ``length_pivot`` words (up for longer, down for shorter answers)
length_scale    0        pairwise: 0 picks the longer answer with probability ``length_bias`` however slightly
                         longer it is (a step); above 0 with ``length_bias`` x tanh(|ln(words A / words B)| /
                         ``length_scale``), a preference that grows with the length difference as real judges'
                         does (e.g. 0.5: a 1.5x longer answer gets 68% of the bias, a 3x longer one 97%)
length_pivot    60       pointwise: the length in words that ``length_bias`` neither rewards nor punishes
tie_rate        0        pairwise: probability of "tie"
malformed_rate  0        probability that an answer breaks the JSON contract (prose, a truncated object, an
                         object inside prose, or one without its verdict or score), for the retry path
==============  =======  ===================================================================================

Pairwise, the steps run in that order, each on its own draw: malformed (``malformed_rate``), else "tie"
(``tie_rate``), else "A" (``position_bias``), else the longer answer (``length_bias``), else the truth
(``accuracy``). So with ``tie_rate=0.1, position_bias=0.3`` the judge picks A by position in 0.9 × 0.3 = 27% of the
calls.

Every draw is a pure function of (seed, the judge's messages, the call's ``seed`` parameter), like the simulated
provider's: judges with the same seed share their draws (raising ``position_bias`` turns exactly the calls with the
lowest draws into picks of A), and asking again with the same messages and call seed gets the same answer, a
malformed one included (re-ask with another call seed, or with another message). The biases are drawn per call,
so the two orders of a pair get independent position and length draws; the truth draws of a pairwise judgment are
drawn per *pair* (the same whichever answer comes first), so a judge that errs on a pair errs in both orders, as a
judge that misreads content does.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from pytest_behavior.sampling import sim_provider, simulated
from pytest_behavior.sampling.sim_facts import NoFactsError, holds, read_facts
from pytest_behavior.sampling.simulated import SimModelError
from pytest_behavior.spec import judge_format as jf

PROVIDER = "sim-judge"


@dataclass(frozen=True)
class JudgeSimSettings:
    seed: int = 0
    accuracy: float = 1.0
    position_bias: float = 0.0
    length_bias: float = 0.0
    length_scale: float = 0.0
    length_pivot: float = 60.0
    tie_rate: float = 0.0
    malformed_rate: float = 0.0


_RATES = ("accuracy", "position_bias", "length_bias", "tie_rate", "malformed_rate")


def parse_model(model: str) -> tuple[str, JudgeSimSettings]:
    """Split ``[sim-judge/]label?knob=value&...`` into the label and validated settings (`SimModelError`)."""
    known = {f.name for f in fields(JudgeSimSettings)}
    label, knobs = simulated.split_knobs(model, provider=PROVIDER, what="simulated judge", known=known)
    values: dict[str, Any] = {}
    for knob, raw in knobs:
        try:
            number = int(raw) if knob == "seed" else float(raw)
        except ValueError:
            raise SimModelError(f"simulated judge {model!r}: bad value {raw!r} for {knob}: not a number") from None
        if knob in _RATES and not 0 <= number <= 1:
            raise SimModelError(f"simulated judge {model!r}: {knob}={raw} must be in [0, 1]")
        if knob == "length_pivot" and not (math.isfinite(number) and number > 0):
            raise SimModelError(f"simulated judge {model!r}: length_pivot={raw} must be a positive number of words")
        if knob == "length_scale" and not (math.isfinite(number) and number >= 0):
            raise SimModelError(
                f"simulated judge {model!r}: length_scale={raw} must be 0 (a step) or a positive log ratio"
            )
        values[knob] = number
    return label, JudgeSimSettings(**values)


# --- judging -------------------------------------------------------------------------------------------------------


def judge(settings: JudgeSimSettings, system: str, user: str, call_seed: int) -> str:
    """The judge's answer to one call: a pure function of the settings, the two messages and the call seed."""
    try:
        sections = jf.read_sections(user)
    except jf.JudgeFormatError as exc:
        raise SimModelError(f"simulated judge: the user message is not a judge prompt: {exc}") from None
    draws = _draws(settings.seed, call_seed, "call", system, user)
    malformed, malformed_form = next(draws), next(draws)
    if jf.ANSWER_A in sections and jf.ANSWER_B in sections:
        obj = _pairwise(settings, sections, call_seed, draws)
    elif jf.ANSWER in sections and jf.RUBRIC in sections:
        obj = _pointwise(settings, sections, _scale(system), draws)
    elif jf.ANSWER in sections and jf.REFERENCE_ANSWER in sections:
        obj = _reference(settings, sections, draws)
    else:
        raise SimModelError(
            "simulated judge: the user message has none of the judge layouts ([Answer A] and [Answer B]; "
            f"[Answer] and [Rubric]; [Answer] and [Reference answer]); its sections: {', '.join(sections) or 'none'}"
        )
    answer = json.dumps(obj)
    return _malformed(obj, answer, malformed_form) if malformed < settings.malformed_rate else answer


def _draws(*parts: object) -> Any:
    """An endless stream of uniform draws seeded by ``parts``."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    rng = random.Random(int.from_bytes(digest[:8], "big"))
    while True:
        yield rng.random()


class _Truth:
    """Whether an answer is right, by the reference answer, or else by the fact oracle (unknown: right)."""

    def __init__(self, sections: Mapping[str, str]) -> None:
        self.reference = sections.get(jf.REFERENCE_ANSWER)
        self.fact: str | None = None
        if self.reference is None:
            contexts = [text for label, text in sections.items() if label.split(":")[0] == jf.CONTEXT]
            try:
                self.fact = read_facts("\n".join([*contexts, sections.get(jf.QUESTION, "")])).right_fact
            except NoFactsError:
                self.fact = None

    def __call__(self, answer: str) -> bool:
        if self.reference is not None:
            return holds(answer, self.reference)
        return True if self.fact is None else holds(answer, self.fact)


def _pairwise(settings: JudgeSimSettings, sections: Mapping[str, str], call_seed: int, draws: Any) -> dict[str, Any]:
    tie, position, length, order_coin = next(draws), next(draws), next(draws), next(draws)
    a, b = sections[jf.ANSWER_A], sections[jf.ANSWER_B]
    if tie < settings.tie_rate:
        return {"verdict": "tie", "reason": "Both answers meet the criteria about equally well."}
    if position < settings.position_bias:
        return {"verdict": "A", "reason": "Answer A is the better answer overall."}
    words_a, words_b = len(a.split()), len(b.split())
    if words_a != words_b and length < _length_pull(settings, words_a, words_b):
        longer = "A" if words_a > words_b else "B"
        return {"verdict": longer, "reason": f"Answer {longer} is more detailed and complete."}
    # the truth draws belong to the pair, not to this order of it
    rest = sorted((label, text) for label, text in sections.items() if label not in (jf.ANSWER_A, jf.ANSWER_B))
    pair = _draws(settings.seed, call_seed, "pair", json.dumps(rest), *sorted((a, b)))
    sees_truth, coin = next(pair), next(pair)
    truth = _Truth(sections)
    right_a, right_b = truth(a), truth(b)
    if right_a != right_b:
        better, worse = ("A", "B") if right_a else ("B", "A")
        if sees_truth < settings.accuracy:
            return {"verdict": better, "reason": f"Answer {better} answers the question; answer {worse} does not."}
        return {"verdict": worse, "reason": f"Answer {worse} answers the question more directly."}
    # equally right or wrong: a coin flip on which text wins, the same in both orders (identical texts: per call)
    winner = sorted((a, b))[0 if coin < 0.5 else 1]
    pick = ("A" if order_coin < 0.5 else "B") if a == b else ("A" if a == winner else "B")
    return {"verdict": pick, "reason": f"Both answers are close; answer {pick} reads slightly better."}


def _length_pull(settings: JudgeSimSettings, words_a: int, words_b: int) -> float:
    """The probability that the pairwise judge picks the longer of two answers of unequal length."""
    if settings.length_scale == 0:
        return settings.length_bias
    ratio = abs(math.log(max(words_a, 1) / max(words_b, 1)))
    return settings.length_bias * math.tanh(ratio / settings.length_scale)


_SCALE = re.compile(r"\b1 to (\d+)\b")


def _scale(system: str) -> int:
    found = _SCALE.search(system)
    if found is None or int(found.group(1)) < 2:
        raise SimModelError("simulated judge: the system prompt states no rubric scale ('1 to N', N >= 2)")
    return int(found.group(1))


def _pointwise(settings: JudgeSimSettings, sections: Mapping[str, str], scale: int, draws: Any) -> dict[str, Any]:
    sees_truth, jitter, length = next(draws), next(draws), next(draws)
    answer = sections[jf.ANSWER]
    right = _Truth(sections)(answer)
    seems_right = right if sees_truth < settings.accuracy else not right
    step = 1 if scale >= 4 and jitter < 0.5 else 0
    score = scale - step if seems_right else 1 + step
    if length < settings.length_bias:
        score += round(math.log2(max(1, len(answer.split())) / settings.length_pivot))
    score = min(scale, max(1, score))
    reason = "The answer gives what the question asks for." if seems_right else "The answer misses what was asked."
    return {"score": score, "reason": reason}


def _reference(settings: JudgeSimSettings, sections: Mapping[str, str], draws: Any) -> dict[str, Any]:
    sees_truth = next(draws)
    right = holds(sections[jf.ANSWER], sections[jf.REFERENCE_ANSWER])
    equivalent = right if sees_truth < settings.accuracy else not right
    if equivalent:
        return {"verdict": "equivalent", "reason": "The answer states the reference answer."}
    return {"verdict": "different", "reason": "The answer does not state the reference answer."}


def _malformed(obj: Mapping[str, Any], answer: str, draw: float) -> str:
    """One of four ways judges break a JSON contract, each rejected by the strict parsers."""
    form = int(draw * 4)
    if form == 0:
        if "score" in obj:
            return f"I would give this answer a {obj['score']}. {obj['reason']}"
        return f"My verdict: {obj['verdict']}. {obj['reason']}"
    if form == 1:
        return answer[: len(answer) // 2]
    if form == 2:
        return f"Here is my judgment:\n{answer}\nI hope this helps."
    return json.dumps({"reason": obj["reason"]})


# --- the litellm provider ------------------------------------------------------------------------------------------


def _messages(messages: Sequence[Mapping[str, Any]]) -> tuple[str, str]:
    """The first system message and the last user message."""
    system = next((m.get("content") for m in messages if m.get("role") == "system"), "")
    return (system if isinstance(system, str) else json.dumps(system)), simulated.last_user_message(messages)


def _build_handler(litellm: Any) -> Any:
    """The litellm ``CustomLLM`` handler (built once litellm is imported, by `register`)."""
    CustomLLMError = litellm.llms.custom_llm.CustomLLMError

    class SimulatedJudge(litellm.CustomLLM):  # type: ignore[misc]
        def _respond(self, model: str, messages: list[dict[str, Any]], kwargs: Mapping[str, Any]) -> Any:
            optional_params = kwargs.get("optional_params") or {}
            try:
                label, settings = parse_model(model)
                system, user = _messages(messages)
                answer = judge(settings, system, user, int(optional_params.get("seed") or 0))
            except SimModelError as exc:
                raise CustomLLMError(status_code=400, message=str(exc)) from None
            simulated._count(f"{PROVIDER}/{label}")
            return sim_provider.model_response(
                litellm,
                model=f"{PROVIDER}/{label}",
                answer=answer,
                usage=simulated._usage(system + "\n" + user, answer),
                params=kwargs.get("litellm_params") or {},
            )

        def completion(self, model: str, messages: list[dict[str, Any]], *args: Any, **kwargs: Any) -> Any:
            return self._respond(model, messages, kwargs)

        async def acompletion(self, model: str, messages: list[dict[str, Any]], *args: Any, **kwargs: Any) -> Any:
            return self._respond(model, messages, kwargs)

    return SimulatedJudge()


def register(litellm: Any) -> None:
    """Add the ``sim-judge`` provider to ``litellm.custom_provider_map`` (idempotent); the loader calls it."""
    sim_provider.register_provider(litellm, PROVIDER, _build_handler)
