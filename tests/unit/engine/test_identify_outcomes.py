"""``pytest-behavior identify``'s outcomes on synthetic outputs (review of issue 18): repeats compared like with
like, a version too small for the auto mode's test compared another way or marked "not compared", no name from a
small field sample or from versions the sample cannot tell apart (exit 3), and intervals and p-values that read
consistently."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from pytest_behavior.engine.identify import (
    MIN_NAMED,
    NOT_COMPARED,
    Identification,
    Recorded,
    Verdict,
    Version,
    identify,
)
from pytest_behavior.report.identify import render_identification
from pytest_behavior.spec.output import Output
from pytest_behavior.stats.similarity import nearer_side
from tests.unit.engine.test_identify_decision import IDS, SHORT, VERSIONS, answer, field, version


def styled(ids: list[str], seed: int, *, repeats: int, rate: float = 0.1) -> dict[str, tuple[Output, ...]]:
    """``repeats`` answers per input, each bold and opening with "Sure" at random (``rate``): rates, not
    constants."""
    rng = random.Random(seed)
    return {
        i: tuple(
            Output(answer(rng, words=40, bold=rng.random() < rate, opener=rng.random() < rate)) for _ in range(repeats)
        )
        for i in ids
    }


def test_golden_repeats_are_compared_like_with_like_against_single_field_answers() -> None:
    """Golden repeats=5 against one field answer per input, the same behaviour: a per-input mean over 5 repeats
    against single 0/1 values differs in shape, which the rank tests read as a difference (before: "like none" in
    all 10 unpaired samples, 4 of the 10 paired ones). Each input's first repeat on both sides is compared."""
    consistent = {"paired": 0, "unpaired": 0}
    for seed in range(10):
        golden = Version("v5", styled(IDS, seed, repeats=5), dict.fromkeys(IDS), label="v5", fingerprint="5" * 16)
        for mode, ids in (("paired", IDS), ("unpaired", [f"new{i}" for i in range(60)])):
            result = identify(Recorded("field.jsonl", styled(ids, 100 + seed, repeats=1), {}), [golden])
            (verdict,) = result.verdicts
            assert (verdict.mode, verdict.repeats) == (mode, 1)
            assert verdict.unused_outputs == 4 * len(IDS)
            consistent[mode] += verdict.consistent
    assert consistent["paired"] >= 9 and consistent["unpaired"] >= 9, consistent
    text = render_identification(result)
    assert "unpaired 60 vs 120 inputs, first 1 repeat of each" in text
    assert result.to_json()["versions"][0]["repeats"] == 1


def test_a_small_version_whose_inputs_all_overlap_is_compared_paired_and_a_tiny_one_is_not_compared() -> None:
    """Auto mode, 6 shared inputs (< MIN_PAIRED) and none besides: the unpaired test is impossible, the paired one
    is not (before: the whole command stopped with an error). One recorded input: not compared; the others go on."""
    small = version("small", IDS[:6], 1, **SHORT)
    tiny = version("tiny", IDS[:1], 1, **SHORT)
    result = identify(field(IDS[:60], 9, **SHORT), [tiny, small, *VERSIONS])
    by_label = {v.label: v for v in result.verdicts}
    assert (by_label["small"].mode, by_label["small"].field_inputs) == ("paired", 6)
    assert by_label["tiny"].mode == NOT_COMPARED and result.verdicts[-1] is by_label["tiny"]
    assert "too few inputs for either test: it shares 1 input(s)" in by_label["tiny"].reason
    assert by_label["short"].consistent and not by_label["long"].consistent
    text = render_identification(result)
    assert "not compared" in text and "tiny" in text
    assert result.to_json()["versions"][-1]["mode"] == NOT_COMPARED


def test_a_few_field_records_name_no_version_and_are_inconclusive() -> None:
    """5 field records, paired: no feature can differ (a signed-rank p on 5 inputs is at least 0.0625), so both
    versions are "like it" with no evidence (before: "Best match", exit 0)."""
    result = identify(field(IDS[:5], 9, **SHORT), VERSIONS, mode="paired")
    assert all(v.consistent for v in result.verdicts)
    assert (result.outcome, result.best, result.status) == ("inconclusive", None, 3)
    text = render_identification(result)
    assert "Cannot tell: short is the nearest consistent version, but on 5 inputs" in text
    assert "Best match" not in text and "like it (few inputs)" in text
    data = result.to_json()
    assert (
        data["outcome"] == "inconclusive"
        and data["best_match"] is None
        and data["cannot_tell_apart"][0] == data["nearest"]
    )


def test_one_consistent_version_on_fewer_inputs_than_the_minimum_is_not_named() -> None:
    few = MIN_NAMED - 5
    result = identify(field(IDS[:few], 9, **SHORT), VERSIONS)
    short, long = result.verdicts
    assert short.consistent and not long.consistent and short.inputs == few
    assert (result.outcome, result.status) == ("inconclusive", 3)
    assert f"short is the nearest consistent version, but on {few} inputs" in render_identification(result)
    assert identify(field(IDS[:MIN_NAMED], 9, **SHORT), VERSIONS).outcome == "match"


def test_versions_the_field_sample_cannot_tell_apart_are_said_so() -> None:
    """Two versions of the same behaviour (other texts), 80 field records: both consistent, no best match."""
    twins = [version("short", IDS, 1, **SHORT), version("short_again", IDS, 2, **SHORT)]
    result = identify(field(IDS[:80], 9, **SHORT), twins)
    assert [v.consistent for v in result.verdicts] == [True, True]
    assert (result.outcome, result.status) == ("inconclusive", 3)
    nearest = result.verdicts[0].version
    assert f"nearest: {nearest}" in render_identification(result)
    assert identify(field(IDS[:80], 9, **SHORT), [twins[0], VERSIONS[1]]).outcome == "match"


def test_rate_intervals_stay_in_the_possible_range_and_the_raw_and_holm_p_are_both_shown() -> None:
    """3 paired inputs, bold in 2 field answers and none of the version's: the t interval of the mean difference
    reaches past +100 points (before: [-76.8, +210.1]); it is clipped to [-100, +100]. The unadjusted interval is
    shown with the raw p, the Holm p beside it, and a legend says which is which."""
    ids = IDS[:3]
    plain = Version(
        "plain", {i: (Output("A plain answer here."),) for i in ids}, {}, label="plain", fingerprint="p" * 8
    )
    texts = ["**A** bold answer here.", "**A** bold answer here.", "A plain answer here."]
    result = identify(Recorded("field.jsonl", {i: (Output(t),) for i, t in zip(ids, texts, strict=True)}, {}), [plain])
    bold = next(t for t in result.verdicts[0].tests if t.feature == "bold")
    assert bold.kind == "rate" and -1.0 <= bold.lower < bold.estimate < bold.upper == 1.0
    text = render_identification(result)
    assert f"bold +66.7 pts [{100 * bold.lower:+.1f}, +100.0] p={bold.p:.2g} Holm {bold.p_holm:.2g}" in text
    assert "95% interval of the mean difference" in text and "rank test's raw p" in text


def test_a_second_consistent_version_the_field_is_told_apart_from_leaves_the_nearest_named() -> None:
    """bold was compared paired on its 6 recorded inputs: too few for any feature to differ after Holm, so it is
    consistent; but every field answer is plain, as the nearest version's, and bold's always bold: on the
    ``bold`` feature the field's mean lies on the nearest's side of the midpoint, so the nearest is named."""
    bold = version("bold", IDS[:6], 3, words=40, bold=True)
    result = identify(field(IDS[:60], 9, **SHORT), [bold, VERSIONS[0]])
    assert [v.label for v in result.candidates] == ["short", "bold"]
    (separation,) = result.separations
    assert separation.apart and separation.other == bold.name and separation.p_holm < 0.05
    assert (result.outcome, result.best) == ("match", result.candidates[0])
    assert "Best match: short (nearest of 2 consistent versions; the field records are nearer it" in (
        render_identification(result)
    )
    assert result.to_json()["told_apart"][0]["apart"] is True


def test_the_field_mean_against_the_midpoint_of_two_versions() -> None:
    rng = np.random.default_rng(1)
    f, a, b = rng.normal(0.0, 1, 80), rng.normal(0.0, 1, 200), rng.normal(1.0, 1, 200)
    statistic, p = nearer_side(f, a, b)
    parts = [f.var(ddof=1) / 80, a.var(ddof=1) / 200 / 4, b.var(ddof=1) / 200 / 4]
    expected = ((a.mean() + b.mean()) / 2 - f.mean()) / math.sqrt(sum(parts))
    assert statistic == pytest.approx(expected) and statistic > 0 and p < 1e-5
    assert nearer_side(f, b, a)[0] == pytest.approx(-statistic)
    assert nearer_side(f, a, a) == (0.0, 1.0)


def test_a_replay_is_told_apart_from_a_version_of_the_same_behaviour_by_its_identical_outputs() -> None:
    twins = [version("short", IDS, 1, **SHORT), version("short_again", IDS, 2, **SHORT)]
    replay = Recorded("field.jsonl", {i: twins[0].outputs[i] for i in IDS[:30]}, {})
    result = identify(replay, twins)
    assert all(v.consistent for v in result.verdicts) and result.best is twins_verdict(result, "short")
    (separation,) = result.separations
    assert (separation.feature, separation.t) == ("identical_outputs", 30.0)
    assert "on byte-identical outputs on 30 more inputs" in render_identification(result)


def twins_verdict(result: Identification, label: str) -> Verdict:
    return next(v for v in result.verdicts if v.label == label)
