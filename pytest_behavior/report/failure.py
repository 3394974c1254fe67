"""The snapshot diff a reviewer reads when behavior changed.

In this order: the property table (baseline, candidate, change, interval named by its levels, verdict, N); the
structural schema diff; the inputs whose behavior flipped, both outputs side by side, truncated;
inputs present on one side only; and which bundles were compared.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from pytest_behavior.engine.comparison import DRIFT_NOTE, Comparison, pairing_lines
from pytest_behavior.engine.judge import BoundVerdict, Verdict, declared_bounds
from pytest_behavior.properties.base import Observation
from pytest_behavior.report import values
from pytest_behavior.sanitize import one_line, printable
from pytest_behavior.spec.conversation import is_conversation
from pytest_behavior.spec.inputs import input_text

MAX_FLIPPED_SHOWN = 3
CELL_CHARS = 160


def format_value(kind: str, value: float | None) -> str:
    return values.format_value(kind, value, missing="-")


def format_change(v: BoundVerdict, style: values.IntervalStyle | None = None) -> tuple[str, str]:
    """The estimate and its interval (a one-sided bound at each end), in the bound's own terms; the ends marked
    with their levels as the table's ``style`` says."""
    scale = values.scale_of(v.bound, v.kind)
    entry = v.to_dict()
    return values.format_estimate(scale, v.estimate), values.format_interval(
        scale,
        entry["lower"],
        entry["upper"],
        marks=("", "") if style is None else style.marks(entry),
        threshold=values.user_threshold(v.bound, v.threshold),
    )


def format_p(p: float) -> str:
    return values.format_p(p)


def verdict_table(verdicts: Sequence[BoundVerdict], *, tablefmt: str = "simple") -> str:
    from tabulate import tabulate

    style = values.interval_style(v.to_dict() for v in verdicts)
    rows = []
    for v in verdicts:
        change, interval = format_change(v, style)
        rows.append(
            [
                one_line(v.label),
                one_line(v.bound),
                format_value(v.kind, v.baseline),
                format_value(v.kind, v.candidate),
                change,
                interval,
                format_p(v.p_adjusted),
                v.verdict.value,
                v.n_inputs if v.repeats == 1 else f"{v.n_inputs}x{v.repeats}",
            ]
        )
    headers = ["property", "bound", "baseline", "candidate", "change", style.header, "p (adj.)", "verdict", "N"]
    table = str(tabulate(rows, headers=headers, tablefmt=tablefmt, disable_numparse=True))
    return f"{table}\n\n{style.note}" if style.note else table  # a blank line: a Markdown table ends there


def render_failure(result: Comparison, *, max_flipped: int = MAX_FLIPPED_SHOWN, cell_chars: int = CELL_CHARS) -> str:
    """The diff of a regressed test; the terminal shows the default truncation, the full diff file shows more."""
    regressed = result.regressed
    overall = [v for v in result.verdicts if v.segment is None]
    in_segments = sum(1 for v in regressed if v.segment is not None)
    segment_note = f" (and {in_segments} in segments)" if in_segments else ""
    declared = declared_bounds(overall)  # a categorical bound is one bound, however many category rows it has
    broken = sum(1 for rows in declared.values() if any(v.verdict is Verdict.REGRESSED for v in rows))
    if result.baseline_outputs is None:  # --behavior-update: the candidate alone, against its absolute bounds
        headline = (
            f"behavior regressed: {broken} of {len(declared)} absolute bounds broken{segment_note} by the "
            f"recorded candidate {result.candidate.label!r}, {len(result.paired_ids)} inputs"
        )
    else:
        headline = (
            f"behavior regressed: {broken} of {len(declared)} bounds broken{segment_note}, candidate "
            f"{result.candidate.label!r} vs {_baseline_name(result)}, {len(result.paired_ids)} paired inputs"
        )
    lines = [headline, "", verdict_table([v for v in result.verdicts if v.segment is None or v.confined])]
    if result.inconclusive:  # what would decide the rows left undecided beside the broken ones
        lines += _section(inconclusive_message(result).splitlines())
    lines += _section(recording_lines(result))
    lines += _section(_segment_lines(result))
    lines += _section(_sequential_lines(result))
    keys = {v.metric_key for v in regressed}
    for prop in result.properties:
        if result.baseline_outputs is not None and any(
            obs.metric.key in keys for name, obs in result.observations if name == prop.marker_name
        ):
            more = max_flipped if max_flipped > MAX_FLIPPED_SHOWN else None  # the full diff file quotes more
            lines += _section(prop.explain(*_paired_texts(result), list(result.paired_ids), shown=more))
    shown: list[tuple[int, ...]] = []
    explained = {p.marker_name for p in result.properties if p.explains_flips}  # their explain() showed the flips
    for name, obs in result.observations:
        verdicts = [v for v in regressed if v.metric_key == obs.metric.key]
        if verdicts and obs.baseline is not None and name in explained:
            continue
        if verdicts and obs.baseline is not None:
            lines += _section(_flipped(result, obs, verdicts, shown, max_flipped=max_flipped, cell_chars=cell_chars))
        elif verdicts:
            lines += _section(_offending(result, obs, verdicts, max_shown=max_flipped, cell_chars=cell_chars))
    lines += _section(pairing_lines(result))
    lines += _section(_bundles(result))
    return printable("\n".join(lines))  # data (outputs, ids, segments, labels) never reaches a terminal raw


def recording_lines(result: Comparison) -> list[str]:
    """What ``--behavior-update`` did with a recording that breaks an absolute bound, and what it did not judge."""
    if result.mode != "update":
        return []
    lines = []
    if result.golden_path is not None and result.regressed:
        done = "recorded" if result.golden_written else "unchanged"
        lines.append(
            f"golden file {done}: {_shown_path(result.golden_path)} (--behavior-update accepts this "
            "behavior as the baseline, but an absolute bound holds for every recording: fix the candidate, "
            "or change the bound in the marker if this level is intended)"
        )
    if result.unjudged:
        lines.append(
            f"not judged while recording (bounds on the change need a baseline; `pytest --behavior-baseline` "
            f"judges them against this golden file): {', '.join(result.unjudged)}"
        )
    return lines


def _shown_path(path: Path) -> str:
    """Relative to the working directory when under it (as pytest shows paths), else absolute."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _offending(
    result: Comparison, obs: Observation, verdicts: Sequence[BoundVerdict], *, max_shown: int, cell_chars: int
) -> list[str]:
    """Without a baseline: the candidate outputs that count against a broken absolute rate bound."""
    if obs.metric.kind != "binary":
        return []
    values = obs.candidate.mean(axis=1)
    if any(v.bound.startswith("min_rate") for v in verdicts):
        values = 1.0 - values
    order = [i for i in np.argsort(-values, kind="stable") if values[i] > 0]
    if not order:
        return []
    from tabulate import tabulate

    rows = []
    for index in order[:max_shown]:
        input_id = result.paired_ids[index]
        item = next(i for i in result.inputs if i.id == input_id)
        rows.append(
            [
                f"{truncate(input_id, 80)}\n{input_cell(item.value)}",
                truncate(result.candidate_outputs[input_id][0], cell_chars),
            ]
        )
    table = tabulate(
        rows, headers=["input", "candidate"], tablefmt="grid", maxcolwidths=[26, 88], disable_numparse=True
    )
    return [
        f"inputs counting against the bound - {obs.metric.title}: {len(order)} of {len(values)} (showing {len(rows)}):",
        str(table),
    ]


def _section(body: Sequence[str]) -> list[str]:
    return ["", *body] if body else []


def _baseline_name(result: Comparison) -> str:
    if result.baseline is None:
        return "no baseline"
    return f"baseline {result.baseline.label!r} ({result.baseline.source})"


def _paired_texts(result: Comparison) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    assert result.baseline_outputs is not None
    return (
        [result.baseline_outputs[i] for i in result.paired_ids],
        [result.candidate_outputs[i] for i in result.paired_ids],
    )


def _flipped(
    result: Comparison,
    obs: Observation,
    verdicts: Sequence[BoundVerdict],
    shown: list[tuple[int, ...]],
    *,
    max_flipped: int,
    cell_chars: int,
) -> list[str]:
    """Inputs whose per-input value moved in the regressed direction, most changed first.

    A table already shown for the same inputs (e.g. a renamed key makes outputs both invalid and
    key-changed) is referred to instead of repeated.
    """
    assert obs.baseline is not None and result.baseline_outputs is not None
    base, cand = obs.baseline.mean(axis=1), obs.candidate.mean(axis=1)
    downward = any(v.bound.startswith(("max_decrease", "min_ratio", "min_rate")) for v in verdicts)
    change = np.log(cand) - np.log(base) if obs.metric.kind == "continuous" else cand - base
    if downward:
        change = -change
    order = [i for i in np.argsort(-change, kind="stable") if change[i] > 0]
    if not order:
        return []
    if obs.metric.kind == "binary":
        worse, better = int((change > 0).sum()), int((change < 0).sum())
        heading = (
            f"flipped inputs - {obs.metric.title}: {worse} moved the wrong way, {better} the other way "
            f"(showing {min(max_flipped, len(order))}):"
        )
    else:
        heading = f"most changed inputs - {obs.metric.title} (showing {min(max_flipped, len(order))}):"
    first = tuple(order[:max_flipped])
    if first in shown:
        return [heading.replace(f"(showing {len(first)}):", "(the same inputs as above)")]
    shown.append(first)
    from tabulate import tabulate

    rows = []
    for index in first:
        input_id = result.paired_ids[index]
        item = next(i for i in result.inputs if i.id == input_id)
        rows.append(
            [
                f"{one_line(input_id)}\n{input_cell(item.value)}",
                _value_note(obs.metric.kind, base[index]) + truncate(result.baseline_outputs[input_id][0], cell_chars),
                _value_note(obs.metric.kind, cand[index]) + truncate(result.candidate_outputs[input_id][0], cell_chars),
            ]
        )
    table = tabulate(
        rows,
        headers=["input", "baseline", "candidate"],
        tablefmt="grid",
        maxcolwidths=[26, 44, 44],
        disable_numparse=True,
    )
    return [heading, str(table)]


def _value_note(kind: str, value: float) -> str:
    if kind == "continuous":
        return f"[{value:.4g}] "
    return ""


def input_cell(value: object, limit: int = 80) -> str:
    """An input in a table cell: its text cut at ``limit``; a conversation keeps its end (the turn answered)."""
    text = input_text(value)
    if not is_conversation(value):
        return truncate(text, limit)
    flat = one_line(" ".join(text.split()))
    return flat if len(flat) <= limit else "…" + flat[len(flat) - limit + 1 :]


def truncate(text: str, limit: int = CELL_CHARS) -> str:
    flat = one_line(" ".join(text.split()))
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _bundles(result: Comparison) -> list[str]:
    lines = [f"candidate: {result.candidate.label} (fingerprint {(result.candidate.fingerprint or '-')[:12]})"]
    if result.baseline is not None:
        lines.append(
            f"baseline:  {result.baseline.label} (fingerprint {(result.baseline.fingerprint or '-')[:12]}, "
            f"from {result.baseline.source})"
        )
        if result.provider_drift:
            lines.append(f"provider drift: {DRIFT_NOTE}")
    return [one_line(line) for line in lines]  # a label is one line, whatever it holds


def _segment_lines(result: Comparison) -> list[str]:
    """Name the segments a regression is confined to (the overall verdict of the same bound did not regress)."""
    confined: dict[str, list[str]] = {}
    for v in result.regressed:
        if v.confined and v.segment is not None:
            confined.setdefault(v.segment, []).append(f"{v.metric} {v.bound}")
    lines = [
        f"regression confined to segment {name!r}: {', '.join(bounds)} (the overall result does not show it)"
        for name, bounds in confined.items()
    ]
    if result.segments:
        regressed = [name for name in result.segments if any(v.segment == name for v in result.regressed)]
        lines.append(
            f"segments judged separately: {', '.join(result.segments)} (Holm over the segments and the "
            f"overall result); regressed in: {', '.join(regressed) or 'none'}"
        )
    return [one_line(line) for line in lines]  # a segment name is one line, whatever it holds


def _sequential_lines(result: Comparison) -> list[str]:
    info = result.sequential
    if info is None:
        return []
    if info.stopped_early:
        return [f"sequential: decided after {info.n_used} of {info.n_max} inputs ({info.saved} saved)"]
    return [f"sequential: used all {info.n_max} inputs without an early decision"]


def leaning(v: BoundVerdict) -> str:
    """Which way an undecided bound leans: "likely regression: +5.0 pts, 90% interval [+1.5, +8.5] pts"."""
    if v.bound.startswith("max_decrease"):
        regress_side = v.estimate < -v.threshold
    elif v.bound.startswith("min_"):
        regress_side = v.estimate < v.threshold
    else:
        regress_side = v.estimate > v.threshold
    return f"{'likely regression' if regress_side else 'likely within bound'}: {values.describe_change(v.to_dict())}"


def inconclusive_message(result: Comparison) -> str:
    parts = []
    for v in result.inconclusive:
        advice = f"; {v.advice}" if v.advice else ""
        parts.append(f"{v.metric} {v.bound} at N={v.n_inputs}: {leaning(v)}{advice}")
    return printable(f"{result.test}: INCONCLUSIVE, not enough data to decide:\n  " + "\n  ".join(parts))
