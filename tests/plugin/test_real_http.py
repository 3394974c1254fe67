"""Specs against an OpenAI-compatible server on loopback: secrets stay out of every artifact, and a
provider that keeps failing makes the test error (not fail) while keeping what was paid for."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.support.openai_server import ServerConfig, running_server
from tests.support.project import bundle_conftest, loopback_bundle

pytest_plugins = ["pytester"]

FAKE_KEY = "fake-credential-loopback-real-http"

CONFTEST = bundle_conftest(
    loopback_bundle(api_key=FAKE_KEY, extra_headers={"Authorization": f"Bearer {FAKE_KEY}"}, label="loop")
)

SPEC = """
import pytest

@pytest.mark.refusal_bound(max_rate=0.5)
@pytest.mark.length_distribution(max_ratio=1.5)
def test_answers(behavior):
    behavior.sample([f"question {i}" for i in range(30)])
"""


def artifacts(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def test_fake_key_never_reaches_cache_golden_reports_or_logs(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_spec=SPEC)
    with running_server(ServerConfig(script=["429", "500"], retry_after_s=0.05)) as server:
        monkeypatch.setenv("LOOPBACK_URL", server.url)
        update = pytester.runpytest("--behavior-update", "--junitxml=update.xml", "-rA")
        update.assert_outcomes(passed=1)
        run = pytester.runpytest(
            "--behavior-baseline",
            "--behavior-cache=refresh",
            "--junitxml=run.xml",
            "-rA",
            "--log-level=DEBUG",
            "-o",
            "log_cli=true",
        )
        run.assert_outcomes(passed=1)
    assert server.stats.headers and all(h["authorization"] == f"Bearer {FAKE_KEY}" for h in server.stats.headers)
    files = artifacts(pytester.path)
    assert any(p.suffix == ".sqlite3" for p in files) and any(p.suffix == ".json" for p in files)
    for path in files:
        if path.name in ("conftest.py",):
            continue  # the user's own source, which holds the key by construction
        assert FAKE_KEY.encode() not in path.read_bytes(), f"the key leaked into {path}"
    for output in (update.stdout.str(), update.stderr.str(), run.stdout.str(), run.stderr.str()):
        assert FAKE_KEY not in output


def test_a_provider_that_keeps_failing_is_an_error_and_keeps_the_samples(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_spec=SPEC)
    # 12 answers, then nothing but 500s
    with running_server(ServerConfig(script=["ok"] * 12 + ["500"] * 500)) as server:
        monkeypatch.setenv("LOOPBACK_URL", server.url)
        result = pytester.runpytest("--behavior-update", "--behavior-concurrency=1")
        result.assert_outcomes(errors=1)
        result.stdout.fnmatch_lines(
            [
                "*ProviderError: model 'openai/loopback-model' (bundle 'loop') failed after*"
                "(12 of 30 requested samples arrived and are cached*"
            ]
        )
        assert FAKE_KEY not in result.stdout.str()
        with sqlite3.connect(pytester.path / ".behavior-cache" / "samples.sqlite3") as db:
            assert db.execute("SELECT COUNT(*) FROM samples").fetchone()[0] == 12
        server.config.script.clear()  # the provider recovers
        before = server.stats.answered
        pytester.runpytest("--behavior-update").assert_outcomes(passed=1)
        assert server.stats.answered - before == 18, "a re-run requests only the missing samples"
