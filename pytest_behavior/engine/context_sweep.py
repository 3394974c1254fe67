"""Running a ``context_sweep`` spec: each input at every level, padded with filler; the drop judged per level.

Like an ``invariance`` spec (`engine.counterfactual`), the sampling, cache, budget, golden files and live baselines
are those of any spec (`run_spec`), here on one copy of each input per level (id ``<id>~ctx<level>``, the level in
its field ``context_level``): the golden file records those copies, not the filler, which is drawn again from the
recorded seed (`pytest_behavior.context.filler`). The padding is applied to each model's rendered prompt just
before it is keyed and sent (`Spec.pad`), to the level's share of *that* bundle's window, so a baseline and a
candidate with different windows are each measured against their own.

The verdicts: for each level above the shortest, the shortest level's answers stand for the baseline arm and the
level's for the candidate, paired by input (`ContextSweep.level_metric`); all levels are judged together, one Holm
family. The reports' two arms are the shortest and the longest level.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pytest_behavior.bundle import Bundle
from pytest_behavior.config.settings import RunSettings
from pytest_behavior.engine.comparison import ArmInfo, Comparison
from pytest_behavior.engine.judge import judge
from pytest_behavior.engine.run import Spec, run_spec
from pytest_behavior.errors import BehaviorConfigError
from pytest_behavior.properties.base import Observation, as_matrix
from pytest_behavior.properties.context_sweep import (
    LEVEL_FIELD,
    ContextSweep,
    LevelPoint,
    base_id,
    level_id,
    percent,
)
from pytest_behavior.sampling.calls import SamplingMonitor
from pytest_behavior.spec.inputs import Input, check_fields, resolve_inputs

Notice = Callable[[str], None]


async def run_context_sweep(
    spec: Spec, settings: RunSettings, prop: ContextSweep, *, notice: Notice | None = None, **run: Any
) -> Comparison:
    """``run``: the keyword arguments of `run_spec` (candidate, baseline, cache, gate, monitor); ``notice`` shows a
    line to the user before sampling starts (the cost estimate of a priced live run)."""
    from pytest_behavior.context.filler import load_filler
    from pytest_behavior.sampling.windows import context_window

    if spec.inputs is None:
        raise BehaviorConfigError("a context_sweep spec needs inputs to pad (a list or a dataset path)")
    if spec.follow_up is not None:
        raise BehaviorConfigError("a context_sweep spec asks one question per level; it takes no follow_up turns")
    n = settings.n if settings.n is not None else spec.n
    chosen = resolve_inputs(spec.inputs, n=n, seed=settings.seed)
    needed_by = f"@pytest.mark.{prop.marker_name}"
    check_fields(chosen, prop.input_fields(), needed_by=needed_by)  # before any call
    clash = next((i.id for i in chosen if isinstance(i.value, Mapping) and LEVEL_FIELD in i.value), None)
    if clash is not None:
        raise BehaviorConfigError(f"{needed_by} adds the field {LEVEL_FIELD!r} to each input; input {clash!r} has one")
    bundles = [b for b in (run.get("candidate"), run.get("baseline")) if isinstance(b, Bundle)]
    for bundle in bundles:
        if bundle.kind != "model":
            raise BehaviorConfigError(
                f"{needed_by} pads the prompt a model receives: bundle {bundle.label!r} is a {bundle.kind} bundle "
                "(use a model bundle; a golden baseline recorded from one is read as usual)"
            )
    windows = {b.fingerprint: context_window(b) for b in bundles}  # an unknown window names its bundle
    near = Path(spec.location[0]).parent if spec.location else None
    filler = load_filler(prop.filler, near=near)
    sent = Sent()
    drawn = replace(
        prop,
        recorded=(
            ("filler_corpus", filler.describe()),
            ("windows", {b.label: windows[b.fingerprint] for b in bundles}),
        ),
    )
    copies = [_at_level(item, level) for item in chosen for level in prop.levels]
    expanded = replace(
        spec, inputs=copies, n=None, properties=(drawn,), pad=_padder(filler, windows, settings.seed, sent)
    )
    if notice is not None and run.get("monitor") is not None:
        run["monitor"] = CostNotice(run["monitor"], notice, what=spec.nodeid)
    result = await run_spec(expanded, replace(settings, n=None), **run)
    return _judged(result, drawn, chosen, settings, sent, windows)


def _at_level(item: Input, level: float) -> dict[str, Any]:
    value = dict(item.value) if isinstance(item.value, Mapping) else {"input": item.value}
    value["id"] = level_id(item.id, level)
    value[LEVEL_FIELD] = level
    if item.segment is not None:
        value["segment"] = item.segment
    return value


@dataclass
class Sent:
    """What the padding sent: the prompt tokens by (bundle fingerprint, input copy id), and the levels at which some
    prompt was already too long for any filler."""

    tokens: dict[tuple[str | None, str], int] = field(default_factory=dict)
    unpadded: set[float] = field(default_factory=set)


def _padder(
    filler: Any, windows: Mapping[str, int], seed: int, sent: Sent
) -> Callable[[Bundle, Input, list[Any]], list[Any]]:
    """The `Spec.pad` of a sweep: an input's copy at a level gets filler up to that share of the bundle's window
    (``sent`` collects what was sent)."""
    from pytest_behavior.context.filler import block_overhead, filler_text, with_background
    from pytest_behavior.context.tokens import count_messages

    def pad(bundle: Bundle, item: Input, messages: list[Any]) -> list[Any]:
        level = item.value.get(LEVEL_FIELD) if isinstance(item.value, Mapping) else None
        window = windows.get(bundle.fingerprint)
        if not isinstance(level, (int, float)) or window is None:
            return messages
        bare = count_messages(messages)
        room = math.floor(level * window) - bare - block_overhead()
        text = filler_text(filler, room, key=f"{seed}:{base_id(item.id)}") if room > 0 else ""
        padded = with_background(messages, text)
        sent.tokens[(bundle.fingerprint, item.id)] = count_messages(padded) if text else bare
        if not text:
            sent.unpadded.add(float(level))
        return padded

    return pad


def _judged(
    result: Comparison,
    prop: ContextSweep,
    chosen: Sequence[Input],
    settings: RunSettings,
    sent: Sent,
    windows: Mapping[str, int],
) -> Comparison:
    levels = prop.levels
    outputs = result.candidate_outputs
    complete = [i for i in chosen if all(level_id(i.id, level) in outputs for level in levels)]
    if not complete:
        return result  # nothing sampled (a budget): run_spec has said why
    matrices = {level: as_matrix(prop.judged([outputs[level_id(i.id, level)] for i in complete])) for level in levels}
    shortest, longest = levels[0], levels[-1]
    observations = [
        (prop.marker_name, Observation(prop.level_metric(level), matrices[shortest], matrices[level]))
        for level in levels[1:]
    ]
    _check_shortest(prop, matrices[shortest], [outputs[level_id(i.id, shortest)] for i in complete])
    verdicts = _vacuous(
        judge(observations, alpha=settings.alpha, segments=[i.segment for i in complete]), prop, matrices[shortest]
    )
    fingerprint = result.candidate.fingerprint
    window = windows.get(fingerprint) if fingerprint is not None else None
    curve = tuple(
        _point(level, matrices[level], _tokens(sent.tokens, fingerprint, complete, level), window) for level in levels
    )
    label = result.candidate.label
    base_print = result.baseline.fingerprint if result.baseline is not None else None
    baseline_window = windows.get(base_print) if base_print is not None else None
    drawn = replace(
        prop,
        curve=curve,
        baseline_curve=_baseline_curve(result, prop, complete, baseline_window),
        labels=(repr(label), _baseline_name(result)),
    )
    notes = list(result.notes)
    if len(complete) < len(chosen):
        notes.append(
            f"{len(chosen) - len(complete)} of {len(chosen)} input(s) lack an answer at some level: not judged"
        )
    if sent.unpadded:
        shares = ", ".join(f"{level:.0%}" for level in sorted(sent.unpadded))
        notes.append(f"some prompts are longer than {shares} of the window without filler: sent as they are")
    return replace(
        result,
        verdicts=tuple(verdicts),
        observations=tuple(observations),
        properties=(drawn,),
        paired_ids=tuple(i.id for i in complete),
        baseline_only=(),
        candidate_only=(),
        # no fingerprint: both "arms" are one bundle, which is not provider drift
        # the candidate arm holds every level's samples (and their cost); each longer level is judged against the
        # shortest, which stands as the baseline
        baseline=ArmInfo(f"{label} at {percent(shortest)} of its window", None, result.candidate.source),
        candidate=replace(
            result.candidate,
            label=f"{label} at {percent(shortest)} to {percent(longest)} of its window ({len(levels)} levels)",
        ),
        baseline_outputs={i.id: outputs[level_id(i.id, shortest)] for i in complete},
        candidate_outputs={i.id: outputs[level_id(i.id, longest)] for i in complete},
        notes=tuple(notes),
    )


def _point(level: float, matrix: Any, tokens: int | None, window: int | None) -> LevelPoint:
    target = None if window is None else round(level * window)
    return LevelPoint(level=level, tokens=tokens, right=int(matrix.sum()), answers=int(matrix.size), target=target)


def _check_shortest(prop: ContextSweep, matrix: Any, answers: Sequence[Sequence[Any]]) -> None:
    """No answer right at the shortest level: the matcher is likely wrong for these answers (``match='exact'`` on a
    sentence), and no drop can be measured. An error, not a PASS."""
    if matrix.size and matrix.sum() == 0:
        example = next((row[0] for row in answers if row), None)
        shown = ""
        if example is not None:
            references, _ = prop.correctness.references(example)
            text = " ".join(str(example).split())
            text = text if len(text) <= 80 else text[:77] + "..."
            shown = f", e.g. {text!r} for the reference {references[0]!r}" if references else f", e.g. {text!r}"
        match = prop.correctness.describe()["match"]
        raise BehaviorConfigError(
            f"@pytest.mark.{prop.marker_name}: the matcher finds no answer right at the shortest level "
            f"({percent(prop.levels[0])} of the window{shown}), so no drop can be measured: check match= (here "
            f"{match!r}: 'exact' needs the whole answer to equal the reference; a sentence needs 'contains' or "
            f"'regex') and expected= (the field {prop.correctness.expected!r})"
        )


def _vacuous(verdicts: Sequence[Any], prop: ContextSweep, shortest: Any) -> list[Any]:
    """When the shortest level's rate of right answers is at most ``max_drop``, no drop beyond it can happen: the
    test cannot fail, so its PASS verdicts are INCONCLUSIVE, saying why."""
    from pytest_behavior.engine.judge import Verdict

    rate = float(shortest.mean()) if shortest.size else 0.0
    if rate > prop.max_drop:
        return list(verdicts)
    advice = (
        f"only {int(shortest.sum())}/{shortest.size} answers are right at the shortest level "
        f"({percent(prop.levels[0])} of the window), {rate:.1%} <= max_drop={prop.max_drop:g}: no larger drop can "
        "happen, so this bound cannot fail; check match= and expected="
    )
    return [
        replace(v, verdict=Verdict.INCONCLUSIVE, advice=advice) if v.verdict is Verdict.PASS else v for v in verdicts
    ]


def _baseline_name(result: Comparison) -> str:
    arm = result.baseline
    if arm is None:
        return ""
    if arm.source.startswith("golden"):
        return f"{arm.label!r}, golden file"
    return f"{arm.label!r}, {arm.source}" if arm.source else repr(arm.label)


def _tokens(
    sent: Mapping[tuple[str | None, str], int], fingerprint: str | None, inputs: Sequence[Input], level: float
) -> int | None:
    counts = [
        sent[(fingerprint, level_id(i.id, level))] for i in inputs if (fingerprint, level_id(i.id, level)) in sent
    ]
    return round(sum(counts) / len(counts)) if counts else None


def _baseline_curve(
    result: Comparison, prop: ContextSweep, inputs: Sequence[Input], window: int | None
) -> tuple[LevelPoint, ...]:
    """The baseline's own curve (golden or live), on the inputs it holds at every level; shown, not bounded."""
    base = result.baseline_outputs
    held = [i for i in inputs if base and all(level_id(i.id, level) in base for level in prop.levels)]
    if not base or not held:
        return ()
    return tuple(
        _point(level, as_matrix(prop.judged([base[level_id(i.id, level)] for i in held])), None, window)
        for level in prop.levels
    )


class CostNotice:
    """A sampling monitor that shows the estimated cost of the calls still to make, once, before the first one:
    only when a price is known (not for the simulated provider, records, or samples the cache holds)."""

    def __init__(self, inner: SamplingMonitor, notice: Notice, *, what: str) -> None:
        self._inner = inner
        self._notice = notice
        self._what = what
        self._shown = False

    def begin(self, *, total: int, cached: int, estimated_usd: float | None) -> None:
        if not self._shown and estimated_usd is not None and estimated_usd > 0 and total > cached:
            self._notice(
                f"context_sweep {self._what}: {total - cached} call(s) with long prompts to make, estimated "
                f"${estimated_usd:.4f} (litellm prices; cached answers are not counted)"
            )
        self._shown = True
        self._inner.begin(total=total, cached=cached, estimated_usd=estimated_usd)

    def call_started(self) -> None:
        self._inner.call_started()

    def call_retried(self) -> None:
        self._inner.call_retried()

    def call_finished(self, cost_usd: float | None) -> None:
        self._inner.call_finished(cost_usd)

    def call_failed(self) -> None:
        self._inner.call_failed()

    def end(self) -> None:
        self._inner.end()
