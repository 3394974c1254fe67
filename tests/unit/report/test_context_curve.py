"""The context_sweep curve for the card (from a golden file) and the HTML report (from verdict rows), and its SVG."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from pytest_behavior.golden.store import GoldenSample, read_golden_file
from pytest_behavior.report.context_curve import CurvePoint, context_curve, curve_from_rows
from pytest_behavior.report.html.context_chart import context_curve_figure, context_curve_svg

GOLDEN = Path(__file__).resolve().parents[3] / "golden" / "examples"
SWEEP = GOLDEN / "long_context" / "test_long_context" / "test_answers_stay_right_in_long_prompts.json"


def test_the_curve_of_the_example_golden_file() -> None:
    points = context_curve(read_golden_file(SWEEP))
    assert [p.level for p in points] == [0.1, 0.25, 0.5, 0.8, 0.95]
    assert [p.tokens for p in points] == [400, 1000, 2000, 3200, 3800]  # shares of rooms-v1's 4,000-token window
    for point in points:
        assert point.answers == 40 and point.accuracy == pytest.approx(39 / 40)
        assert point.interval[0] < point.accuracy < point.interval[1] <= 1


def test_the_answers_are_judged_again_against_each_reference() -> None:
    record = read_golden_file(SWEEP)
    samples = dict(record.samples)
    for key, sample in record.samples.items():
        if key.endswith("~ctx0.95"):
            wrong = [{**dict(output), "text": "I could not find it."} for output in sample.outputs]
            samples[key] = GoldenSample(input=sample.input, segment=sample.segment, outputs=tuple(wrong))
    points = context_curve(dataclasses.replace(record, samples=samples))
    assert points[-1].accuracy == 0 and points[-1].interval[0] == 0
    assert points[0].accuracy == pytest.approx(39 / 40)


def test_a_file_of_another_test_has_no_curve() -> None:
    other = next((GOLDEN / "support_assistant").rglob("*.json"))
    assert context_curve(read_golden_file(other)) == []


def rows() -> list[dict[str, object]]:
    def row(level: float, rate: float, lower: float, upper: float) -> dict[str, object]:
        return {
            "metric_key": f"context_sweep.{level:g}",
            "metric": f"correct at {level * 100:g}% of the window vs 10%",
            "segment": None,
            "threshold": 0.1,
            "baseline": 0.9,
            "candidate": rate,
            "lower": lower,
            "upper": upper,
        }

    return [row(0.5, 0.88, -0.08, 0.04), row(0.95, 0.4, -0.62, -0.38), {"metric_key": "correctness"}]


def test_the_curve_from_a_reports_verdict_rows() -> None:
    points = curve_from_rows(rows())
    assert [(p.level, p.accuracy) for p in points] == [(0.1, 0.9), (0.5, 0.88), (0.95, 0.4)]
    assert points[2].interval == pytest.approx((0.28, 0.52))  # the drop's interval, placed on the level's rate
    assert curve_from_rows([{"metric_key": "correctness", "metric": "correct answers"}]) == []


def test_the_svg_draws_each_level_and_the_bound() -> None:
    svg = context_curve_svg(curve_from_rows(rows()), floor=0.8, label="<b>x</b>")
    assert svg.count("<circle") == 3 and "bound 80.0%" in svg and "<b>x</b>" not in svg and "&lt;b&gt;" in svg
    assert context_curve_svg([CurvePoint(0.1, None, 1.0, (1.0, 1.0))]) == ""
    figure = context_curve_figure(rows(), "rooms-v3")
    assert figure.startswith("<figure>") and "bound 80.0%" in figure  # 90% at the shortest level minus max_drop
    assert context_curve_figure(rows()[-1:], "rooms-v3") == ""
