"""Reading and pruning an existing sample cache, for the ``pytest-behavior cache`` command; nothing here creates one."""

from __future__ import annotations

import contextlib
import json
import math
import sqlite3
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_behavior.errors import BehaviorConfigError
from pytest_behavior.sampling.cache_format import CACHE_FILE, SCHEMA_VERSION, _sample_columns, _verified

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
            fingerprint=fingerprint,
            samples=self.samples,
            inputs=len(self.inputs),
            first_created=self.first,
            last_created=self.last,
            cost_usd=self.cost if self.priced else None,
            priced=self.priced,
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
    if not _COLUMNS.issubset(_sample_columns(conn)):
        raise BehaviorConfigError(f"{path} is an SQLite database but not a sample cache (no samples table)")


def summarize(directory: Path) -> CacheSummary:
    """Samples, distinct inputs, dates, cost, latency and tokens per bundle fingerprint (read-only)."""
    tallies: dict[str, _Tally] = {}
    failed = 0
    with _existing(directory, write=False) as (path, conn):
        checked = "checksum" in _sample_columns(conn)  # format 1: none yet
        rows = conn.execute(
            "SELECT fingerprint, input_id, created, payload, key, repeat, "
            f"{'checksum' if checked else 'NULL'} FROM samples"
        )
        for fingerprint, input_id, created, payload_json, key, repeat, checksum in rows:
            tallies.setdefault(str(fingerprint), _Tally()).add(str(input_id), float(created), str(payload_json))
            if checked and _verified(key, fingerprint, input_id, repeat, payload_json, checksum) is None:
                failed += 1
    bundles = sorted(
        (tally.freeze(fp) for fp, tally in tallies.items()), key=lambda b: (-b.last_created, b.fingerprint)
    )
    return CacheSummary(
        path=path,
        size_bytes=_size_on_disk(path),
        rows=sum(b.samples for b in bundles),
        bundles=tuple(bundles),
        failed_checksum=failed,
    )


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
    directory: Path,
    *,
    older_than_days: float | None = None,
    fingerprints: Sequence[str] = (),
    everything: bool = False,
    dry_run: bool = False,
    now: float | None = None,
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
            counts = conn.execute(
                f"SELECT fingerprint, COUNT(*) FROM samples WHERE {where} GROUP BY fingerprint", params
            )
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
        path=path,
        removed=sum(by_fingerprint.values()),
        by_fingerprint=by_fingerprint,
        remaining=remaining,
        size_before=size_before,
        size_after=_size_on_disk(path),
        dry_run=dry_run,
        compacted=compacted,
    )
