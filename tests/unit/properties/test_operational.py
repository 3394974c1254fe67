"""Latency and cost bounds: the paired p95-ratio bootstrap, the properties, and records/golden carrying the values."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from pytest_behavior.engine.sequential import sequential_problems
from pytest_behavior.errors import BehaviorConfigError, MarkerError
from pytest_behavior.properties.registry import parse_marker
from pytest_behavior.spec.output import Output
from pytest_behavior.spec.records import load_records
from pytest_behavior.stats import paired_quantile_log_ratio_bound


def latencies(rng: np.random.Generator, n: int, k: int = 1, *, scale: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Paired log-normal latencies: a per-input difficulty both arms share, plus per-call noise."""
    difficulty = rng.normal(0, 0.5, size=(n, 1))
    base = np.exp(5 + difficulty + rng.normal(0, 0.4, size=(n, k)))
    cand = scale * np.exp(5 + difficulty + rng.normal(0, 0.4, size=(n, k)))
    return base, cand


def test_p95_ratio_false_alarms_stay_near_alpha_and_a_real_slowdown_is_found() -> None:
    rng = np.random.default_rng(1)
    threshold = math.log(1.0)  # the strictest bound: any increase of the p95
    alarms = sum(
        paired_quantile_log_ratio_bound(*latencies(rng, 200), threshold=threshold, n_boot=1000, seed=i).p_regress
        <= 0.05
        for i in range(200)
    )
    assert alarms / 200 <= 0.10  # nominal 5%; the percentile bootstrap of a tail quantile is approximate
    found = sum(
        paired_quantile_log_ratio_bound(
            *latencies(rng, 200, scale=1.6), threshold=math.log(1.2), n_boot=1000, seed=i
        ).p_regress
        <= 0.05
        for i in range(50)
    )
    assert found / 50 >= 0.8


def test_p95_ratio_interval_covers_the_true_ratio() -> None:
    rng = np.random.default_rng(2)
    # the true p95 ratio of the two arms is the scale factor: the arms differ by it in every quantile
    covered = 0
    for i in range(150):
        result = paired_quantile_log_ratio_bound(
            *latencies(rng, 300, k=2, scale=1.3), threshold=0.0, n_boot=1000, seed=i
        )
        covered += result.lower <= math.log(1.3) <= result.upper
    # a 90% two-sided interval; the percentile bootstrap of a tail quantile is conservative at small n
    # (measured: 94.7% at n = 100, 92.3% at 300, 91.3% at 1000), so false alarms stay below alpha
    assert 0.85 <= covered / 150 <= 0.99


def test_p95_ratio_validates_its_input() -> None:
    with pytest.raises(ValueError, match="paired"):
        paired_quantile_log_ratio_bound(np.ones((3, 1)), np.ones((4, 1)), threshold=0.0)
    result = paired_quantile_log_ratio_bound(np.zeros((5, 1)), np.ones((5, 1)), threshold=0.0, n_boot=100)
    assert math.isfinite(result.estimate)  # zeros are floored, not -inf


def test_markers_validate_their_arguments() -> None:
    assert parse_marker("latency_bound", (), {"max_p95_ratio": 1.5}).describe() == {
        "marker": "latency_bound",
        "max_p95_ratio": 1.5,
    }
    for name, kwargs, message in [
        ("latency_bound", {}, "needs max_p95_ratio"),
        ("latency_bound", {"max_p95_ratio": 0.8}, "below 1"),
        ("latency_bound", {"max_p95": 1.5}, "did you mean 'max_p95_ratio'"),
        ("cost_bound", {}, "needs max_ratio"),
        ("cost_bound", {"max_ratio": "cheap"}, "positive ratio"),
    ]:
        with pytest.raises(MarkerError, match=message):
            parse_marker(name, (), kwargs)


def test_latency_and_cost_are_not_judged_sequentially() -> None:
    problems = sequential_problems([parse_marker("latency_bound", (), {"max_ratio": 1.5})])
    assert problems and "not judged sequentially" in problems[0]


def test_a_missing_recorded_value_is_a_clear_error() -> None:
    prop = parse_marker("cost_bound", (), {"max_ratio": 1.2})
    with_cost = [[Output("a", cost_usd=0.001)], [Output("b", cost_usd=0.002)]]
    without = [[Output("a", cost_usd=0.001)], [Output("b")]]
    [obs] = prop.observe(with_cost, with_cost)
    assert obs.candidate.tolist() == [[0.001], [0.002]]
    with pytest.raises(
        BehaviorConfigError,
        match=r"1 candidate output\(s\) have no recorded cost; litellm has no "
        r"price",
    ):
        prop.observe(with_cost, without)
    latency = parse_marker("latency_bound", (), {"max_p95_ratio": 1.5, "max_ratio": 1.2})
    with pytest.raises(BehaviorConfigError, match=r"2 baseline output.* no recorded latency"):
        latency.observe([["x"], ["y"]], [[Output("x", latency_ms=3.0)], [Output("y", latency_ms=4.0)]])


def test_records_carry_tool_calls_latency_and_cost(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text(
        json.dumps(
            {
                "input": "q",
                "output": "",
                "latency_ms": 120,
                "cost_usd": 0.002,
                "tool_calls": [{"name": "f", "arguments": "{}"}],
                "finish_reason": "tool_calls",
            }
        )
        + "\n"
        + json.dumps({"input": "r", "output": {"a": 1}})
        + "\n"
    )
    records = load_records(path)
    first = records.outputs[(records.inputs[0].id, 0)]
    assert isinstance(first, Output) and first == ""
    assert (first.latency_ms, first.cost_usd, first.finish_reason) == (120.0, 0.002, "tool_calls")
    assert first.tool_calls == ({"name": "f", "arguments": "{}"},)
    assert records.outputs[(records.inputs[1].id, 0)] == '{"a": 1}'
    path.write_text(json.dumps({"input": "q", "output": "", "latency_ms": "slow"}) + "\n")
    expected = r"r.jsonl:1: 'latency_ms' must be a finite number >= 0 or null, got the string 'slow'"
    with pytest.raises(BehaviorConfigError, match=expected):
        load_records(path)


def test_outputs_survive_pickling_with_their_attributes() -> None:
    import pickle

    output = Output("hi", latency_ms=5.0, cost_usd=0.1, tool_calls=({"name": "f"},), finish_reason="stop")
    again = pickle.loads(pickle.dumps(output))
    assert again == "hi" and (again.latency_ms, again.cost_usd, again.tool_calls) == (5.0, 0.1, ({"name": "f"},))


def test_length_in_tokens_works_offline_and_an_unavailable_tokenizer_is_a_marker_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from pytest_behavior.properties.length import measure_length

    monkeypatch.delenv("TIKTOKEN_CACHE_DIR", raising=False)  # the encodings litellm ships, whatever the machine set
    prop = parse_marker("length_distribution", (), {"max_ratio": 1.3, "unit": "tokens"})
    assert prop.describe() == {
        "marker": "length_distribution",
        "unit": "tokens",
        "max_ratio": 1.3,
        "tokenizer": "o200k_base",
    }
    [obs] = prop.observe([["hello world"]], [["hello world, how are you today?"]])
    assert obs.baseline is not None and obs.baseline[0, 0] == 2 and obs.candidate[0, 0] > 2
    assert measure_length("hello world", "tokens", "cl100k_base") == 2
    with pytest.raises(MarkerError, match="tokenizer= goes with unit='tokens'"):
        parse_marker("length_distribution", (), {"max_ratio": 1.3, "tokenizer": "cl100k_base"})
    with pytest.raises(
        MarkerError,
        match=r"tokenizer 'gpt9_base' is not available offline .* use one of "
        r"cl100k_base, o200k_base",
    ):
        parse_marker("length_distribution", (), {"max_ratio": 1.3, "unit": "tokens", "tokenizer": "gpt9_base"})
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))  # an empty cache: nothing offline, and no download
    with pytest.raises(MarkerError, match="use one of none found"):
        parse_marker("length_distribution", (), {"max_ratio": 1.3, "unit": "tokens"})


def test_ttft_rows_show_the_keyword_the_user_wrote_in_every_report() -> None:
    """``max_ttft_p95_ratio=1.5`` is judged as a p95 ratio but reads as written, not ``max_p95_ratio=1.5``."""
    from pytest_behavior.engine.judge import judge
    from pytest_behavior.report.document import _verdict as document_row
    from pytest_behavior.report.values import bound_form, decisive_ends, scale_of

    prop = parse_marker("latency_bound", (), {"max_ttft_p95_ratio": 1.5, "max_ttft_ratio": 1.3, "max_p95_ratio": 2})
    rng = np.random.default_rng(3)
    base, cand = latencies(rng, 60, 2)
    outputs = [[[Output("x", latency_ms=b, ttft_ms=b / 2) for b in row] for row in arm] for arm in (base, cand)]
    verdicts = judge([("latency_bound", obs) for obs in prop.observe(outputs[0], outputs[1])])
    shown = {v.metric_key: v.bound for v in verdicts}
    assert shown == {
        "latency.p95": "max_p95_ratio=2",
        "ttft.p95": "max_ttft_p95_ratio=1.5",
        "ttft.paired": "max_ttft_ratio=1.3",
    }
    for v in verdicts:
        row = document_row(v)
        assert row["bound"] == shown[v.metric_key] and row["scale"] == "ratio" and decisive_ends(v.bound) == ("lower",)
        assert scale_of(v.bound) == "ratio" and bound_form(v.bound) in ("max_p95_ratio", "max_ratio")
