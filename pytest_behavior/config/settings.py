"""Run settings resolved once per session from CLI options, ini keys and ``pyproject.toml``.

Precedence, as in pytest-recording: command line > marker / spec > fixture / ini.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pytest_behavior.errors import BehaviorConfigError

if TYPE_CHECKING:
    from pytest_behavior.bundle import Bundle
    from pytest_behavior.report.progress import ProgressMode
    from pytest_behavior.sampling.budget import Budget

Mode = Literal["skip", "update", "golden", "live"]
InconclusivePolicy = Literal["warn", "fail"]


@dataclass(frozen=True)
class RunSettings:
    mode: Mode
    rootdir: Path
    golden_dir: Path
    baseline_golden_dir: Path | None = None
    baseline_name: str | None = None
    candidate_name: str | None = None
    n: int | None = None
    seed: int = 0
    concurrency: int = 16
    cache_dir: Path = Path(".behavior-cache")
    cache_mode: Literal["use", "refresh", "off"] = "use"
    alpha: float = 0.05
    inconclusive: InconclusivePolicy = "warn"
    named_bundles: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    sequential: bool = False
    budget: Budget | None = None
    progress: ProgressMode = "auto"
    run_id: str | None = None  # the xdist run id shared by every worker (None: not under xdist)
    run_dir: Path = Path(".behavior-runs") / "run"
    """Where this run writes the full diff of each regressed test (one folder per run, shared by xdist workers)."""
    max_stored_chars: int = 20_000
    """Characters of one output a golden file keeps (0: all); see `pytest_behavior.spec.output.capped_payload`."""

    @property
    def baseline_description(self) -> str:
        if self.mode == "live":
            return f"live bundle {self.baseline_name!r}" if self.baseline_name else "live baseline_bundle"
        return f"golden files in {self.baseline_golden_dir or self.golden_dir}"


def worker_share(total: int, *, index: int, workers: int) -> int:
    """One xdist worker's share of the session's calls in flight: the shares add up to ``total`` (each at least 1),
    so ``--behavior-concurrency`` bounds the whole session, not each worker."""
    return max(1, total // workers + (1 if index < total % workers else 0))


def read_named_bundles(pyproject: Path) -> dict[str, dict[str, Any]]:
    """``[tool.pytest_behavior.bundles.NAME]`` tables from pyproject.toml (empty when absent)."""
    if not pyproject.is_file():
        return {}
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BehaviorConfigError(f"{pyproject}: cannot read [tool.pytest_behavior] ({exc})") from None
    bundles = data.get("tool", {}).get("pytest_behavior", {}).get("bundles", {})
    if not isinstance(bundles, dict) or not all(isinstance(v, dict) for v in bundles.values()):
        raise BehaviorConfigError(f"{pyproject}: [tool.pytest_behavior.bundles.NAME] must be tables")
    return {str(name): dict(table) for name, table in bundles.items()}


def bundle_from_table(name: str, table: Mapping[str, Any], *, rootdir: Path) -> Bundle:
    """Build a `Bundle` from a pyproject table: ``model = ...`` or ``records = "path.jsonl"``."""
    from pytest_behavior.bundle import COMPLETION_PARAMS, Bundle, unknown_options_message

    where = f"[tool.pytest_behavior.bundles.{name}] in pyproject.toml"
    options = dict(table)
    options.setdefault("label", name)
    if "records" in options:
        extra = sorted(set(options) - {"records", "label"})
        if extra:
            raise BehaviorConfigError(f"{where}: a records bundle takes only 'records' and 'label', not "
                                      f"{', '.join(map(repr, extra))} (the outputs are already recorded)")
        return Bundle.from_records(rootdir / str(options.pop("records")), label=str(options.pop("label")))
    if "model" not in options:
        raise BehaviorConfigError(f"{where} needs 'model' (or 'records')")
    known = {"model", "system", "prompt", "temperature", "tools", "response_format", "label", "litellm_params",
             *COMPLETION_PARAMS}
    unknown = [key for key in options if key not in known]
    if unknown:
        raise BehaviorConfigError(unknown_options_message(unknown, where=where, noun="key", known=["records"]))
    try:
        return Bundle(**options)
    except TypeError as exc:
        raise BehaviorConfigError(f"{where}: {exc}") from None
