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
    keys = {sample_key(**base)} | {sample_key(**{**base, name: value}) for name, value in
                                    [("fingerprint", "g"), ("messages", []), ("repeat", 1), ("seed", 1)]}
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


def _open_and_write(task: tuple[str, float]) -> int:
    import time

    from pytest_behavior.sampling.cache import SampleCache as Cache

    directory, start_at = task
    time.sleep(max(0.0, start_at - time.time()))  # all processes open at the same moment
    cache = Cache(Path(directory))
    cache.put(f"key-{os.getpid()}", fingerprint="f", input_id="i", repeat=0, payload={"text": "x"})
    cache.close()
    return os.getpid()


def test_many_processes_can_create_the_same_new_cache_at_once(tmp_path: Path) -> None:
    # xdist workers start together and each opens (creates) the cache: switching a new file to WAL mode
    # races, and SQLite reports "database is locked" without waiting; the cache must retry, not error
    import time
    from concurrent.futures import ProcessPoolExecutor

    # spawned, not forked: this process has threads running (litellm's logging worker), and a fork could deadlock
    with ProcessPoolExecutor(max_workers=8, mp_context=multiprocessing.get_context("spawn")) as pool:
        list(pool.map(_open_and_write, [(str(tmp_path / "warm-up"), 0.0)] * 8, timeout=120))  # workers started
        for attempt in range(10):
            directory = tmp_path / f"cache-{attempt}"
            start_at = time.time() + 0.3
            pids = list(pool.map(_open_and_write, [(str(directory), start_at)] * 8, timeout=120))
            reopened = SampleCache(directory)
            assert len(reopened.get_many(f"key-{pid}" for pid in set(pids))) == len(set(pids))
            reopened.close()
