"""``card --check`` on golden files the plugin recorded (pytester): the check sends the provider exactly the requests
the recording sent for the same inputs (system prompt, the spec's prompt template filled from dict inputs, sampling
parameters, the call seed), with the credential from the environment, and says "still behaves as recorded"."""

from __future__ import annotations

import json
import uuid

import pytest

from pytest_behavior.cli import main
from tests.support.openai_server import ServerConfig, running_server
from tests.support.project import loopback_bundle, use_bundles

pytest_plugins = ["pytester"]

SPEC = """
import pytest

INPUTS = [{"id": f"t{i}", "product": f"router {i}", "problem": "no signal"} for i in range(24)]

@pytest.mark.refusal_bound(max_increase=0.05)
def test_support(behavior):
    behavior.sample(INPUTS, prompt="Product: {product}\\nProblem: {problem}\\nHow do I fix it?", repeats=2)
"""


def test_the_check_resends_the_recorded_requests(
    pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "fake-credential-" + uuid.uuid4().hex  # made at run time: no key-shaped literal in the tree
    monkeypatch.setenv("OPENAI_API_KEY", key)
    config = ServerConfig(reply_fn=lambda messages: f"Try this: {str(messages[-1]['content'])[:40]}, then restart.")
    bundle = loopback_bundle(system="You are a support agent.", temperature=0.3, max_tokens=120, label="support-v2")
    use_bundles(pytester, bundle)
    pytester.makepyfile(test_support=SPEC)
    with running_server(config) as server:
        monkeypatch.setenv("LOOPBACK_URL", server.url)
        pytester.runpytest("--behavior-update", "-p", "no:randomly").assert_outcomes(passed=1)
        recorded = [json.dumps(body, sort_keys=True) for body in server.stats.bodies]
        assert len(recorded) == 48
        capsys.readouterr()
        status = main(["card", str(pytester.path / "golden"), "--check", "--check-n", "10", "--json"])
        checked = [json.dumps(body, sort_keys=True) for body in server.stats.bodies[48:]]
        authorization = {headers["authorization"] for headers in server.stats.headers[48:]}
    assert status == 0
    assert len(checked) == 20 and set(checked) <= set(recorded)  # 10 inputs x 2 repeats, each request as recorded
    assert authorization == {f"Bearer {key}"}
    out = capsys.readouterr().out
    assert key not in out
    (bundle_check,) = json.loads(out)["drift"]["bundles"]
    assert bundle_check["label"] == "support-v2" and bundle_check["status"] == "as recorded"
    (verdict,) = bundle_check["files"][0]["properties"]
    assert verdict["baseline"] == verdict["candidate"] == 0.0 and verdict["repeats"] == 2
