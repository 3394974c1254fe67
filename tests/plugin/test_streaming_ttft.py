"""latency_bound on the time to first token, through pytest: offline with the simulated provider's ``ttft_ms`` knob,
and over HTTP against loopback servers that stream with a known first-token delay.

The delays are far apart (10x offline, 3x over HTTP, bounds at 2x and 1.5x): a client measures a time to first token
with its own overhead in it (the first calls of a process set litellm up, concurrent streams share one event loop),
tens to a few hundred milliseconds on a loaded machine, the same for both arms."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from tests.support.openai_server import ServerConfig, running_server
from tests.support.project import loopback_bundle, model_bundle, use_bundles

pytest_plugins = ["pytester"]

FAST_FIRST_TOKEN = "sim/assistant?seed=5&mean_words=30&ttft_ms=100"
SLOW_FIRST_TOKEN = "sim/assistant?seed=5&mean_words=30&ttft_ms=1000"
FAKE_KEY = "fake-credential-" + uuid.uuid4().hex  # made at run time: no key-shaped literal in the tree

SPEC = """
import pytest

INPUTS = [f"Question {i}: where is my parcel?" for i in range(40)]

@pytest.mark.latency_bound(max_ttft_p95_ratio=2.0)
def test_first_token(behavior):
    behavior.sample(INPUTS{sample_options})
"""


def spec(sample_options: str = "") -> str:
    return SPEC.replace("{sample_options}", sample_options)


def run_live(pytester: pytest.Pytester, candidate: str, baseline: str, *, stream: bool = True) -> pytest.RunResult:
    use_bundles(
        pytester,
        model_bundle(candidate, label="cand", stream=stream),
        baseline=model_bundle(baseline, label="base", stream=stream),
    )
    pytester.makepyfile(test_spec=spec())
    return pytester.runpytest(
        "--behavior-baseline=live", "--behavior-report=report.json", "--behavior-html=report.html", "-rA"
    )


def test_a_slower_first_token_regresses_and_the_summary_shows_ttft(pytester: pytest.Pytester) -> None:
    summary = pytester.path / "summary.md"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GITHUB_STEP_SUMMARY", str(summary))
        result = run_live(pytester, SLOW_FIRST_TOKEN, FAST_FIRST_TOKEN)
    result.assert_outcomes(failed=1)
    assert "| test | arm | source | cost | latency p50 | p95 | ttft p50 | p95 |" in summary.read_text()
    assert "(TTFT " in (pytester.path / "report.html").read_text()
    result.stdout.fnmatch_lines(["*time to first token p95 (ms)*max_ttft_p95_ratio=2*REGRESSED*"])
    result.stdout.fnmatch_lines(["*latency p50*p95*ttft p50*p95*", "*candidate cand*"])
    arms = json.loads((pytester.path / "report.json").read_text())["tests"][0]
    assert arms["candidate"]["ttft_p50_ms"] >= 1000 and arms["baseline"]["ttft_p50_ms"] >= 100


def test_the_same_first_token_delay_passes(pytester: pytest.Pytester) -> None:
    result = run_live(pytester, SLOW_FIRST_TOKEN, SLOW_FIRST_TOKEN.replace("assistant", "assistant-b"))
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*time to first token p95 (ms)*max_ttft_p95_ratio=2*PASS*"])


def test_samples_read_whole_are_a_usage_error_naming_the_test(pytester: pytest.Pytester) -> None:
    result = run_live(pytester, SLOW_FIRST_TOKEN, FAST_FIRST_TOKEN, stream=False)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*test_spec.py::test_first_token*",
            "*@pytest.mark.latency_bound: 40 * output(s) have no recorded time to first token; only a streamed answer "
            "has one: sample with Bundle(..., stream=True) or behavior.sample(..., stream=True)*",
        ]
    )


def test_behavior_sample_stream_overrides_the_bundle_and_golden_files_keep_ttft(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_bundles(pytester, 'Bundle(model=os.environ.get("SIM_MODEL", "sim/x"), label="bot")')  # stream unset
    pytester.makepyfile(test_spec=spec(", stream=True"))
    monkeypatch.setenv("SIM_MODEL", FAST_FIRST_TOKEN)
    pytester.runpytest("--behavior-update").assert_outcomes(passed=1)
    golden = json.loads(next((pytester.path / "golden").rglob("*.json")).read_text())
    outputs = [o for s in golden["samples"].values() for o in s["outputs"]]
    assert len(outputs) == 40 and all(o["ttft_ms"] >= 100 and o["latency_ms"] >= o["ttft_ms"] for o in outputs)
    assert "stream" not in json.dumps(golden["bundle"])  # not part of what the model does
    monkeypatch.setenv("SIM_MODEL", SLOW_FIRST_TOKEN)
    slow = pytester.runpytest("--behavior-baseline")
    slow.assert_outcomes(failed=1)
    slow.stdout.fnmatch_lines(["*time to first token p95 (ms)*REGRESSED*"])


def artifacts(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and p.name != "conftest.py"]


def test_a_candidate_server_with_three_times_the_first_token_delay_regresses_and_no_key_is_kept(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_bundles(
        pytester,
        loopback_bundle(env="CANDIDATE_URL", api_key=FAKE_KEY, label="cand", stream=True),
        baseline=loopback_bundle(env="BASELINE_URL", api_key=FAKE_KEY, label="base", stream=True),
    )
    pytester.makepyfile(
        test_spec="""
        import pytest

        @pytest.mark.latency_bound(max_ttft_p95_ratio=1.5)
        def test_first_token(behavior):
            behavior.sample([f"question {i}" for i in range(40)])
        """
    )
    baseline_config = ServerConfig(first_token_s=0.3, chunk_interval_s=0.005, echo_in_answer=True)
    candidate_config = ServerConfig(first_token_s=0.9, chunk_interval_s=0.005, echo_in_answer=True)
    with running_server(baseline_config) as base, running_server(candidate_config) as cand:
        monkeypatch.setenv("BASELINE_URL", base.url)
        monkeypatch.setenv("CANDIDATE_URL", cand.url)
        result = pytester.runpytest(
            "--behavior-baseline=live", "--behavior-report=report.json", "--junitxml=run.xml", "-rA"
        )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*time to first token p95 (ms)*max_ttft_p95_ratio=1.5*REGRESSED*"])
    assert all(body["stream"] is True for body in base.stats.bodies + cand.stats.bodies)
    assert all(h["authorization"] == f"Bearer {FAKE_KEY}" for h in base.stats.headers + cand.stats.headers)
    files = artifacts(pytester.path)
    assert any(p.suffix == ".sqlite3" for p in files) and any(p.name == "report.json" for p in files)
    for path in files:  # the answers quote the request back, headers included: the key must be redacted
        assert FAKE_KEY.encode() not in path.read_bytes(), f"the key leaked into {path}"
    assert FAKE_KEY not in result.stdout.str() + result.stderr.str()


@pytest.mark.parametrize(("option", "expected"), [((), 4), (("--behavior-concurrency=8",), 8)])
def test_streamed_calls_run_four_in_flight_unless_the_concurrency_is_set(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, option: tuple[str, ...], expected: int
) -> None:
    """Reading other streams delays the moment each one's first token is seen (a TTFT ratio drifts toward 1): by
    default a streamed arm is sampled 4 calls at a time, not 16; a concurrency the user sets holds as given. The
    server holds every request until ``expected`` are in flight, so the count does not depend on the machine's
    speed."""
    use_bundles(
        pytester,
        loopback_bundle(api_key=FAKE_KEY, label="cand", stream=True),
        baseline=loopback_bundle(api_key=FAKE_KEY, label="base", stream=True),
    )
    pytester.makepyfile(
        test_spec="""
        import pytest

        @pytest.mark.latency_bound(max_ttft_p95_ratio=3.0)
        def test_first_token(behavior):
            behavior.sample([f"question {i}" for i in range(24)])
        """
    )
    config = ServerConfig(first_token_s=0.05, chunk_interval_s=0.005, hold_until_in_flight=expected, hold_limit_s=30)
    with running_server(config) as server:
        monkeypatch.setenv("LOOPBACK_URL", server.url)
        result = pytester.runpytest("--behavior-baseline=live", *option)
    result.assert_outcomes(passed=1)
    assert server.stats.requests == 48 and server.stats.max_in_flight == expected


def test_sequential_sampling_keeps_streamed_calls_four_in_flight(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sequential mode samples through its own workers (input order): the same cap holds for streamed calls."""
    use_bundles(
        pytester,
        loopback_bundle(api_key=FAKE_KEY, label="cand", stream=True),
        baseline=loopback_bundle(api_key=FAKE_KEY, label="base", stream=True),
    )
    pytester.makepyfile(
        test_spec="""
        import pytest

        @pytest.mark.refusal_bound(max_increase=0.5, sequential=True)
        def test_refusals(behavior):
            behavior.sample([f"question {i}" for i in range(24)])
        """
    )
    config = ServerConfig(first_token_s=0.05, chunk_interval_s=0.005, hold_until_in_flight=4, hold_limit_s=30)
    with running_server(config) as server:
        monkeypatch.setenv("LOOPBACK_URL", server.url)
        result = pytester.runpytest("--behavior-baseline=live", "--behavior-sequential")
    result.assert_outcomes(passed=1)
    assert server.stats.requests > 0
    assert server.stats.max_in_flight == 4
