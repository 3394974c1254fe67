"""`RunSettings.from_config`: the options and ini keys declared by `config/options.py`, resolved and checked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pytest_behavior.config.settings import RunSettings


def _settings(
    pytester: pytest.Pytester, *args: str, ini: str = "", worker: dict[str, Any] | None = None
) -> RunSettings:
    if ini:
        pytester.makeini(f"[pytest]\n{ini}\n")
    config = pytester.parseconfig(*args)
    if worker is not None:
        config.workerinput = worker  # type: ignore[attr-defined]  # what xdist sets on its workers
    return RunSettings.from_config(config)


def test_without_options_behavior_tests_are_skipped_with_the_documented_defaults(pytester: pytest.Pytester) -> None:
    settings = _settings(pytester)
    root = Path(pytester.path)
    assert (settings.mode, settings.golden_dir) == ("skip", root / "golden")
    assert settings.cache_dir == root / ".behavior-cache"
    assert (settings.concurrency, settings.seed, settings.alpha, settings.inconclusive) == (16, 0, 0.05, "warn")
    assert (settings.n, settings.budget, settings.progress, settings.max_stored_chars) == (None, None, "auto", 20_000)
    assert settings.run_id is None and settings.run_dir.parent == root / ".behavior-runs"


def test_each_mode_and_its_baseline(pytester: pytest.Pytester) -> None:
    pytester.makepyprojecttoml('[tool.pytest_behavior.bundles.prod]\nmodel = "sim/prod"\n')
    pytester.mkdir("golden-v1")
    assert _settings(pytester, "--behavior-update").mode == "update"
    assert _settings(pytester, "--behavior-baseline").mode == "golden"
    assert _settings(pytester, "--behavior-baseline=live").mode == "live"
    named = _settings(pytester, "--behavior-baseline=prod")
    assert (named.mode, named.baseline_name, named.baseline_golden_dir) == ("live", "prod", None)
    assert named.named_bundles == {"prod": {"model": "sim/prod"}}
    other = _settings(pytester, "--behavior-baseline=golden-v1")
    assert (other.mode, other.baseline_golden_dir) == ("golden", Path(pytester.path) / "golden-v1")


def test_behavior_enabled_compares_against_golden_without_an_option(pytester: pytest.Pytester) -> None:
    assert _settings(pytester, ini="behavior_enabled = true").mode == "golden"
    assert _settings(pytester, "--behavior-update", ini="behavior_enabled = true").mode == "update"


def test_the_command_line_overrides_ini_keys(pytester: pytest.Pytester) -> None:
    ini = (
        "behavior_inconclusive = fail\nbehavior_progress = lines\nbehavior_seed = 3\nbehavior_concurrency = 4\n"
        "behavior_cache_dir = ini-cache\nbehavior_budget = calls:9\nbehavior_max_stored_chars = 0"
    )
    from_ini = _settings(pytester, ini=ini)
    assert (from_ini.inconclusive, from_ini.progress, from_ini.seed, from_ini.concurrency) == ("fail", "lines", 3, 4)
    assert from_ini.cache_dir.name == "ini-cache" and from_ini.budget is not None and from_ini.budget.calls == 9
    assert from_ini.max_stored_chars == 0
    cli = _settings(
        pytester,
        "--behavior-inconclusive=warn",
        "--behavior-progress=off",
        "--behavior-seed=5",
        "--behavior-concurrency=2",
        "--behavior-cache-dir=cli-cache",
        "--behavior-budget=usd:1.5",
        "--behavior-max-stored-chars=100",
        ini=ini,
    )
    assert (cli.inconclusive, cli.progress, cli.seed, cli.concurrency) == ("warn", "off", 5, 2)
    assert (
        cli.cache_dir.name == "cli-cache"
        and cli.budget is not None
        and (cli.budget.calls, cli.budget.usd) == (None, 1.5)
    )
    assert cli.max_stored_chars == 100


def test_an_xdist_worker_takes_its_share_of_the_calls_in_flight_and_the_runs_folder(pytester: pytest.Pytester) -> None:
    worker = {"workerid": "gw1", "workercount": 3, "testrunuid": "abc/def"}
    settings = _settings(pytester, "--behavior-concurrency=8", worker=worker)
    assert settings.concurrency == 3  # 8 calls over 3 workers: 3, 3, 2
    assert settings.run_id == "abc/def" and settings.run_dir == Path(pytester.path) / ".behavior-runs" / "abc_def"


@pytest.mark.parametrize(
    ("args", "ini", "message"),
    [
        (("--behavior-update", "--behavior-baseline"), "", "cannot be combined with --behavior-baseline"),
        (("--behavior-prune",), "", "use it with --behavior-update"),
        (("--behavior-n=0",), "", "--behavior-n must be at least 1, got 0"),
        (("--behavior-concurrency=0",), "", "--behavior-concurrency must be at least 1, got 0"),
        (("--behavior-max-stored-chars=-1",), "", "must be 0 (keep outputs whole) or more, got -1"),
        ((), "behavior_seed = x", "behavior_seed must be an integer, got 'x'"),
        ((), "behavior_alpha = 0.5", "behavior_alpha must be in (0, 0.5), got 0.5"),
        ((), "behavior_inconclusive = maybe", "behavior_inconclusive must be 'warn' or 'fail', got 'maybe'"),
        ((), "behavior_progress = loud", "behavior_progress must be auto, live, lines or off, got 'loud'"),
        ((), "behavior_budget = calls:x", "behavior_budget (ini)=calls:x: "),
        (("--behavior-budget=dollars:3",), "", "--behavior-budget=dollars:3: "),
        (("--behavior-baseline=nowhere",), "", "not 'golden', 'live', a bundle in [tool.pytest_behavior.bundles]"),
        (("--behavior-baseline=test_x.py",), "", "put test paths before the option"),
    ],
)
def test_a_value_that_cannot_be_used_is_a_usage_error_naming_it(
    pytester: pytest.Pytester, args: tuple[str, ...], ini: str, message: str
) -> None:
    with pytest.raises(pytest.UsageError) as error:
        _settings(pytester, *args, ini=ini)
    assert message in str(error.value)


def test_a_baseline_directory_holding_tests_is_taken_for_misplaced_test_paths(pytester: pytest.Pytester) -> None:
    pytester.mkpydir("tests")
    with pytest.raises(pytest.UsageError, match="that directory holds tests, not golden files"):
        _settings(pytester, "--behavior-baseline=tests")


def test_streamed_calls_are_capped_at_four_unless_a_concurrency_is_set(pytester: pytest.Pytester) -> None:
    default = _settings(pytester)
    assert (default.concurrency, default.stream_concurrency) == (16, 4)
    from_ini = _settings(pytester, ini="behavior_concurrency = 12")
    assert (from_ini.concurrency, from_ini.stream_concurrency) == (12, None)
    from_cli = _settings(pytester, "--behavior-concurrency=2")
    assert (from_cli.concurrency, from_cli.stream_concurrency) == (2, None)
