"""Strict parsers of an LLM judge's answer (the contract of `pytest_behavior.spec.judge_format`).

**Parsers.** `parse_pairwise`, `parse_score` and `parse_equivalence` accept a JSON object and nothing else, with
surrounding whitespace and at most one Markdown fence (```` ``` ```` or ```` ```json ````) around it. The verdict
words are read case-insensitively; a score must be an integer (``4`` or ``4.0``, not ``4.5``, ``"4"`` or ``true``)
in 1..scale; duplicate keys, ``NaN`` and prose around the object are rejected; other keys are ignored. The reason is
optional (recorded as ``""`` when absent or null) but must be a string when given. A rejected answer is None: the
engine asks again once, then reports it (never a silent tie).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

Verdict = Literal["A", "B", "tie"]
Equivalence = Literal["equivalent", "different"]


def check_scale(scale: object) -> int:
    """A rubric scale: an integer of at least 2."""
    if isinstance(scale, bool) or not isinstance(scale, int) or scale < 2:
        raise ValueError(f"a rubric scale is an integer of at least 2 (scores 1..scale), got {scale!r}")
    return scale


@dataclass(frozen=True)
class PairwiseJudgment:
    verdict: Verdict
    reason: str


@dataclass(frozen=True)
class ScoreJudgment:
    score: int
    scale: int
    reason: str


@dataclass(frozen=True)
class EquivalenceJudgment:
    verdict: Equivalence
    reason: str

    @property
    def equivalent(self) -> bool:
        return self.verdict == "equivalent"


_FENCED = re.compile(r"```(?:json)?[ \t]*\n?(.*?)\n?[ \t]*```", re.DOTALL | re.IGNORECASE)
_VERDICTS: dict[str, Verdict] = {"a": "A", "b": "B", "tie": "tie"}
_EQUIVALENCES: dict[str, Equivalence] = {"equivalent": "equivalent", "different": "different"}


class _Rejected(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        raise _Rejected("duplicate key")
    return dict(pairs)


def _reject_constant(name: str) -> Any:
    raise _Rejected(name)


def json_object(text: str) -> dict[str, Any] | None:
    """The JSON object that is the whole of ``text`` (whitespace and one Markdown fence aside), else None."""
    if not isinstance(text, str):
        return None
    body = text.strip()
    fenced = _FENCED.fullmatch(body)
    if fenced is not None:
        body = fenced.group(1).strip()
    try:
        value = json.loads(body, object_pairs_hook=_no_duplicates, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _reason(obj: Mapping[str, Any]) -> str | None:
    reason = obj.get("reason")
    if reason is None:
        return ""
    return reason if isinstance(reason, str) else None


def _word(obj: Mapping[str, Any], key: str) -> str | None:
    value = obj.get(key)
    return value.strip().casefold() if isinstance(value, str) else None


def parse_pairwise(text: str) -> PairwiseJudgment | None:
    """``{"verdict": "A" | "B" | "tie", "reason": ...}``, else None."""
    obj = json_object(text)
    if obj is None:
        return None
    verdict, reason = _VERDICTS.get(_word(obj, "verdict") or ""), _reason(obj)
    return None if verdict is None or reason is None else PairwiseJudgment(verdict=verdict, reason=reason)


def parse_score(text: str, scale: int) -> ScoreJudgment | None:
    """``{"score": <integer 1..scale>, "reason": ...}``, else None."""
    scale = check_scale(scale)
    obj = json_object(text)
    if obj is None:
        return None
    score, reason = obj.get("score"), _reason(obj)
    if isinstance(score, bool) or not isinstance(score, (int, float)) or reason is None:
        return None
    if isinstance(score, float) and not score.is_integer():
        return None
    if not 1 <= score <= scale:
        return None
    return ScoreJudgment(score=int(score), scale=scale, reason=reason)


def parse_equivalence(text: str) -> EquivalenceJudgment | None:
    """``{"verdict": "equivalent" | "different", "reason": ...}``, else None."""
    obj = json_object(text)
    if obj is None:
        return None
    verdict, reason = _EQUIVALENCES.get(_word(obj, "verdict") or ""), _reason(obj)
    return None if verdict is None or reason is None else EquivalenceJudgment(verdict=verdict, reason=reason)
