"""The behavior card's quality rows: correctness and LLM-judged quality, from what golden files record.

**Correctness** is computed offline, as ``diff`` computes it: the file's ``correctness`` property is rebuilt from its
description, and each recorded output is judged against the reference answer its recorded input holds (with the same
matcher). A property that cannot be rebuilt (a ``match=`` function is code) or an input without a usable reference
is left out with a note, never counted as wrong.

**Judged quality** (``rubric``, ``correctness(match="llm:...")``): a golden file recorded with ``--behavior-update``
keeps, per judged property, the judge's scores of its recorded outputs (``judged``, `engine.judged_record`); the card
sums them over a bundle's files per judge: the rubric mean with the count of each score, the rate of outputs the
judge found right. Files recorded before the scores were kept have none: "not recorded". ``preference`` has no score
per bundle (a win rate exists only against a baseline): the card says where it is (a ``--behavior-baseline`` run's
verdict report). No model is called. `quality_rows` renders them as rows of the card's figures table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from itertools import zip_longest
from typing import Any

from pytest_behavior.golden.store import GoldenRecord
from pytest_behavior.report.show import DASH

JUDGED_MARKERS = ("preference", "rubric")
RELATIVE = "relative to a baseline: see a --behavior-baseline run's verdict report"


@dataclass(frozen=True)
class JudgedFigure:
    """A judged marker of a bundle's tests under one judge (and rubric scale): the bounds its tests declare (each
    distinct one once) and the judge's scores summed over the ``recorded`` of its ``tests`` whose golden files keep
    them. ``unparsed`` is the rubric's unparsed answers, or the LLM correctness' outputs left undecided (counted not
    right)."""

    marker: str
    judge: str
    bounds: tuple[str, ...] = ()
    scale: int | None = None
    tests: int = 1
    recorded: int = 0
    outputs: int = 0
    counts: tuple[int, ...] = ()
    right: int = 0
    unparsed: int = 0

    @property
    def key(self) -> tuple[str, str, int | None]:
        return self.marker, self.judge, self.scale

    def __add__(self, other: JudgedFigure) -> JudgedFigure:
        return replace(
            self,
            bounds=tuple(dict.fromkeys(self.bounds + other.bounds)),
            tests=self.tests + other.tests,
            recorded=self.recorded + other.recorded,
            outputs=self.outputs + other.outputs,
            counts=tuple(a + b for a, b in zip_longest(self.counts, other.counts, fillvalue=0)),
            right=self.right + other.right,
            unparsed=self.unparsed + other.unparsed,
        )

    @property
    def relative(self) -> bool:
        """A preference: its win rate exists only against a baseline."""
        return self.marker == "preference"

    @property
    def value(self) -> float | None:
        """The rubric's mean score (over parsed scores) or the rate of right outputs; None when none recorded."""
        if self.marker == "rubric":
            scored = sum(self.counts)
            return sum((k + 1) * n for k, n in enumerate(self.counts)) / scored if scored else None
        if self.relative or not self.outputs:
            return None
        return self.right / self.outputs

    def to_json(self) -> dict[str, Any]:
        scores: dict[str, Any] | None = None
        if self.recorded and self.marker == "rubric":
            scores = {
                "mean": self.value,
                "n": self.outputs,
                "scale": self.scale,
                "counts": list(self.counts),
                "unparsed": self.unparsed,
            }
        elif self.recorded:
            scores = {"rate": self.value, "right": self.right, "n": self.outputs, "undecided": self.unparsed}
        return {
            "marker": self.marker,
            "judge": self.judge,
            "bounds": ", ".join(self.bounds),
            "scores": scores,
            "tests": self.tests,
            "tests_recorded": self.recorded,
            **({"relative": RELATIVE} if self.relative else {}),
        }


@dataclass(frozen=True)
class Quality:
    """Right answers of the outputs judged against a reference, the tests that had a correctness property, and the
    judged markers with the judge's recorded scores."""

    right: int = 0
    judged: int = 0
    tests: int = 0
    notes: tuple[str, ...] = ()
    judges: tuple[JudgedFigure, ...] = ()

    def __add__(self, other: Quality) -> Quality:
        merged: dict[tuple[str, str, int | None], JudgedFigure] = {}
        for figure in self.judges + other.judges:
            merged[figure.key] = merged[figure.key] + figure if figure.key in merged else figure
        return Quality(
            self.right + other.right,
            self.judged + other.judged,
            self.tests + other.tests,
            self.notes + other.notes,
            tuple(merged.values()),
        )

    @property
    def rate(self) -> float | None:
        return self.right / self.judged if self.judged else None

    def to_json(self) -> dict[str, Any]:
        return {
            "correctness_rate": {"value": self.rate, "n": self.judged, "tests": self.tests},
            "judged_quality": [figure.to_json() for figure in self.judges],
            "quality_notes": list(self.notes),
        }


def quality(record: GoldenRecord) -> Quality:
    """The correctness counts and the judged markers (with their recorded scores) of one golden file."""
    described = [p for p in record.properties if isinstance(p, Mapping)]
    judges = tuple(_judged(record, p) for p in described if p.get("marker") in JUDGED_MARKERS or _llm_correctness(p))
    found = next((p for p in described if p.get("marker") == "correctness" and not _llm_correctness(p)), None)
    if found is None:
        return Quality() + Quality(judges=judges)
    return _correctness(record, found) + Quality(judges=judges)


def _judged(record: GoldenRecord, described: Mapping[str, Any]) -> JudgedFigure:
    """A judged property of one file, with the judge's scores its ``judged`` summary recorded (if any)."""
    marker = str(described["marker"])
    scale = described.get("scale") if marker == "rubric" and isinstance(described.get("scale"), int) else None
    judge = str(record.detectors.get(marker) or described.get("judge") or "?")
    figure = JudgedFigure(marker, judge, _bounds(described), scale)
    summary = record.judged.get(marker)
    if summary is None or figure.relative:
        return figure
    if marker == "rubric":
        counts = tuple(int(n) for n in summary.get("counts") or ())
        return replace(
            figure,
            recorded=1,
            scale=int(summary.get("scale") or scale or len(counts)),
            outputs=int(summary.get("n", sum(counts))),
            counts=counts,
            unparsed=int(summary.get("unparsed", 0)),
        )
    return replace(
        figure,
        recorded=1,
        outputs=int(summary.get("judged", 0)),
        right=int(summary.get("right", 0)),
        unparsed=int(summary.get("undecided", 0)),
    )


def _llm_correctness(described: Mapping[str, Any]) -> bool:
    """correctness(match='llm:<model>'): an LLM judge decides, so the card (which calls no model) reads the judge's
    recorded scores like the judged markers' instead of judging the recorded outputs."""
    return described.get("marker") == "correctness" and described.get("match") == "llm"


def _bounds(described: Mapping[str, Any]) -> tuple[str, ...]:
    forms = ("min_win_rate", "max_decrease", "min_mean", "min_rate")
    return tuple(f"{form}={described[form]:g}" for form in forms if isinstance(described.get(form), (int, float)))


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


# ---- Markdown rows ---------------------------------------------------------------------------------------------------

NOT_RECORDED = f"{DASH} (not recorded)"


def based_on(n: int, total: int, what: str = "samples") -> str:
    return f"{n:,} {what}" if n == total else f"{n:,} of {total:,} {what}"


WHAT_JUDGED = {"preference": "win rate against the baseline", "correctness": "correct answers (LLM judge)"}


def quality_rows(q: Quality, total: int) -> list[list[str]]:
    """Correctness against the recorded reference answers; the judged markers, with the judge's recorded scores."""
    tests = f"{q.tests} test{'s' if q.tests != 1 else ''} with correctness"
    rows = []  # a bundle none of whose tests has correctness gets no row for it (the card lists what was measured)
    if q.tests:
        rate = NOT_RECORDED if q.rate is None else f"{100 * q.rate:.1f}%"
        rows.append(["correct answers (reference answers)", rate, f"{based_on(q.judged, total)} ({tests})"])
    for figure in q.judges:
        what = WHAT_JUDGED.get(figure.marker, "rubric mean")
        bounds = ", ".join(figure.bounds)
        rows.append(
            [
                f"{what} ({figure.marker}, {bounds})" if bounds else f"{what} ({figure.marker})",
                _judged_value(figure),
                _judged_basis(figure, total),
            ]
        )
    return rows


def _judged_value(figure: JudgedFigure) -> str:
    if figure.relative:
        return DASH
    if figure.value is None:
        return NOT_RECORDED
    if figure.marker == "rubric":
        return f"{figure.value:.2f} of {figure.scale}"
    return f"{100 * figure.value:.1f}%"


def _judged_basis(figure: JudgedFigure, total: int) -> str:
    judge = f"judge {figure.judge}"
    if figure.relative:
        return f"{RELATIVE}; {judge}"
    if not figure.recorded:
        return f"{judge}; scores not recorded (golden files recorded before judge scores were kept: re-record)"
    if figure.marker == "rubric":
        unparsed = f", {figure.unparsed} unparsed" if figure.unparsed else ""
        basis = f"{based_on(figure.outputs, total, 'outputs scored')}{unparsed}"
    else:
        undecided = f", {figure.unparsed} undecided (not right)" if figure.unparsed else ""
        basis = f"{based_on(figure.outputs, total, 'outputs judged')}{undecided}"
    missing = figure.tests - figure.recorded
    unrecorded = f"; {missing} of {figure.tests} tests recorded no scores" if missing else ""
    return f"{basis}; {judge}{unrecorded}"
