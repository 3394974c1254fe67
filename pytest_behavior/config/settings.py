"""Run settings resolved once per session from CLI options, ini keys and ``pyproject.toml``.

Precedence, as in pytest-recording: command line > marker / spec > fixture / ini. A value that cannot be
used is a `pytest.UsageError` naming the option to fix, raised before any test runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pytest

from pytest_behavior.errors import BehaviorConfigError

if TYPE_CHECKING:
    from pytest_behavior.bundle import Bundle
    from pytest_behavior.report.progress import ProgressMode
    from pytest_behavior.sampling.budget import Budget

DEFAULT_CONCURRENCY = 16
"""Model calls in flight at most when neither ``--behavior-concurrency`` nor ``behavior_concurrency`` is set."""

STREAMED_IN_FLIGHT = 4
"""Streamed calls in flight at most unless the run's concurrency is set explicitly: one process reads every stream
in one event loop, so the chunks of the other streams delay the moment a stream's first token is seen, the same
tens of milliseconds in both arms, which pulls TTFT ratios toward 1 (``benchmarks/ttft_accuracy.py``: baseline
40 ms vs candidate 100 ms, true x2.50, read x1.70 at 16 in flight, x2.03 at 4, x2.11 at 1)."""

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
    candidate_names: tuple[str, ...] = ()
    """The versions of a matrix run (``--behavior-candidate=v3,v4,v5``); empty for one candidate."""
    n: int | None = None
    seed: int = 0
    concurrency: int = DEFAULT_CONCURRENCY
    stream_concurrency: int | None = STREAMED_IN_FLIGHT
    """Streamed calls in flight at most (None: ``concurrency``): `STREAMED_IN_FLIGHT` unless
    ``--behavior-concurrency`` / ``behavior_concurrency`` is set, which then holds for streamed calls too."""
    cache_dir: Path = Path(".behavior-cache")
    cache_mode: Literal["use", "refresh", "off"] = "use"
    alpha: float = 0.05
    """The level each test is judged at: ``behavior_alpha``, divided by the number of versions of a matrix run."""
    family_alpha: float = 0.05
    """``behavior_alpha`` as configured: in a matrix run, the error rate over all versions of a test."""
    fleet: Mapping[str, float] | None = None
    """A matrix run's version mix, shares summing to 1 (`pytest_behavior.config.fleet`); empty when the mix in
    pyproject.toml weighs a version the run leaves out (the matrix then says there is no fleet view)."""
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

    @classmethod
    def from_config(cls, config: pytest.Config) -> RunSettings:
        """The settings of this run: options, ini keys and ``[tool.pytest_behavior.bundles]``, checked."""
        root = Path(config.rootpath)
        named = read_named_bundles(root / "pyproject.toml")
        update = bool(config.getoption("behavior_update"))
        mode, baseline_name, baseline_dir = _mode(config, named, root, update=update)
        policy = config.getoption("behavior_inconclusive") or config.getini("behavior_inconclusive")
        if policy not in ("warn", "fail"):
            raise pytest.UsageError(f"behavior_inconclusive must be 'warn' or 'fail', got {policy!r}")
        explicit = config.getoption("behavior_concurrency") is not None or bool(config.getini("behavior_concurrency"))
        concurrency = _int_option(config, "behavior_concurrency") if explicit else DEFAULT_CONCURRENCY
        if concurrency < 1:
            raise pytest.UsageError(f"--behavior-concurrency must be at least 1, got {concurrency}")
        worker: dict[str, Any] | None = getattr(config, "workerinput", None)  # set on xdist workers
        if worker is not None:
            concurrency = worker_share(concurrency, index=_worker_index(worker), workers=int(worker["workercount"]))
        progress = config.getoption("behavior_progress") or config.getini("behavior_progress")
        if progress not in ("auto", "live", "lines", "off"):
            raise pytest.UsageError(f"behavior_progress must be auto, live, lines or off, got {progress!r}")
        n = config.getoption("behavior_n")
        if n is not None and n < 1:
            raise pytest.UsageError(f"--behavior-n must be at least 1, got {n}")
        if config.getoption("behavior_prune") and not update:
            raise pytest.UsageError(
                "--behavior-prune deletes unused golden files while recording: use it with --behavior-update"
            )
        alpha = float(config.getini("behavior_alpha"))
        if not 0 < alpha < 0.5:
            raise pytest.UsageError(f"behavior_alpha must be in (0, 0.5), got {alpha}")
        versions = _versions(config, update=update)
        return cls(
            mode=mode,
            rootdir=root,
            golden_dir=root / config.getini("behavior_golden_dir"),
            baseline_golden_dir=baseline_dir,
            baseline_name=baseline_name,
            candidate_name=versions[0] if len(versions) == 1 else None,
            candidate_names=versions if len(versions) > 1 else (),
            n=n,
            seed=_int_option(config, "behavior_seed"),
            concurrency=concurrency,
            stream_concurrency=None if explicit else _stream_cap(concurrency),
            cache_dir=root / (config.getoption("behavior_cache_dir") or config.getini("behavior_cache_dir")),
            cache_mode=config.getoption("behavior_cache") or "use",
            alpha=alpha / max(1, len(versions)),
            family_alpha=alpha,
            fleet=_fleet(config, root, versions),
            inconclusive=policy,
            named_bundles=named,
            sequential=bool(config.getoption("behavior_sequential") or config.getini("behavior_sequential")),
            budget=_budget(config),
            progress=progress,
            run_id=None if worker is None else str(worker.get("testrunuid", "xdist")),
            run_dir=run_dir(config, root, worker),
            max_stored_chars=_max_stored_chars(config),
        )

    @property
    def baseline_description(self) -> str:
        if self.mode == "live":
            return f"live bundle {self.baseline_name!r}" if self.baseline_name else "live baseline_bundle"
        return f"golden files in {self.baseline_golden_dir or self.golden_dir}"


def _mode(
    config: pytest.Config, named: Mapping[str, Any], root: Path, *, update: bool
) -> tuple[Mode, str | None, Path | None]:
    """The mode, and the baseline it compares against: a named bundle, or another golden directory."""
    baseline = config.getoption("behavior_baseline")
    if update and baseline is not None:
        raise pytest.UsageError(
            "--behavior-update records a new baseline; it cannot be combined with --behavior-baseline"
        )
    if baseline is None and not update and config.getini("behavior_enabled"):
        baseline = "golden"
    if baseline is None:
        return ("update" if update else "skip"), None, None
    if baseline in ("golden", "live"):
        return baseline, None, None
    return _named_or_path(str(baseline), named, root)


def _named_or_path(value: str, named: Mapping[str, Any], root: Path) -> tuple[Mode, str | None, Path | None]:
    if value in named:
        return "live", value, None
    path = Path(value) if Path(value).is_absolute() else root / value
    if path.is_file() or (not path.exists() and value.endswith(".py")):
        raise pytest.UsageError(
            f"--behavior-baseline took {value!r} as its value, but a baseline is 'golden', 'live', a bundle "
            f"name or a golden directory: put test paths before the option (`pytest {value} --behavior-baseline`)"
        )
    if path.is_dir():
        if any(path.rglob("*.py")):
            raise pytest.UsageError(
                f"--behavior-baseline took {value!r} as its value, but that directory holds tests, not golden "
                f"files: write `--behavior-baseline={value}` only for a golden directory, or put test paths "
                f"before the option (`pytest {value} --behavior-baseline`)"
            )
        return "golden", None, path
    raise pytest.UsageError(
        f"--behavior-baseline={value}: not 'golden', 'live', a bundle in [tool.pytest_behavior.bundles] "
        f"of pyproject.toml, or an existing golden directory"
    )


def _versions(config: pytest.Config, *, update: bool) -> tuple[str, ...]:
    from pytest_behavior.config.matrix import candidate_names

    try:
        names = candidate_names(config.getoption("behavior_candidate"))
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None
    if update and len(names) > 1:
        raise pytest.UsageError(
            f"--behavior-update records one baseline; --behavior-candidate={','.join(names)} names {len(names)} "
            f"versions (record one: --behavior-candidate=NAME)"
        )
    return names


def _fleet(config: pytest.Config, root: Path, versions: tuple[str, ...]) -> Mapping[str, float] | None:
    """The mix of a matrix run; empty when pyproject's mix weighs a version this run leaves out (no fleet view)."""
    from pytest_behavior.config.fleet import FleetError, read_fleet

    option = config.getoption("behavior_fleet")
    try:
        fleet = read_fleet(option, pyproject=root / "pyproject.toml", rootdir=root)
    except FleetError as exc:
        raise pytest.UsageError(str(exc)) from None
    if fleet is None or len(versions) < 2:
        if option and option != "off" and len(versions) < 2:
            raise pytest.UsageError(
                f"--behavior-fleet={option} weighs the versions of a matrix run: name them with "
                f"--behavior-candidate=v3,v4,v5"
            )
        return None
    unknown = sorted(set(fleet) - set(versions))
    if unknown and not option:  # pyproject's mix, on a run of some versions: the matrix without the fleet view
        return {}
    if unknown:
        raise pytest.UsageError(
            f"the fleet mix ({fleet_source(option)}) weighs {', '.join(map(repr, unknown))}, which "
            f"--behavior-candidate={','.join(versions)} does not run: list every version users run among the "
            f"candidates (production too: it is compared with its own golden files)"
        )
    return fleet


def fleet_source(option: str | None) -> str:
    return f"--behavior-fleet={option}" if option else "[tool.pytest_behavior.fleet] in pyproject.toml"


def _stream_cap(concurrency: int) -> int:
    """Streamed calls in flight at most when the user set no concurrency: fewer, for a truer time to first token."""
    return min(STREAMED_IN_FLIGHT, concurrency)


def _int_option(config: pytest.Config, name: str) -> int:
    value = config.getoption(name)
    raw = value if value is not None else config.getini(name)
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise pytest.UsageError(f"{name} must be an integer, got {raw!r}") from None


def _max_stored_chars(config: pytest.Config) -> int:
    value = _int_option(config, "behavior_max_stored_chars")
    if value < 0:
        raise pytest.UsageError(f"--behavior-max-stored-chars must be 0 (keep outputs whole) or more, got {value}")
    return value


def _budget(config: pytest.Config) -> Budget | None:
    raw = config.getoption("behavior_budget")
    source = "--behavior-budget"
    if raw is None:
        raw, source = config.getini("behavior_budget"), "behavior_budget (ini)"
    if not raw:
        return None
    from pytest_behavior.sampling.budget import parse_budget

    try:
        return parse_budget(str(raw))
    except ValueError as exc:
        raise pytest.UsageError(f"{source}={raw}: {exc}") from None


def run_dir(config: pytest.Config, root: Path, worker: Mapping[str, Any] | None) -> Path:
    """``<run dir>/<run id>``: xdist workers of one run share its id, so they write to one folder."""
    import time
    import uuid

    parent = Path(config.getoption("behavior_run_dir") or ".behavior-runs")
    parent = parent if parent.is_absolute() else root / parent
    if worker is not None:
        import re  # the id may come from xdist's --testrunuid: one plain folder name, never a path

        return parent / (re.sub(r"[^\w-]", "_", str(worker.get("testrunuid", "xdist")))[:12] or "xdist")
    return parent / f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"


def _worker_index(worker: Mapping[str, Any]) -> int:
    digits = "".join(ch for ch in str(worker.get("workerid", "gw0")) if ch.isdigit())
    return int(digits or 0)


def worker_share(total: int, *, index: int, workers: int) -> int:
    """One xdist worker's share of the session's calls in flight: the shares add up to ``total`` (each at least 1),
    so ``--behavior-concurrency`` bounds the whole session, not each worker."""
    return max(1, total // workers + (1 if index < total % workers else 0))


def read_named_bundles(pyproject: Path) -> dict[str, dict[str, Any]]:
    """``[tool.pytest_behavior.bundles.NAME]`` tables from pyproject.toml (empty when absent)."""
    from pytest_behavior.config.pyproject import plugin_table

    try:
        bundles = plugin_table(pyproject).get("bundles", {})
    except ValueError as exc:
        raise BehaviorConfigError(str(exc)) from None
    if not isinstance(bundles, dict) or not all(isinstance(v, dict) for v in bundles.values()):
        raise BehaviorConfigError(f"{pyproject}: [tool.pytest_behavior.bundles.NAME] must be tables")
    return {str(name): dict(table) for name, table in bundles.items()}


def bundle_from_table(name: str, table: Mapping[str, Any], *, rootdir: Path) -> Bundle:
    """Build a `Bundle` from a pyproject table: ``model = ...`` or ``records = "path.jsonl"``."""
    from pytest_behavior.bundle import BUNDLE_FIELDS, COMPLETION_PARAMS, Bundle, unknown_options_message

    where = f"[tool.pytest_behavior.bundles.{name}] in pyproject.toml"
    options = dict(table)
    options.setdefault("label", name)
    if "records" in options:
        extra = sorted(set(options) - {"records", "label"})
        if extra:
            raise BehaviorConfigError(
                f"{where}: a records bundle takes only 'records' and 'label', not "
                f"{', '.join(map(repr, extra))} (the outputs are already recorded)"
            )
        return Bundle.from_records(rootdir / str(options.pop("records")), label=str(options.pop("label")))
    if "model" not in options:
        raise BehaviorConfigError(f"{where} needs 'model' (or 'records')")
    known = {*BUNDLE_FIELDS, *COMPLETION_PARAMS}
    unknown = [key for key in options if key not in known]
    if unknown:
        raise BehaviorConfigError(
            unknown_options_message(
                unknown,
                where=where,
                noun="key",
                known=["records"],
                other_options=f"a [tool.pytest_behavior.bundles.{name}.litellm_params] table",
            )
        )
    try:
        return Bundle(**options)
    except TypeError as exc:
        raise BehaviorConfigError(f"{where}: {exc}") from None
