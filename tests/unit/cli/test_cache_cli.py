"""``pytest-behavior cache show|prune`` over a real sample cache, and the functions behind them."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pytest_behavior.cli import main
from pytest_behavior.errors import BehaviorConfigError
from pytest_behavior.sampling import cache as cache_module
from pytest_behavior.sampling import cache_maintenance
from pytest_behavior.sampling.cache import NoSampleCache, SampleCache, prune, summarize

DAY = 86_400.0
NEW = "b2" * 32  # 4 inputs x 1 repeat, 1 hour old, half of them priced
MID = "a1b2c3d4" + "e" * 56  # 2 inputs, 10 days old, text only
OLD = "a1b2c3ff" + "0" * 56  # 3 inputs x 2 repeats, 40-41 days old, fully priced
NOW = time.time()


def build(directory: Path, *, text: str = "hello") -> None:
    cache = SampleCache(directory)
    for i in range(3):
        for repeat in range(2):
            cache.put(
                f"old-{i}-{repeat}",
                fingerprint=OLD,
                input_id=f"in-{i}",
                repeat=repeat,
                payload={
                    "text": text,
                    "finish_reason": "stop",
                    "cost_usd": 0.001,
                    "latency_ms": 100 + 100 * repeat,
                    "usage": {"prompt_tokens": 20, "completion_tokens": 10, "total_tokens": 30},
                },
            )
    for i in range(4):
        priced = {"cost_usd": 0.0025} if i < 2 else {}
        cache.put(
            f"new-{i}",
            fingerprint=NEW,
            input_id=f"in-{i}",
            repeat=0,
            payload={"text": text, "latency_ms": 50, "usage": {"prompt_tokens": 10, "completion_tokens": 5}, **priced},
        )
    for i in range(2):
        cache.put(f"mid-{i}", fingerprint=MID, input_id=f"in-{i}", repeat=0, payload={"text": text})
    cache.close()
    with sqlite3.connect(directory / "samples.sqlite3") as conn:
        conn.execute("UPDATE samples SET created = ? - repeat * ? WHERE fingerprint = ?", (NOW - 40 * DAY, DAY, OLD))
        conn.execute("UPDATE samples SET created = ? WHERE fingerprint = ?", (NOW - 10 * DAY, MID))
        conn.execute("UPDATE samples SET created = ? WHERE fingerprint = ?", (NOW - 3600, NEW))
    conn.close()


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "cache"
    build(directory)
    return directory


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(["cache", *argv]) == 0
    return capsys.readouterr().out


def fails(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as exc:
        main(["cache", *argv])
    assert exc.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    return captured.err


def row(out: str, fingerprint: str) -> list[str]:
    lines = [line for line in out.splitlines() if line.startswith(fingerprint[:12] + " ")]
    assert len(lines) == 1, out
    return re.split(r"\s{2,}", lines[0].strip())


def fingerprints_left(directory: Path) -> dict[str, int]:
    return {b.fingerprint: b.samples for b in summarize(directory).bundles}


def when(epoch: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(epoch))


def test_show_tabulates_each_bundle_most_recent_first(capsys: pytest.CaptureFixture[str], cache_dir: Path) -> None:
    out = run(capsys, "show", "--cache-dir", str(cache_dir))
    assert out.startswith(f"sample cache {cache_dir / 'samples.sqlite3'}\n")
    assert re.search(r"fingerprint\s+samples\s+inputs\s+first\s+last\s+cost usd\s+mean latency ms\s+tokens", out)
    assert row(out, OLD) == [OLD[:12], "6", "3", when(NOW - 41 * DAY), when(NOW - 40 * DAY), "0.0060", "150", "180"]
    assert row(out, NEW) == [NEW[:12], "4", "4", when(NOW - 3600), when(NOW - 3600), "≥0.0050", "50", "60"]
    assert row(out, MID) == [MID[:12], "2", "2", when(NOW - 10 * DAY), when(NOW - 10 * DAY), "-", "-", "-"]
    assert out.index(NEW[:12]) < out.index(MID[:12]) < out.index(OLD[:12])
    total = re.search(
        r"^total: 12 samples of 3 bundles, cost usd ≥0\.0110, 240 tokens; ([\d.]+ (KiB|MiB)) on disk$",
        out,
        re.MULTILINE,
    )
    assert total, out
    assert "≥: some samples recorded no cost" in out


def test_summary_figures(cache_dir: Path) -> None:
    with sqlite3.connect(cache_dir / "samples.sqlite3") as conn:  # a damaged row counts, with nothing known
        conn.execute(
            "INSERT INTO samples (key, fingerprint, input_id, repeat, payload, created) "
            "VALUES ('bad', ?, 'in-9', 0, 'not json', ?)",
            (MID, NOW),
        )
    conn.close()
    summary = summarize(cache_dir)
    assert summary.rows == 13 and summary.size_bytes >= (cache_dir / "samples.sqlite3").stat().st_size > 0
    assert summary.failed_checksum == 1  # the damaged row has no checksum: a run would request it again
    by_fp = {b.fingerprint: b for b in summary.bundles}
    old, new, mid = by_fp[OLD], by_fp[NEW], by_fp[MID]
    assert (old.samples, old.inputs, old.priced, old.tokens) == (6, 3, 6, 180)
    assert old.cost_usd == pytest.approx(0.006) and old.mean_latency_ms == pytest.approx(150)
    assert old.first_created == pytest.approx(NOW - 41 * DAY) and old.last_created == pytest.approx(NOW - 40 * DAY)
    assert (new.priced, new.tokens) == (2, 60) and new.cost_usd == pytest.approx(0.005)
    assert (mid.samples, mid.inputs, mid.cost_usd, mid.mean_latency_ms, mid.tokens) == (3, 3, None, None, None)
    assert [b.fingerprint for b in summary.bundles] == [MID, NEW, OLD]  # the damaged row made MID the newest


def test_show_an_empty_cache(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    SampleCache(tmp_path).close()
    out = run(capsys, "show", "--cache-dir", str(tmp_path))
    assert re.fullmatch(rf"sample cache {re.escape(str(tmp_path / 'samples.sqlite3'))} is empty \(.+ on disk\)\n", out)


def test_prune_by_age(capsys: pytest.CaptureFixture[str], cache_dir: Path) -> None:
    out = run(capsys, "prune", "--cache-dir", str(cache_dir), "--older-than", "30")
    assert out.startswith(f"removed 6 samples from {cache_dir / 'samples.sqlite3'} (6 remain)\n")
    assert row(out, OLD) == [OLD[:12], "6"]
    assert re.search(r"^size on disk: .+ -> .+$", out, re.MULTILINE)
    assert "not compacted" not in out
    assert fingerprints_left(cache_dir) == {NEW: 4, MID: 2}
    out = run(capsys, "prune", "--cache-dir", str(cache_dir), "--older-than", "0.5")
    assert out.startswith("removed 2 samples") and fingerprints_left(cache_dir) == {NEW: 4}
    out = run(capsys, "prune", "--cache-dir", str(cache_dir), "--older-than", "0.5")
    assert out == f"no samples matched in {cache_dir / 'samples.sqlite3'} (4 remain): nothing removed\n"


def test_prune_by_fingerprint_prefix(capsys: pytest.CaptureFixture[str], cache_dir: Path) -> None:
    out = run(
        capsys, "prune", "--cache-dir", str(cache_dir), "--fingerprint", NEW[:12], OLD[:8].upper(), "--fingerprint", NEW
    )  # case-insensitive prefixes; repeats and duplicates are fine
    assert out.startswith("removed 10 samples") and "(2 remain)" in out
    assert row(out, OLD) == [OLD[:12], "6"] and row(out, NEW) == [NEW[:12], "4"]
    assert fingerprints_left(cache_dir) == {MID: 2}


def test_prune_all_shrinks_the_file_while_a_session_holds_the_cache(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    build(tmp_path, text="x" * 20_000)
    database = tmp_path / "samples.sqlite3"
    before = database.stat().st_size
    session = SampleCache(tmp_path)  # a test run with the cache open
    out = run(capsys, "prune", "--cache-dir", str(tmp_path), "--all")
    assert out.startswith("removed 12 samples") and "(0 remain)" in out
    assert database.stat().st_size < before / 10
    wal = tmp_path / "samples.sqlite3-wal"
    assert not wal.exists() or wal.stat().st_size < before / 10
    session.put("after", fingerprint=NEW, input_id="i", repeat=0, payload={"text": "still works"})
    assert session.get_many(["after"]) == {"after": {"text": "still works"}}
    session.close()
    assert summarize(tmp_path).rows == 1


def test_dry_run_removes_nothing(capsys: pytest.CaptureFixture[str], cache_dir: Path) -> None:
    database = (cache_dir / "samples.sqlite3").read_bytes()
    out = run(capsys, "prune", "--cache-dir", str(cache_dir), "--older-than", "5", "--dry-run")
    assert out.startswith(
        f"would remove 8 samples from {cache_dir / 'samples.sqlite3'} (4 would remain); "
        "nothing was deleted (--dry-run)\n"
    )
    assert row(out, OLD) == [OLD[:12], "6"] and row(out, MID) == [MID[:12], "2"]
    assert "size on disk" not in out
    assert fingerprints_left(cache_dir) == {NEW: 4, MID: 2, OLD: 6}
    assert (cache_dir / "samples.sqlite3").read_bytes() == database
    assert "would remove 12 samples" in run(capsys, "prune", "--cache-dir", str(cache_dir), "--all", "--dry-run")
    assert summarize(cache_dir).rows == 12


def test_prune_function_combines_age_and_fingerprint(cache_dir: Path) -> None:
    result = prune(cache_dir, older_than_days=5, fingerprints=[MID[:8]], now=NOW)
    assert (result.removed, dict(result.by_fingerprint), result.remaining) == (2, {MID: 2}, 10)
    assert result.compacted and not result.dry_run
    assert prune(cache_dir, older_than_days=40.5, now=NOW).removed == 3  # only the repeat-1 samples are 41 days old
    with pytest.raises(ValueError, match="takes no other criterion"):
        prune(cache_dir, everything=True, older_than_days=1)
    with pytest.raises(ValueError, match="nothing to prune"):
        prune(cache_dir)
    with pytest.raises(ValueError, match="give a number of days"):
        prune(cache_dir, older_than_days=float("nan"))


def test_prune_when_another_process_is_writing(monkeypatch: pytest.MonkeyPatch, cache_dir: Path) -> None:
    monkeypatch.setattr(cache_maintenance, "_MAINTENANCE_TIMEOUT_S", 0.1)
    writer = sqlite3.connect(cache_dir / "samples.sqlite3", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(BehaviorConfigError, match=r"is in use .*try again"):
            prune(cache_dir, everything=True)
        assert prune(cache_dir, everything=True, dry_run=True).removed == 12  # reading is not blocked
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert summarize(cache_dir).rows == 12


def test_prune_reports_a_file_it_could_not_compact(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, cache_dir: Path
) -> None:
    monkeypatch.setattr(cache_maintenance, "_MAINTENANCE_TIMEOUT_S", 0.1)
    reader = sqlite3.connect(cache_dir / "samples.sqlite3", isolation_level=None)
    reader.execute("BEGIN")
    assert reader.execute("SELECT COUNT(*) FROM samples").fetchone() == (12,)  # an open read keeps the old pages
    try:
        out = run(capsys, "prune", "--cache-dir", str(cache_dir), "--fingerprint", MID[:8])
    finally:
        reader.execute("ROLLBACK")
        reader.close()
    assert out.startswith("removed 2 samples")
    assert "the file was not compacted: another process is using it (prune again later to shrink it)" in out
    assert fingerprints_left(cache_dir) == {NEW: 4, OLD: 6}


def test_show_without_any_cost_tokens_or_latency(capsys: pytest.CaptureFixture[str], cache_dir: Path) -> None:
    prune(cache_dir, fingerprints=[NEW, OLD])
    out = run(capsys, "show", "--cache-dir", str(cache_dir))
    assert "total: 2 samples of 1 bundle, no recorded cost, no token counts; " in out
    assert "≥" not in out


@pytest.mark.parametrize("action", [["show"], ["prune", "--all"]])
def test_missing_cache_is_not_created(capsys: pytest.CaptureFixture[str], tmp_path: Path, action: list[str]) -> None:
    missing = tmp_path / "nowhere"
    err = fails(capsys, *action, "--cache-dir", str(missing))
    assert f"pytest-behavior cache: error: no sample cache at {missing / 'samples.sqlite3'}" in err
    assert not missing.exists()
    missing.mkdir()
    assert "no sample cache at" in fails(capsys, *action, "--cache-dir", str(missing))
    assert list(missing.iterdir()) == []
    with pytest.raises(NoSampleCache):
        summarize(missing)


@pytest.mark.parametrize("action", [["show"], ["prune", "--all"], ["prune", "--all", "--dry-run"]])
def test_corrupt_cache_is_a_clear_error(capsys: pytest.CaptureFixture[str], tmp_path: Path, action: list[str]) -> None:
    garbage = b"this is not sqlite\x00\xff" * 200
    (tmp_path / "samples.sqlite3").write_bytes(garbage)
    err = fails(capsys, *action, "--cache-dir", str(tmp_path))
    assert f"pytest-behavior cache: error: sample cache {tmp_path / 'samples.sqlite3'} cannot be read" in err
    assert "delete it" in err and "Traceback" not in err
    assert (tmp_path / "samples.sqlite3").read_bytes() == garbage


def test_other_sqlite_files_are_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "samples.sqlite3") as conn:
        conn.execute("CREATE TABLE other (x)")
    conn.close()
    assert "is an SQLite database but not a sample cache" in fails(capsys, "show", "--cache-dir", str(tmp_path))
    SampleCache(tmp_path / "newer").close()
    with sqlite3.connect(tmp_path / "newer" / "samples.sqlite3") as conn:
        conn.execute("PRAGMA user_version=7")
    conn.close()
    reads = f"has format 7, this plugin reads {cache_module.SCHEMA_VERSION}"
    assert reads in fails(capsys, "show", "--cache-dir", str(tmp_path / "newer"))


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--older-than", "-1"], "'-1': give a number of days, 0 or more"),
        (["--older-than", "a week"], "'a week' is not a number of days"),
        (["--older-than", "inf"], "'inf': give a number of days, 0 or more"),
        (["--older-than", "30", "--all"], "not allowed with argument"),
        (["--fingerprint", OLD[:12], "--all"], "not allowed with argument"),
        (["--dry-run"], "one of the arguments --older-than --fingerprint --all is required"),
        (["--fingerprint"], "expected at least one argument"),
        (["--fingerprint", "a1b2c"], "fingerprint 'a1b2c' is too short: give at least 6 characters"),
        (["--fingerprint", "a1b2c3"], "fingerprint 'a1b2c3' is ambiguous (a1b2c3d4eeeeeeee, a1b2c3ff00000000)"),
        (["--fingerprint", "deadbeef"], "have a fingerprint starting with 'deadbeef'"),
    ],
)
def test_bad_prune_arguments_exit_2(
    capsys: pytest.CaptureFixture[str], cache_dir: Path, argv: list[str], message: str
) -> None:
    assert message in fails(capsys, "prune", "--cache-dir", str(cache_dir), *argv)
    assert summarize(cache_dir).rows == 12


def test_cache_needs_an_action(capsys: pytest.CaptureFixture[str]) -> None:
    assert "required: action" in fails(capsys)
    assert "invalid choice: 'list'" in fails(capsys, "list")


def test_console_command_shows_the_cache_of_the_current_directory(tmp_path: Path) -> None:
    build(tmp_path / ".behavior-cache")
    command = [sys.executable, "-m", "pytest_behavior", "cache", "show"]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"sample cache {Path('.behavior-cache') / 'samples.sqlite3'}\n")
    assert row(done.stdout, OLD)[:3] == [OLD[:12], "6", "3"]
    assert "total: 12 samples of 3 bundles" in done.stdout
    missing = subprocess.run(command, cwd=tmp_path / ".behavior-cache", capture_output=True, text=True, timeout=120)
    assert missing.returncode == 2
    assert "no sample cache at .behavior-cache" in missing.stderr
