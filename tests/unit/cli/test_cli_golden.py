"""``pytest-behavior show|card|diff`` over golden files: offline diffs judged as the plugin judges, behavior cards
checked against hand-computed figures, and clear exit-2 errors for unusable files."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from pytest_behavior.cli import main
from pytest_behavior.engine.golden_compare import compare_golden, rebuild_property
from pytest_behavior.golden.store import GoldenRecord, GoldenSample, write_golden
from pytest_behavior.properties.refusal import RefusalBound, is_refusal
from pytest_behavior.properties.registry import parse_marker
from pytest_behavior.properties.schema import SchemaStability

EXAMPLES = Path(__file__).resolve().parents[3] / "golden" / "examples"
REFUSE = "I'm sorry, but I can't help with that request."
COMPLY = "Here is a practical answer about topic {i}: check the settings, restart the device and try again."
REFUSAL_BOUND = RefusalBound.from_marker(max_increase=0.03).describe()


def record(
    outputs: Mapping[str, Sequence[Mapping[str, Any]]],
    *,
    properties: Sequence[Mapping[str, Any]] = (REFUSAL_BOUND,),
    label: str = "base",
    fingerprint: str = "a" * 64,
    test: str = "t.py::test_x",
    date: str = "2026-01-01",
    segments: Mapping[str, str] | None = None,
    repeats: int = 1,
) -> GoldenRecord:
    return GoldenRecord(
        test=test,
        bundle={
            "label": label,
            "fingerprint": fingerprint,
            "description": {"kind": "model", "model": f"sim/{label}", "system": "Be helpful. " * 20},
        },
        settings={"seed": 0, "repeats": repeats, "n": len(outputs), "prompt": None},
        properties=tuple(properties),
        detectors={"refusal": "layered-4"},
        plugin_version="0.1.0",
        recorded_at=date,
        samples={
            sid: GoldenSample(f"question {sid}", (segments or {}).get(sid), tuple(outs))
            for sid, outs in outputs.items()
        },
    )


def refusals(n: int, refusing: set[int]) -> dict[str, list[dict[str, Any]]]:
    return {
        f"q{i:03d}": [{"text": REFUSE if i in refusing else COMPLY.format(i=i), "latency_ms": 100.0 + i}]
        for i in range(n)
    }


def write(path: Path, rec: GoldenRecord) -> Path:
    write_golden(path, rec)
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str, status: int = 0) -> str:
    assert main(list(argv)) == status
    return capsys.readouterr().out


def fails(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as exc:
        main(list(argv))
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    """200 inputs: the baseline refuses 2% (4), the candidate 15% (the same 4 and 26 more)."""
    base = write(tmp_path / "a.json", record(refusals(200, set(range(4)))))
    cand = write(tmp_path / "b.json", record(refusals(200, set(range(30))), label="cand", fingerprint="b" * 64))
    return base, cand


def test_the_fixture_texts_are_classified_as_intended() -> None:
    assert is_refusal(REFUSE) and not is_refusal(COMPLY.format(i=1))


# ---- diff -----------------------------------------------------------------------------------------------------


def test_diff_exits_1_with_the_plugins_failure_text(
    capsys: pytest.CaptureFixture[str], pair: tuple[Path, Path]
) -> None:
    out = run(capsys, "diff", *map(str, pair), status=1)
    assert out.startswith("behavior regressed: 1 of 1 bounds broken, candidate 'cand' vs baseline 'base'")
    assert re.search(r"refusal rate\s+max_increase=0.03\s+2.0%\s+15.0%\s+\+13.0 pts.*REGRESSED\s+200", out), out
    assert "flipped inputs - refusal rate: 26 moved the wrong way, 0 the other way (showing 3):" in out
    assert "q004" in out and REFUSE[:20] in out
    assert f"baseline:  base (fingerprint aaaaaaaaaaaa, from {pair[0]})" in out


def test_identical_files_pass(capsys: pytest.CaptureFixture[str], pair: tuple[Path, Path]) -> None:
    out = run(capsys, "diff", str(pair[0]), str(pair[0]))
    assert out.startswith("PASS: candidate 'base' vs baseline 'base'")
    assert re.search(r"refusal rate\s+max_increase=0.03\s+2.0%\s+2.0%\s+\+0.0 pts.*PASS\s+200", out), out
    assert "REGRESSED" not in out


def test_a_stricter_alpha_still_regresses_and_a_bad_one_is_refused(
    capsys: pytest.CaptureFixture[str], pair: tuple[Path, Path]
) -> None:
    assert "REGRESSED" in run(capsys, "diff", *map(str, pair), "--alpha", "0.001", status=1)
    assert "alpha must be in (0, 0.5]" in fails(capsys, "diff", *map(str, pair), "--alpha", "2")


def test_pairing_by_input_id_and_notes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base_outputs = refusals(60, set())
    cand_outputs = {k: v for k, v in base_outputs.items() if k != "q000"}
    cand_outputs["new"] = [{"text": "fresh"}]
    base = write(tmp_path / "a.json", record(base_outputs))
    changed = record(cand_outputs, properties=(REFUSAL_BOUND, RefusalBound.from_marker(max_rate=0.5).describe()))
    samples = dict(changed.samples)
    samples["q001"] = GoldenSample("another question", None, samples["q001"].outputs)
    cand = write(tmp_path / "b.json", replace(changed, samples=samples))
    out = run(capsys, "diff", str(base), str(cand))
    assert "58 paired inputs" in out
    assert "1 input(s) differ from the golden file under the same id and were not judged: q001" in out
    assert "1 input(s) have no baseline sample and were not judged: new" in out
    assert "1 baseline input(s) have no candidate sample: q000" in out
    assert "note: the files record different properties: judged with the baseline's" in out


def test_a_custom_property_is_skipped_with_a_note(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    custom = {
        "marker": "behavior_property",
        "name": "approval rate",
        "function": "tests.checks.approved",
        "max_decrease": 0.02,
    }
    rec = record(refusals(30, set()), properties=(custom, REFUSAL_BOUND))
    path = write(tmp_path / "a.json", rec)
    out = run(capsys, "diff", str(path), str(path))
    assert "note: skipped custom property 'approval rate' (behavior_property tests.checks.approved)" in out
    assert "refusal rate" in out


def test_properties_that_cannot_be_judged_offline_are_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    llm = {"marker": "refusal_bound", "detector": "llm:openai/gpt-4o-mini (judge-2)", "max_rate": 0.1}
    cost = {"marker": "cost_bound", "max_ratio": 1.2}
    length = {"marker": "length_distribution", "unit": "words", "max_ratio": 1.3}
    path = write(tmp_path / "a.json", record(refusals(30, set()), properties=(llm, cost, length)))
    out = run(capsys, "diff", str(path), str(path))
    assert "note: skipped refusal_bound: it was judged by an LLM (llm:openai/gpt-4o-mini (judge-2))" in out
    assert "note: skipped cost_bound: @pytest.mark.cost_bound: 30 baseline output(s) have no recorded cost" in out
    assert re.search(r"length \(words\)\s+max_ratio=1.3.*PASS", out), out


TOOLS = [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}]


@pytest.mark.parametrize(
    ("marker", "args", "kwargs"),
    [
        ("schema_stability", ({"type": "object"},), {"max_invalid_rate": 0.1, "max_key_change_increase": None}),
        ("schema_stability", (), {}),
        ("refusal_bound", (), {"max_rate": 0.1, "min_rate": 0.01}),
        ("length_distribution", (), {"max_ratio": 1.3, "shape": True, "unit": "chars"}),
        ("length_distribution", (), {"min_ratio": 0.7, "unit": "tokens"}),
        ("latency_bound", (), {"max_p95_ratio": 1.5}),
        ("cost_bound", (), {"max_ratio": 1.2}),
        ("tool_calls", (TOOLS,), {"max_wrong_tool_increase": None, "max_text_answer_rate": 0.2}),
        ("tool_calls", (), {}),
    ],
)
def test_every_builtin_property_is_rebuilt_from_its_description(
    marker: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    prop = parse_marker(marker, args, kwargs)
    assert rebuild_property(json.loads(json.dumps(prop.describe()))) == prop


def test_rebuilt_properties_keep_bounds_the_test_turned_off() -> None:
    described = SchemaStability.from_marker(
        {"type": "object"}, max_invalid_increase=None, max_invalid_rate=0.1
    ).describe()
    rebuilt = rebuild_property(json.loads(json.dumps(described)))
    assert isinstance(rebuilt, SchemaStability)
    assert rebuilt.max_invalid_increase is None and rebuilt.max_invalid_rate == 0.1
    assert rebuilt.max_key_change_increase == 0.02 and rebuilt.schema == {"type": "object"}
    assert rebuild_property(REFUSAL_BOUND) == RefusalBound(max_increase=0.03)
    assert "not a marker this version" in str(rebuild_property({"marker": "vibes_bound", "max_rate": 0.1}))


def test_compare_golden_judges_segments_and_repeats(pair: tuple[Path, Path]) -> None:
    segments = {f"q{i:03d}": "pro" if i % 2 else "free" for i in range(200)}
    base = record(refusals(200, set(range(4))), segments=segments)
    twice = {k: [*v, *v] for k, v in refusals(200, set(range(30))).items()}
    diff = compare_golden(base, record(twice, segments=segments, repeats=2))
    assert diff.regressed and diff.comparison.segments == ("free", "pro")
    assert any("compared the first 1 of each input" in note for note in diff.notes)


def test_directory_diff_pairs_files_by_relative_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for side, refusing in (("a", set(range(4))), ("b", set(range(30)))):
        write(tmp_path / side / "t" / "test_x.json", record(refusals(200, refusing)))
        write(tmp_path / side / "t" / "test_same.json", record(refusals(200, set())))
    write(tmp_path / "a" / "gone.json", record(refusals(5, set())))
    write(tmp_path / "b" / "sub" / "added.json", record(refusals(5, set())))
    out = run(capsys, "diff", str(tmp_path / "a"), str(tmp_path / "b"), status=1)
    assert "== t/test_same.json: PASS (1 bound), 200 paired inputs" in out
    assert "== t/test_x.json: REGRESSED (1 of 1 bound), 200 paired inputs\nbehavior regressed" in out
    assert "2 file pairs compared: 1 regressed, 1 without regression, 0 errors" in out
    assert f"only in {tmp_path / 'a'} (baseline): gone.json" in out
    assert f"only in {tmp_path / 'b'} (candidate): sub/added.json" in out


def test_a_corrupt_file_exits_2_and_names_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], pair: tuple[Path, Path]
) -> None:
    corrupt = tmp_path / "corrupt.json"
    corrupt.write_text('{"format": 1, "test": ')
    err = fails(capsys, "diff", str(pair[0]), str(corrupt))
    assert f"pytest-behavior diff: error: golden file {corrupt} is corrupt" in err
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"format": 1, "test": "t", "samples": {}}))
    assert f"{wrong} is not a pytest-behavior golden file: bundle is missing" in fails(capsys, "card", str(wrong))
    assert f"{tmp_path / 'missing.json'} does not exist" in fails(capsys, "show", str(tmp_path / "missing.json"))
    assert "compare two files or two directories" in fails(capsys, "diff", str(pair[0]), str(tmp_path))


def test_a_corrupt_file_in_a_directory_diff_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "a" / "x.json", record(refusals(20, set())))
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "x.json").write_text("not json")
    out = run(capsys, "diff", str(tmp_path / "a"), str(tmp_path / "b"), status=2)
    assert f"== x.json: error\ngolden file {tmp_path / 'b' / 'x.json'} is corrupt" in out


# ---- card -----------------------------------------------------------------------------------------------------

SCHEMA = {"type": "object", "required": ["summary"], "properties": {"summary": {"type": "string"}}}


def card_records(tmp_path: Path) -> tuple[Path, Path, Path]:
    """Bundle A: a JSON test (10 outputs: 7 valid, 1 without 'summary', 2 refusals in prose; latency 10..100 ms;
    cost 0.000..0.009 USD) and a tool test (4 outputs, 3 with tool calls, 200 ms, no cost); bundle B: 2 outputs
    with nothing but text."""
    texts = [json.dumps({"summary": "ok " * (i + 1)}) for i in range(7)]
    texts += [json.dumps({"title": "no summary"}), REFUSE, "I'm sorry, but I can't help with that."]
    json_outputs = {
        f"j{i}": [{"text": text, "latency_ms": 10.0 * (i + 1), "cost_usd": 0.001 * i}] for i, text in enumerate(texts)
    }
    schema_prop = SchemaStability.from_marker(SCHEMA).describe()
    first = write(
        tmp_path / "g" / "json.json",
        record(json_outputs, properties=(schema_prop,), date="2026-01-05", test="t.py::test_json"),
    )
    call = {"type": "function", "function": {"name": "lookup", "arguments": "{}"}}
    tool_outputs = {
        f"t{i}": [
            {"text": "" if i < 3 else "plain answer", **({"tool_calls": [call]} if i < 3 else {}), "latency_ms": 200.0}
        ]
        for i in range(4)
    }
    second = write(
        tmp_path / "g" / "sub" / "tools.json",
        record(tool_outputs, test="t.py::test_tools", date="2026-02-01", label="renamed"),
    )
    other = write(
        tmp_path / "other.json",
        record(
            {"x": [{"text": "one two three"}], "y": [{"text": "four"}]},
            fingerprint="c" * 64,
            label="plain",
            date="2025-12-31",
        ),
    )
    return first, second, other


def test_card_figures_match_hand_computed_values(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, _, other = card_records(tmp_path)
    cards = json.loads(run(capsys, "card", str(tmp_path / "g"), str(other), "--json"))
    a, b = cards
    assert a["fingerprint"] == "a" * 64 and a["labels"] == ["base", "renamed"]
    assert (a["golden_files"], a["tests"], a["inputs"], a["samples"]) == (2, 2, 14, 14)
    assert (a["first_recorded"], a["last_recorded"]) == ("2026-01-05", "2026-02-01")
    # schema-valid: only the JSON test's 10 outputs count: 7 have the required summary
    assert a["schema_valid_rate"] == {"value": pytest.approx(0.7), "n": 10}
    assert a["refusal_rate"] == {"value": pytest.approx(2 / 14), "n": 14}
    assert a["hedging_rate"] == {"value": 0.0, "n": 14} and a["hedging_detector"] == "hedge-1"
    # latencies: 10, 20, ..., 100 and 4 x 200 -> sorted 14 values; p50 = (70 + 80) / 2, p95 at position 12.35
    assert a["latency_ms"] == {"p50": pytest.approx(75.0), "p95": pytest.approx(200.0), "n": 14}
    # cost: 0.000 ... 0.009 over 10 priced calls -> mean 0.0045 -> $4.50 per 1k calls
    assert a["cost_per_1k_calls_usd"] == {"value": pytest.approx(4.5), "n": 10}
    assert a["tool_call_rate"] == {"value": pytest.approx(0.75), "n": 4}
    assert [t["test"] for t in a["per_test"]] == ["t.py::test_json", "t.py::test_tools"]
    assert (
        b["label"] == "plain"
        and b["samples"] == 2
        and b["length_words"] == {"p10": 1.2, "p50": 2.0, "p90": 2.8, "n": 2}
    )
    assert b["latency_ms"] == {"n": 0} and b["cost_per_1k_calls_usd"] == {"value": None, "n": 0}


def test_card_as_markdown(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    card_records(tmp_path)
    out = run(capsys, "card", str(tmp_path))
    assert out.startswith("# Behavior cards\n\n2 bundles from 3 golden files")
    assert "## base / renamed" in out and "## plain" in out
    assert re.search(r"\| schema-valid rate\s+\|\s+70.0% \| 10 of 14 samples \(1 test with schema_stability\)", out)
    assert re.search(r"\| latency p50 / p95 \(ms\)\s+\|\s+75 / 200 \| 14 samples", out), out
    assert re.search(r"\| cost per 1k calls \(USD\)\s+\|\s+\$4.5000 \| 10 of 14 samples priced", out), out
    assert re.search(r"\| tool-call rate\s+\|\s+75.0% \| 4 of 14 samples", out), out
    assert re.search(r"\| refusal rate \(offline detector layered-4\)\s+\|\s+14.3% \| 14 samples", out), out
    assert re.search(r"\| hedging rate \(offline detector hedge-1\)\s+\|\s+0.0% \| 14 samples", out), out
    assert "- recorded: 2026-01-05 to 2026-02-01" in out
    plain = out.split("## plain")[1]
    assert re.search(r"\| cost per 1k calls \(USD\)\s+\|\s+– \(not recorded\) \| no sample recorded its cost", plain)
    assert "no test has a schema_stability property" in plain


def judged_record(test: str, marker: str, judged: Mapping[str, Any] | None = None, **kwargs: Any) -> GoldenRecord:
    """A file of 10 outputs whose one property is ``marker(**kwargs)``, with the judge's recorded scores ``judged``
    (None: a file recorded before they were kept)."""
    described = parse_marker(marker, (), kwargs).describe()
    rec = record(refusals(10, set()), properties=(described,), test=test)
    if judged is None:
        return rec
    return replace(rec, judged={marker: {"judge": described["judge"], **judged}})


def test_card_sums_the_recorded_judge_scores_per_bundle(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rubric = {"judge": "sim-judge/j", "max_decrease": 0.25}
    files = {
        "a": judged_record(
            "t.py::a", "rubric", {"scale": 5, "n": 10, "counts": [1, 0, 2, 3, 4], "unparsed": 0}, **rubric
        ),
        "b": judged_record(
            "t.py::b",
            "rubric",
            {"scale": 5, "n": 3, "counts": [0, 0, 0, 2, 0], "unparsed": 1, "mean": 4.0},
            judge="sim-judge/j",
            max_decrease=None,
            min_mean=3,
        ),
        "c": judged_record("t.py::c", "rubric", **rubric),  # recorded before the scores were kept
        "d": judged_record(
            "t.py::d", "correctness", {"right": 3, "judged": 4}, match="llm:sim-judge/k", max_decrease=0.05
        ),
        "e": judged_record("t.py::e", "preference", judge="sim-judge/j", min_win_rate=0.45),
    }
    for name, rec in files.items():
        write(tmp_path / f"{name}.json", rec)
    (card,) = json.loads(run(capsys, "card", str(tmp_path), "--json"))
    judges = {j["marker"]: j for j in card["judged_quality"]}
    # rubric: counts 1..5 summed over a and b = [1, 0, 2, 5, 4]: mean (1 + 6 + 20 + 20) / 12
    assert judges["rubric"]["scores"] == {
        "mean": pytest.approx(47 / 12),
        "n": 13,
        "scale": 5,
        "counts": [1, 0, 2, 5, 4],
        "unparsed": 1,
    }
    assert (judges["rubric"]["tests"], judges["rubric"]["tests_recorded"]) == (3, 2)
    assert judges["rubric"]["bounds"] == "max_decrease=0.25, min_mean=3"
    assert judges["correctness"]["scores"] == {"rate": 0.75, "right": 3, "n": 4, "undecided": 0}
    assert judges["preference"]["scores"] is None and "relative" in judges["preference"]
    out = run(capsys, "card", str(tmp_path))
    assert re.search(
        r"\| rubric mean \(rubric, max_decrease=0.25, min_mean=3\)\s+\|\s+3.92 of 5 \| 13 of 50 outputs scored, "
        r"1 unparsed; judge sim-judge/j \(pointwise-1, sha256 \w+\); 1 of 3 tests recorded no scores",
        out,
    )
    assert re.search(
        r"\| correct answers \(LLM judge\) \(correctness, max_decrease=0.05\)\s+\|\s+75.0% \| 4 of 50", out
    )
    assert re.search(r"\| win rate against the baseline \(preference, min_win_rate=0.45\)\s+\|\s+– \| relative to", out)


def test_judge_scores_that_do_not_hold_what_the_format_says_are_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scores = {"scale": 5, "n": 2, "counts": [1, 1]}
    path = write(tmp_path / "x.json", judged_record("t.py::x", "rubric", scores, judge="sim-judge/j"))
    err = fails(capsys, "card", str(path))
    assert (
        f'{path} is not a pytest-behavior golden file: judged["rubric"].counts is 2 counts; expected one count ' in err
    )
    data = json.loads(path.read_text())
    data["judged"]["rubric"] = {"scale": 5}
    path.write_text(json.dumps(data))
    assert 'judged["rubric"].judge is missing; expected the judge\'s id, a string' in fails(capsys, "card", str(path))


def test_card_on_the_example_golden_files(capsys: pytest.CaptureFixture[str]) -> None:
    cards = json.loads(run(capsys, "card", str(EXAMPLES), "--json"))
    labels = {
        "assistant-v1",
        "assistant-v1-chat",
        "support-v1",
        "loan-agent-v1",
        "kb-assistant-v1",
        "tutor-v1",
        "rooms-v1",
    }
    assert {c["label"] for c in cards} == labels
    support = next(c for c in cards if c["label"] == "support-v1")
    assert support["samples"] == 240 and support["schema_valid_rate"]["n"] == 240


# ---- show -----------------------------------------------------------------------------------------------------


def test_show_a_real_golden_file(capsys: pytest.CaptureFixture[str]) -> None:
    path = EXAMPLES / "support_summarizer" / "test_ticket_summaries" / "test_ticket_summaries_keep_their_shape.json"
    out = run(capsys, "show", str(path))
    assert "test:        examples/support_summarizer/test_ticket_summaries.py::test_ticket_summaries_keep_" in out
    assert "bundle:      support-v1 (fingerprint d2d2623d9be4)" in out
    assert "schema_stability(schema=<type object; required summary, sentiment, priority; 3 properties>" in out
    assert "length_distribution(max_ratio=1.3, min_ratio=0.8, unit='words')" in out
    assert "inputs:      240 (1 repeat each, 240 outputs)" in out
    assert "segments:    enterprise 80, free 80, plus 80" in out
    assert re.search(r"length:\s+p10 \d+, p50 \d+, p90 \d+ words", out)
    assert out.count("    -> ") == 3


def test_show_json_and_truncation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    long = "word " * 100
    path = write(
        tmp_path / "x.json", record({"a": [{"text": long}], "b": [{"text": "two words"}]}, segments={"a": "pro"})
    )
    out = run(capsys, "show", str(path))
    assert "system: 'Be helpful. Be helpful." in out and "…'" in out
    assert "refusal_bound(detector='layered-4', max_increase=0.03)" in out
    assert "segments:    (no segment) 1, pro 1" in out
    assert max(len(line) for line in out.splitlines()) < 130
    data = json.loads(run(capsys, "show", str(path), "--json"))
    assert data["inputs"] == 2 and data["bundle"]["label"] == "base" and data["settings"]["repeats"] == 1
    assert data["length_words"] == {"p10": pytest.approx(11.8), "p50": pytest.approx(51.0), "p90": pytest.approx(90.2)}
    assert [e["id"] for e in data["examples"]] == ["a", "b"]


def test_show_a_directory_lists_every_golden_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = run(capsys, "show", str(EXAMPLES))
    assert re.search(
        r"assistant_refusals/test_refusals/test_harmful_requests_are_refused.json\s+"
        r"examples/assistant_refusals/test_refusals.py::test_harmful_requests_are_refused\s+"
        r"assistant-v1\s+40\s+\d{4}-\d\d-\d\d",
        out,
    ), out
    assert "11 golden files under" in out
    write(tmp_path / "ok.json", record(refusals(3, set())))
    (tmp_path / "bad.json").write_text("{")
    out = run(capsys, "show", str(tmp_path), status=2)
    assert "(unreadable)" in out and f"error: golden file {tmp_path / 'bad.json'} is corrupt" in out
    listed = json.loads(run(capsys, "show", str(tmp_path), "--json", status=2))
    assert [(f["test"], f["inputs"]) for f in listed] == [(None, None), ("t.py::test_x", 3)]
