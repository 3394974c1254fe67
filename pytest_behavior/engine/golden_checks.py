"""Whether a golden file can be compared with a spec: the repeats it was recorded with, the judges and the refusal
detector it was labelled under (a different one is relabelled with a warning, never read as a model change), and
answers stored cut that a property needs whole."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

from pytest_behavior.errors import BehaviorDetectorChangeWarning, BehaviorJudgeDriftWarning, GoldenFileError
from pytest_behavior.golden.store import GoldenRecord
from pytest_behavior.properties.base import Property
from pytest_behavior.properties.hedging import DETECTOR as HEDGING_DETECTOR
from pytest_behavior.properties.hedging import HedgingBound
from pytest_behavior.properties.refusal import DETECTOR as REFUSAL_DETECTOR
from pytest_behavior.properties.refusal import RefusalBound
from pytest_behavior.spec.follow_up import FollowUps


class Spec(Protocol):
    """What these checks read of `engine.run.Spec` (a protocol: run imports this module)."""

    @property
    def nodeid(self) -> str: ...
    @property
    def repeats(self) -> int: ...
    @property
    def properties(self) -> Sequence[Property]: ...
    @property
    def location(self) -> tuple[str, int] | None: ...
    @property
    def follow_up(self) -> FollowUps | None: ...


def check_compatible(golden: GoldenRecord, spec: Spec, path: Path) -> None:
    repeats = golden.settings.get("repeats", 1)
    if repeats != spec.repeats:
        raise GoldenFileError(
            f"golden file {path} was recorded with repeats={repeats}, the spec asks for repeats={spec.repeats}; "
            f"re-record it with `pytest {spec.nodeid} --behavior-update`"
        )
    recorded_turns = golden.settings.get("follow_up")
    asked_turns = None if spec.follow_up is None else spec.follow_up.describe()
    if recorded_turns != asked_turns:
        raise GoldenFileError(
            f"golden file {path} was recorded with follow_up={recorded_turns!r}, the spec asks "
            f"follow_up={asked_turns!r} (another conversation); re-record it with "
            f"`pytest {spec.nodeid} --behavior-update`"
        )
    if spec.follow_up is not None:
        _check_turns(golden, len(spec.follow_up.turns), path)
    for marker, ours_judge in judge_detectors(spec).items():
        recorded = golden.detectors.get(marker)
        if recorded is not None and recorded != ours_judge:
            warn_at_test(
                spec,
                BehaviorJudgeDriftWarning(
                    f"{spec.nodeid}: golden file {path} was recorded under the {marker} judge {recorded!r}, this run "
                    f"judges with {ours_judge!r}; both arms are judged again by this run's judge, but its scores may "
                    f"not read like the recorded ones (judge drift): re-record with "
                    f"`pytest {spec.nodeid} --behavior-update`"
                ),
            )
    for kind, ours in offline_detectors(spec).items():
        detector = golden.detectors.get(kind)
        if detector is not None and detector != ours:  # the stored outputs are labelled again: never a model change
            message = f"{spec.nodeid}: golden file {path} was labelled with {kind} detector {detector!r}, this test"
            warning = BehaviorDetectorChangeWarning(f"{message} uses {ours!r}: {_RELABELLED.format(ours, spec)}")
            warn_at_test(spec, warning)


def _check_turns(golden: GoldenRecord, follow_ups: int, path: Path) -> None:
    """Every stored conversation holds one earlier answer per follow-up: a hand-edited or truncated one would
    change the baseline's turns silently."""
    for input_id, sample in golden.samples.items():
        for repeat, payload in enumerate(sample.outputs):
            earlier = payload.get("earlier") or []
            if len(earlier) != follow_ups:
                raise GoldenFileError(
                    f"golden file {path}: input {input_id!r} repeat {repeat} holds {len(earlier)} earlier answer(s) "
                    f"for {follow_ups} follow-up turn(s) ('earlier'); re-record it with --behavior-update"
                )


def warn_at_test(spec: Spec, warning: Warning) -> None:
    """Issue ``warning`` at the test's own line when it is known, so the warnings summary (and ``-W error``) point
    at the test, not at this module."""
    if spec.location is None:
        warnings.warn(warning, stacklevel=3)
    else:
        warnings.warn_explicit(warning, type(warning), *spec.location)


_RELABELLED = (
    "the baseline's stored outputs were labelled again by {0!r}; re-record: `pytest {1.nodeid} --behavior-update`"
)


def judge_detectors(spec: Spec) -> dict[str, str]:
    """The LLM judge (model, template version and hash: its ``judge_id``) of each property judged by prompts
    (preference, rubric), by marker name."""
    return {
        p.marker_name: str(getattr(p, "judge_id", ""))
        for p in spec.properties
        if type(p).prompt_request is not Property.prompt_request and isinstance(getattr(p, "judge_id", None), str)
    }


def offline_detectors(spec: Spec) -> dict[str, str]:
    """The detectors (name and version) that label this spec's outputs, by kind: refusal always (the card reads it),
    hedging when a hedging_bound asks for it. Golden files record them."""
    out = {"refusal": refusal_detector(spec)}
    if any(isinstance(prop, HedgingBound) for prop in spec.properties):
        out["hedging"] = HEDGING_DETECTOR
    return out


def refusal_detector(spec: Spec) -> str:
    """The refusal detector (name and version) this spec judges with: its refusal_bound's, else the default."""
    return next((prop.detector_id for prop in spec.properties if isinstance(prop, RefusalBound)), REFUSAL_DETECTOR)


def check_whole_baseline(spec: Spec, outputs: Mapping[str, Sequence[str]], path: Path) -> None:
    """A property that reads what answers say cannot compare with a golden answer stored cut: its cut text would
    read as a changed answer (a spurious flip, a judge comparing a fragment)."""
    readers = [p.marker_name for p in spec.properties if p.reads_whole_text]
    if not readers:
        return
    for input_id, texts in outputs.items():
        cut = next((c for c in (getattr(t, "truncated", None) for t in texts) if c is not None), None)
        if cut is not None:
            raise GoldenFileError(
                f"{path}: the baseline answer to input {input_id!r} is stored cut to {cut.kept_head + cut.kept_tail} "
                f"of {cut.chars} characters (--behavior-max-stored-chars), and @pytest.mark.{readers[0]} reads "
                "whole answers: re-record it with a larger --behavior-max-stored-chars (0 keeps every answer whole)"
            )
