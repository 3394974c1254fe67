"""The command-line options and ini keys of the plugin, as pytest declares them (``pytest --help``).

Their values are read and checked once per session by `pytest_behavior.config.settings.RunSettings.from_config`.
"""

from __future__ import annotations

import pytest


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("behavior", "behavioral regression tests (pytest-behavior)")
    group.addoption(
        "--behavior-baseline",
        nargs="?",
        const="golden",
        default=None,
        metavar="golden|live|NAME|PATH",
        help="run behavior tests against a baseline: 'golden' (default: the golden/ files), 'live' (sample "
        "the baseline_bundle fixture too), NAME (a [tool.pytest_behavior.bundles.NAME]) or PATH (another "
        "golden directory). Write it as --behavior-baseline=VALUE or after the test paths.",
    )
    group.addoption(
        "--behavior-update",
        action="store_true",
        default=False,
        help="record the candidate's behavior as the new golden baseline",
    )
    group.addoption(
        "--behavior-candidate",
        metavar="NAME[,NAME...]",
        default=None,
        help="candidate bundle: a [tool.pytest_behavior.bundles.NAME], or a name that the "
        "candidate_bundle fixture reads from the behavior_candidate_name fixture; several (v3,v4,v5) run every "
        "behavior test once per version against the same baseline, with a version matrix at the end",
    )
    group.addoption(
        "--behavior-fleet",
        metavar="PATH.csv|V=W,...",
        default=None,
        help="the fleet's version mix for a matrix run: a CSV of telemetry counts (version,count) or weights "
        "(v3=0.2,v4=0.5,v5=0.3); overrides [tool.pytest_behavior.fleet] in pyproject.toml",
    )
    group.addoption(
        "--behavior-n",
        type=int,
        default=None,
        metavar="N",
        help="sample at most N inputs per test (a seeded subset; overrides the spec's n)",
    )
    group.addoption("--behavior-seed", type=int, default=None, help="seed of input subsets and sampling")
    group.addoption(
        "--behavior-concurrency",
        type=int,
        default=None,
        help="model calls in flight at most, across the whole session (xdist workers share it; default 16, and 4 "
        "for streamed calls unless this is set)",
    )
    group.addoption(
        "--behavior-budget",
        default=None,
        metavar="calls:N,usd:X",
        help="stop requesting samples once the session has made N calls or spent X US dollars "
        "(either part may be left out); tests are judged on what was collected",
    )
    group.addoption(
        "--behavior-progress",
        choices=("auto", "live", "lines", "off"),
        default=None,
        help="progress of sampling: a live line on a terminal, plain lines in logs (auto: only for "
        "sampling that lasts over 2 s)",
    )
    group.addoption(
        "--behavior-cache",
        choices=("use", "refresh", "off"),
        default=None,
        help="sample cache: use (default), refresh (re-sample and overwrite) or off",
    )
    group.addoption("--behavior-cache-dir", default=None, help="directory of the sample cache")
    group.addoption(
        "--behavior-sequential",
        action="store_true",
        default=False,
        help="sequential mode for every behavior test: stop sampling inputs as soon as every bound is "
        "decided (testing by betting); n becomes the budget",
    )
    group.addoption(
        "--behavior-inconclusive",
        choices=("warn", "fail"),
        default=None,
        help="what an INCONCLUSIVE verdict does (default: warn)",
    )
    group.addoption(
        "--behavior-report",
        metavar="PATH.json",
        default=None,
        help="write the verdicts of every behavior test to a JSON file (schema: "
        "pytest_behavior/schemas/behavior-report-v2.schema.json) for deployment gates",
    )
    group.addoption(
        "--behavior-html",
        metavar="PATH.html",
        default=None,
        help="write a self-contained HTML report: verdicts, diffs and a picture of each property",
    )
    group.addoption(
        "--behavior-run-dir",
        metavar="DIR",
        default=None,
        help="where each run keeps the full Markdown diff of every regressed test (default: "
        ".behavior-runs; the 20 most recent runs are kept)",
    )
    group.addoption(
        "--behavior-max-stored-chars",
        type=int,
        default=None,
        metavar="N",
        help="characters of one output a golden file keeps, its head and tail around a marker, with "
        "the full length and sha256 (default 20000; 0 keeps every output whole)",
    )
    group.addoption(
        "--behavior-prune",
        action="store_true",
        default=False,
        help="with --behavior-update: delete golden files that no collected test uses",
    )
    parser.addini("behavior_golden_dir", "directory of golden behavior files (default: golden)", default="golden")
    parser.addini(
        "behavior_enabled", "run behavior tests against golden/ without --behavior-baseline", type="bool", default=False
    )
    parser.addini("behavior_cache_dir", "directory of the sample cache", default=".behavior-cache")
    parser.addini("behavior_concurrency", "model calls in flight at most, across the session (default 16)", default="")
    parser.addini("behavior_budget", "session budget, e.g. calls:500,usd:2.50 (default: none)", default="")
    parser.addini("behavior_progress", "auto, live, lines or off", default="auto")
    parser.addini("behavior_seed", "seed of input subsets and sampling", default="0")
    parser.addini("behavior_alpha", "one-sided significance level of verdicts", default="0.05")
    parser.addini("behavior_inconclusive", "warn or fail on INCONCLUSIVE verdicts", default="warn")
    parser.addini("behavior_sequential", "sequential mode for every behavior test", type="bool", default=False)
    parser.addini("behavior_max_stored_chars", "characters of one output a golden file keeps (0: all)", default="20000")
