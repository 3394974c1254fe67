"""The decision logic of ``pytest-behavior identify`` on synthetic outputs: the nearest consistent version wins,
"like none of them" when every version differs, paired or unpaired as the overlap says, and clear errors."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from scipy.stats import mannwhitneyu, wilcoxon

from pytest_behavior.engine.identify import MIN_PAIRED, Recorded, Version, identify
from pytest_behavior.engine.identify_features import FEATURES, measure
from pytest_behavior.errors import BehaviorConfigError
from pytest_behavior.report.identify import render_identification
from pytest_behavior.spec.output import Output
from pytest_behavior.stats.similarity import paired_difference, unpaired_difference

WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda"]


def answer(rng: random.Random, *, words: int, listed: bool = False, bold: bool = False, opener: bool = False) -> str:
    """A made-up answer of about ``words`` words (lognormal), in sentences; optionally a numbered list, bold text,
    an affirming opener."""
    n = max(3, round(words * rng.lognormvariate(0, 0.3)))
    body = [rng.choice(WORDS) for _ in range(n)]
    sentences = [" ".join(body[i : i + 9]).capitalize() + "." for i in range(0, n, 9)]
    text = "\n".join(f"{k + 1}. {s}" for k, s in enumerate(sentences)) if listed else " ".join(sentences)
    if bold:
        text = "**Answer**\n" + text
    return ("Sure! " if opener else "") + text


def outputs(ids: list[str], seed: int, **style: bool | int) -> dict[str, tuple[Output, ...]]:
    rng = random.Random(seed)
    return {i: (Output(answer(rng, **style)),) for i in ids}  # type: ignore[arg-type]


def version(name: str, ids: list[str], seed: int, **style: bool | int) -> Version:
    return Version(name, outputs(ids, seed, **style), dict.fromkeys(ids), label=name, fingerprint=name * 8)


def field(ids: list[str], seed: int, **style: bool | int) -> Recorded:
    return Recorded("field.jsonl", outputs(ids, seed, **style), dict.fromkeys(ids))


IDS = [f"q{i:03d}" for i in range(120)]
SHORT = {"words": 40}
LONG_LISTS = {"words": 120, "listed": True}
VERSIONS = [version("short", IDS, 1, **SHORT), version("long", IDS, 2, **LONG_LISTS)]


def test_paired_on_the_shared_inputs_names_the_version_that_behaves_alike() -> None:
    result = identify(field(IDS[:80], 9, **SHORT), VERSIONS)
    assert result.best is not None and result.best.label == "short"
    short, long = result.verdicts
    assert (short.mode, short.field_inputs, short.identical) == ("paired", 80, 0)
    assert short.consistent and not long.consistent and short.distance < long.distance
    assert {t.feature for t in long.tests if t.differs} >= {"length", "numbered_list"}
    text = render_identification(result)
    assert "Best match: short" in text and "paired on 80 inputs" in text


def test_every_version_differing_is_like_none_with_the_nearest_ones_evidence() -> None:
    result = identify(field(IDS[:80], 9, words=40, bold=True, opener=True), VERSIONS)
    assert result.best is None and not any(v.consistent for v in result.verdicts)
    nearest = result.verdicts[0]
    assert nearest.label == "short"
    assert {t.feature for t in nearest.tests if t.differs} >= {"bold", "opener"}
    text = render_identification(result)
    assert "Like none of them" in text and "Nearest: short" in text and "bold +100.0 pts" in text
    data = result.to_json()
    assert data["like_none"] is True and data["best_match"] is None and data["nearest"] == nearest.version


def test_fewer_shared_inputs_than_the_minimum_compare_unpaired_without_the_shared_ones() -> None:
    shared = IDS[: MIN_PAIRED - 1]
    result = identify(field([*shared, *(f"new{i}" for i in range(70))], 9, **SHORT), VERSIONS)
    short = next(v for v in result.verdicts if v.label == "short")
    assert (short.mode, short.field_inputs, short.version_inputs) == ("unpaired", 79, len(IDS) - len(shared))
    assert result.best is short


def test_byte_identical_outputs_are_counted_as_evidence() -> None:
    replay = Recorded("field.jsonl", {i: VERSIONS[0].outputs[i] for i in IDS[:30]}, {})
    result = identify(replay, VERSIONS)
    assert result.best is not None and result.best.identical == 30 and result.best.distance == 0.0
    assert "30 identical" in render_identification(result)


def test_mode_errors_name_the_version_and_the_counts() -> None:
    paired = r"version short \(no file\): too few inputs for the paired test: it shares 0 input\(s\)"
    with pytest.raises(BehaviorConfigError, match=f"no version could be compared with the field records .*{paired}"):
        identify(field(["x1", "x2", "x3"], 9, **SHORT), VERSIONS, mode="paired")
    with pytest.raises(BehaviorConfigError, match=r"unpaired test: .* it records 0 other\(s\) \(an unpaired"):
        identify(field(IDS, 9, **SHORT), VERSIONS, mode="unpaired")
    with pytest.raises(BehaviorConfigError, match="no recorded version"):
        identify(field(IDS, 9, **SHORT), [])
    with pytest.raises(ValueError, match="mode must be one of"):
        identify(field(IDS, 9, **SHORT), VERSIONS, mode="both")


def test_the_two_sided_tests_agree_with_scipy_and_read_no_difference_as_p_one() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.normal(0.3, 1, 60), rng.normal(0, 1, 60)
    paired = paired_difference(a, b, alpha=0.05)
    assert paired.p == pytest.approx(wilcoxon(a - b).pvalue)
    assert paired.estimate == pytest.approx(float(np.mean(a - b)))
    assert paired.lower < paired.estimate < paired.upper
    unpaired = unpaired_difference(a, b[:40], alpha=0.05)
    assert unpaired.p == pytest.approx(mannwhitneyu(a, b[:40], alternative="two-sided").pvalue)
    same = paired_difference(a, a, alpha=0.05)
    assert (same.p, same.z, same.estimate) == (1.0, 0.0, 0.0)
    constant = unpaired_difference([0.0, 0.0, 0.0], [1.0, 1.0], alpha=0.05)
    assert constant.estimate == -1.0 and constant.z == float("-inf")
    with pytest.raises(ValueError, match="the same inputs"):
        paired_difference(a, b[:10], alpha=0.05)
    with pytest.raises(ValueError, match="at least 2 values"):
        unpaired_difference([1.0], b, alpha=0.05)


def test_a_truncated_golden_output_counts_its_full_length_and_json_joins_only_when_an_output_is_json() -> None:
    kept = "First words of a long answer. [... truncated ...] Last words."
    full = Output.from_payload(
        {
            "text": kept,
            "truncated": {"chars": 9000, "words": 1500, "sha256": "0" * 64, "kept_head": 30, "kept_tail": 11},
        }
    )
    names = [f.name for f in FEATURES]
    assert measure(full, None)[names.index("length")] == pytest.approx(math.log(1500))
    assert measure(Output(kept), None)[names.index("length")] == pytest.approx(math.log(11))
    assert [measure(Output(t), None)[names.index("json")] for t in ('{"a": 1}', "```json\n[1]\n```", "a {b} c")] == [
        1.0,
        1.0,
        0.0,
    ]
    prose = identify(field(IDS[:40], 9, **SHORT), VERSIONS)
    assert all(t.feature != "json" for v in prose.verdicts for t in v.tests)
    as_json = Recorded("field.jsonl", {i: (Output('{"answer": "yes"}'),) for i in IDS[:40]}, {})
    result = identify(as_json, VERSIONS)
    assert result.best is None and any(t.feature == "json" and t.differs for t in result.verdicts[0].tests)


def test_a_hostile_bundle_label_or_path_is_printed_escaped() -> None:
    hostile = Version("app\x1b[2J\nforged", VERSIONS[0].outputs, {}, label="app\x1b[2J\nforged", fingerprint="f" * 16)
    text = render_identification(identify(field(IDS[:40], 9, **SHORT), [hostile], alpha=0.05))
    assert "\x1b" not in text and r"app\x1b[2J\nforged" in text
