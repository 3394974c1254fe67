"""Spending limits: ``--behavior-budget=calls:500,usd:2.50`` for the session, ``behavior_budget(...)`` per test.

A budget is enforced before each provider call: the call is *reserved* (counted, with its estimated cost
held against the dollar limit) and *settled* with its real cost when it returns. Each retry of a call is reserved
too, before it is sent (counted, at no cost: a failed request is not billed), so ``calls:N`` caps the HTTP
requests sent, retries included. When a reservation is
refused the sampler starts no new call, lets the calls in flight land in the cache, and the test is judged
on the inputs it has complete.

Under pytest-xdist the session budget is shared by every worker through a small SQLite ledger keyed by
the run's id, so ``-n 4`` spends the same budget as a single process, not four times it.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

_PART = re.compile(r"^\s*(calls|usd)\s*[:=]\s*([0-9]*\.?[0-9]+)\s*$")


@dataclass(frozen=True)
class Budget:
    """A limit on provider calls and/or on their cost in US dollars (None: no limit of that kind)."""

    calls: int | None = None
    usd: float | None = None

    def describe(self) -> str:
        parts = ([] if self.calls is None else [f"calls:{self.calls}"]) + (
            [] if self.usd is None else [f"usd:{self.usd:g}"]
        )
        return ",".join(parts)


def parse_budget(text: str) -> Budget:
    """``"calls:500,usd:2.50"`` (either part may be left out) -> `Budget`; ValueError says what is wrong."""
    calls: int | None = None
    usd: float | None = None
    for part in text.split(","):
        match = _PART.match(part)
        if match is None:
            raise ValueError(f"{part.strip()!r} is not calls:N or usd:X (e.g. calls:500,usd:2.50)")
        kind, value = match.groups()
        if kind == "calls":
            if "." in value:
                raise ValueError(f"calls must be a whole number, got {value}")
            calls = int(value)
        else:
            usd = float(value)
    if calls is None and usd is None:  # pragma: no cover - the regex needs at least one part
        raise ValueError("empty budget")
    return Budget(calls=calls, usd=usd)


def budget_from_marker(args: tuple[object, ...], kwargs: dict[str, object]) -> Budget:
    """``@pytest.mark.behavior_budget(calls=200, usd=0.5)`` or ``behavior_budget("calls:200")``."""
    if args:
        if len(args) != 1 or kwargs or not isinstance(args[0], str):
            raise ValueError("behavior_budget takes calls=N and/or usd=X, or one string like 'calls:200,usd:0.5'")
        return parse_budget(args[0])
    unknown = sorted(set(kwargs) - {"calls", "usd"})
    if unknown:
        raise ValueError(f"behavior_budget: unknown argument(s) {', '.join(unknown)} (it takes calls= and usd=)")
    calls, usd = kwargs.get("calls"), kwargs.get("usd")
    if calls is None and usd is None:
        raise ValueError("behavior_budget needs calls=N and/or usd=X")
    if calls is not None and (not isinstance(calls, int) or isinstance(calls, bool) or calls < 0):
        raise ValueError(f"behavior_budget: calls must be a whole number >= 0, got {calls!r}")
    if usd is not None and (not isinstance(usd, (int, float)) or isinstance(usd, bool) or usd < 0):
        raise ValueError(f"behavior_budget: usd must be a number >= 0, got {usd!r}")
    return Budget(calls=calls, usd=None if usd is None else float(usd))


class Ledger(Protocol):
    """Counts reserved calls and spent dollars against one `Budget`."""

    budget: Budget

    def reserve(self, estimated_usd: float) -> bool:
        """Count one call about to start; False (and nothing counted) if it would exceed the budget."""

    def settle(self, estimated_usd: float, actual_usd: float | None) -> None:
        """Replace a reserved call's estimate by its real cost (None: unknown, keep the estimate)."""

    def release(self, estimated_usd: float) -> None:
        """Take back a reservation whose call never started."""

    def spent(self) -> tuple[int, float]:
        """Calls reserved and dollars spent (settled costs plus estimates of calls in flight) so far."""


def _fits(budget: Budget, calls: int, usd: float, estimated_usd: float) -> bool:
    if budget.calls is not None and calls + 1 > budget.calls:
        return False
    return budget.usd is None or usd + estimated_usd <= budget.usd


class MemoryLedger:
    """The ledger of one process (a test's own budget, or the session's without xdist)."""

    def __init__(self, budget: Budget, *, per_test: bool = False) -> None:
        self.budget = budget
        self.per_test = per_test
        self._calls = 0
        self._usd = 0.0
        self._lock = threading.Lock()

    def reserve(self, estimated_usd: float) -> bool:
        with self._lock:
            if not _fits(self.budget, self._calls, self._usd, estimated_usd):
                return False
            self._calls += 1
            self._usd += estimated_usd
            return True

    def settle(self, estimated_usd: float, actual_usd: float | None) -> None:
        if actual_usd is not None:
            with self._lock:
                self._usd += actual_usd - estimated_usd

    def release(self, estimated_usd: float) -> None:
        with self._lock:
            self._calls -= 1
            self._usd -= estimated_usd

    def spent(self) -> tuple[int, float]:
        with self._lock:
            return self._calls, self._usd


class SharedLedger:
    """The session's ledger shared by xdist workers: one row per run id in ``<cache dir>/budget.sqlite3``.

    Each reservation is one short write transaction (``BEGIN IMMEDIATE``), so two workers never both take
    the last call of the budget.
    """

    def __init__(self, budget: Budget, *, path: Path, run_id: str) -> None:
        self.budget = budget
        self.run_id = run_id
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, timeout=60, isolation_level=None, check_same_thread=False)
        self._lock = threading.Lock()
        self._conn.execute("PRAGMA busy_timeout=60000")
        self._write(
            "CREATE TABLE IF NOT EXISTS spend (run TEXT PRIMARY KEY, calls INTEGER NOT NULL, "
            "usd REAL NOT NULL, created REAL NOT NULL)",
            (),
        )
        self._write(
            "INSERT OR IGNORE INTO spend (run, calls, usd, created) VALUES (?, 0, 0.0, ?)", (run_id, time.time())
        )
        self._write("DELETE FROM spend WHERE created < ?", (time.time() - 7 * 86400,))  # old runs

    def _write(self, sql: str, params: tuple[object, ...]) -> None:
        with self._lock:
            self._conn.execute(sql, params)

    def reserve(self, estimated_usd: float) -> bool:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                calls, usd = self._conn.execute("SELECT calls, usd FROM spend WHERE run = ?", (self.run_id,)).fetchone()
                if not _fits(self.budget, int(calls), float(usd), estimated_usd):
                    return False
                self._conn.execute(
                    "UPDATE spend SET calls = calls + 1, usd = usd + ? WHERE run = ?", (estimated_usd, self.run_id)
                )
                return True
            finally:
                self._conn.execute("COMMIT")

    def settle(self, estimated_usd: float, actual_usd: float | None) -> None:
        if actual_usd is not None:
            self._write("UPDATE spend SET usd = usd + ? WHERE run = ?", (actual_usd - estimated_usd, self.run_id))

    def release(self, estimated_usd: float) -> None:
        self._write("UPDATE spend SET calls = calls - 1, usd = usd - ? WHERE run = ?", (estimated_usd, self.run_id))

    def spent(self) -> tuple[int, float]:
        with self._lock:
            calls, usd = self._conn.execute("SELECT calls, usd FROM spend WHERE run = ?", (self.run_id,)).fetchone()
        return int(calls), float(usd)

    def close(self) -> None:
        with self._lock:
            self._conn.close()


class BudgetGate:
    """The ledgers a test's calls count against: the session's, and the test's own marker budget."""

    def __init__(self, ledgers: tuple[Ledger, ...]) -> None:
        self.ledgers = ledgers
        self.refused_by: Ledger | None = None

    def reserve(self, estimated_usd: float) -> bool:
        taken: list[Ledger] = []
        for ledger in self.ledgers:
            if not ledger.reserve(estimated_usd):
                for done in taken:  # give back what the other ledgers counted
                    done.release(estimated_usd)
                self.refused_by = ledger
                return False
            taken.append(ledger)
        return True

    def settle(self, estimated_usd: float, actual_usd: float | None) -> None:
        for ledger in self.ledgers:
            ledger.settle(estimated_usd, actual_usd)

    def stop_reason(self) -> str | None:
        """Which budget stopped sampling, with what it had counted (None while none has)."""
        if self.refused_by is None:
            return None
        calls, usd = self.refused_by.spent()
        scope = "test budget" if isinstance(self.refused_by, MemoryLedger) and self.refused_by.per_test else "budget"
        return f"{scope} {self.refused_by.budget.describe()} reached ({calls} calls, ${usd:.4f})"
