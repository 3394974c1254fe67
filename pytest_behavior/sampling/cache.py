"""The sample store: SQLite in WAL mode, one row per paid-for sample, written as each arrives.

The key covers everything that determines a sample — bundle fingerprint, rendered messages,
repeat index and seed — so an unchanged spec re-runs for free and k repeats stay k distinct
samples. Values hold what later analysis needs (output, tool calls, finish reason, usage,
latency, cost) and nothing secret: credentials are not part of a bundle's fingerprint and are
never passed here.

Every row carries a checksum (sha256 of its key, fingerprint, input id, repeat and stored payload), checked on
every read: a row edited or damaged since it was written — even by a same-length edit that SQLite's
``integrity_check`` cannot see — is treated as missing, so it is requested again (and the fresh sample replaces
it), and a `BehaviorCacheWarning` names the file and the number of such rows. The checksum detects edits and
damage, not a forger who recomputes it. Caches written before checksums existed (format 1) are migrated when
first opened: their rows are trusted once and their checksums computed then (nothing could verify them, and
requesting a whole cache again would cost what it saved).

The row format (key, stored JSON, checksum, schema and migration) is :mod:`~pytest_behavior.sampling.cache_format`;
`summarize` and `prune` (:mod:`~pytest_behavior.sampling.cache_maintenance`) read and maintain an existing cache for
the ``pytest-behavior cache`` command and never create one. Their names stay importable from here.
"""

from __future__ import annotations

import sqlite3
import threading
import time
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

from pytest_behavior.errors import BehaviorCacheWarning as BehaviorCacheWarning
from pytest_behavior.errors import BehaviorConfigError
from pytest_behavior.sampling.cache_format import _CHECKSUM_SQL, _SCHEMA, _migrate, _verified
from pytest_behavior.sampling.cache_format import CACHE_FILE as CACHE_FILE
from pytest_behavior.sampling.cache_format import SCHEMA_VERSION as SCHEMA_VERSION
from pytest_behavior.sampling.cache_format import row_checksum as row_checksum
from pytest_behavior.sampling.cache_format import sample_key as sample_key
from pytest_behavior.sampling.cache_format import stored_json as stored_json
from pytest_behavior.sampling.cache_maintenance import MIN_FINGERPRINT_PREFIX as MIN_FINGERPRINT_PREFIX
from pytest_behavior.sampling.cache_maintenance import BundleSamples as BundleSamples
from pytest_behavior.sampling.cache_maintenance import CacheSummary as CacheSummary
from pytest_behavior.sampling.cache_maintenance import NoSampleCache as NoSampleCache
from pytest_behavior.sampling.cache_maintenance import PruneResult as PruneResult
from pytest_behavior.sampling.cache_maintenance import prune as prune
from pytest_behavior.sampling.cache_maintenance import summarize as summarize

CacheMode = Literal["use", "refresh", "off"]
_WHERE_INSTEAD = (
    "choose a writable directory with --behavior-cache-dir (ini: behavior_cache_dir), or pass --behavior-cache=off"
)
_OPEN_PATIENCE_S = 60.0


class SampleCache:
    """A process-safe store of samples. ``mode='refresh'`` writes without reading; ``'off'`` does neither."""

    def __init__(self, directory: Path, *, mode: CacheMode = "use") -> None:
        self.mode = mode
        self.path = directory / CACHE_FILE
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self.failed_checksums = 0
        """Rows read since opening that failed their checksum (each was treated as missing)."""
        if mode != "off":
            self._conn = self._open(directory)

    def _open(self, directory: Path) -> sqlite3.Connection:
        """Open (creating if needed), retrying while another process holds the lock.

        Two xdist workers opening a new cache at once race on switching it to WAL, and SQLite answers
        "database is locked" for that switch without waiting on its busy handler; so the whole setup is
        retried for up to `_OPEN_PATIENCE_S`.
        """
        deadline = time.monotonic() + _OPEN_PATIENCE_S
        while True:
            try:
                return self._try_open(directory)
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise BehaviorConfigError(
                        f"sample cache {self.path} cannot be opened ({exc}): delete it, or pass --behavior-cache=off"
                    ) from None
                time.sleep(0.05)

    def _try_open(self, directory: Path) -> sqlite3.Connection:
        """One attempt; a "locked" OperationalError propagates for `_open` to retry."""
        unreadable = f"sample cache {self.path} cannot be opened"
        try:
            directory.mkdir(parents=True, exist_ok=True)
            gitignore = directory / ".gitignore"
            if not gitignore.exists():
                gitignore.write_text("# created by pytest-behavior: cached model samples\n*\n")
        except OSError as exc:
            raise BehaviorConfigError(
                f"sample cache directory {directory} cannot be created or written ({exc.strerror or exc}): "
                f"{_WHERE_INSTEAD}"
            ) from None
        try:
            conn = sqlite3.connect(self.path, timeout=60, isolation_level=None, check_same_thread=False)
        except sqlite3.DatabaseError as exc:
            raise BehaviorConfigError(f"{unreadable} ({exc}): delete it, or {_WHERE_INSTEAD}") from None
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=60000")
            conn.create_function(_CHECKSUM_SQL, 5, row_checksum, deterministic=True)
            conn.executescript(_SCHEMA)
            version = _migrate(conn)
        except sqlite3.OperationalError as exc:
            conn.close()
            if "locked" in str(exc):
                raise
            raise BehaviorConfigError(f"{unreadable} ({exc}): delete it, or {_WHERE_INSTEAD}") from None
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise BehaviorConfigError(f"{unreadable} ({exc}): delete it, or {_WHERE_INSTEAD}") from None
        if version != SCHEMA_VERSION:
            conn.close()
            raise BehaviorConfigError(
                f"sample cache {self.path} has format {version}, this plugin reads {SCHEMA_VERSION}: "
                "delete the directory or pass --behavior-cache-dir"
            )
        return conn

    def get_many(self, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The intact rows among ``keys``; a row that fails its checksum is left out (so it is requested again),
        counted in `failed_checksums` and reported in a `BehaviorCacheWarning`."""
        if self._conn is None or self.mode != "use":
            return {}
        wanted = list(keys)
        found: dict[str, dict[str, Any]] = {}
        failed = 0
        with self._lock:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows = self._conn.execute(
                    f"SELECT key, fingerprint, input_id, repeat, payload, checksum FROM samples WHERE key IN ({marks})",
                    chunk,
                )
                for row in rows:
                    payload = _verified(*row)
                    if payload is None:
                        failed += 1
                    else:
                        found[row[0]] = payload
        if failed:
            self.failed_checksums += failed
            rows_failed = f"{failed} row{'s' if failed != 1 else ''} failed the checksum"
            warnings.warn(
                BehaviorCacheWarning(
                    f"sample cache {self.path}: {rows_failed} (edited or damaged since written): treated as missing, "
                    "their samples are requested again"
                ),
                stacklevel=2,
            )
        return found

    def put(self, key: str, *, fingerprint: str, input_id: str, repeat: int, payload: Mapping[str, Any]) -> None:
        if self._conn is None:
            return
        with self._lock:
            try:
                stored = stored_json(payload)
                self._conn.execute(
                    "INSERT OR REPLACE INTO samples (key, fingerprint, input_id, repeat, payload, created, checksum) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        key,
                        fingerprint,
                        input_id,
                        repeat,
                        stored,
                        time.time(),
                        row_checksum(key, fingerprint, input_id, repeat, stored),
                    ),
                )
            except sqlite3.OperationalError as exc:  # a full disk, a cache made read-only while the run goes on
                raise BehaviorConfigError(
                    f"sample cache {self.path} cannot be written ({exc}): {_WHERE_INSTEAD}"
                ) from None

    def count(self) -> int:
        if self._conn is None:
            return 0
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM samples").fetchone()[0])

    def close(self) -> None:
        if self._conn is not None:
            with self._lock:
                self._conn.close()
            self._conn = None
