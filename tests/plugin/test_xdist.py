"""The plugin under pytest-xdist: one project of several parts recorded, compared and held to a budget in three
xdist sessions, each asserting what every part leaves behind.

Each part is a folder with its own bundles (``tests.support.project.use_bundles(folder=...)``). The sim parts sample
the same requests (the first ones of ``request j of spec i``), so a part recorded after another finds its samples
in the cache: the sessions pay for each sample about once. The loopback parts talk to one OpenAI-compatible server
in this process (`tests.support.openai_server`), which holds the first requests until two are in flight, so the
concurrency it sees does not depend on the machine's load.
"""

from __future__ import annotations

import json
import re
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from tests.support.openai_server import OpenAIServer, ServerConfig, running_server
from tests.support.project import INVALID_MARKERS_SPEC, loopback_bundle, model_bundle, use_bundles

pytest_plugins = ["pytester"]

STABLE = "sim/bot?mean_words=40&refusal_rate=0.02&seed=1"
REFUSING = "sim/bot?mean_words=40&refusal_rate=0.3&seed=1"
SEQUENTIAL_BAD = "sim/bot?mean_words=40&refusal_rate=0.25&seed=1"
OTHER_SEED = "sim/bot?mean_words=40&refusal_rate=0.02&seed=2"
INVALID_MODEL = "sim/bot?mean_words=5&refusal_rate=0.0&seed=1"
PRUNE_MODEL = "sim/bot-v1?mean_words=10&refusal_rate=0.0&seed=3"
REPLY = "echo: {words}"
"""The loopback server's answer names the question, so a cached sample says which question it answers."""

XDIST = ("-p", "xdist", "-n", "2", "-p", "no:cacheprovider")
TIMEOUT_S = 600  # every session's subprocess; a hang fails instead of blocking the suite

PRUNE_SPEC = """
import os

import pytest

INPUTS = [f"Ticket {i}: my order {i} arrived late" for i in range(12)]

@pytest.mark.refusal_bound(max_increase=0.03)
def test_refusals(behavior):
    behavior.sample(INPUTS)

@pytest.mark.length_distribution(max_ratio=1.5)
def test_other(behavior):
    behavior.sample(INPUTS[:6])

@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.length_distribution(max_ratio=1.5)
def test_param(behavior, lang):
    behavior.sample([f"{lang}: {text}" for text in INPUTS[:6]])

def test_flag():
    assert not os.path.exists("fail-now")
"""


def sim_spec(marker: str, tests: dict[str, int], n_inputs: int) -> str:
    """One behavior test per name under ``@pytest.mark.<marker>``, sampling the first ``n_inputs`` requests of the
    spec number ``tests[name]``."""
    return "import pytest\n" + "".join(
        f"""

@pytest.mark.{marker}
def {name}(behavior):
    behavior.sample([f"request {{j}} of spec {spec}" for j in range({n_inputs})])
"""
        for name, spec in tests.items()
    )


def loopback_spec(questions: list[str]) -> str:
    return f"""import pytest


@pytest.mark.length_distribution(max_ratio=1.5)
def test_answers(behavior):
    behavior.sample({questions!r})
"""


def questions(start: int, stop: int, prefix: str = "") -> list[str]:
    return [f"{prefix}question {i}" for i in range(start, stop)]


def write(pytester: pytest.Pytester, path: str, text: str) -> None:
    target = pytester.path / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)


REFUSAL_MARKER = "refusal_bound(max_rate=0.1, max_increase=0.05)"
SPECS = {f"test_spec_{i}": i for i in range(4)}
SHARED = {f"loopback/test_shared_{k}.py": questions(8 * k, 8 * k + 24) for k in range(4)}
"""Four loopback modules whose questions overlap: 96 samples to take, 48 distinct ones to store."""
BOUND = {f"loopback/test_bound_{name}.py": questions(0, 48, prefix=f"{name} ") for name in ("a", "b")}
"""Two loopback modules of 48 questions each, none shared: the concurrency bound's load."""


def make_project(pytester: pytest.Pytester) -> None:
    use_bundles(pytester, model_bundle(STABLE, label="candidate"), scope="session", folder="modes")
    write(pytester, "modes/test_modes_part.py", sim_spec(REFUSAL_MARKER, SPECS, 200))
    use_bundles(pytester, model_bundle(STABLE, label="candidate"), scope="session", folder="changed")
    write(pytester, "changed/test_changed_part.py", sim_spec(REFUSAL_MARKER, SPECS, 100))
    use_bundles(pytester, model_bundle(STABLE, label="v1"), folder="sequential")
    write(
        pytester,
        "sequential/test_sequential_part.py",
        sim_spec(
            "refusal_bound(max_increase=0.03, sequential=True)", {"test_refusals": 0, "test_refusals_again": 1}, 200
        ),
    )
    use_bundles(pytester, model_bundle(STABLE, label="cand"), scope="session", folder="budget")
    write(pytester, "budget/test_budget_part.py", sim_spec("length_distribution(max_ratio=1.5)", SPECS, 100))
    use_bundles(pytester, loopback_bundle(api_key="fake-credential-xdist", label="loop"), folder="loopback")
    for path, asked in {**SHARED, **BOUND}.items():
        write(pytester, path, loopback_spec(asked))
    use_bundles(pytester, model_bundle(INVALID_MODEL), scope="session", folder="invalid")
    write(pytester, "invalid/test_invalid_part.py", INVALID_MARKERS_SPEC)
    for part, module in (("prune_whole", "test_pruned"), ("prune_narrowed", "test_narrowed")):
        use_bundles(pytester, model_bundle(PRUNE_MODEL, system="Answer.", label="cand"), folder=part)
        write(pytester, f"{part}/{module}.py", PRUNE_SPEC)


def record_then_rename_a_test(pytester: pytest.Pytester) -> None:
    """The prune parts' golden files, recorded before the xdist session; then ``test_other`` is renamed, so its
    golden file is one the plugin wrote for a test that is gone."""
    recorded = pytester.runpytest("--behavior-update", "prune_whole", "prune_narrowed", "-p", "no:cacheprovider")
    recorded.assert_outcomes(passed=10)
    for module in ("prune_whole/test_pruned.py", "prune_narrowed/test_narrowed.py"):
        spec = pytester.path / module
        spec.write_text(spec.read_text().replace("def test_other(", "def test_renamed("))
    (pytester.path / "golden" / "README.json").write_text('{"about": "golden files"}\n')


def json_files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.json"))}


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(*XDIST, *args, timeout=TIMEOUT_S)


def report(path: Path) -> dict[str, dict[str, Any]]:
    """The verdict file's entries, by node id."""
    return {entry["nodeid"]: entry for entry in json.loads(path.read_text())["tests"]}


def cache_path(root: Path) -> Path:
    return root / ".behavior-cache" / "samples.sqlite3"


def cache_rows(root: Path) -> int:
    with closing(sqlite3.connect(cache_path(root))) as db:
        return int(db.execute("SELECT COUNT(*) FROM samples").fetchone()[0])


def integrity(root: Path) -> str:
    with closing(sqlite3.connect(cache_path(root))) as db:
        return str(db.execute("PRAGMA integrity_check").fetchone()[0])


def cached_answers(root: Path, prefix: str) -> list[str]:
    """The question each cached loopback sample whose question starts with ``prefix`` answers, one per row."""
    with closing(sqlite3.connect(cache_path(root))) as db:
        texts = [str(json.loads(row[0]).get("text") or "") for row in db.execute("SELECT payload FROM samples")]
    return [text.removeprefix("echo: ") for text in texts if text.startswith("echo: " + prefix)]


def requested(server: OpenAIServer, prefix: str) -> list[str]:
    asked = [str(body["messages"][-1]["content"]) for body in server.stats.bodies]
    return [question for question in asked if question.startswith(prefix)]


def test_record_compare_and_budget_under_xdist(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """Replaces, keeping each of their checks: test_modes.py::test_xdist_runs_judge_and_summarize_across_workers,
    test_sequential_mode.py::test_sequential_summary_merges_under_xdist,
    test_budget_progress.py::test_under_xdist_the_workers_share_one_session_budget and
    ::test_concurrency_bounds_the_whole_session_across_xdist_workers,
    test_resume.py::test_xdist_workers_share_one_cache_consistently,
    tests/security/test_invalid_spec_under_xdist.py (now test_invalid_spec.py)::
    test_under_xdist_each_invalid_test_errors_naming_its_mistake_and_no_internal_error
    and tests/security/test_prune.py::test_prune_under_xdist_removes_only_the_plugins_stale_file.

    Three sessions, as the command lines differ: recording (``--behavior-update --behavior-prune``), comparing with
    golden files, and a session budget (which must not cut the other parts' tests short).
    """
    pytest.importorskip("xdist")
    make_project(pytester)
    record_then_rename_a_test(pytester)
    golden = pytester.path / "golden"
    whole_before = json_files(golden / "prune_whole")
    narrowed_before = json_files(golden / "prune_narrowed")
    with running_server(ServerConfig(latency_s=0.02, reply=REPLY, hold_until_in_flight=2)) as server:
        monkeypatch.setenv("LOOPBACK_URL", server.url)
        recorded = run(
            pytester,
            "--behavior-update",
            "--behavior-prune",
            "--behavior-concurrency=5",
            "--behavior-report=update.json",
            "modes",
            "changed",
            "sequential",
            "budget",
            "loopback",
            "invalid",
            "prune_whole",
            "prune_narrowed/test_narrowed.py::test_refusals",
        )
        assert_recorded(pytester, recorded, server)
        assert_pruned(pytester, recorded, whole_before, narrowed_before)

        # the candidates of two parts change; the others' samples are all in the cache
        use_bundles(pytester, model_bundle(REFUSING, label="candidate"), scope="session", folder="changed")
        use_bundles(pytester, model_bundle(SEQUENTIAL_BAD, label="v2"), folder="sequential")
        requests_before = server.stats.requests
        compared = run(
            pytester,
            "--behavior-baseline",
            "--behavior-report=compare.json",
            "modes",
            "changed",
            "sequential",
            "loopback",
        )
        assert_compared(pytester, compared)
        assert server.stats.requests == requests_before, "a re-run is served entirely from the cache"
        assert integrity(pytester.path) == "ok"
        assert sorted(cached_answers(pytester.path, "question ")) == sorted(questions(0, 48))

    # the budget part's candidate changes: its samples are not cached, the budget binds
    use_bundles(pytester, model_bundle(OTHER_SEED, label="cand"), scope="session", folder="budget")
    rows_before = cache_rows(pytester.path)
    budgeted = run(pytester, "--behavior-baseline", "--behavior-budget=calls:150", "-W", "ignore", "budget")
    outcomes = budgeted.parseoutcomes()
    assert outcomes.get("passed", 0) + outcomes.get("errors", 0) == 4, budgeted.stdout.str()
    # 4 tests of 100 inputs, two per worker (xdist's first batch): a budget per worker would let 300 samples through
    assert cache_rows(pytester.path) - rows_before == 150


def assert_recorded(pytester: pytest.Pytester, result: pytest.RunResult, server: OpenAIServer) -> None:
    """What the recording session leaves: golden files of every valid test, the invalid tests errored naming their
    mistakes, one duplicate-free cache written by both workers, and the session-wide concurrency bound."""
    output = result.stdout.str() + result.stderr.str()
    assert "INTERNALERROR" not in output
    # modes 4 + changed 4 + sequential 2 + budget 4 + loopback 6 + invalid 1 + prune_whole 5 + prune_narrowed 1
    result.assert_outcomes(passed=27, errors=2)
    golden = pytester.path / "golden"
    assert len(list((golden / "modes").rglob("*.json"))) == 4
    # an invalid spec: each invalid test errors at setup with the message, before any model call
    result.stdout.fnmatch_lines(
        [
            "*UsageError: invalid behavior spec: invalid/test_invalid_part.py::test_typo: *unexpected keyword argument "
            "'max_rat'; did you mean 'max_rate'?*",
        ]
    )
    assert "invalid/test_invalid_part.py::test_percent_for_a_rate: @pytest.mark.refusal_bound" in output
    assert sorted(p.name for p in (golden / "invalid").rglob("*.json")) == ["test_valid.json"]
    # the loopback parts: every question asked, one cache row per distinct question however many workers asked
    assert set(requested(server, "question ")) == set(questions(0, 48))
    assert integrity(pytester.path) == "ok"
    cached = cached_answers(pytester.path, "question ")
    assert len(cached) == 48, "one row per distinct sample, however many workers asked for it"
    assert sorted(cached) == sorted(questions(0, 48))
    # --behavior-concurrency=5 bounds the session: 3 + 2 for the two workers, never 5 each
    bound = requested(server, "a question ") + requested(server, "b question ")
    assert len(bound) == 96 and server.stats.answered == server.stats.requests
    assert 2 <= server.stats.max_in_flight <= 5


def assert_pruned(
    pytester: pytest.Pytester,
    result: pytest.RunResult,
    whole_before: dict[str, bytes],
    narrowed_before: dict[str, bytes],
) -> None:
    """``--behavior-prune`` removes the renamed test's golden file of the module collected whole, and only it: not
    the one of the module a node-id argument narrowed, nor a JSON file the plugin did not write."""
    golden = pytester.path / "golden"
    result.stdout.fnmatch_lines(
        ["removed 1 unused golden file(s):", "  golden/prune_whole/test_pruned/test_other.json"]
    )
    expected = {name: text for name, text in whole_before.items() if name != "test_pruned/test_other.json"}
    expected["test_pruned/test_renamed.json"] = (golden / "prune_whole/test_pruned/test_renamed.json").read_bytes()
    assert json_files(golden / "prune_whole") == expected
    assert json_files(golden / "prune_narrowed") == narrowed_before
    assert (golden / "README.json").read_text() == '{"about": "golden files"}\n'
    ran = [nodeid for nodeid in report(pytester.path / "update.json") if nodeid.startswith("prune_narrowed/")]
    assert ran == ["prune_narrowed/test_narrowed.py::test_refusals"]


def assert_compared(pytester: pytest.Pytester, result: pytest.RunResult) -> None:
    """The comparing session: the workers judge against the golden files, and the controller sums their samples
    and their sequential tests."""
    result.assert_outcomes(passed=10, failed=6)  # modes 4 and loopback 6 pass; changed 4 and sequential 2 regress
    entries = report(pytester.path / "compare.json")
    for i in range(4):
        modes = entries[f"modes/test_modes_part.py::test_spec_{i}"]
        assert modes["outcome"] == "passed" and modes["samples"] == {"requested": 0, "cached": 200}
        assert entries[f"changed/test_changed_part.py::test_spec_{i}"]["outcome"] == "regressed"
    for path in SHARED:
        shared = entries[f"{path}::test_answers"]
        assert shared["outcome"] == "passed" and shared["samples"] == {"requested": 0, "cached": 24}
    result.stdout.fnmatch_lines(["*refusal rate*REGRESSED*"])
    result.stdout.fnmatch_lines(["sequential tests: * of 400 inputs used (* saved, *%)"])
    summary = re.search(
        r"^samples: (\d+) requested from providers, (\d+) from the cache$", result.stdout.str(), re.MULTILINE
    )
    assert summary is not None, result.stdout.str()
    # modes 4 x 200 + loopback 4 x 24 + 2 x 48 from the cache; the changed candidates' samples requested
    assert int(summary.group(2)) == 800 + 96 + 96
    assert int(summary.group(1)) == sum(entry["samples"]["requested"] for entry in entries.values()) >= 400
