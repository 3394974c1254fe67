"""The behavioral features ``pytest-behavior identify`` compares: a small, fixed, documented set per output.

Chosen on the DEV split of AlpacaEval (even instruction indices) to separate sibling versions of one model
(gpt-3.5-turbo 0301/0613/1106, the gpt-4 snapshots, Mistral v0.2/v0.3) by how they answer, not by what they say:
length, shape (lines, sentence length, lists, headings, bold, code), refusals (the offline detector), and two
habits of voice (an affirming opener, a closing offer). JSON validity joins only when either side answers in JSON.
Every feature is a number per output; an input's value is the mean over its repeats. No I/O, no model call.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from pytest_behavior.properties.length import measure_length
from pytest_behavior.properties.refusal import classify_refusal
from pytest_behavior.spec.output import Output

_LIST_NUMBERED = re.compile(r"^\s*\d+[.)]\s+\S", re.M)
_LIST_BULLET = re.compile(r"^\s*[-*+\u2022]\s+\S", re.M)
_HEADING = re.compile(r"^\s*#{1,6}\s+\S", re.M)
_SENTENCE_END = re.compile(r"[.!?](?:\s|$)")
_OPENER = re.compile(r"^\W*(?:sure|certainly|of course|absolutely)\b", re.I)
_CLOSER = re.compile(r"let me know|hope (?:this|that) helps|feel free|happy to help", re.I)


@dataclass(frozen=True)
class Feature:
    """``name``; ``kind`` "log" (a log scale: differences read as ratios) or "rate" (0/1 per output);
    ``description`` for reports; ``measure(text, question)``. A feature that no output (or every output) shows on
    both sides is left out of a comparison, so ``json`` counts only where an output is JSON."""

    name: str
    kind: str
    description: str
    measure: Callable[[str, str | None], float]


def _words(text: str) -> int:
    return measure_length(text, "words")


def _log_words(text: str, question: str | None) -> float:
    return math.log(_words(text))


def _log_lines(text: str, question: str | None) -> float:
    return math.log(max(1, sum(1 for line in text.splitlines() if line.strip())))


def _log_sentence_words(text: str, question: str | None) -> float:
    return math.log(_words(text) / max(1, len(_SENTENCE_END.findall(text))))


def _refusal(text: str, question: str | None) -> float:
    return float(classify_refusal(text, question=question) == "refuse")


def _matches(pattern: re.Pattern[str]) -> Callable[[str, str | None], float]:
    return lambda text, question: float(pattern.search(text) is not None)


def _json(text: str, question: str | None) -> float:
    """1 when the whole answer is a JSON object or array (a fenced block alone counts; JSON quoted in prose not)."""
    stripped = text.strip()
    if stripped.startswith("```"):
        stripped = stripped.strip("`").removeprefix("json").strip()
    try:
        value = json.loads(stripped)
    except ValueError:
        return 0.0
    return float(isinstance(value, (dict, list)))


FEATURES: tuple[Feature, ...] = (
    Feature("length", "log", "answer length in words", _log_words),
    Feature("lines", "log", "non-empty lines", _log_lines),
    Feature("sentence_length", "log", "words per sentence", _log_sentence_words),
    Feature("refusal", "rate", "refuses (offline detector)", _refusal),
    Feature("numbered_list", "rate", "has a numbered list", _matches(_LIST_NUMBERED)),
    Feature("bullet_list", "rate", "has a bullet list", _matches(_LIST_BULLET)),
    Feature("heading", "rate", "has a markdown heading", _matches(_HEADING)),
    Feature("bold", "rate", "uses **bold**", lambda text, question: float("**" in text)),
    Feature("code_block", "rate", "has a ``` code block", lambda text, question: float("```" in text)),
    Feature("opener", "rate", "opens with Sure/Certainly/Of course", _matches(_OPENER)),
    Feature("closing_offer", "rate", "offers more help at the end", _matches(_CLOSER)),
    Feature("json", "rate", "is valid JSON", _json),
)
"""The compared features, in report order."""


def measure(output: Output, question: str | None) -> tuple[float, ...]:
    """Every feature of one output, in `FEATURES` order. A golden file keeps only the head and tail of a long
    output: its length is the full text's (recorded with the truncation), the other features read what was kept."""
    values = _measure(str(output), question)
    if output.truncated is not None:
        return (math.log(max(1, output.truncated.words)), *values[1:])
    return values


@lru_cache(maxsize=65536)
def _measure(text: str, question: str | None) -> tuple[float, ...]:
    """Cached: the same golden text is measured again for every field sample compared with it."""
    return tuple(feature.measure(text, question) for feature in FEATURES)
