"""The card's recorded sections: time to first token (p50/p95 of the streamed outputs, "not recorded" otherwise) and
each context_sweep test's accuracy by context length, in Markdown and JSON, computed from the golden files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_behavior import Bundle
from pytest_behavior.cli import main
from pytest_behavior.golden.store import golden_files, load_golden
from pytest_behavior.report.context_curve import context_curve
from pytest_behavior.report.show import quantile
from tests.unit.cli.test_card_check import INPUTS, record

LONG_CONTEXT = Path(__file__).resolve().parents[3] / "golden" / "examples" / "long_context"
MODEL = "sim/bot?mean_words=20&ttft_ms=40&seed=2"


def card(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    capsys.readouterr()
    assert main(["card", *argv]) == 0
    return capsys.readouterr().out


def test_time_to_first_token_of_the_streamed_outputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    streamed = record(tmp_path, Bundle(MODEL, label="bot", stream=True), test="test_s.py::test_streamed")
    record(tmp_path, Bundle(MODEL, label="bot"), test="test_w.py::test_whole", inputs=INPUTS[:40])
    recorded = [float(o["ttft_ms"]) for s in json.loads(streamed.read_text())["samples"].values() for o in s["outputs"]]
    assert len(recorded) == 80 and min(recorded) >= 40  # the knob's delay comes before the first chunk
    (as_json,) = json.loads(card(capsys, str(tmp_path / "golden"), "--json"))  # stream is outside the fingerprint
    assert as_json["ttft_ms"] == {"p50": quantile(recorded, 0.5), "p95": quantile(recorded, 0.95), "n": 80}
    row = next(line for line in card(capsys, str(tmp_path / "golden")).splitlines() if "time to first token" in line)
    assert f"{quantile(recorded, 0.5):,.0f} / {quantile(recorded, 0.95):,.0f}" in row
    assert "80 of 120 samples (the streamed ones)" in row


def test_a_bundle_never_streamed_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    record(tmp_path, Bundle(MODEL, label="bot"), inputs=INPUTS[:10])
    (as_json,) = json.loads(card(capsys, str(tmp_path / "golden"), "--json"))
    assert as_json["ttft_ms"] == {"p50": None, "p95": None, "n": 0} and as_json["context_curves"] == []
    out = card(capsys, str(tmp_path / "golden"))
    assert "| time to first token p50 / p95 (ms)" in out and "no sample was streamed (Bundle(stream=True))" in out
    assert "Accuracy by context length" not in out


def test_the_context_curve_of_a_context_sweep_test() -> None:
    if not LONG_CONTEXT.is_dir():
        pytest.skip("the example golden files are not in this checkout")
    (path,) = golden_files(LONG_CONTEXT)
    expected = context_curve(load_golden(path))
    assert len(expected) >= 3
    from pytest_behavior.report.card import behavior_cards, render_card

    (bundle,) = behavior_cards([(path, load_golden(path))])
    points = bundle.to_json()["context_curves"][0]["points"]
    assert [(p["level"], p["tokens"], p["accuracy"], p["lower"], p["upper"], p["answers"]) for p in points] == [
        (p.level, p.tokens, p.accuracy, *p.interval, p.answers) for p in expected
    ]
    lines = render_card(bundle).splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Accuracy by context length"))
    table = lines[start + 4 : start + 4 + len(expected)]
    for line, p in zip(table, expected, strict=True):
        assert line.startswith(f"| {100 * p.level:g}% | {p.tokens:,} | {100 * p.accuracy:.1f}% [")


def test_inputs_two_tests_share_are_counted_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Two tests of one bundle asking 40 of the same inputs: 120 outputs of 80 inputs, not of 120."""
    record(tmp_path, Bundle(MODEL, label="bot"), test="test_a.py::test_all")
    record(tmp_path, Bundle(MODEL, label="bot"), test="test_b.py::test_some", inputs=INPUTS[:40])
    assert "- samples: 120 outputs of 80 inputs in 2 tests" in card(capsys, str(tmp_path / "golden"))
    (as_json,) = json.loads(card(capsys, str(tmp_path / "golden"), "--json"))
    assert as_json["inputs"] == 80 and [t["inputs"] for t in as_json["per_test"]] == [80, 40]


def test_the_card_draws_the_context_curve_as_text_bars() -> None:
    from pytest_behavior.report.card_sections import BAR_WIDTH, accuracy_bar

    assert accuracy_bar(1.0) == "█" * BAR_WIDTH
    assert accuracy_bar(0.0) == " " * BAR_WIDTH
    assert accuracy_bar(0.575) == "███████████▌" + " " * 8  # 11.5 cells of 20
    assert len({len(accuracy_bar(a / 37)) for a in range(38)}) == 1  # every bar the same width: a column
