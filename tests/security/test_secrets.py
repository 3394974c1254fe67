"""Issue 12, items 3 and 27: no credential the process can send reaches the terminal, a report, the cache, a golden
file, a log or a traceback, even when the provider (or the model) echoes the request back.

Each source of a credential gets its own recognisable fake key: a bundle's ``api_key``, an environment variable
litellm reads (``OPENAI_API_KEY``), an ``Authorization: Bearer`` header, a nested parameter (``extra_body``), and a
query string in ``api_base``. A loopback server quotes the whole request (target, headers, body) back in its 200
answers (so the key reaches outputs, the cache, golden files and the Markdown diff) and in 400/401 error bodies (so
it reaches error messages), and every file of the run plus its stdout/stderr is searched for the key.

The new API (`pytest_behavior.spec.secrets.remember`, ...) is imported inside the tests, so that on an older plugin the
end-to-end tests run and fail on the leak itself.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from tests.support.interrupt import pytest_command
from tests.support.openai_server import ServerConfig, running_server
from tests.support.project import bundle_conftest

pytest_plugins = ["pytester"]

SOURCES = ("bundle", "env", "header", "nested", "query")

MAKE_BUNDLE = """
SOURCE = os.environ["PB_SOURCE"]
URL = os.environ["PB_URL"]
KEY = os.environ["PB_CANARY"]  # the name of this variable does not look secret: only the bundle makes it one
TIMEOUT = 120  # the client's: far above an answer's time under load (no test here is about timeouts)

def make_bundle():
    placeholder = "placeholder-not-the-canary"
    if SOURCE == "bundle":
        return Bundle(model="openai/loopback-model", api_base=URL, api_key=KEY, label="loop", timeout=TIMEOUT)
    if SOURCE == "env":  # litellm reads OPENAI_API_KEY
        return Bundle(model="openai/loopback-model", api_base=URL, label="loop", timeout=TIMEOUT)
    if SOURCE == "header":
        return Bundle(model="openai/loopback-model", api_base=URL, api_key=placeholder, label="loop", timeout=TIMEOUT,
                      extra_headers={"Authorization": "Bearer " + KEY})
    if SOURCE == "nested":
        return Bundle(model="openai/loopback-model", api_base=URL, api_key=placeholder, label="loop", timeout=TIMEOUT,
                      extra_body={"provider": {"credentials": {"session_token": KEY}, "region": "eu"}})
    if SOURCE == "query":
        return Bundle(model="openai/loopback-model", api_base=URL + "?api-key=" + KEY, api_key=placeholder,
                      label="loop", timeout=TIMEOUT)
    raise AssertionError(SOURCE)
"""
CONFTEST = bundle_conftest("make_bundle()", header=MAKE_BUNDLE)
"""The candidate bundle carries the canary key from one source (``$PB_SOURCE``) to the server at ``$PB_URL``."""

SPEC = """
import pytest

@pytest.mark.refusal_bound(max_rate=0.2)
def test_answers(behavior):
    behavior.sample([f"question {i}" for i in range(12)])
"""
INPUTS = 12
"""SPEC's inputs: the default concurrency (16) sends a request for each at once."""


def artifact_args(artifacts: Path, name: str) -> list[str]:
    """Every artifact a run can write (reports, JUnit, diffs, cache) under ``artifacts``, with full tracebacks and
    DEBUG logs, so that a leak into any of them is seen."""
    return [
        f"--behavior-report={artifacts / name}.json",
        f"--behavior-html={artifacts / name}.html",
        f"--junitxml={artifacts / name}.xml",
        f"--behavior-run-dir={artifacts / 'runs'}",
        f"--behavior-cache-dir={artifacts / 'cache'}",
        "-rA",
        "-l",
        "--log-level=DEBUG",
        "-p",
        "no:randomly",
    ]


def canary(source: str) -> str:
    return f"fake-credential-LEAKCANARY-{source}-{uuid.uuid4().hex}"


def outputs_of(result: pytest.RunResult) -> str:
    return result.stdout.str() + "\n" + result.stderr.str()


@pytest.mark.parametrize("source", SOURCES)
def test_a_key_from_any_source_echoed_by_the_provider_reaches_no_artifact(
    source: str, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    key = canary(source)
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_spec=SPEC)
    monkeypatch.setenv("PB_SOURCE", source)
    monkeypatch.setenv("PB_CANARY", key)
    if source == "env":
        monkeypatch.setenv("OPENAI_API_KEY", key)
    else:
        monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    artifacts = tmp_path / "artifacts"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(artifacts / "github-summary.md"))
    artifacts.mkdir()

    def run(name: str, *args: str) -> pytest.RunResult:
        return pytester.runpytest(*args, *artifact_args(artifacts, name))

    results = []
    with running_server(ServerConfig(echo=True, echo_in_answer=True)) as server:
        monkeypatch.setenv("PB_URL", server.url)
        # 1. answers that quote the request (the key) are recorded: outputs, cache, golden file, reports
        recorded = run("update", "--behavior-update")
        recorded.assert_outcomes(passed=1)
        results.append(recorded)
        # 2. the answers turn into refusals that still quote the request: a regression, with its Markdown diff
        server.config.reply = "I can't help with that request about {words}."
        regressed = run("regressed", "--behavior-baseline", "--behavior-cache=refresh")
        regressed.assert_outcomes(failed=1)
        results.append(regressed)
        # 3./4. the provider rejects the request and quotes it in the error body (401, then 400)
        for status in ("401", "400"):
            server.config.script[:] = [status] * 3
            failed = run(f"error-{status}", "--behavior-baseline", "--behavior-cache=refresh")
            failed.assert_outcomes(errors=1)
            results.append(failed)
    sent = server.stats
    assert any(key in repr((h, b, t)) for h, b, t in zip(sent.headers, sent.bodies, sent.targets, strict=True)), (
        "the key must still reach the provider"
    )
    assert "Incorrect API key provided" in outputs_of(results[2])
    golden = [p for p in pytester.path.rglob("*.json") if "golden" in p.parts]
    assert golden and "You sent me" in golden[0].read_text(), "the echoing answers should be recorded"
    files = [p for root in (pytester.path, tmp_path) for p in root.rglob("*") if p.is_file()]
    kinds = {p.suffix for p in files}
    assert {".json", ".html", ".xml", ".md", ".sqlite3"} <= kinds, kinds
    for path in files:
        assert key.encode() not in path.read_bytes(), f"the key leaked into {path}"
    for number, result in enumerate(results, 1):
        assert key not in outputs_of(result), f"the key leaked into the output of run {number}"
    for failed in results[2:]:
        assert "<redacted>" in outputs_of(failed), "the echoed request should show, with the key redacted"


def test_redact_finds_a_credential_in_every_form_it_takes_in_text() -> None:
    from pytest_behavior.spec.secrets import redact, remember_environment, remember_params

    token, password, query, basic = (
        f"tok-{uuid.uuid4().hex}",
        f"pw-{uuid.uuid4().hex[:10]}/+",
        f"q-{uuid.uuid4().hex}",
        f"basic-{uuid.uuid4().hex[:8]}",
    )
    import base64

    basic_header = "Basic " + base64.b64encode(f"user:{basic}".encode()).decode()
    remember_params(
        {
            "extra_headers": {"Authorization": f"Bearer {token}", "Proxy-Authorization": basic_header},
            "api_base": f"https://user:{password.replace('/', '%2F').replace('+', '%2B')}@proxy.example/v1"
            f"?region=eu&api-key={query}",
        }
    )
    env_key = f"env-{uuid.uuid4().hex}"
    remember_environment(
        {
            "MY_PROVIDER_API_KEY": env_key,
            "TOKENIZERS_PARALLELISM": "false",
            "GIT_AUTHOR_NAME": "Jane Q. Doe-Example",
            "DJANGO_SECRET_KEY": "development",
        }
    )
    for text in (
        token,
        f"Bearer {token}",
        password,
        password.replace("/", "%2F").replace("+", "%2B"),
        query,
        basic,
        env_key,
        basic_header.split()[1],
        basic_header,
    ):
        assert redact(f"before {text} after") == "before <redacted> after", text
    assert redact(f'{{"Authorization": "Bearer {token}"}}') == '{"Authorization": "<redacted>"}'
    # pytest -l cuts a long repr in the middle, leaving the start and end of the key around "..."
    assert redact(f"'{token[:20]}...{token[-9:]}'") == "'<redacted>...<redacted>'"
    kept = "TOKENIZERS_PARALLELISM=false by Jane Q. Doe-Example, in development"
    assert redact(kept) == kept, "short values, plain words and non-secret names are kept"
    # a schema describing a password field holds no credential: its words stay readable
    remember_params(
        {
            "extra_body": {
                "response_schema": {
                    "properties": {"new_password": {"type": "string", "description": "the account's new password"}}
                }
            }
        }
    )
    assert redact("a string: the account's new password") == "a string: the account's new password"


def test_credentials_stay_wrapped_in_the_frames_the_plugin_controls() -> None:
    from pytest_behavior.spec.secrets import Secret, conceal, reveal

    key = canary("frames")
    params = {
        "api_key": key,
        "api_base": f"https://proxy.example/v1?key={key}",
        "temperature": 0.1,
        "extra_headers": {"Authorization": f"Bearer {key}", "anthropic-beta": "tools"},
    }
    concealed = conceal(params)
    assert key not in repr(concealed) and key not in str(concealed)
    assert concealed["temperature"] == 0.1 and concealed["extra_headers"]["anthropic-beta"] == "tools"
    assert isinstance(concealed["api_key"], Secret)
    assert reveal(concealed) == params


def test_litellm_and_http_client_logs_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    from pytest_behavior.sampling.litellm_loader import import_litellm
    from pytest_behavior.spec.secrets import remember

    import_litellm()
    key = canary("logs")
    remember([key])
    caplog.set_level(logging.DEBUG)
    names = ("LiteLLM", "openai._base_client", "httpx", "httpcore.http11")
    for name in names:
        logger = logging.getLogger(name)
        # a release that logs raw request headers, or an exception that quotes them
        logger.warning("Request options: %s", {"headers": {"Authorization": f"Bearer {key}"}})
        try:
            raise RuntimeError(f"401 from provider: you sent {key}")
        except RuntimeError:
            logger.exception("call failed")
    assert {record.name for record in caplog.records} == set(names)
    assert len(caplog.records) == 2 * len(names)
    assert key not in caplog.text


@pytest.mark.parametrize("source", ["bundle", "env"])
def test_ctrl_c_with_full_trace_and_locals_does_not_print_the_key(source: str, pytester: pytest.Pytester) -> None:
    key = canary(f"sigint-{source}")
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_spec=SPEC)
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    env.update(PB_SOURCE=source, PB_CANARY=key, LITELLM_LOCAL_MODEL_COST_MAP="True")
    if source == "env":
        env["OPENAI_API_KEY"] = key
    # the server holds every request far longer than the test takes: the call is in flight inside litellm
    with running_server(ServerConfig(script=["timeout"] * 100, timeout_s=300)) as server:
        env["PB_URL"] = server.url
        process = subprocess.Popen(
            pytest_command(
                "--behavior-update",
                "--full-trace",
                "-l",
                "-p",
                "no:cacheprovider",
                "-p",
                "no:randomly",
            ),
            cwd=pytester.path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            # once the server holds a request for every input, the run has nothing left to do but await them
            # inside litellm's and httpx's frames
            deadline = time.monotonic() + 180
            while server.stats.requests < INPUTS and process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
            assert server.stats.requests >= INPUTS, f"{server.stats.requests} of {INPUTS} requests reached the server"
            process.send_signal(signal.SIGINT)
            output, _ = process.communicate(timeout=180)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
    assert "KeyboardInterrupt" in output
    assert "api_key = " in output, "the traceback should show litellm's frames and their arguments"
    assert key not in output
