"""The sample cache's file format: a row's key, its stored JSON and checksum, the schema and its migration.

Every row carries a checksum (sha256 of its key, fingerprint, input id, repeat and stored payload), so a row edited
or damaged since it was written can be told from an intact one. Files written before checksums existed (format 1)
are migrated by `_migrate`: their rows are trusted once and their checksums computed then.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Mapping
from typing import Any

from pytest_behavior.spec.inputs import canonical_json

CACHE_FILE = "samples.sqlite3"
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


def _sample_columns(conn: sqlite3.Connection) -> set[str]:
    """The columns of the ``samples`` table (empty when there is none)."""
    return {row[1] for row in conn.execute("PRAGMA table_info(samples)")}


def row_checksum(key: Any, fingerprint: Any, input_id: Any, repeat: Any, payload: Any) -> str:
    """sha256 of everything a row says about its sample (ASCII JSON, so any text, surrogates included, encodes)."""
    material = json.dumps([key, fingerprint, input_id, repeat, payload], ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(material.encode("ascii")).hexdigest()


def _verified(
    key: Any, fingerprint: Any, input_id: Any, repeat: Any, payload: Any, checksum: Any
) -> dict[str, Any] | None:
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
            if "checksum" not in _sample_columns(conn):
                conn.execute("ALTER TABLE samples ADD COLUMN checksum TEXT")
            conn.execute(
                f"UPDATE samples SET checksum = {_CHECKSUM_SQL}(key, fingerprint, input_id, repeat, payload) "
                "WHERE checksum IS NULL"
            )
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


def sample_key(*, fingerprint: str, messages: Any, repeat: int, seed: int, stream: bool = False) -> str:
    """A row's key: sha256 of everything that determines a sample, so k repeats stay k distinct rows. A streamed
    sample (``Bundle(stream=True)``) is its own row: it records a time to first token that one read whole has not
    (the key of a sample read whole is what it was before streaming existed)."""
    fields: dict[str, Any] = {"fingerprint": fingerprint, "messages": messages, "repeat": repeat, "seed": seed}
    material = canonical_json({**fields, "stream": True} if stream else fields)
    return hashlib.sha256(material.encode()).hexdigest()
