"""The sample store: SQLite in WAL mode, one row per paid-for sample, written as each arrives.

The key covers everything that determines a sample — bundle fingerprint, rendered messages,
repeat index and seed — so an unchanged spec re-runs for free and k repeats stay k distinct
samples. Values hold what later analysis needs (output, tool calls, finish reason, usage,
latency, cost) and nothing secret: credentials are not part of a bundle's fingerprint and are
never passed here.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

from pytest_behavior.errors import BehaviorConfigError
from pytest_behavior.inputs import canonical_json

CacheMode = Literal["use", "refresh", "off"]
_OPEN_PATIENCE_S = 60.0
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS samples (
    key TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    input_id TEXT NOT NULL,
    repeat INTEGER NOT NULL,
    payload TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS samples_fingerprint ON samples (fingerprint);
"""


def sample_key(*, fingerprint: str, messages: Any, repeat: int, seed: int) -> str:
    material = canonical_json({"fingerprint": fingerprint, "messages": messages, "repeat": repeat, "seed": seed})
    return hashlib.sha256(material.encode()).hexdigest()


class SampleCache:
    """A process-safe store of samples. ``mode='refresh'`` writes without reading; ``'off'`` does neither."""

    def __init__(self, directory: Path, *, mode: CacheMode = "use") -> None:
        self.mode = mode
        self.path = directory / "samples.sqlite3"
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
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
            conn = sqlite3.connect(self.path, timeout=60, isolation_level=None, check_same_thread=False)
        except sqlite3.DatabaseError as exc:
            raise BehaviorConfigError(f"{unreadable} ({exc}): delete it, or pass --behavior-cache=off") from None
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=60000")
            conn.executescript(_SCHEMA)
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version == 0:
                conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except sqlite3.OperationalError as exc:
            conn.close()
            if "locked" in str(exc):
                raise
            raise BehaviorConfigError(f"{unreadable} ({exc}): delete it, or pass --behavior-cache=off") from None
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise BehaviorConfigError(f"{unreadable} ({exc}): delete it, or pass --behavior-cache=off") from None
        if version not in (0, SCHEMA_VERSION):
            conn.close()
            raise BehaviorConfigError(
                f"sample cache {self.path} has format {version}, this plugin reads {SCHEMA_VERSION}: "
                "delete the directory or pass --behavior-cache-dir"
            )
        return conn

    def get_many(self, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
        if self._conn is None or self.mode != "use":
            return {}
        wanted = list(keys)
        found: dict[str, dict[str, Any]] = {}
        with self._lock:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows = self._conn.execute(f"SELECT key, payload FROM samples WHERE key IN ({marks})", chunk)
                found.update((key, json.loads(payload)) for key, payload in rows)
        return found

    def put(self, key: str, *, fingerprint: str, input_id: str, repeat: int, payload: Mapping[str, Any]) -> None:
        if self._conn is None:
            return
        with self._lock:
            self._conn.execute(
                "INSERT OR REPLACE INTO samples (key, fingerprint, input_id, repeat, payload, created) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (key, fingerprint, input_id, repeat, canonical_json(dict(payload)), time.time()),
            )

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
