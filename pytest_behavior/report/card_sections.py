"""The behavior card's recorded sections beyond the figures table: time to first token and context curves.

Both come from what the golden files recorded, offline: time to first token p50/p95 over the outputs that were
streamed (`pytest_behavior.report.card_latency.ttft_figures`; "not recorded" when none was), and per
``context_sweep`` test its accuracy by context length (`pytest_behavior.report.context_curve.context_curve`: level,
prompt tokens, the rate of right answers with its 95% interval), a small table in Markdown and points in JSON.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pytest_behavior.golden.store import GoldenRecord
from pytest_behavior.report.context_curve import CurvePoint


@dataclass(frozen=True)
class Curve:
    """One context_sweep test's curve."""

    test: str
    points: tuple[CurvePoint, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "test": self.test,
            "points": [
                {
                    "level": p.level,
                    "tokens": p.tokens,
                    "accuracy": p.accuracy,
                    "lower": p.interval[0],
                    "upper": p.interval[1],
                    "answers": p.answers,
                }
                for p in self.points
            ],
        }


@dataclass(frozen=True)
class CardSections:
    """TTFT quantiles over the streamed outputs (``p50``/``p95`` None, ``n`` 0 when none was streamed) and the
    context curves of the bundle's context_sweep tests."""

    ttft_ms: Mapping[str, float | int | None] = field(default_factory=lambda: {"p50": None, "p95": None, "n": 0})
    curves: tuple[Curve, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"ttft_ms": dict(self.ttft_ms), "context_curves": [c.to_json() for c in self.curves]}


def card_sections(records: Sequence[GoldenRecord]) -> CardSections:
    """The sections of one bundle's golden files."""
    from pytest_behavior.report.card_latency import ttft_figures
    from pytest_behavior.report.context_curve import context_curve

    outputs = [o for r in records for s in r.samples.values() for o in s.texts]
    curves = tuple(Curve(r.test, tuple(points)) for r in records if (points := context_curve(r)))
    return CardSections(ttft_figures(outputs)["ttft_ms"], curves)


def ttft_row(sections: CardSections, total: int, *, missing: str) -> list[str]:
    """The figures table's time-to-first-token row (after latency)."""
    ttft = sections.ttft_ms
    n = int(ttft.get("n") or 0)
    if not n or ttft.get("p50") is None or ttft.get("p95") is None:
        return ["time to first token p50 / p95 (ms)", missing, "no sample was streamed (Bundle(stream=True))"]
    value = f"{float(ttft['p50'] or 0):,.0f} / {float(ttft['p95'] or 0):,.0f}"
    basis = f"{n:,} samples" if n == total else f"{n:,} of {total:,} samples (the streamed ones)"
    return ["time to first token p50 / p95 (ms)", value, basis]


def curve_lines(sections: CardSections) -> list[str]:
    """One Markdown table per context_sweep test: level, prompt tokens, accuracy [95% interval], answers."""
    from pytest_behavior.report.github import markdown_text
    from pytest_behavior.report.matrix import short_test

    lines: list[str] = []
    for curve in sections.curves:
        lines += [
            "",
            f"Accuracy by context length, {markdown_text(short_test(curve.test))} (95% intervals):",
            "",
            "| share of window | prompt tokens | accuracy [95% interval] | answers | curve |",
            "|---:|---:|---:|---:|:---|",
        ]
        for p in curve.points:
            tokens = "–" if p.tokens is None else f"{p.tokens:,}"
            answers = "–" if p.answers is None else f"{p.answers:,}"
            interval = f"{100 * p.accuracy:.1f}% [{100 * p.interval[0]:.1f}%, {100 * p.interval[1]:.1f}%]"
            lines.append(f"| {100 * p.level:g}% | {tokens} | {interval} | {answers} | `{accuracy_bar(p.accuracy)}` |")
    return lines


BAR_WIDTH = 20
_EIGHTHS = " ▏▎▍▌▋▊▉"


def accuracy_bar(accuracy: float, *, width: int = BAR_WIDTH) -> str:
    """The curve drawn in text, one bar per level: ``width`` cells at 100%, in eighths of a cell."""
    eighths = round(max(0.0, min(1.0, accuracy)) * width * 8)
    full, rest = divmod(eighths, 8)
    return ("█" * full + (_EIGHTHS[rest] if rest else "")).ljust(width)
