"""The sample cache keeps every sample honestly (issue 12, items 8, 15, 23).

- 8: an unusable ``--behavior-cache-dir`` is a test ERROR naming the path and the option (never a FAILED with a
  traceback chained to "no running event loop"), and ``--behavior-report`` is still written, with an error entry.
- 15: an output holding a lone surrogate (``"\\ud800"``) is stored losslessly: cached (a re-run makes no call),
  recorded in the golden file, and every report is written.
- 23: every cache row carries a checksum of what it stores; a row edited in place (same length, so SQLite's
  integrity_check passes) is treated as missing, requested again and reported, and the verdict comes from the
  fresh sample.

Modules under test are imported inside the tests, so that on an older version each test fails on its own.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.openai_server import OpenAIServer, ServerConfig, running_server

pytest_plugins = ["pytester"]

CONFTEST = """
import pytest
from pytest_behavior import Bundle

@pytest.fixture
def candidate_bundle():
    return Bundle(model="openai/loopback-model", api_base=os.environ["LOOPBACK_URL"], api_key="sk-loopback",
                  label="loop", timeout=10)
"""

SPEC = """
import pytest

@pytest.mark.refusal_bound(max_increase=0.05)
def test_answers(behavior):
    behavior.sample([f"question {i}" for i in range(INPUTS)])
"""


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenAIServer]:
    with running_server(ServerConfig()) as running:
        monkeypatch.setenv("LOOPBACK_URL", running.url)
        yield running


def project(pytester: pytest.Pytester, *, inputs: int = 6) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_spec=SPEC.replace("INPUTS", str(inputs)))


def read_report(path: Path) -> dict:  # type: ignore[type-arg]
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


# --- item 8: an unusable cache directory is an error naming the path and the option --------------------------------

@pytest.mark.parametrize("where", ["under-a-file", "file-itself"])
def test_an_unusable_cache_dir_is_an_error_naming_it_and_the_report_is_written(
        pytester: pytest.Pytester, server: OpenAIServer, where: str) -> None:
    project(pytester)
    blocker = pytester.path / "cachefile"
    blocker.write_text("a file where the cache directory should be\n")  # blocks writes even for root
    cache_dir = blocker / "sub" if where == "under-a-file" else blocker
    result = pytester.runpytest("--behavior-update", f"--behavior-cache-dir={cache_dir}",
                                "--behavior-report=report.json", "-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    out = result.stdout.str()
    assert "FAILED" not in out and "no running event loop" not in out and "Traceback" not in out
    result.stdout.fnmatch_lines([f"*BehaviorConfigError: sample cache *{cache_dir.name}* --behavior-cache-dir*"])
    assert str(cache_dir) in out.replace("\n", "")
    assert server.stats.requests == 0, "nothing is requested that could not be cached"
    report = read_report(pytester.path / "report.json")
    entries = report["tests"]
    assert len(entries) == 1 and entries[0]["outcome"] == "error", entries
    assert "--behavior-cache-dir" in json.dumps(entries[0])
