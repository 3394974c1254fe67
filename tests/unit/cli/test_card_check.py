"""``pytest-behavior card golden/ --check``: drift since recorded, resampled live and judged against the recording.

Golden files are recorded by the engine itself (`run_spec` in update mode, real calls through litellm to the
simulated provider or the loopback server), then checked by the command in-process. Drift is made honestly:

- simulated: the file is recorded from ``sim/bot?refusal_rate=0.02``, then its description and fingerprint are
  rewritten to claim ``sim/bot?refusal_rate=0.4``, so the rebuilt bundle (same fingerprint as the file says) now
  refuses far more often: what a provider serving another model under the same name looks like;
- loopback: recorded from server replies A, then the same server (same URL, same fingerprint) serves replies B.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from pytest_behavior import Bundle
from pytest_behavior.cli import main
from pytest_behavior.config.settings import RunSettings
from pytest_behavior.engine.run import Spec, run_spec
from pytest_behavior.properties.base import Property
from pytest_behavior.properties.correctness import Correctness
from pytest_behavior.properties.refusal import RefusalBound
from pytest_behavior.sampling.cache import SampleCache
from pytest_behavior.sampling.simulated import CALL_LOG_ENV
from tests.support.openai_server import ServerConfig, running_server

TEST = "test_bot.py::test_answers"
INPUTS = [f"How do I reset the router in room {i}?" for i in range(80)]
RECORDED = "sim/bot?refusal_rate=0.02&mean_words=20&seed=1"
REFUSAL = RefusalBound.from_marker(max_increase=0.05)


def record(
    root: Path,
    bundle: Bundle,
    *,
    properties: Sequence[Property] = (REFUSAL,),
    test: str = TEST,
    inputs: Sequence[Any] = INPUTS,
    template: str | None = None,
    max_chars: int = 20_000,
) -> Path:
    """Record a golden file as ``pytest --behavior-update`` does; its path."""
    settings = RunSettings(
        mode="update", rootdir=root, golden_dir=root / "golden", cache_mode="off", max_stored_chars=max_chars
    )
    spec = Spec(nodeid=test, properties=tuple(properties), inputs=list(inputs), template=template, n=None, repeats=1)
    result = asyncio.run(
        run_spec(spec, settings, candidate=bundle, baseline=None, cache=SampleCache(root / "cache", mode="off"))
    )
    assert result.golden_written and result.golden_path is not None
    return result.golden_path


def claim(path: Path, bundle: Bundle) -> None:
    """Rewrite a golden file's bundle description and fingerprint to ``bundle``'s (the recorded outputs stay)."""
    data = json.loads(path.read_text())
    data["bundle"].update(description=bundle.describe(), fingerprint=bundle.fingerprint)
    path.write_text(json.dumps(data))


def card(capsys: pytest.CaptureFixture[str], *argv: str, status: int) -> tuple[str, str]:
    assert main(["card", *argv]) == status
    captured = capsys.readouterr()
    return captured.out, captured.err


def test_an_unchanged_bundle_still_behaves_as_recorded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    record(tmp_path, Bundle(RECORDED, label="bot-v1", temperature=0.7))
    out, err = card(capsys, str(tmp_path / "golden"), "--check", status=0)
    assert "--check: 30 live calls (1 golden file, 1 bundle, up to 30 inputs each)" in err
    assert "### bot-v1" in out and "still behaves as recorded" in out and "REGRESSED |" not in out
    assert "the inputs resampled are too few to show the change is within the bound (not drift" in out
    document = json.loads(card(capsys, str(tmp_path / "golden"), "--check", "--json", status=0)[0])
    assert document["cards"][0]["label"] == "bot-v1"
    (bundle,) = document["drift"]["bundles"]
    assert bundle["status"] == "as recorded" and document["drift"]["calls"] == 30
    (checked,) = bundle["files"]
    assert checked["test"] == TEST and checked["n_paired"] == 30 and checked["provider_drift"] is False
    assert checked["candidate"]["fingerprint"] == checked["baseline"]["fingerprint"] == bundle["fingerprint"]
    assert [v["verdict"] for v in checked["properties"]] != ["REGRESSED"]


def test_a_model_changed_under_the_same_name_has_drifted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = record(tmp_path, Bundle(RECORDED, label="bot-v1", temperature=0.7))
    claim(path, Bundle("sim/bot?refusal_rate=0.4&mean_words=20&seed=1", label="bot-v1", temperature=0.7))
    out, _ = card(capsys, str(path), "--check", "--check-n", "40", status=1)
    assert "drifted since recorded" in out and "provider drift" in out
    row = next(line for line in out.splitlines() if "max_increase=0.05" in line)
    assert row.endswith("| REGRESSED |") and "| 40 |" in row
    document = json.loads(card(capsys, str(path), "--check", "--check-n", "40", "--json", status=1)[0])
    (bundle,) = document["drift"]["bundles"]
    assert bundle["status"] == "drifted" and bundle["files"][0]["provider_drift"] is True
    (verdict,) = bundle["files"][0]["properties"]
    assert verdict["verdict"] == "REGRESSED" and verdict["candidate"] > verdict["baseline"] + 0.15


def test_the_subset_is_seeded_and_never_read_from_the_cache(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    record(tmp_path, Bundle(RECORDED, label="bot-v1"))
    log = tmp_path / "calls.jsonl"
    monkeypatch.setenv(CALL_LOG_ENV, str(log))

    def checked_ids(seed: str) -> list[str]:
        argv = ("--check", "--check-n", "12", "--seed", seed, "--json")
        out, _ = card(capsys, str(tmp_path / "golden"), *argv, status=0)
        entry = json.loads(out)["drift"]["bundles"][0]["files"][0]
        assert entry["samples"] == {"requested": 12, "cached": 0} and entry["n_paired"] == 12
        return list(entry["input_ids"])

    first, again, other = checked_ids("3"), checked_ids("3"), checked_ids("4")
    recorded = json.loads((tmp_path / "golden" / "test_bot" / "test_answers.json").read_text())["samples"]
    assert first == again != other and set(first) | set(other) <= set(recorded) and len(set(first)) == 12
    assert len(log.read_text().splitlines()) == 36  # 12 calls per check: each one called the model again


def test_a_loopback_provider_serving_other_answers_has_drifted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "fake-credential-" + uuid.uuid4().hex  # made at run time: no key-shaped literal in the tree
    monkeypatch.setenv("OPENAI_API_KEY", key)
    config = ServerConfig(reply_fn=lambda messages: f"Here is how: {messages[-1]['content']} Unplug it first.")
    with running_server(config) as server:
        record(tmp_path, Bundle("openai/loopback-model", api_base=server.url, label="loop-v1", timeout=60))
        out, _ = card(capsys, str(tmp_path / "golden"), "--check", status=0)
        assert "still behaves as recorded" in out
        config.reply_fn = lambda messages: "I'm sorry, but I can't help with that request."
        out, err = card(capsys, str(tmp_path / "golden"), "--check", status=1)
        assert server.stats.headers[-1]["authorization"] == f"Bearer {key}"  # the environment's credential
    assert "### loop-v1" in out and "drifted since recorded" in out and "0.0% → 100.0%" in out
    assert key not in out + err


def test_a_failing_provider_is_an_error_not_drift(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "fake-credential-" + uuid.uuid4().hex)
    config = ServerConfig()
    with running_server(config) as server:
        record(tmp_path, Bundle("openai/loopback-model", api_base=server.url, label="loop-v1"), inputs=INPUTS[:5])
        config.fault_rate, config.faults = 1.0, ("401",)
        with pytest.raises(SystemExit) as exc:
            main(["card", str(tmp_path / "golden"), "--check"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "pytest-behavior card: error:" in err and "loop-v1" in err and "Traceback" not in err


def test_files_that_cannot_be_resampled_say_why(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    record(tmp_path, Bundle(RECORDED, label="bot-v1"))
    records = tmp_path / "field.jsonl"
    records.write_text("".join(json.dumps({"input": i, "output": "Sure: restart it."}) + "\n" for i in INPUTS[:5]))
    record(tmp_path, Bundle.from_records(records), test="test_field.py::test_logs", inputs=INPUTS[:5])
    edited = record(tmp_path, Bundle(RECORDED, label="bot-v1"), test="test_edit.py::test_answers")
    data = json.loads(edited.read_text())
    data["bundle"]["description"]["temperature"] = 0.1  # description edited, fingerprint not
    edited.write_text(json.dumps(data))
    questions = [{"question": f"Which port is the uplink in room {i}?", "expected": "port 1"} for i in range(5)]
    correct = Correctness.from_marker(match="contains", max_decrease=0.1)
    bundle, test = Bundle(RECORDED, label="bot-v1"), "test_cut.py::test_answers"
    record(tmp_path, bundle, test=test, properties=(correct,), inputs=questions, template="{question}", max_chars=40)
    out, _ = card(capsys, str(tmp_path / "golden"), "--check", "--check-n", "5", status=0)
    unchecked = out.split("Not checked:")[1]
    assert "test_cut" in unchecked and "stored cut" in unchecked and "correctness reads whole answers" in unchecked
    assert "a records bundle: its outputs come from a records file" in unchecked
    assert "test_edit" in unchecked and "the description does not hold everything the fingerprint covers" in unchecked
    assert "still behaves as recorded" in out.split("Not checked:")[0]


def test_nothing_to_check_and_too_many_calls_are_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = record(tmp_path, Bundle(RECORDED, label="bot-v1"))
    log = tmp_path / "calls.jsonl"
    monkeypatch.setenv(CALL_LOG_ENV, str(log))
    for argv, message in (
        (["--check", "--max-calls", "20"], "--check would make 30 live calls, more than --max-calls 20"),
        (["--check-n", "5"], "--check-n only applies with --check"),
        (["--check-n", "5", "--seed", "2"], "--check-n, --seed only apply with --check"),
        (["--check", "--check-n", "0"], "'0': give a whole number, 1 or more"),
    ):
        with pytest.raises(SystemExit) as exc:
            main(["card", str(path), *argv])
        assert exc.value.code == 2
        assert message in capsys.readouterr().err
    assert not log.exists()  # refused before any call
    data = json.loads(path.read_text())
    data["bundle"]["description"] = {"kind": "callable", "function": "app", "version": "1"}
    path.write_text(json.dumps(data))
    with pytest.raises(SystemExit):
        main(["card", str(path), "--check"])
    assert "no golden file can be resampled" in capsys.readouterr().err


def test_data_in_the_check_is_shown_as_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hostile = "bot\x1b[2J<img src=x onerror=alert(1)>|v1"
    path = record(tmp_path, Bundle(RECORDED, label=hostile), test="test_x.py::test_[a|b]", inputs=INPUTS[:10])
    claim(path, Bundle("sim/bot?refusal_rate=0.9&mean_words=20&seed=1", label=hostile))
    out, _ = card(capsys, str(path), "--check", status=1)
    drift = out.split("## Drift since recorded")[1]
    assert "\x1b" not in drift and "<img" not in drift and "&lt;img" in drift
    row = next(line for line in drift.splitlines() if "REGRESSED |" in line)
    assert row.count(" | ") == 5  # the test id's '|' is escaped: the row keeps its six cells


def test_a_p95_bound_is_judged_by_default_and_says_why_not_at_a_smaller_check_n(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A p95 (or TTFT p95) bound needs 40 inputs: without --check-n its file resamples 40, not 30; with --check-n 30
    the row says it was not judged and why, instead of an interval of [x0.00, –]."""
    from pytest_behavior.properties.operational import LatencyBound

    latency = LatencyBound.from_marker(max_ttft_p95_ratio=3.0)
    streamed = Bundle("sim/bot?refusal_rate=0.02&mean_words=20&seed=1&ttft_ms=30&latency_ms=60", label="bot-v1")
    record(tmp_path, streamed.streamed(True), properties=(REFUSAL, latency))
    record(tmp_path, Bundle(RECORDED, label="bot-v2"), test="test_bot.py::test_other")
    out, err = card(capsys, str(tmp_path / "golden"), "--check", status=0)
    assert "70 live calls (2 golden files, 2 bundles, up to 30 inputs each, 40 for a file with a p95 or shape" in err
    row = next(line for line in out.splitlines() if "max_ttft_p95_ratio=3" in line)
    assert "| 40 |" in row and "not judged" not in out and "[x0.00" not in out
    out, _ = card(capsys, str(tmp_path / "golden"), "--check", "--check-n", "30", status=0)
    row = next(line for line in out.splitlines() if "max_ttft_p95_ratio=3" in line)
    assert "| 30 |" in row and "(not judged) | INCONCLUSIVE (see below) |" in row and "x0.00" not in row
    assert (
        "- test_bot.py::test_answers: time to first token p95 (ms) max_ttft_p95_ratio=3 is not judged: 30 inputs: "
        "the p95 ratio bound needs at least 40 inputs; resample that many to judge it" in out
    )
    document = json.loads(card(capsys, str(tmp_path / "golden"), "--check", "--json", status=0)[0])
    [ttft] = [
        v
        for b in document["drift"]["bundles"]
        for f in b["files"]
        for v in f["properties"]
        if v["metric_key"] == "ttft.p95"
    ]
    assert ttft["bound"] == "max_ttft_p95_ratio=3" and ttft["n_inputs"] == 40


def test_check_notes_are_whole_and_escape_only_what_would_act(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A long note is never cut mid-word, and plain punctuation (parentheses, '&') reads as written."""
    path = record(tmp_path, Bundle(RECORDED, label="bot & co (v1)"), inputs=INPUTS[:10])
    data = json.loads(path.read_text())
    detector = "llm:" + "a-rather-long-judge-model-name-" * 6 + "v2"
    data["properties"].append({"marker": "refusal_bound", "max_increase": 0.05, "detector": detector})
    path.write_text(json.dumps(data))
    out, _ = card(capsys, str(path), "--check", status=0)
    drift = out.split("## Drift since recorded")[1]
    assert (
        f"- test_bot.py::test_answers: skipped refusal_bound: it was judged by an LLM ({detector}); diff judges "
        "offline only (run the test with --behavior-baseline to re-judge)" in drift
    )
    assert "### bot & co (v1) (" in drift and "&amp;" not in drift and "\\(" not in drift


def test_a_bundles_files_share_alpha(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Two files of one bundle are each judged at alpha / 2 (Bonferroni): a false "drifted" stays at alpha."""
    bundle = Bundle(RECORDED, label="bot-v1", temperature=0.7)
    record(tmp_path, bundle)
    record(tmp_path, bundle, test="tests/test_bot.py::test_other")
    document = json.loads(card(capsys, str(tmp_path / "golden"), "--check", "--json", status=0)[0])
    (checked,) = document["drift"]["bundles"]
    levels = [max(v["lower_level"], v["upper_level"]) for f in checked["files"] for v in f["properties"]]
    assert len(checked["files"]) == 2 and levels == pytest.approx([1 - 0.05 / 2] * len(levels))
