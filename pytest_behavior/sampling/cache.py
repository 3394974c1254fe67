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

`summarize` and `prune` read and maintain an existing cache for the ``pytest-behavior cache`` command; they
never create one.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import sqlite3
import threading
import time
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pytest_behavior.errors import BehaviorConfigError
from pytest_behavior.spec.inputs import canonical_json

CacheMode = Literal["use", "refresh", "off"]
_WHERE_INSTEAD = ("choose a writable directory with --behavior-cache-dir (ini: behavior_cache_dir), "
                  "or pass --behavior-cache=off")
_OPEN_PATIENCE_S = 60.0
SCHEMA_VERSION = 2
"""1: no checksums; 2: a checksum per row (format 1 files are migrated on open)."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS samples (
    key TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    input_id TEXT NOT NULL,
    repeat INTEGER NOT NULL,
    payload TEXT NOT NULL,
    created REAL NOT NULL,
    checksum TEXT
);
CREATE INDEX IF NOT EXISTS samples_fingerprint ON samples (fingerprint);
"""
_CHECKSUM_SQL = "behavior_row_checksum"


class BehaviorCacheWarning(UserWarning):
    """Rows of the sample cache failed their checksum: they were requested again."""


def row_checksum(key: Any, fingerprint: Any, input_id: Any, repeat: Any, payload: Any) -> str:
    """sha256 of everything a row says about its sample (ASCII JSON, so any text, surrogates included, encodes)."""
    material = json.dumps([key, fingerprint, input_id, repeat, payload], ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(material.encode("ascii")).hexdigest()


def _verified(key: Any, fingerprint: Any, input_id: Any, repeat: Any, payload: Any,
              checksum: Any) -> dict[str, Any] | None:
    """The row's payload if the row is intact, else None (a wrong or missing checksum, or a payload not JSON)."""
    try:
        if checksum != row_checksum(key, fingerprint, input_id, repeat, payload):
            return None
        value = json.loads(payload)
    except (TypeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _migrate(conn: sqlite3.Connection) -> int:
    """Bring a format 0/1 file to `SCHEMA_VERSION` (add and fill the checksums) in one write transaction; returns
    the file's format (another format is returned unchanged, for the caller to refuse)."""
    if conn.execute("PRAGMA user_version").fetchone()[0] not in (0, 1):
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    conn.execute("BEGIN IMMEDIATE")  # two processes opening an old cache at once: one migrates, one waits
    try:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version in (0, 1):
            if "checksum" not in {row[1] for row in conn.execute("PRAGMA table_info(samples)")}:
                conn.execute("ALTER TABLE samples ADD COLUMN checksum TEXT")
            conn.execute(f"UPDATE samples SET checksum = {_CHECKSUM_SQL}(key, fingerprint, input_id, repeat, payload) "
                         "WHERE checksum IS NULL")
            conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            version = SCHEMA_VERSION
        conn.execute("COMMIT")
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
    return version


def stored_json(payload: Mapping[str, Any]) -> str:
    """The payload as stored: canonical JSON in ASCII. Every character is an escape where needed, so text that is
    not valid UTF-8 (a lone surrogate a provider sent as ``\\ud800``) is kept exactly and reads back unchanged."""
    return json.dumps(dict(payload), sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)


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
                rows = self._conn.execute("SELECT key, fingerprint, input_id, repeat, payload, checksum FROM samples "
                                          f"WHERE key IN ({marks})", chunk)
                for row in rows:
                    payload = _verified(*row)
                    if payload is None:
                        failed += 1
                    else:
                        found[row[0]] = payload
        if failed:
            self.failed_checksums += failed
            rows_failed = f"{failed} row{'s' if failed != 1 else ''} failed the checksum"
            warnings.warn(BehaviorCacheWarning(
                f"sample cache {self.path}: {rows_failed} (edited or damaged since written): treated as missing, "
                "their samples are requested again"
            ), stacklevel=2)
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
                    (key, fingerprint, input_id, repeat, stored, time.time(),
                     row_checksum(key, fingerprint, input_id, repeat, stored)),
                )
            except sqlite3.OperationalError as exc:  # a full disk, a cache made read-only while the run goes on
                raise BehaviorConfigError(f"sample cache {self.path} cannot be written ({exc}): "
                                          f"{_WHERE_INSTEAD}") from None

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


# --- reading and maintaining an existing cache (the `pytest-behavior cache` command) ---------------------------

CACHE_FILE = "samples.sqlite3"
MIN_FINGERPRINT_PREFIX = 6
_MAINTENANCE_TIMEOUT_S = 30.0
_SECONDS_PER_DAY = 86_400.0
_COLUMNS = frozenset({"key", "fingerprint", "input_id", "repeat", "payload", "created"})


class NoSampleCache(BehaviorConfigError):
    """There is no cache file where one was expected (nothing is created)."""


@dataclass(frozen=True)
class BundleSamples:
    """What the cache holds for one bundle fingerprint.

    Cost, latency and tokens cover the samples that recorded them: `cost_usd` is a lower bound on
    what the samples cost when `priced < samples`, and each is None when no sample recorded it.
    """

    fingerprint: str
    samples: int
    inputs: int
    first_created: float
    last_created: float
    cost_usd: float | None
    priced: int
    mean_latency_ms: float | None
    tokens: int | None


@dataclass(frozen=True)
class CacheSummary:
    path: Path
    size_bytes: int
    """The database file plus its write-ahead log."""
    rows: int
    bundles: tuple[BundleSamples, ...]
    """Most recently written first."""
    failed_checksum: int = 0
    """Rows (counted above as they are) that fail their checksum: edited or damaged, a run requests them again."""


@dataclass(frozen=True)
class PruneResult:
    path: Path
    removed: int
    """Rows deleted (with ``dry_run``: rows that would be deleted)."""
    by_fingerprint: Mapping[str, int]
    remaining: int
    size_before: int
    size_after: int
    dry_run: bool
    compacted: bool
    """False when another process kept the file from being vacuumed (the rows are deleted all the same)."""


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def _total_tokens(usage: Any) -> int | None:
    if not isinstance(usage, Mapping):
        return None
    total = _number(usage.get("total_tokens"))
    if total is None:
        prompt, completion = _number(usage.get("prompt_tokens")), _number(usage.get("completion_tokens"))
        if prompt is None or completion is None:
            return None
        total = prompt + completion
    return int(total)


@dataclass
class _Tally:
    samples: int = 0
    inputs: set[str] = field(default_factory=set)
    first: float = math.inf
    last: float = -math.inf
    cost: float = 0.0
    priced: int = 0
    latency: float = 0.0
    timed: int = 0
    tokens: int = 0
    counted: int = 0

    def add(self, input_id: str, created: float, payload_json: str) -> None:
        try:
            payload = json.loads(payload_json)
        except ValueError:
            payload = None
        if not isinstance(payload, Mapping):
            payload = {}
        self.samples += 1
        self.inputs.add(input_id)
        self.first, self.last = min(self.first, created), max(self.last, created)
        if (cost := _number(payload.get("cost_usd"))) is not None:
            self.cost, self.priced = self.cost + cost, self.priced + 1
        if (latency := _number(payload.get("latency_ms"))) is not None:
            self.latency, self.timed = self.latency + latency, self.timed + 1
        if (tokens := _total_tokens(payload.get("usage"))) is not None:
            self.tokens, self.counted = self.tokens + tokens, self.counted + 1

    def freeze(self, fingerprint: str) -> BundleSamples:
        return BundleSamples(
            fingerprint=fingerprint, samples=self.samples, inputs=len(self.inputs), first_created=self.first,
            last_created=self.last, cost_usd=self.cost if self.priced else None, priced=self.priced,
            mean_latency_ms=self.latency / self.timed if self.timed else None,
            tokens=self.tokens if self.counted else None,
        )


def _size_on_disk(path: Path) -> int:
    files = (path, path.with_name(path.name + "-wal"))
    return sum(f.stat().st_size for f in files if f.is_file())


@contextlib.contextmanager
def _existing(directory: Path, *, write: bool) -> Iterator[tuple[Path, sqlite3.Connection]]:
    """Open the cache in `directory` without creating it; SQLite errors become errors naming the file."""
    path = directory / CACHE_FILE
    if not path.exists():
        raise NoSampleCache(f"no sample cache at {path}")
    unreadable = f"sample cache {path} cannot be read"
    try:
        uri = f"{path.resolve().as_uri()}?mode={'rw' if write else 'ro'}"
        conn = sqlite3.connect(uri, uri=True, timeout=_MAINTENANCE_TIMEOUT_S, isolation_level=None)
    except sqlite3.Error as exc:
        raise BehaviorConfigError(f"{unreadable} ({exc})") from None
    try:
        _check_format(conn, path)
        yield path, conn
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise BehaviorConfigError(
                f"sample cache {path} is in use ({exc}): try again when the test run using it has finished"
            ) from None
        raise BehaviorConfigError(f"{unreadable} ({exc}): delete it, the next run starts a new one") from None
    except sqlite3.DatabaseError as exc:
        raise BehaviorConfigError(f"{unreadable} ({exc}): delete it, the next run starts a new one") from None
    finally:
        conn.close()


def _check_format(conn: sqlite3.Connection, path: Path) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version not in (0, 1, SCHEMA_VERSION):  # format 1 (no checksums yet) reads the same
        raise BehaviorConfigError(f"sample cache {path} has format {version}, this plugin reads {SCHEMA_VERSION}")
    columns = {row[1] for row in conn.execute("PRAGMA table_info(samples)")}
    if not _COLUMNS.issubset(columns):
        raise BehaviorConfigError(f"{path} is an SQLite database but not a sample cache (no samples table)")


def summarize(directory: Path) -> CacheSummary:
    """Samples, distinct inputs, dates, cost, latency and tokens per bundle fingerprint (read-only)."""
    tallies: dict[str, _Tally] = {}
    failed = 0
    with _existing(directory, write=False) as (path, conn):
        checked = "checksum" in {row[1] for row in conn.execute("PRAGMA table_info(samples)")}  # format 1: none yet
        rows = conn.execute("SELECT fingerprint, input_id, created, payload, key, repeat, "
                            f"{'checksum' if checked else 'NULL'} FROM samples")
        for fingerprint, input_id, created, payload_json, key, repeat, checksum in rows:
            tallies.setdefault(str(fingerprint), _Tally()).add(str(input_id), float(created), str(payload_json))
            if checked and _verified(key, fingerprint, input_id, repeat, payload_json, checksum) is None:
                failed += 1
    bundles = sorted((tally.freeze(fp) for fp, tally in tallies.items()),
                     key=lambda b: (-b.last_created, b.fingerprint))
    return CacheSummary(path=path, size_bytes=_size_on_disk(path), rows=sum(b.samples for b in bundles),
                        bundles=tuple(bundles), failed_checksum=failed)


def _check_criteria(older_than_days: float | None, fingerprints: Sequence[str], everything: bool) -> None:
    if everything and (older_than_days is not None or fingerprints):
        raise ValueError("pruning everything takes no other criterion")
    if not everything and older_than_days is None and not fingerprints:
        raise ValueError("nothing to prune: give an age, fingerprints, or everything")
    if older_than_days is not None and not (math.isfinite(older_than_days) and older_than_days >= 0):
        raise ValueError(f"an age of {older_than_days!r} days: give a number of days, 0 or more")
    for prefix in fingerprints:
        if len(prefix) < MIN_FINGERPRINT_PREFIX:
            raise ValueError(f"fingerprint {prefix!r} is too short: give at least {MIN_FINGERPRINT_PREFIX} characters")


def _resolve(conn: sqlite3.Connection, path: Path, prefixes: Sequence[str]) -> list[str]:
    """The full fingerprint each prefix names (case-insensitive); unknown or ambiguous prefixes are errors."""
    known = [str(row[0]) for row in conn.execute("SELECT DISTINCT fingerprint FROM samples")]
    chosen: list[str] = []
    for prefix in prefixes:
        matches = [fp for fp in known if fp.lower().startswith(prefix.lower())]
        if not matches:
            raise ValueError(f"no samples in {path} have a fingerprint starting with {prefix!r}")
        if len(matches) > 1:
            names = ", ".join(sorted(fp[:16] for fp in matches))
            raise ValueError(f"fingerprint {prefix!r} is ambiguous ({names}): give more characters")
        if matches[0] not in chosen:
            chosen.append(matches[0])
    return chosen


def _compact(conn: sqlite3.Connection) -> bool:
    """Vacuum and fold the write-ahead log back into the file, so it shrinks; False if another process prevented it."""
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("VACUUM")
        busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            return False
        raise
    return not busy


def prune(
    directory: Path, *, older_than_days: float | None = None, fingerprints: Sequence[str] = (),
    everything: bool = False, dry_run: bool = False, now: float | None = None,
) -> PruneResult:
    """Delete the samples created more than `older_than_days` ago and/or (both must hold when both are given)
    those of `fingerprints` (prefixes of at least `MIN_FINGERPRINT_PREFIX` characters), or `everything`; then
    compact the file. ``dry_run`` only counts. `now` (epoch seconds) defaults to the current time.
    """
    _check_criteria(older_than_days, fingerprints, everything)
    now = time.time() if now is None else now
    path = directory / CACHE_FILE
    size_before = _size_on_disk(path) if path.exists() else 0
    compacted = False
    with _existing(directory, write=not dry_run) as (path, conn):
        conn.execute("BEGIN" if dry_run else "BEGIN IMMEDIATE")
        try:
            clauses: list[str] = []
            params: list[Any] = []
            if older_than_days is not None:
                clauses.append("created < ?")
                params.append(now - older_than_days * _SECONDS_PER_DAY)
            if fingerprints:
                chosen = _resolve(conn, path, fingerprints)
                clauses.append(f"fingerprint IN ({','.join('?' * len(chosen))})")
                params.extend(chosen)
            where = " AND ".join(clauses) or "1"
            counts = conn.execute(f"SELECT fingerprint, COUNT(*) FROM samples WHERE {where} GROUP BY fingerprint",
                                  params)
            by_fingerprint = {str(fp): int(n) for fp, n in counts}
            remaining = int(conn.execute("SELECT COUNT(*) FROM samples").fetchone()[0]) - sum(by_fingerprint.values())
            if not dry_run:
                conn.execute(f"DELETE FROM samples WHERE {where}", params)
            conn.execute("COMMIT" if not dry_run else "ROLLBACK")
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
        if not dry_run:
            compacted = _compact(conn)
    return PruneResult(
        path=path, removed=sum(by_fingerprint.values()), by_fingerprint=by_fingerprint, remaining=remaining,
        size_before=size_before, size_after=_size_on_disk(path), dry_run=dry_run, compacted=compacted,
    )
