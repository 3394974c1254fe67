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
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from tests.support.openai_server import OpenAIServer, ServerConfig, running_server
from tests.support.project import bundle_conftest, loopback_bundle

pytest_plugins = ["pytester"]

CONFTEST = bundle_conftest(loopback_bundle(api_key="fake-credential-loopback", label="loop"))

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
    pytester: pytest.Pytester, server: OpenAIServer, where: str
) -> None:
    project(pytester)
    blocker = pytester.path / "cachefile"
    blocker.write_text("a file where the cache directory should be\n")  # blocks writes even for root
    cache_dir = blocker / "sub" if where == "under-a-file" else blocker
    result = pytester.runpytest(
        "--behavior-update",
        f"--behavior-cache-dir={cache_dir}",
        "--behavior-report=report.json",
        "-p",
        "no:cacheprovider",
    )
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


# --- item 15: an output with a lone surrogate is stored losslessly --------------------------------------------------

SURROGATE = "\ud800"


def surrogate_reply(messages: list[dict[str, object]]) -> str:
    """An answer holding a lone surrogate (the server's JSON body spells it ``\\ud800``, as json.dumps escapes it)."""
    return f"Half a character {SURROGATE} in answer to {str(messages[-1].get('content'))[:20]}"


def test_an_output_with_a_lone_surrogate_is_cached_recorded_and_reported(
    pytester: pytest.Pytester, server: OpenAIServer
) -> None:
    server.config.reply_fn = surrogate_reply
    project(pytester, inputs=5)
    reports = ["--behavior-report=report.json", "--behavior-html=report.html", "--junitxml=junit.xml", "-rA"]
    first = pytester.runpytest("--behavior-update", *reports, "-p", "no:cacheprovider")
    first.assert_outcomes(passed=1)
    assert server.stats.answered == 5
    golden = next((pytester.path / "golden").rglob("*.json"))
    texts = [
        o["text"] for s in json.loads(golden.read_text(encoding="utf-8"))["samples"].values() for o in s["outputs"]
    ]
    assert len(texts) == 5 and all(SURROGATE in t for t in texts), "the golden file keeps the surrogate as it came"
    for name in ("report.json", "report.html", "junit.xml"):
        assert (pytester.path / name).stat().st_size > 0, f"{name} was not written"
    assert read_report(pytester.path / "report.json")["tests"][0]["outcome"] != "error"
    recorded = golden.read_bytes()

    again = pytester.runpytest("--behavior-update", *reports, "-p", "no:cacheprovider")
    again.assert_outcomes(passed=1)
    judged = pytester.runpytest("--behavior-baseline", *reports, "-p", "no:cacheprovider")
    judged.assert_outcomes(passed=1)
    assert server.stats.requests == 5, "the re-runs were served from the cache: no request after the first run"
    assert golden.read_bytes() == recorded, "the cached outputs are the recorded ones, to the code point"
    document = read_report(pytester.path / "report.json")
    assert document["tests"][0]["outcome"] in ("passed", "inconclusive")
    assert document["tests"][0]["samples"] == {"requested": 0, "cached": 5}


def test_a_recorded_output_with_a_lone_surrogate_is_recorded_and_compared(pytester: pytest.Pytester) -> None:
    """The records path (no cache, no HTTP): the golden file and the reports hold the surrogate too."""
    from tests.support.records import use_recorded_bundles, write_jsonl

    rows = [{"input": f"question {i}", "output": f"answer {i} {SURROGATE}"} for i in range(5)]
    write_jsonl(pytester.path / "base.jsonl", rows)
    write_jsonl(pytester.path / "cand.jsonl", rows)
    use_recorded_bundles(pytester)
    pytester.makepyfile(test_spec=SPEC.replace('[f"question {i}" for i in range(INPUTS)]', ""))
    reports = ["--behavior-report=report.json", "--behavior-html=report.html", "--junitxml=junit.xml"]
    pytester.runpytest("--behavior-update", *reports, "-p", "no:cacheprovider").assert_outcomes(passed=1)
    golden = next((pytester.path / "golden").rglob("*.json"))
    texts = [
        o["text"] for s in json.loads(golden.read_text(encoding="utf-8"))["samples"].values() for o in s["outputs"]
    ]
    assert sorted(texts) == sorted(row["output"] for row in rows)
    pytester.runpytest("--behavior-baseline", *reports, "-p", "no:cacheprovider").assert_outcomes(passed=1)
    assert read_report(pytester.path / "report.json")["tests"][0]["outcome"] in ("passed", "inconclusive")


# --- item 23: a row that fails its checksum is treated as missing, requested again and reported ---------------------

ANSWER = "Sure, here is exactly what you asked for, friend."
REFUSAL = "I'm sorry, but I can't help with that request.".ljust(len(ANSWER))  # same length: integrity_check passes
TAMPERED = 8


def cache_file(root: Path) -> Path:
    return root / ".behavior-cache" / "samples.sqlite3"


def tamper(path: Path, rows: int) -> None:
    """Edit the stored answer of ``rows`` rows in place, to a refusal of the same length, as sqlite3 would."""
    with closing(sqlite3.connect(path)) as db:
        before = db.execute("SELECT key, length(payload) FROM samples ORDER BY key").fetchall()
        db.execute(
            "UPDATE samples SET payload = replace(payload, ?, ?) WHERE key IN "
            "(SELECT key FROM samples ORDER BY key LIMIT ?)",
            (ANSWER, REFUSAL, rows),
        )
        db.commit()
        assert db.execute("SELECT key, length(payload) FROM samples ORDER BY key").fetchall() == before
        assert db.execute("SELECT COUNT(*) FROM samples WHERE payload LIKE '%sorry%'").fetchone()[0] == rows
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok", "SQLite cannot see such an edit"


def test_a_tampered_cache_row_is_requested_again_reported_and_the_verdict_comes_from_the_fresh_sample(
    pytester: pytest.Pytester, server: OpenAIServer
) -> None:
    from pytest_behavior.cli import main as cli

    server.config.reply = ANSWER
    project(pytester, inputs=20)
    pytester.runpytest("--behavior-update", "-p", "no:cacheprovider").assert_outcomes(passed=1)
    assert server.stats.answered == 20
    tamper(cache_file(pytester.path), TAMPERED)

    assert cli(["cache", "show", "--cache-dir", str(cache_file(pytester.path).parent)]) == 0
    result = pytester.runpytest("--behavior-baseline", "--behavior-report=report.json", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [f"*BehaviorCacheWarning: sample cache *samples.sqlite3: {TAMPERED} rows failed the checksum*requested again*"]
    )
    result.stdout.no_fnmatch_line("*REGRESSED*")
    assert server.stats.answered == 20 + TAMPERED, "exactly the tampered rows were requested again"
    entry = read_report(pytester.path / "report.json")["tests"][0]
    assert entry["samples"] == {"requested": TAMPERED, "cached": 20 - TAMPERED}
    with closing(sqlite3.connect(cache_file(pytester.path))) as db:
        assert db.execute("SELECT COUNT(*) FROM samples WHERE payload LIKE '%sorry%'").fetchone()[0] == 0, (
            "the fresh samples replaced the tampered rows"
        )
    again = pytester.runpytest("--behavior-baseline", "-p", "no:cacheprovider")
    again.assert_outcomes(passed=1)
    again.stdout.no_fnmatch_line("*BehaviorCacheWarning*")
    assert server.stats.answered == 20 + TAMPERED


def test_the_cache_command_counts_rows_that_fail_their_checksum(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from pytest_behavior.cli import main as cli
    from pytest_behavior.sampling.cache import SampleCache, summarize

    cache = SampleCache(tmp_path)
    for i in range(5):
        cache.put(f"key-{i}", fingerprint="f" * 64, input_id=f"in-{i}", repeat=0, payload={"text": ANSWER})
    cache.close()
    tamper(tmp_path / "samples.sqlite3", 2)
    assert summarize(tmp_path).failed_checksum == 2
    assert cli(["cache", "show", "--cache-dir", str(tmp_path)]) == 0
    assert "2 of the samples fail their checksum" in capsys.readouterr().out


V1_SCHEMA = """
CREATE TABLE samples (key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, input_id TEXT NOT NULL,
                      repeat INTEGER NOT NULL, payload TEXT NOT NULL, created REAL NOT NULL);
CREATE INDEX samples_fingerprint ON samples (fingerprint);
PRAGMA user_version=1;
"""


def test_a_cache_from_before_checksums_is_migrated_its_rows_trusted_once_then_checked(tmp_path: Path) -> None:
    from pytest_behavior.sampling.cache import BehaviorCacheWarning, SampleCache

    with closing(sqlite3.connect(tmp_path / "samples.sqlite3")) as db:
        db.executescript(V1_SCHEMA)
        db.executemany(
            "INSERT INTO samples VALUES (?, ?, ?, 0, ?, 1.0)",
            [(f"key-{i}", "f" * 64, f"in-{i}", json.dumps({"text": ANSWER})) for i in range(3)],
        )
        db.commit()
    cache = SampleCache(tmp_path)
    assert set(cache.get_many(["key-0", "key-1", "key-2"])) == {"key-0", "key-1", "key-2"}, "old rows are kept"
    cache.close()
    with closing(sqlite3.connect(tmp_path / "samples.sqlite3")) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 2
        assert db.execute("SELECT COUNT(*) FROM samples WHERE checksum IS NULL").fetchone()[0] == 0
    tamper(tmp_path / "samples.sqlite3", 1)
    cache = SampleCache(tmp_path)
    with pytest.warns(BehaviorCacheWarning, match=r"samples\.sqlite3: 1 row failed the checksum"):
        assert set(cache.get_many(["key-0", "key-1", "key-2"])) == {"key-1", "key-2"}
    assert cache.failed_checksums == 1
    cache.close()
