"""Hedging: a per-answer score (`hedging`), the phrases behind it, and the ``hedging_bound`` marker.

An answer hedges when it keeps from committing to what it answers: "it's difficult to say", "there is no definitive
answer", "this is speculative", "you may want to consult a professional", "it depends", stacked possibilities
("may ... might ... could"). The score is a logistic function of named cue groups (`CUES`) and of the density of
epistemic modals. The weights were fitted on the dev split of the AlpacaEval labels
(``benchmarks/refusal_labels``, the ``hedge`` flag; 823 outputs, 69 of them hedging) and frozen here, so the score
is pure Python and ``re`` at run time. An answer counts as hedging at a score of `THRESHOLD` or more, the dev
split's best F1.

Measured by ``python benchmarks/hedging_accuracy.py`` and asserted in ``tests/realdata/test_hedging_labels.py``. Hedging
is the least sharp of the labels. On the dev models the score finds 30% of the hedging answers at 72% precision
(accuracy 0.932, against 0.916 for calling no answer hedging). On the report models it finds 18% (precision 0.47).
On the held-out Claude family, whose hedges are mostly "I do not have a definitive answer" non-answers, it finds
9%. That is enough to see a model start hedging much more, not to call any single answer, so the diff shows the
phrases for a reviewer to judge. Golden files record the detector's name and version (`DETECTOR`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from pytest_behavior.properties.base import (
    Metric,
    Observation,
    Texts,
    as_matrix,
    register,
)
from pytest_behavior.properties.rate_bound import RateBound
from pytest_behavior.spec.output import read_window

DETECTOR = "hedge-1"
THRESHOLD = 0.4
"""An answer hedges at this score or more: the best accuracy on the dev labels (0.932; precision 0.72, recall 0.30)."""
_BIAS = -3.49
_MODALS = re.compile(  # "could you ...?", "may I ...": requests, not possibilities
    r"\b(?:may|might|could|possibly|perhaps|potentially|likely|unlikely|probably|presumably)\b(?!\s+(?:you|i|we)\b)",
    re.IGNORECASE,
)
_MODAL_DENSITY_WEIGHT, _MODAL_DENSITY_CAP = 0.77, 5.0  # per 100 words
_MODAL_COUNT_WEIGHT, _MODAL_COUNT_CAP = -0.14, 4.0  # per 3 modals: long answers use modals without hedging


@dataclass(frozen=True)
class Cue:
    """A named group of hedging phrases and its weight in the score."""

    name: str
    weight: float
    pattern: re.Pattern[str]


def _cue(name: str, weight: float, *alternatives: str) -> Cue:
    return Cue(name, weight, re.compile("|".join(alternatives), re.IGNORECASE))


CUES: tuple[Cue, ...] = (
    _cue(  # no dev answer said it; weighted like its nearest group, as the issue names it
        "unsure",
        1.5,
        r"\b(?:i'?m|i am) not (?:sure|certain)\b",
        r"\bnot entirely (?:sure|clear|certain)\b",
        r"\b(?:can(?:no|')?t|cannot) (?:guarantee|be (?:sure|certain))\b",
        r"\bi (?:don'?t|do not) know (?:for sure|exactly)\b",
    ),
    _cue(
        "hard_to_say",
        1.17,
        r"\b(?:difficult|hard|impossible|challenging) to (?:say|determine|predict|know|answer|estimate|pinpoint)\b",
        r"\bno (?:definitive|single|simple|clear|one-size-fits-all|straightforward|universal|exact) "
        r"(?:answer|way|number|figure)\b",
    ),
    _cue(
        "defers",
        1.71,
        r"\b(?:consult|speak (?:with|to)|talk to|seek (?:advice|guidance|help) from|check with)\b[^.!?\n]{0,50}"
        r"\b(?:professional|doctor|physician|lawyer|attorney|expert|specialist|advis[eo]r|therapist|accountant|"
        r"veterinarian|healthcare)",
    ),
    _cue(
        "depends",
        0.6,
        r"\b(?:it|this|that|the answer) (?:really |ultimately |largely |all )?depends\b",
        r"\bdepending on\b",
        r"\b(?:may|can|might|will) vary\b",
    ),
    _cue(
        "possible",
        1.07,
        r"\bit(?:'s| is) (?:possible|likely|unlikely|conceivable|plausible) that\b",
        r"\b(?:seems?|appears?) (?:to|that|like)\b",
    ),
    _cue(
        "uncertain",
        2.14,
        r"\b(?:speculative|not definitive|subjective)\b",
        r"\bno (?:clear|universally agreed|consensus)\b",
        r"\b(?:opinions|views) (?:vary|differ)\b",
        r"\b(?:is|remains) (?:debated|unclear|uncertain|unknown)\b",
        r"\bcould be (?:vastly |very |quite )?different\b",
    ),
    _cue(
        "cannot_exact",
        1.5,
        r"\b(?:impossible|difficult|hard|not possible) to (?:provide|give|determine|know|say|calculate)(?: an?)? "
        r"(?:exact|precise|accurate|definitive)\b",
        r"\b(?:a bit|somewhat|rather|quite) (?:difficult|hard|tricky) to\b",
    ),
    _cue(
        "advisable",
        0.44,
        r"\bit(?:'s| is) (?:advisable|recommended|best|wise|a good idea) to (?:check|consult|verify|confirm|seek)\b",
        r"\b(?:double-check|verify) (?:with|the|this|your)\b",
    ),
    _cue(
        "note",
        0.79,
        r"\b(?:it'?s|it is) (?:important|worth|crucial|essential) (?:to (?:note|remember|keep in mind|consider)|"
        r"noting)\b",
        r"\bkeep in mind\b",
        r"\bplease note\b",
    ),
)


def hedging(text: str) -> float:
    """How much an answer hedges, from 0 to 1 (it counts as hedging from `THRESHOLD` on)."""
    window = read_window(str(text))
    logit = _BIAS + sum(cue.weight for cue in CUES if cue.pattern.search(window))
    modals = len(_MODALS.findall(window))
    words = max(1, len(window.split()))
    logit += _MODAL_DENSITY_WEIGHT * min(_MODAL_DENSITY_CAP, 100.0 * modals / words)
    logit += _MODAL_COUNT_WEIGHT * min(_MODAL_COUNT_CAP, modals / 3.0)
    return 1.0 / (1.0 + math.exp(-logit))


def is_hedging(text: str) -> bool:
    return hedging(text) >= THRESHOLD


def hedge_phrases(text: str) -> list[str]:
    """The hedging phrases in an answer, in order (the cue groups' matches, then the modals)."""
    window = read_window(str(text))
    return [window[a:b] for a, b in _spans(window)]


def highlight(text: str, *, limit: int = 300) -> str:
    """The answer's first hedging sentence(s), at most ``limit`` characters, with each phrase in «guillemets»."""
    window = read_window(str(text))
    spans = _spans(window)
    if not spans:
        return window[:limit]
    start = max(0, window.rfind(".", 0, spans[0][0]) + 1)
    out, at = [], start
    for a, b in spans:
        if a - start > limit:
            break
        out += [window[at:a], "«", window[a:b], "»"]
        at = b
    out.append(window[at : max(at, start + limit)])
    shown = " ".join("".join(out).split())
    return shown if len(shown) <= limit + 40 else shown[: limit + 40] + " …"


def _spans(window: str) -> list[tuple[int, int]]:
    """Where the hedging phrases stand (cue groups and modals), in order, overlapping ones merged."""
    found = {m.span() for cue in CUES for m in cue.pattern.finditer(window)} | {
        m.span() for m in _MODALS.finditer(window)
    }
    out: list[tuple[int, int]] = []
    for a, b in sorted(found):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


@register
@dataclass(frozen=True)
class HedgingBound(RateBound):
    """``@pytest.mark.hedging_bound(max_increase=0.05)``: the share of answers that hedge (`is_hedging`)."""

    marker_name: ClassVar[str] = "hedging_bound"

    @classmethod
    def from_marker(
        cls, *, max_rate: Any = None, max_increase: Any = None, min_rate: Any = None, max_decrease: Any = None
    ) -> HedgingBound:
        bounds = cls.rate_args(
            max_rate=max_rate, max_increase=max_increase, min_rate=min_rate, max_decrease=max_decrease
        )
        return cls(**bounds).checked()

    def metrics(self) -> tuple[Metric, ...]:
        return (Metric(key="hedging", title="hedging rate", kind="binary", bounds=self.rate_bounds()),)

    def observe(self, baseline: Texts | None, candidate: Texts) -> list[Observation]:
        def rates(texts: Texts) -> Any:
            return as_matrix([[1.0 if is_hedging(t) else 0.0 for t in row] for row in texts])

        return [Observation(self.metrics()[0], None if baseline is None else rates(baseline), rates(candidate))]

    def explain(self, baseline: Texts, candidate: Texts, ids: Sequence[str], *, shown: int | None = None) -> list[str]:
        """The inputs whose answers started hedging, the candidate's hedging phrases in «guillemets»."""
        first_hedge = [next((t for t in row if is_hedging(t)), None) for row in candidate]
        started = [
            i
            for i, (base, hedged) in enumerate(zip(baseline, first_hedge, strict=True))
            if hedged is not None and not any(is_hedging(t) for t in base)
        ]
        if not started:
            return []
        lines = [f"started hedging - {len(started)} inputs whose answers now hedge (phrases in «»):"]
        lines += [f"  {ids[i]}: {highlight(str(first_hedge[i]))}" for i in started[: shown or 5]]
        return lines

    def describe(self) -> dict[str, Any]:
        return {"marker": self.marker_name, "detector": DETECTOR, **self.described_bounds()}
