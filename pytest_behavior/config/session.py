"""Per-process state of a pytest session: settings, the (lazily opened) cache and budget ledger, summaries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pytest_behavior.config.settings import RunSettings

if TYPE_CHECKING:
    import pytest

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
            self._ledger = (
                MemoryLedger(budget)
                if run_id is None
                else SharedLedger(budget, path=self.settings.cache_dir / "budget.sqlite3", run_id=run_id)
            )
        return self._ledger

    def attach_progress(self, config: pytest.Config) -> None:
        """Progress goes through the terminal reporter with output capture suspended (not on xdist workers,
        whose output nobody sees: the controller shows their results). Call it once the reporter exists."""
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is None or hasattr(config, "workerinput") or self.settings.progress == "off":
            return
        capture = config.pluginmanager.get_plugin("capturemanager")

        def write(text: str, live: bool) -> None:
            from contextlib import nullcontext

            with capture.global_and_fixture_disabled() if capture is not None else nullcontext():
                if live:
                    if reporter.currentfspath is not None:
                        reporter.ensure_newline()
                    reporter.rewrite(text, erase=True)
                else:
                    reporter.write_line(text)
                    reporter.currentfspath = None  # pytest starts a fresh line for the next result

        self.progress_writer = write
        self.progress_isatty = bool(getattr(reporter, "isatty", False))

    def close(self) -> None:
        if self._cache is not None:
            self._cache.close()
            self._cache = None
        close = getattr(self._ledger, "close", None)
        if close is not None:
            close()
        self._ledger = None
