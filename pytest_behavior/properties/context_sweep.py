"""Long-context robustness: ``@pytest.mark.context_sweep(levels=[0.1, 0.25, 0.5, 0.8, 0.95], max_drop=0.05)``.

Each input is asked at every level: its prompt padded with distractor filler (`pytest_behavior.context.filler`)
to that share of the bundle's context window (`pytest_behavior.context.window`), and each answer judged right or
wrong against the input's reference answer with the ``correctness`` matchers (``expected=``, ``match=``, ...).

The verdict is on the candidate's own curve: at each level above the shortest, the drop in correct answers from
the shortest level, paired per input (the same input at both levels: mid-p McNemar with one answer per input, a
paired test on the per-input rates with repeats), must stay within ``max_drop``. The levels are one Holm family
(with any segments), so five levels do not give five chances of a false alarm. REGRESSED when the drop is shown
to exceed ``max_drop`` at some level.

With a baseline (golden file or live), the baseline's own curve is drawn beside the candidate's in the reports;
it is not a bound: a candidate that is right less often at every length is what ``correctness(max_decrease=)``
catches, and this marker is about the fall with length.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from pytest_behavior.errors import MarkerError
from pytest_behavior.properties.base import Metric, Observation, Property, Texts, bounds_from, register
from pytest_behavior.properties.correctness import Correctness, _matcher

DEFAULT_LEVELS = (0.1, 0.25, 0.5, 0.8, 0.95)
LEVEL_FIELD = "context_level"
"""The input field the engine adds to each input's copy at a level (recorded in golden files)."""
LEVEL_SUFFIX = "~ctx"


def level_id(input_id: str, level: float) -> str:
    """The id of an input's copy at ``level``: ``<id>~ctx0.5``."""
    return f"{input_id}{LEVEL_SUFFIX}{level:g}"


def base_id(level_input_id: str) -> str:
    return level_input_id.rsplit(LEVEL_SUFFIX, 1)[0]


@dataclass(frozen=True)
class LevelPoint:
    """One point of a measured curve: the share of the window, the prompt tokens sent (mean over the inputs; None:
    not known), the rate of right answers with how many answers it is over, and the level's share of the window in
    tokens (``target``: what the card shows; the filler stops a few tokens short of it)."""

    level: float
    tokens: int | None
    right: int
    answers: int
    target: int | None = None

    @property
    def accuracy(self) -> float:
        return self.right / self.answers if self.answers else math.nan


@register
@dataclass(frozen=True)
class ContextSweep(Property):
    marker_name: ClassVar[str] = "context_sweep"
    sequential_capable: ClassVar[bool] = False
    reads_whole_text: ClassVar[bool] = True
    explains_flips: ClassVar[bool] = True

    levels: tuple[float, ...]
    correctness: Correctness
    max_drop: float = 0.05
    filler: Any = field(default=None, hash=False)
    """As the marker gave it: None (the default corpus), a path, or the text."""
    recorded: tuple[tuple[str, Any], ...] = field(default=(), compare=False)
    """Set by the engine: the filler's description and each bundle's window, recorded with the settings."""
    curve: tuple[LevelPoint, ...] = field(default=(), compare=False)
    """Set by the engine: the candidate's measured curve (for the diff)."""
    baseline_curve: tuple[LevelPoint, ...] = field(default=(), compare=False)
    """Set by the engine when there is a baseline: its own curve, shown beside the candidate's (not bounded)."""
    labels: tuple[str, str] = field(default=("", ""), compare=False)
    """Set by the engine: the candidate's and the baseline's names in the curves' titles."""

    @classmethod
    def from_marker(
        cls,
        levels: Any = DEFAULT_LEVELS,
        *,
        filler: Any = None,
        max_drop: Any = 0.05,
        expected: Any = "expected",
        match: Any = "exact",
        tolerance: Any = None,
        rel_tolerance: Any = None,
        choices: Any = None,
    ) -> ContextSweep:
        name = cls.marker_name
        if isinstance(match, str) and match.startswith("llm"):
            raise MarkerError(
                f"@pytest.mark.{name} judges answers with the offline matchers; match={match!r} is not one"
            )
        if not isinstance(expected, str) or not expected:
            raise MarkerError(
                f"@pytest.mark.{name}: expected must name the input field holding the reference answer, "
                f"got {expected!r}"
            )
        if choices is not None and (not isinstance(choices, str) or not choices):
            raise MarkerError(f"@pytest.mark.{name}: choices must name the input field holding the options")
        matcher = _matcher(
            match, tolerance=tolerance, rel_tolerance=rel_tolerance, name=f"@pytest.mark.{name}", llm=False
        )
        judged = Correctness(matcher=matcher, expected=expected, choices=choices or "choices")
        return cls(levels=_levels(levels), correctness=judged, max_drop=_max_drop(max_drop), filler=_filler(filler))

    def metrics(self) -> tuple[Metric, ...]:
        """None for the spec's ordinary observation: the engine builds one paired observation per level."""
        return ()

    def observe(self, baseline: Texts | None, candidate: Texts) -> list[Observation]:
        return []

    def level_metric(self, level: float) -> Metric:
        """The drop from the shortest level to ``level``: one member of the test's Holm family."""
        return Metric(
            key=f"context_sweep.{level:g}",
            title=f"correct at {percent(level)} of the window vs {percent(self.levels[0])}",
            kind="binary",
            bounds=bounds_from(max_decrease=self.max_drop),
        )

    def judged(self, outputs: Sequence[Sequence[Any]]) -> list[list[float]]:
        """1 or 0 per output (each carrying its input), by the correctness matcher."""
        return [[1.0 if self.correctness.is_right(o) else 0.0 for o in row] for row in outputs]

    def input_fields(self) -> tuple[str, ...]:
        return self.correctness.input_fields()

    def explain(self, baseline: Texts, candidate: Texts, ids: Sequence[str], *, shown: int | None = None) -> list[str]:
        """The measured curve, then the inputs right at the shortest level and wrong at the longest (``baseline`` =
        the shortest level's answers, ``candidate`` = the longest's, here)."""
        lines = []
        named, against = self.labels
        titles = (f" of the candidate {named}" if named else "", f" of the baseline {against}".rstrip())
        titles = (titles[0], titles[1] + " (shown, not bounded)")
        for title, curve in zip(titles, (self.curve, self.baseline_curve), strict=True):
            if curve:
                lines += [f"correct answers by share of the context window{title}:", *_curve_lines(curve)]
        table = self.correctness.explain(baseline, candidate, ids, shown=shown)
        if table:
            shortest, longest = percent(self.levels[0]), percent(self.levels[-1])
            head, grid = table[0], table[1]
            lines.append(head.replace("right -> wrong", f"right at {shortest} of the window -> wrong at {longest}", 1))
            first, _, rest = grid.partition("\n| input")
            header, _, body = rest.partition("\n")
            header = header.replace("baseline", f"at {shortest}".ljust(8)).replace(
                "candidate", f"at {longest}".ljust(9)
            )
            lines.append(f"{first}\n| input{header}\n{body}" if rest else grid)
        return lines

    def describe(self) -> dict[str, Any]:
        described = {k: v for k, v in self.correctness.describe().items() if k != "marker"}
        filler = self.filler if self.filler is None or _short(str(self.filler)) else "text"
        return {
            "marker": self.marker_name,
            "levels": list(self.levels),
            "max_drop": self.max_drop,
            **({} if filler is None else {"filler": str(filler)}),
            **described,
            **dict(self.recorded),
        }


def _curve_lines(curve: Sequence[LevelPoint]) -> list[str]:
    lines = []
    for point in curve:
        target = "" if point.target is None else f" = {point.target:,} tokens"
        tokens = "" if point.tokens is None else f" (prompts sent: ~{point.tokens:,} tokens)"
        change = "" if point is curve[0] else f" ({(point.accuracy - curve[0].accuracy) * 100:+.1f} points)"
        lines.append(
            f"  {percent(point.level):>4}{target}{tokens}: "
            f"{point.right}/{point.answers} right = {point.accuracy:.1%}{change}"
        )
    return lines


RECORDED_KEYS = ("filler_corpus", "windows")
"""Keys `ContextSweep.describe` records that are not marker arguments (a golden diff leaves them out)."""


def percent(level: float) -> str:
    return f"{level * 100:.4g}%"


def _short(text: str) -> bool:
    return "\n" not in text and len(text) <= 200


def percent_hint(value: float) -> str:
    """For a value above 1: " (did you mean 0.5?)" when it reads as a whole percent (2 to 100), else how to write
    a share."""
    if value == int(value) and 2 <= value <= 100:
        return f" (did you mean {value / 100:g}?)"
    return ", written 0.5 for 50%"


def _levels(value: Any) -> tuple[float, ...]:
    name = ContextSweep.marker_name
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise MarkerError(f"@pytest.mark.{name}: levels must be a list of shares of the context window, got {value!r}")
    levels = []
    for level in value:
        if isinstance(level, bool) or not isinstance(level, (int, float)) or not math.isfinite(level):
            raise MarkerError(f"@pytest.mark.{name}: a level must be a number in (0, 1], got {level!r}")
        if not 0 < level <= 1:
            hint = percent_hint(level) if level > 1 else ""
            raise MarkerError(
                f"@pytest.mark.{name}: level {level!r} is outside (0, 1]: levels are shares of the window{hint}"
            )
        levels.append(float(level))
    if len(levels) < 2:
        raise MarkerError(f"@pytest.mark.{name}: levels needs at least two shares (the shortest is the reference)")
    if levels != sorted(set(levels)):
        raise MarkerError(f"@pytest.mark.{name}: levels must be sorted and distinct, got {list(value)!r}")
    for lower, upper in itertools.pairwise(levels):
        if percent(lower) == percent(upper) or level_id("", lower) == level_id("", upper):
            raise MarkerError(
                f"@pytest.mark.{name}: levels {lower!r} and {upper!r} both read {percent(lower)} of the window "
                "(in ids, reports and golden files): levels must differ within 4 significant digits of a percent"
            )
    return tuple(levels)


def _max_drop(value: Any) -> float:
    name = ContextSweep.marker_name
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise MarkerError(f"@pytest.mark.{name}: max_drop must be a number in [0, 1), got {value!r}")
    if not 0 <= value < 1:
        hint = percent_hint(value) if value > 1 else ""
        raise MarkerError(
            f"@pytest.mark.{name}: max_drop={value!r} is outside [0, 1): it is a share of the answers{hint}"
        )
    return float(value)


def _filler(value: Any) -> Any:
    if value is None or isinstance(value, Path):
        return value
    if not isinstance(value, str) or not value.strip():
        raise MarkerError(
            f"@pytest.mark.{ContextSweep.marker_name}: filler must be None (the default corpus), a path to a text "
            f"file or the text itself, got {value!r}"
        )
    return value
