"""Per-process state of a pytest session: settings, the (lazily opened) cache and budget ledger, summaries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pytest_behavior.config.settings import RunSettings

if TYPE_CHECKING:
    from pytest_behavior.sampling.budget import Ledger
    from pytest_behavior.sampling.cache import SampleCache

ProgressWriter = Callable[[str, bool], None]


@dataclass
class BehaviorSession:
    settings: RunSettings
    summaries: list[dict[str, Any]] = field(default_factory=list)
    candidate_name_read: bool = False
    progress_writer: ProgressWriter | None = None  # set by the plugin when progress can be shown
    progress_isatty: bool = False
    _cache: SampleCache | None = None
    _ledger: Ledger | None = None

    @property
    def cache(self) -> SampleCache:
        if self._cache is None:
            from pytest_behavior.sampling.cache import SampleCache

            self._cache = SampleCache(self.settings.cache_dir, mode=self.settings.cache_mode)
        return self._cache

    @property
    def ledger(self) -> Ledger | None:
        """The session budget's ledger: in memory, or shared by the xdist workers of this run."""
        budget = self.settings.budget
        if budget is None:
            return None
        if self._ledger is None:
            from pytest_behavior.sampling.budget import MemoryLedger, SharedLedger

            run_id = self.settings.run_id
            self._ledger = (MemoryLedger(budget) if run_id is None else
                            SharedLedger(budget, path=self.settings.cache_dir / "budget.sqlite3", run_id=run_id))
        return self._ledger

    def close(self) -> None:
        if self._cache is not None:
            self._cache.close()
            self._cache = None
        close = getattr(self._ledger, "close", None)
        if close is not None:
            close()
        self._ledger = None
