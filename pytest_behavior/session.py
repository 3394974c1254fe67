"""Per-process state of a pytest session: settings, the (lazily opened) cache, collected summaries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pytest_behavior.settings import RunSettings

if TYPE_CHECKING:
    from pytest_behavior.sampling.cache import SampleCache


@dataclass
class BehaviorSession:
    settings: RunSettings
    summaries: list[dict[str, Any]] = field(default_factory=list)
    candidate_name_read: bool = False
    _cache: SampleCache | None = None

    @property
    def cache(self) -> SampleCache:
        if self._cache is None:
            from pytest_behavior.sampling.cache import SampleCache

            self._cache = SampleCache(self.settings.cache_dir, mode=self.settings.cache_mode)
        return self._cache

    def close(self) -> None:
        if self._cache is not None:
            self._cache.close()
            self._cache = None
