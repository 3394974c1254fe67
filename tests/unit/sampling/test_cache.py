from __future__ import annotations

import multiprocessing
import os
import sqlite3
from pathlib import Path

import pytest

from pytest_behavior.errors import BehaviorConfigError
from pytest_behavior.sampling.cache import SampleCache, sample_key


def test_key_separates_fingerprint_messages_repeat_and_seed() -> None:
    base = dict(fingerprint="f", messages=[{"role": "user", "content": "x"}], repeat=0, seed=0)
    keys = {sample_key(**base)} | {
        sample_key(**{**base, name: value})
        for name, value in [("fingerprint", "g"), ("messages", []), ("repeat", 1), ("seed", 1)]
    }
    assert len(keys) == 5


def test_put_get_persist_and_modes(tmp_path: Path) -> None:
    cache = SampleCache(tmp_path)
    cache.put("k1", fingerprint="f", input_id="i", repeat=0, payload={"text": "hello"})
    cache.close()
    reopened = SampleCache(tmp_path)
    assert reopened.get_many(["k1", "k2"]) == {"k1": {"text": "hello"}}
    assert reopened.count() == 1
    assert sqlite3.connect(tmp_path / "samples.sqlite3").execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    refresh = SampleCache(tmp_path, mode="refresh")
    assert refresh.get_many(["k1"]) == {}
    refresh.put("k1", fingerprint="f", input_id="i", repeat=0, payload={"text": "new"})
    assert SampleCache(tmp_path).get_many(["k1"]) == {"k1": {"text": "new"}}
    off = SampleCache(tmp_path / "off", mode="off")
    off.put("k", fingerprint="f", input_id="i", repeat=0, payload={"text": "x"})
    assert off.get_many(["k"]) == {} and not (tmp_path / "off").exists()
    assert (tmp_path / ".gitignore").read_text().strip().endswith("*")


def test_corrupt_cache_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "samples.sqlite3").write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(BehaviorConfigError, match=r"cannot be opened.*--behavior-cache=off"):
        SampleCache(tmp_path)


def _writer(directory: str, worker: int) -> None:
    cache = SampleCache(Path(directory))
    for i in range(200):
        cache.put(f"{worker}-{i}", fingerprint="f", input_id=str(i), repeat=0, payload={"text": str(i)})
    cache.close()


def test_concurrent_writers_from_several_processes(tmp_path: Path) -> None:
    SampleCache(tmp_path).close()
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_writer, args=(str(tmp_path), w)) for w in range(3)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(60)
        assert process.exitcode == 0
    assert SampleCache(tmp_path).count() == 600


def _wait_for_all(gate: Path, parties: int, *, deadline_s: float = 120) -> None:
    """A barrier across processes: this one says it arrived, then waits until ``parties`` processes have."""
    import time

    (gate / str(os.getpid())).touch()
    deadline = time.monotonic() + deadline_s
    while sum(1 for _ in gate.iterdir()) < parties:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{parties} processes did not reach {gate} within {deadline_s} s")
        time.sleep(0.001)


def _open_and_write(task: tuple[str, str, int]) -> int:
    from pytest_behavior.sampling.cache import SampleCache as Cache

    directory, gate, parties = task
    _wait_for_all(Path(gate), parties)  # all processes open at the same moment, however loaded the machine
    cache = Cache(Path(directory))
    cache.put(f"key-{os.getpid()}", fingerprint="f", input_id="i", repeat=0, payload={"text": "x"})
    cache.close()
    return os.getpid()


def test_many_processes_can_create_the_same_new_cache_at_once(tmp_path: Path) -> None:
    # xdist workers start together and each opens (creates) the cache: switching a new file to WAL mode
    # races, and SQLite reports "database is locked" without waiting; the cache must retry, not error
    from concurrent.futures import ProcessPoolExecutor

    def round_of(name: str) -> list[int]:
        """Eight processes open a new cache at once: each waits at a barrier, so each task runs in its own process."""
        gate = tmp_path / f"gate-{name}"
        gate.mkdir()
        return list(pool.map(_open_and_write, [(str(tmp_path / name), str(gate), 8)] * 8, timeout=300))

    # spawned, not forked: this process has threads running (litellm's logging worker), and a fork could deadlock
    with ProcessPoolExecutor(max_workers=8, mp_context=multiprocessing.get_context("spawn")) as pool:
        round_of("warm-up")  # the eight workers started
        for attempt in range(10):
            directory = tmp_path / f"cache-{attempt}"
            pids = round_of(directory.name)
            assert len(set(pids)) == 8
            reopened = SampleCache(directory)
            assert len(reopened.get_many(f"key-{pid}" for pid in set(pids))) == len(set(pids))
            reopened.close()
