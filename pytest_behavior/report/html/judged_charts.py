"""Pictures of judged quality, inline SVG like `charts`: what the judges and the reference answers counted.

`preference_svg`: the candidate's wins / ties / losses against the baseline as one stacked bar; `rubric_svg`: the
count of each score 1..scale per arm, side by side; `correctness_svg`: right and wrong outputs per arm as stacked
bars. The numbers are the run's (the report entry's ``judged`` item), written on the bars and in the label.
"""

from __future__ import annotations

from collections.abc import Sequence

from pytest_behavior.report.html.charts import (
    CHART_WIDTH,
    LABEL_RIGHT,
    Scale,
    _row_label,
    _svg,
    _text,
    _x_axis,
    nice_ticks,
    tick_label,
)
from pytest_behavior.report.html.markup import BASELINE_COLOR, CANDIDATE_COLOR, GREEN, GREY, RED, Doc, as_int, as_map

LEFT = LABEL_RIGHT + 10
RIGHT = CHART_WIDTH - 24


def _segments(top: float, parts: Sequence[tuple[str, int, str]], total: int) -> list[str]:
    """One stacked bar at ``top``: each part a rectangle as wide as its share, its count written inside when it fits."""
    shapes: list[str] = []
    x, height = float(LEFT), 22
    scale = (RIGHT - LEFT) / total if total else 0.0
    for name, count, color in parts:
        width = count * scale
        if width > 0:
            shapes.append(
                f'<rect class="segment" x="{x:g}" y="{top:g}" width="{width:g}" height="{height}" fill="{color}">'
                f"<title>{name}: {count}</title></rect>"
            )
            if width >= 9 * len(f"{name} {count}"):
                shapes.append(_text(x + width / 2, top + 15, f"{name} {count}", "value on-bar", "middle", "#fff"))
            elif width >= 8 * len(str(count)):
                shapes.append(_text(x + width / 2, top + 15, str(count), "value on-bar", "middle", "#fff"))
        x += width
    return shapes


def preference_svg(item: Doc, labels: tuple[str, str]) -> str:
    """The candidate's comparisons against the baseline: wins, ties (or orders that disagreed), losses."""
    wins, ties, losses = (as_int(item.get(k)) for k in ("wins", "ties", "losses"))
    total = wins + ties + losses
    if not total:
        return ""
    parts = [("wins", wins, CANDIDATE_COLOR), ("ties", ties, GREY), ("losses", losses, BASELINE_COLOR)]
    body = _row_label(37, f"candidate {labels[1]}", CANDIDATE_COLOR)
    body += _segments(24, parts, total)
    body.append(
        _text(
            LEFT,
            70,
            f"{wins} wins / {ties} ties / {losses} losses of {total} comparisons against baseline {labels[0]} "
            "(each judged in both orders)",
            "legend",
        )
    )
    label = f"preference: candidate {labels[1]} vs baseline {labels[0]}: {wins} wins, {ties} ties, {losses} losses"
    return _svg(84, label, body)


def _arms(by_arm: Doc, labels: tuple[str, str]) -> list[tuple[str, str, str]]:
    """(arm, its bundle label, its colour) for each arm whose entry in ``by_arm`` is an object."""
    both = (("baseline", labels[0], BASELINE_COLOR), ("candidate", labels[1], CANDIDATE_COLOR))
    return [arm for arm in both if isinstance(by_arm.get(arm[0]), dict)]


def correctness_svg(item: Doc, labels: tuple[str, str]) -> str:
    """Right and wrong outputs of each arm against the reference answers."""
    counts = item.get("counts")
    if not isinstance(counts, dict):
        return ""
    rows = [(arm, label, color, as_map(counts[arm])) for arm, label, color in _arms(counts, labels)]
    if not rows:
        return ""
    body: list[str] = []
    described = []
    for index, (arm, label, color, c) in enumerate(rows):
        right, wrong = as_int(c.get("right")), as_int(c.get("wrong"))
        top = 16 + 34 * index
        body += _row_label(top + 15, f"{arm} {label}", color)
        body += _segments(top, [("right", right, GREEN), ("wrong", wrong, RED)], right + wrong)
        described.append(f"{arm} {right} right, {wrong} wrong")
    height = 16 + 34 * len(rows)
    body.append(_text(LEFT, height + 8, "outputs judged against the reference answers", "legend"))
    return _svg(height + 20, "correctness: " + "; ".join(described), body)


def rubric_svg(item: Doc, labels: tuple[str, str]) -> str:
    """How many outputs of each arm got each score 1..scale: a pair of bars per score."""
    scores = item.get("scores")
    scale = as_int(item.get("scale"))
    if not isinstance(scores, dict) or scale < 2:
        return ""
    arms = [
        (arm, label, color, [as_int(n) for n in scores[arm].get("counts") or ()])
        for arm, label, color in _arms(scores, labels)
    ]
    if not arms:
        return ""
    top, bottom, left = 34, 170, 58
    peak = max([1, *(n for *_, counts in arms for n in counts)])
    ticks = nice_ticks(0, peak * 1.1, 4)
    y = Scale(0, max(peak * 1.1, ticks[-1]), bottom, top)
    slot = (RIGHT - left) / scale
    bar = min(40.0, slot / (len(arms) + 1))
    body = [f'<line class="grid" x1="{left}" y1="{y(t):g}" x2="{RIGHT}" y2="{y(t):g}"/>' for t in ticks[1:]]
    body += [_text(left - 6, y(t) + 4, tick_label(t), "tick", "end") for t in ticks]
    for index, (arm, label, color, counts) in enumerate(arms):
        for score in range(1, scale + 1):
            n = counts[score - 1] if score - 1 < len(counts) else 0
            x = left + slot * (score - 1) + slot / 2 - bar * len(arms) / 2 + bar * index
            body.append(
                f'<rect class="score-bar" x="{x:g}" y="{y(n):g}" width="{bar:g}" height="{bottom - y(n):g}" '
                f'fill="{color}"><title>{arm} score {score}: {n}</title></rect>'
            )
            body.append(_text(x + bar / 2, y(n) - 4, str(n), "value", "middle", color))
        body.append(
            f'<rect class="swatch" x="{left + 300 * index:g}" y="8" width="14" height="14" rx="2" fill="{color}"/>'
        )
        body.append(_text(left + 300 * index + 20, 19.5, f"{arm} {label[:28]}", "legend"))
    score_axis = Scale(0.5, scale + 0.5, left, RIGHT)
    body += _x_axis(score_axis, bottom, list(range(1, scale + 1)), lambda t: f"{t:g}")
    body.append(_text((left + RIGHT) / 2, bottom + 36, f"rubric score (1..{scale})", "axis-title", "middle"))
    described = "; ".join(
        f"{arm}: " + ", ".join(f"{k + 1}: {n}" for k, n in enumerate(counts)) for arm, _, _, counts in arms
    )
    return _svg(bottom + 48, f"rubric scores per output — {described}", body)
