"""Interrupted runs resume from the sample cache, and the cache and golden files stay consistent.

A real pytest process samples from the loopback OpenAI-compatible server, which answers a set number of
requests and then holds the rest, so the run is stuck mid-way whatever the machine's speed; it is then
killed by SIGINT (Ctrl-C) or SIGKILL, and a re-run requests exactly the samples that are not in the cache.
A process killed between writing a golden file's temp file and renaming it leaves every golden file whole.
(Two xdist workers writing one cache: tests/plugin/test_xdist.py.) The server runs
in this process; the pytest under test talks to it over loopback.
"""

from __future__ import annotations

import json
import re
import signal
import sqlite3
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from subprocess import Popen

import pytest

from pytest_behavior.golden.store import read_golden
from tests.support.interrupt import pytest_command
from tests.support.openai_server import OpenAIServer, ServerConfig, running_server
from tests.support.project import bundle_conftest, loopback_bundle

pytest_plugins = ["pytester"]

REPLY = "echo: {words}"
"""The server's answer names the question, so a cached sample says which question it answers."""

LOOPBACK = loopback_bundle(timeout_env="LOOPBACK_TIMEOUT_S", api_key="fake-credential-resume", label="loop")
"""The loopback server's bundle; the client's timeout is 120 s unless ``$LOOPBACK_TIMEOUT_S`` says otherwise."""
CONFTEST = bundle_conftest(LOOPBACK)

PAUSE_ENV = "BEHAVIOR_TEST_PAUSE_BEFORE_GOLDEN_RENAME"
PAUSING_CONFTEST = bundle_conftest(
    LOOPBACK,
    header=f"""
# Test instrumentation: with {PAUSE_ENV}=<marker path> set, a golden file's temp file is fully written, then
# the process says so in the marker file and hangs just before renaming it over the golden file, so the test
# can kill it at the worst moment. Only ever set for a subprocess.
_marker = os.environ.get("{PAUSE_ENV}")
if _marker:
    import time
    from pathlib import Path

    _real_replace = os.replace

    def _pausing_replace(src, dst, *args, **kwargs):
        if str(src).endswith(".tmp") and str(dst).endswith(".json"):
            # written whole before it appears, so the test never reads a half-written marker
            Path(_marker + ".part").write_text(str(dst))
            _real_replace(_marker + ".part", _marker)
            time.sleep(120)
        return _real_replace(src, dst, *args, **kwargs)

    os.replace = _pausing_replace
""",
)


def spec_file(tests: dict[str, list[str]]) -> str:
    """A spec module: one behavior test per name, sampling those questions."""
    return "import pytest\n" + "".join(
        f"""

@pytest.mark.length_distribution(max_ratio=1.5)
def {name}(behavior):
    behavior.sample({questions!r})
"""
        for name, questions in tests.items()
    )


def questions(start: int, stop: int) -> list[str]:
    return [f"question {i}" for i in range(start, stop)]


def cache_path(root: Path) -> Path:
    return root / ".behavior-cache" / "samples.sqlite3"


def cached_questions(root: Path) -> list[str]:
    """The question each cached sample answers, one per row (the cache holds one row per sample)."""
    with closing(sqlite3.connect(cache_path(root))) as db:
        payloads = [json.loads(row[0]) for row in db.execute("SELECT payload FROM samples")]
    return [payload["text"].removeprefix("echo: ") for payload in payloads]


def integrity(root: Path) -> str:
    with closing(sqlite3.connect(cache_path(root))) as db:
        return str(db.execute("PRAGMA integrity_check").fetchone()[0])


def requested_questions(server: OpenAIServer, since: int = 0) -> list[str]:
    """The question of every request the server received after its first ``since`` requests."""
    return [str(body["messages"][-1]["content"]) for body in server.stats.bodies[since:]]


def wait_until(
    condition: Callable[[], bool],
    *,
    what: str,
    proc: Popen[bytes] | None = None,
    log: Path | None = None,
    timeout: float = 300.0,
) -> None:
    """Poll ``condition`` until it holds; fail (with the process's output) on timeout or an early exit. (The
    deadline only bounds a hang: a loaded machine may take a minute to start pytest and import litellm.)"""
    deadline = time.monotonic() + timeout
    while not condition():
        if proc is not None and proc.poll() is not None:
            output = log.read_text(errors="replace") if log else ""
            pytest.fail(f"pytest exited ({proc.returncode}) before {what}:\n{output}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.02)


def settle(server: OpenAIServer) -> None:
    """Let the server read whatever the killed process had sent: wait until its request count stops moving.

    (Requests the server holds keep their connections open; they were counted when they arrived.)"""
    last, still_since = server.stats.requests, time.monotonic()
    deadline = still_since + 15
    while time.monotonic() - still_since < 0.5:
        if time.monotonic() > deadline:
            pytest.fail("requests kept arriving after the pytest process had exited")
        time.sleep(0.05)
        if server.stats.requests != last:
            last, still_since = server.stats.requests, time.monotonic()


def stalling_server(answers: int, *, hold_s: float = 300) -> ServerConfig:
    """A server that answers ``answers`` requests, then holds every request ``hold_s`` (past the client's timeout).

    With ``--behavior-concurrency=2``, once it has received ``answers + 2`` requests, exactly ``answers``
    samples have arrived and are cached (a job releases its slot only after caching its sample) and two
    requests are in flight: the run is deterministically mid-way, whatever the machine's speed."""
    return ServerConfig(script=["ok"] * answers + ["timeout"] * 200, timeout_s=hold_s, reply=REPLY)


def start_update(pytester: pytest.Pytester, log: Path, *args: str) -> Popen[bytes]:
    """``pytest --behavior-update ARGS`` in a subprocess (cwd and PYTHONPATH set by pytester), output to ``log``."""
    with log.open("wb") as out:
        return pytester.popen(
            pytest_command("--behavior-update", "-p", "no:cacheprovider", *args),
            stdout=out,
            stderr=out,
        )


def golden_files(root: Path) -> dict[str, Path]:
    """Every golden JSON file, by the test it records; each must parse as a complete golden record."""
    found = {}
    for path in sorted((root / "golden").rglob("*.json")):
        nodeid = f"{path.parent.name}.py::{path.stem}"
        assert read_golden(path, nodeid=nodeid).samples, f"{path} holds no samples"
        found[nodeid] = path
    return found


def kill_mid_run(
    pytester: pytest.Pytester, server: OpenAIServer, sig: signal.Signals, *, answers: int, exit_within_s: float = 30
) -> tuple[Popen[bytes], str, float]:
    """Run an update against `stalling_server(answers)`; once it stalls, send ``sig`` and wait for the exit.

    Returns the process, its output, and how many seconds it took to exit after the signal."""
    log = pytester.path / f"killed-{sig.name}.log"
    proc = start_update(pytester, log, "--behavior-concurrency=2")
    try:
        wait_until(
            lambda: server.stats.requests >= answers + 2,
            what=f"{answers} answers and 2 held requests",
            proc=proc,
            log=log,
        )
        assert server.stats.answered == answers
        proc.send_signal(sig)
        signalled = time.monotonic()
        proc.wait(timeout=exit_within_s)
        exited_after = time.monotonic() - signalled
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    settle(server)
    server.config.script.clear()  # the provider recovers
    return proc, log.read_text(errors="replace"), exited_after


def assert_resumes(
    pytester: pytest.Pytester, server: OpenAIServer, all_questions: list[str], *, cached: int, tests: int
) -> None:
    """The cache holds ``cached`` samples, one row each; a re-run requests exactly the missing ones, once each."""
    in_cache = cached_questions(pytester.path)
    assert len(in_cache) == len(set(in_cache)) == cached, "one row per sample that arrived"
    assert set(in_cache) <= set(all_questions)
    before = len(server.stats.bodies)
    result = pytester.runpytest("--behavior-update", "--behavior-concurrency=8", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=tests)
    requested = requested_questions(server, before)
    assert len(requested) == len(all_questions) - cached, "only the missing samples are requested"
    assert sorted(requested) == sorted(set(all_questions) - set(in_cache))
    result.stdout.fnmatch_lines([f"samples: {len(requested)} requested from providers, {cached} from the cache"])
    assert sorted(cached_questions(pytester.path)) == sorted(all_questions)
    assert integrity(pytester.path) == "ok"


def test_sigint_mid_run_then_rerun_requests_only_missing_samples(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeconftest(CONFTEST)
    asked = questions(0, 30)
    pytester.makepyfile(test_spec=spec_file({"test_answers": asked}))
    # the two held requests would end only after 600 s (the client's timeout and the server's hold): a run that
    # waited for them could not exit within 300 s, however loaded the machine, and a prompt one always does
    monkeypatch.setenv("LOOPBACK_TIMEOUT_S", "600")
    with running_server(stalling_server(answers=10, hold_s=900)) as server:
        monkeypatch.setenv("LOOPBACK_URL", server.url)
        proc, output, exited_after = kill_mid_run(pytester, server, signal.SIGINT, answers=10, exit_within_s=400)
        monkeypatch.delenv("LOOPBACK_TIMEOUT_S")  # the re-run below is served normally
        # Ctrl-C with two requests in flight: pytest reports the interrupt and exits, without a traceback
        assert proc.returncode == pytest.ExitCode.INTERRUPTED, output
        assert exited_after < 300, f"Ctrl-C took {exited_after:.1f} s to stop the run: it waited for the calls"
        assert re.search(r"^!+ KeyboardInterrupt !+$", output, re.MULTILINE), output
        assert "Traceback" not in output, output
        assert not (pytester.path / "golden").exists(), "an interrupted test records no golden file"
        assert integrity(pytester.path) == "ok"
        assert_resumes(pytester, server, asked, cached=10, tests=1)
    assert set(golden_files(pytester.path)) == {"test_spec.py::test_answers"}


def test_sigkill_mid_run_then_rerun_requests_only_missing_samples(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeconftest(CONFTEST)
    specs = {f"test_part_{k}": questions(15 * k, 15 * k + 15) for k in range(3)}
    asked = [q for qs in specs.values() for q in qs]
    pytester.makepyfile(test_spec=spec_file(specs))
    # killed while test_part_1 samples (10 of its 15 in), after test_part_0 recorded its golden file
    with running_server(stalling_server(answers=25)) as server:
        monkeypatch.setenv("LOOPBACK_URL", server.url)
        proc, output, _ = kill_mid_run(pytester, server, signal.SIGKILL, answers=25)
        assert proc.returncode == -signal.SIGKILL, output
        assert integrity(pytester.path) == "ok"
        assert set(golden_files(pytester.path)) == {"test_spec.py::test_part_0"}
        assert_resumes(pytester, server, asked, cached=25, tests=3)
    assert set(golden_files(pytester.path)) == {f"test_spec.py::{name}" for name in specs}


def test_kill_while_replacing_a_golden_file_leaves_every_golden_file_whole(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeconftest(PAUSING_CONFTEST)
    specs = {name: questions(5 * k, 5 * k + 5) for k, name in enumerate(("test_a", "test_b", "test_c"))}
    pytester.makepyfile(test_spec=spec_file(specs))
    with running_server(ServerConfig(reply=REPLY)) as server:
        monkeypatch.setenv("LOOPBACK_URL", server.url)
        pytester.runpytest("--behavior-update", "-p", "no:cacheprovider").assert_outcomes(passed=3)
        recorded = golden_files(pytester.path)
        old = {nodeid: path.read_bytes() for nodeid, path in recorded.items()}
        assert len(old) == 3

        # the behavior changes; a re-recording is killed after writing test_a's temp file, before renaming it
        server.config.reply = "changed: {words}"
        marker = pytester.path / "paused-at"
        monkeypatch.setenv(PAUSE_ENV, str(marker))
        log = pytester.path / "killed-in-write.log"
        proc = start_update(pytester, log, "--behavior-cache=refresh")
        monkeypatch.delenv(PAUSE_ENV)
        try:
            wait_until(marker.exists, what="the golden write to pause", proc=proc, log=log)
            proc.kill()
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        assert Path(marker.read_text()) == recorded["test_spec.py::test_a"]

        # every golden file is still the complete old recording; the new one exists only as a temp file
        assert golden_files(pytester.path) == recorded
        assert {nodeid: path.read_bytes() for nodeid, path in recorded.items()} == old
        leftovers = list((pytester.path / "golden").rglob("*.tmp"))
        assert [p.name.startswith(".test_a.json.") for p in leftovers] == [True]
        assert "changed: question 0" in leftovers[0].read_text()

        # the next runs do not trip over the leftover temp file
        result = pytester.runpytest("--behavior-update", "-p", "no:cacheprovider")
        result.assert_outcomes(passed=3)
        result.stdout.fnmatch_lines(["golden files written: 1"])
        assert not list((pytester.path / "golden").rglob("*.tmp")), "the killed writer's temp file was cleaned up"
        rerecorded = golden_files(pytester.path)
        assert rerecorded == recorded
        assert "changed: question 0" in rerecorded["test_spec.py::test_a"].read_text()
        for nodeid in ("test_spec.py::test_b", "test_spec.py::test_c"):
            assert rerecorded[nodeid].read_bytes() == old[nodeid]
        pytester.runpytest("--behavior-baseline", "-p", "no:cacheprovider").assert_outcomes(passed=3)
