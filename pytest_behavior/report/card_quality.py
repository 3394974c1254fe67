"""The behavior card's quality rows: correctness and LLM-judged quality, from what golden files record.

**Correctness** is computed offline, as ``diff`` computes it: the file's ``correctness`` property is rebuilt from its
description, and each recorded output is judged against the reference answer its recorded input holds (with the same
matcher). A property that cannot be rebuilt (a ``match=`` function is code) or an input without a usable reference
is left out with a note, never counted as wrong.

**Judged quality** (``preference``, ``rubric``): a golden file records the judge (``detectors``: model, template
version and sha256) and the bounds, not the judge's scores, which exist only against a baseline (a win rate) or under
that judge: the card names the judges and the bounds, and says where the scores are (a ``--behavior-baseline`` run's
verdict file, its ``judged`` items). No model is called.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pytest_behavior.golden.store import GoldenRecord

JUDGED_MARKERS = ("preference", "rubric")


@dataclass(frozen=True)
class Quality:
    """Right answers of the outputs judged against a reference, the tests that had a correctness property, and the
    judged markers (marker, judge id, bound) the files declare."""

    right: int = 0
    judged: int = 0
    tests: int = 0
    notes: tuple[str, ...] = ()
    judges: tuple[tuple[str, str, str], ...] = ()

    def __add__(self, other: Quality) -> Quality:
        return Quality(
            self.right + other.right,
            self.judged + other.judged,
            self.tests + other.tests,
            self.notes + other.notes,
            tuple(dict.fromkeys(self.judges + other.judges)),
        )

    @property
    def rate(self) -> float | None:
        return self.right / self.judged if self.judged else None

    def to_json(self) -> dict[str, Any]:
        return {
            "correctness_rate": {"value": self.rate, "n": self.judged, "tests": self.tests},
            "judged_quality": [
                {"marker": marker, "judge": judge, "bounds": bounds, "scores": None}
                for marker, judge, bounds in self.judges
            ],
            "quality_notes": list(self.notes),
        }


def quality(record: GoldenRecord) -> Quality:
    """The correctness counts and the judged markers of one golden file."""
    described = [p for p in record.properties if isinstance(p, Mapping)]
    judges = tuple(
        (str(p["marker"]), str(record.detectors.get(str(p["marker"])) or p.get("judge") or "?"), _bounds(p))
        for p in described
        if p.get("marker") in JUDGED_MARKERS or _llm_correctness(p)
    )
    found = next((p for p in described if p.get("marker") == "correctness" and not _llm_correctness(p)), None)
    if found is None:
        return Quality(judges=judges)
    return _correctness(record, found) + Quality(judges=judges)


def _llm_correctness(described: Mapping[str, Any]) -> bool:
    """correctness(match='llm:<model>'): an LLM judge decides, so the card (which calls no model) names the judge
    like the judged markers' instead of judging the recorded outputs."""
    return described.get("marker") == "correctness" and described.get("match") == "llm"


def _bounds(described: Mapping[str, Any]) -> str:
    forms = ("min_win_rate", "max_decrease", "min_mean")
    return ", ".join(f"{form}={described[form]:g}" for form in forms if isinstance(described.get(form), (int, float)))


def _correctness(record: GoldenRecord, described: Mapping[str, Any]) -> Quality:
    from pytest_behavior.engine.golden_compare import rebuild_property
    from pytest_behavior.errors import BehaviorError
    from pytest_behavior.properties.correctness import Correctness
    from pytest_behavior.spec.output import with_input

    prop = rebuild_property(described)
    if not isinstance(prop, Correctness):
        note = prop if isinstance(prop, str) else f"{record.test}: correctness could not be rebuilt"
        return Quality(notes=(note,))
    right = judged = 0
    skipped = 0
    for input_id, sample in record.samples.items():
        for text in sample.texts:
            try:
                ok = prop.is_right(with_input(text, sample.input, input_id=input_id))
            except BehaviorError:
                skipped += 1
                continue
            right, judged = right + ok, judged + 1
    notes = () if not skipped else (f"{record.test}: {skipped} output(s) without a usable reference answer left out",)
    return Quality(right, judged, 1, notes)
