"""Modes, flags and failure handling of the plugin (pytester)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from tests.support.project import model_bundle, use_bundles

pytest_plugins = ["pytester"]

STABLE = "sim/bot?mean_words=40&refusal_rate=0.02&seed=1"


def make_project(
    pytester: pytest.Pytester,
    *,
    candidate: str = STABLE,
    baseline: str = STABLE,
    marker: str = "refusal_bound(max_rate=0.1, max_increase=0.05)",
    n_tests: int = 1,
    extra: str = "",
) -> None:
    use_bundles(
        pytester,
        model_bundle(candidate, label="candidate", source=extra),
        baseline=model_bundle(baseline, label="baseline"),
        scope="session",
    )
    tests = "\n".join(
        f"""
@pytest.mark.{marker}
def test_spec_{i}(behavior):
    behavior.sample([f"request {{j}} of spec {i}" for j in range(200)])
"""
        for i in range(n_tests)
    )
    pytester.makepyfile(test_specs="import pytest\n" + tests)


def test_live_baseline_samples_both_arms_interleaved(pytester: pytest.Pytester, sim_calls) -> None:
    make_project(pytester, candidate="sim/bot2?mean_words=40&refusal_rate=0.3&seed=1")
    result = pytester.runpytest("--behavior-baseline=live")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*vs baseline 'baseline' (live)*", "*refusal rate*max_increase=0.05*REGRESSED*"])
    assert sim_calls.served_calls("bot") == 200 and sim_calls.served_calls("bot2") == 200
    assert not (pytester.path / "golden").exists(), "a live comparison must not write golden files"


def test_named_bundles_from_pyproject(pytester: pytest.Pytester) -> None:
    pytester.makepyprojecttoml(
        f"""
        [tool.pytest_behavior.bundles.prod]
        model = "{STABLE}"
        [tool.pytest_behavior.bundles.next]
        model = "sim/bot?mean_words=40&refusal_rate=0.4&seed=1"
        temperature = 0.2
        """
    )
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.refusal_bound(max_increase=0.05)
        def test_spec(behavior):
            behavior.sample([f"request {j}" for j in range(200)])
        """
    )
    result = pytester.runpytest("--behavior-baseline=prod", "--behavior-candidate=next")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*candidate 'next' vs baseline 'prod' (live)*"])
    pytester.runpytest("--behavior-baseline=prod", "--behavior-candidate=prod", "-W", "ignore").assert_outcomes(
        passed=1
    )


def test_unknown_candidate_name_is_an_error(pytester: pytest.Pytester) -> None:
    make_project(pytester)
    result = pytester.runpytest("--behavior-update", "--behavior-candidate=nope")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*--behavior-candidate=nope names no [[]tool.pytest_behavior.bundles.nope[]]*"])


def test_baseline_option_swallowing_a_test_path_is_explained(pytester: pytest.Pytester) -> None:
    make_project(pytester)
    pytester.mkdir("tests").joinpath("test_x.py").write_text("def test_x():\n    pass\n")
    result = pytester.runpytest("--behavior-baseline", "tests")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "*--behavior-baseline took 'tests' as its value*put test paths before the option (`pytest tests "
            "--behavior-baseline`)*"
        ]
    )


def test_update_and_baseline_together_is_a_usage_error(pytester: pytest.Pytester) -> None:
    make_project(pytester)
    result = pytester.runpytest("--behavior-update", "--behavior-baseline")
    assert result.ret == pytest.ExitCode.USAGE_ERROR


def test_provider_failure_is_an_error_not_a_failure_and_keeps_samples(pytester: pytest.Pytester) -> None:
    # the simulated failures are a function of the call (error_rate's draw), so every run fails the same calls
    make_project(pytester, candidate="sim/flaky?mean_words=40&error_rate=0.3&seed=1", extra=", num_retries=0")
    pytester.makeini("[pytest]\nbehavior_concurrency = 8\n")
    result = pytester.runpytest("--behavior-update")
    result.assert_outcomes(errors=1)
    # the bundle's num_retries=0 sizes the plugin's own retry budget: one attempt per sample
    result.stdout.fnmatch_lines(
        ["*ProviderError: model 'sim/flaky*failed after 1 attempt(s)*requested samples arrived and are cached*"]
    )
    result.stdout.no_fnmatch_line("*REGRESSED*")
    import sqlite3

    cache = pytester.path / ".behavior-cache" / "samples.sqlite3"
    kept = sqlite3.connect(cache).execute("SELECT COUNT(*) FROM samples").fetchone()[0]
    assert kept > 0, "samples received before the failure must stay cached"


def test_inconclusive_warns_by_default_and_fails_on_request(pytester: pytest.Pytester) -> None:
    make_project(
        pytester, marker="refusal_bound(max_rate=0.05)", candidate="sim/bot?mean_words=40&refusal_rate=0.05&seed=1"
    )
    pytester.runpytest("--behavior-update", "-W", "ignore")
    result = pytester.runpytest("--behavior-baseline")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        ["*BehaviorInconclusiveWarning*INCONCLUSIVE*", "*refusal rate max_rate=0.05 at N=200: likely *"]
    )
    result = pytester.runpytest("--behavior-baseline", "--behavior-inconclusive=fail")
    result.assert_outcomes(failed=1)


def test_secrets_never_reach_cache_golden_or_output(pytester: pytest.Pytester) -> None:
    secret = "fake-credential-" + uuid.uuid4().hex  # made at run time: no key-shaped literal in the tree
    make_project(pytester, extra=f", api_key={secret!r}, extra_headers={{'Authorization': 'Bearer {secret}'}}")
    result = pytester.runpytest("--behavior-update", "-v")
    result.assert_outcomes(passed=1)
    result2 = pytester.runpytest("--behavior-baseline", "-v")
    result2.assert_outcomes(passed=1)
    artifacts = [p for p in pytester.path.rglob("*") if p.is_file()]
    assert any(p.name == "samples.sqlite3" for p in artifacts)
    leaked = [p for p in artifacts if secret.encode() in p.read_bytes() and p.suffix != ".py"]
    assert leaked == []
    assert secret not in result.stdout.str() + result2.stdout.str()


def test_plugin_module_imports_nothing_heavy() -> None:
    code = textwrap.dedent(
        """
        import sys
        import pytest_behavior.plugin
        heavy = [m for m in ("litellm", "numpy", "scipy", "deepdiff", "jsonschema", "tabulate") if m in sys.modules]
        print(heavy)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_run_selecting_no_behavior_test_does_not_import_litellm(pytester: pytest.Pytester) -> None:
    make_project(pytester)
    pytester.makepyfile(test_plain="def test_plain():\n    assert True\n")
    pytester.makeconftest(
        pytester.path.joinpath("conftest.py").read_text() + "\n\ndef pytest_sessionfinish(session):\n    import sys\n"
        "    print('LITELLM_LOADED', 'litellm' in sys.modules, 'NUMPY_LOADED', 'numpy' in sys.modules)\n"
    )
    result = pytester.runpytest_subprocess("test_plain.py", "-s")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*LITELLM_LOADED False NUMPY_LOADED False*"])


def test_a_run_served_entirely_from_the_cache_does_not_import_litellm(pytester: pytest.Pytester) -> None:
    make_project(pytester)
    pytester.makeconftest(
        pytester.path.joinpath("conftest.py").read_text() + "\n\ndef pytest_sessionfinish(session):\n    import sys\n"
        "    print('LITELLM_LOADED', 'litellm' in sys.modules)\n"
    )
    pytester.runpytest_subprocess("--behavior-update", "-s").stdout.fnmatch_lines(["*LITELLM_LOADED True*"])
    rerun = pytester.runpytest_subprocess("--behavior-baseline", "-s", "-W", "ignore")
    rerun.assert_outcomes(passed=1)
    rerun.stdout.fnmatch_lines(["*LITELLM_LOADED False*", "*samples: 0 requested from providers, 200 from the cache*"])


def test_golden_written_by_update_has_no_secret_and_describes_bundle(pytester: pytest.Pytester) -> None:
    make_project(
        pytester, extra=f", api_key='fake-credential-{uuid.uuid4().hex}', api_base='http://u:pw@127.0.0.1:9/v1'"
    )
    pytester.runpytest("--behavior-update").assert_outcomes(passed=1)
    golden = next((pytester.path / "golden").rglob("*.json"))
    data = json.loads(golden.read_text())
    assert data["bundle"]["description"]["params"] == {"api_base": "http://127.0.0.1:9/v1"}
    assert "pw" not in golden.read_text().replace("pytest", "")
    assert Path(golden).name == "test_spec_0.json"
