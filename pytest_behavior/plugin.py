"""pytest11 entry point: options, ini keys, markers, fixtures and hooks. Wiring only.

Nothing heavy is imported at module level (no litellm, numpy, scipy, deepdiff, jsonschema):
a run that selects no behavior test pays nothing for this plugin.
"""

from __future__ import annotations

import inspect
import types
import warnings
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from pytest_behavior.config.markers import MARKER_DOCS, MARKER_NAMES
from pytest_behavior.config.session import BehaviorSession
from pytest_behavior.config.settings import Mode, RunSettings, read_named_bundles, worker_share
from pytest_behavior.errors import BehaviorError, BehaviorRegression, MarkerError

SESSION_KEY = pytest.StashKey[BehaviorSession]()
PROPERTIES_KEY = pytest.StashKey[tuple[Any, ...]]()
SEQUENTIAL_KEY = pytest.StashKey["bool | None"]()
BUDGET_KEY = pytest.StashKey[Any]()
SPEC_PROBLEM_KEY = pytest.StashKey[str]()
BUDGET_MARKER = "behavior_budget"
CUSTOM_MARKER = "behavior_property"
FIXTURE_KEY = pytest.StashKey[Any]()
DIFF_KEY = pytest.StashKey["tuple[str, str | None]"]()

SKIP_REASON = (
    "behavior test (calls models): run with --behavior-baseline to compare against golden/, "
    "or --behavior-update to record the baseline"
)


class BehaviorInconclusiveWarning(UserWarning):
    """A behavior bound could not be decided with the data sampled."""


class BehaviorPairingWarning(UserWarning):
    """Some inputs could not be paired with the baseline and were not judged."""


class BehaviorBudgetWarning(UserWarning):
    """A budget stopped sampling: the test was judged on the inputs sampled before it ran out."""


class BehaviorEmptyOutputWarning(UserWarning):
    """--behavior-update recorded empty outputs (no text, no tool call) into a golden file."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("behavior", "behavioral regression tests (pytest-behavior)")
    group.addoption(
        "--behavior-baseline", nargs="?", const="golden", default=None, metavar="golden|live|NAME|PATH",
        help="run behavior tests against a baseline: 'golden' (default: the golden/ files), 'live' (sample "
             "the baseline_bundle fixture too), NAME (a [tool.pytest_behavior.bundles.NAME]) or PATH (another "
             "golden directory). Write it as --behavior-baseline=VALUE or after the test paths.",
    )
    group.addoption("--behavior-update", action="store_true", default=False,
                    help="record the candidate's behavior as the new golden baseline")
    group.addoption("--behavior-candidate", metavar="NAME", default=None,
                    help="candidate bundle: a [tool.pytest_behavior.bundles.NAME], or a name that the "
                         "candidate_bundle fixture reads from the behavior_candidate_name fixture")
    group.addoption("--behavior-n", type=int, default=None, metavar="N",
                    help="sample at most N inputs per test (a seeded subset; overrides the spec's n)")
    group.addoption("--behavior-seed", type=int, default=None, help="seed of input subsets and sampling")
    group.addoption("--behavior-concurrency", type=int, default=None,
                    help="model calls in flight at most, across the whole session (xdist workers share it; "
                         "default 16)")
    group.addoption("--behavior-budget", default=None, metavar="calls:N,usd:X",
                    help="stop requesting samples once the session has made N calls or spent X US dollars "
                         "(either part may be left out); tests are judged on what was collected")
    group.addoption("--behavior-progress", choices=("auto", "live", "lines", "off"), default=None,
                    help="progress of sampling: a live line on a terminal, plain lines in logs (auto: only for "
                         "sampling that lasts over 2 s)")
    group.addoption("--behavior-cache", choices=("use", "refresh", "off"), default=None,
                    help="sample cache: use (default), refresh (re-sample and overwrite) or off")
    group.addoption("--behavior-cache-dir", default=None, help="directory of the sample cache")
    group.addoption("--behavior-sequential", action="store_true", default=False,
                    help="sequential mode for every behavior test: stop sampling inputs as soon as every bound is "
                         "decided (testing by betting); n becomes the budget")
    group.addoption("--behavior-inconclusive", choices=("warn", "fail"), default=None,
                    help="what an INCONCLUSIVE verdict does (default: warn)")
    group.addoption("--behavior-report", metavar="PATH.json", default=None,
                    help="write the verdicts of every behavior test to a JSON file (schema: "
                         "pytest_behavior/schemas/behavior-report-v1.schema.json) for deployment gates")
    group.addoption("--behavior-html", metavar="PATH.html", default=None,
                    help="write a self-contained HTML report: verdicts, diffs and a picture of each property")
    group.addoption("--behavior-run-dir", metavar="DIR", default=None,
                    help="where each run keeps the full Markdown diff of every regressed test (default: "
                         ".behavior-runs; the 20 most recent runs are kept)")
    group.addoption("--behavior-max-stored-chars", type=int, default=None, metavar="N",
                    help="characters of one output a golden file keeps, its head and tail around a marker, with "
                         "the full length and sha256 (default 20000; 0 keeps every output whole)")
    group.addoption("--behavior-prune", action="store_true", default=False,
                    help="with --behavior-update: delete golden files that no collected test uses")
    parser.addini("behavior_golden_dir", "directory of golden behavior files (default: golden)", default="golden")
    parser.addini("behavior_enabled", "run behavior tests against golden/ without --behavior-baseline",
                  type="bool", default=False)
    parser.addini("behavior_cache_dir", "directory of the sample cache", default=".behavior-cache")
    parser.addini("behavior_concurrency", "model calls in flight at most, across the session", default="16")
    parser.addini("behavior_budget", "session budget, e.g. calls:500,usd:2.50 (default: none)", default="")
    parser.addini("behavior_progress", "auto, live, lines or off", default="auto")
    parser.addini("behavior_seed", "seed of input subsets and sampling", default="0")
    parser.addini("behavior_alpha", "one-sided significance level of verdicts", default="0.05")
    parser.addini("behavior_inconclusive", "warn or fail on INCONCLUSIVE verdicts", default="warn")
    parser.addini("behavior_sequential", "sequential mode for every behavior test", type="bool", default=False)
    parser.addini("behavior_max_stored_chars", "characters of one output a golden file keeps (0: all)", default="20000")


def pytest_configure(config: pytest.Config) -> None:
    from pytest_behavior.report.secret_guard import SecretGuard  # credentials out of all pytest prints and reports

    config.pluginmanager.register(SecretGuard(config), "behavior-secrets")
    for name, doc in MARKER_DOCS.items():
        config.addinivalue_line("markers", doc if doc.startswith(name) else f"{name}: {doc}")
    config.addinivalue_line("markers", f"{BUDGET_MARKER}(calls=None, usd=None): this test's own budget of provider "
                                       "calls and US dollars (within --behavior-budget). pytest-behavior.")
    session = BehaviorSession(_settings(config))
    config.stash[SESSION_KEY] = session
    config.pluginmanager.register(_behavior_fixture(session.settings), "behavior-fixture")
    from pytest_behavior.report.outputs import ReportOutputs

    config.pluginmanager.register(ReportOutputs(session, config), "behavior-outputs")


def pytest_sessionstart(session: pytest.Session) -> None:
    _attach_progress(session.config, session.config.stash[SESSION_KEY])  # the terminal reporter exists by now


def pytest_unconfigure(config: pytest.Config) -> None:
    session = config.stash.get(SESSION_KEY, None)
    if session is not None:
        session.close()
    import sys

    run = sys.modules.get("pytest_behavior.engine.run")
    if run is not None:
        run.finish_preload()  # no import may race interpreter shutdown (see run.preload_statistics)


def _settings(config: pytest.Config) -> RunSettings:
    root = Path(config.rootpath)
    named = read_named_bundles(root / "pyproject.toml")
    update = bool(config.getoption("behavior_update"))
    baseline = config.getoption("behavior_baseline")
    if update and baseline is not None:
        raise pytest.UsageError("--behavior-update records a new baseline; it cannot be combined with "
                                "--behavior-baseline")
    mode: Mode = "update" if update else "skip"
    baseline_dir = baseline_name = None
    if baseline is None and not update and config.getini("behavior_enabled"):
        baseline = "golden"
    if baseline == "golden":
        mode = "golden"
    elif baseline == "live":
        mode = "live"
    elif baseline is not None:
        mode, baseline_name, baseline_dir = _named_or_path(str(baseline), named, root)
    policy = config.getoption("behavior_inconclusive") or config.getini("behavior_inconclusive")
    if policy not in ("warn", "fail"):
        raise pytest.UsageError(f"behavior_inconclusive must be 'warn' or 'fail', got {policy!r}")
    concurrency = _int_option(config, "behavior_concurrency")
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
        raise pytest.UsageError("--behavior-prune deletes unused golden files while recording: use it with "
                                "--behavior-update")
    alpha = float(config.getini("behavior_alpha"))
    if not 0 < alpha < 0.5:
        raise pytest.UsageError(f"behavior_alpha must be in (0, 0.5), got {alpha}")
    return RunSettings(
        mode=mode, rootdir=root, golden_dir=root / config.getini("behavior_golden_dir"),
        baseline_golden_dir=baseline_dir, baseline_name=baseline_name,
        candidate_name=config.getoption("behavior_candidate"), n=n, seed=_int_option(config, "behavior_seed"),
        concurrency=concurrency,
        cache_dir=root / (config.getoption("behavior_cache_dir") or config.getini("behavior_cache_dir")),
        cache_mode=config.getoption("behavior_cache") or "use", alpha=alpha, inconclusive=policy,
        named_bundles=named,
        sequential=bool(config.getoption("behavior_sequential") or config.getini("behavior_sequential")),
        budget=_budget(config), progress=progress,
        run_id=None if worker is None else str(worker.get("testrunuid", "xdist")),
        run_dir=_run_dir(config, root, worker), max_stored_chars=_max_stored_chars(config),
    )


def _max_stored_chars(config: pytest.Config) -> int:
    value = _int_option(config, "behavior_max_stored_chars")
    if value < 0:
        raise pytest.UsageError(f"--behavior-max-stored-chars must be 0 (keep outputs whole) or more, got {value}")
    return value


def _run_dir(config: pytest.Config, root: Path, worker: dict[str, Any] | None) -> Path:
    """``<run dir>/<run id>``: xdist workers of one run share its id, so they write to one folder."""
    import time
    import uuid

    parent = Path(config.getoption("behavior_run_dir") or ".behavior-runs")
    parent = parent if parent.is_absolute() else root / parent
    if worker is not None:
        import re  # the id may come from xdist's --testrunuid: one plain folder name, never a path

        return parent / (re.sub(r"[^\w-]", "_", str(worker.get("testrunuid", "xdist")))[:12] or "xdist")
    return parent / f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"


def _worker_index(worker: dict[str, Any]) -> int:
    digits = "".join(ch for ch in str(worker.get("workerid", "gw0")) if ch.isdigit())
    return int(digits or 0)


def _budget(config: pytest.Config) -> Any:
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


def _attach_progress(config: pytest.Config, session: BehaviorSession) -> None:
    """Progress goes through the terminal reporter with output capture suspended (not on xdist workers,
    whose output nobody sees: the controller shows their results)."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None or hasattr(config, "workerinput") or session.settings.progress == "off":
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

    session.progress_writer = write
    session.progress_isatty = bool(getattr(reporter, "isatty", False))


def _int_option(config: pytest.Config, name: str) -> int:
    value = config.getoption(name)
    raw = value if value is not None else config.getini(name)
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise pytest.UsageError(f"{name} must be an integer, got {raw!r}") from None


def _named_or_path(value: str, named: dict[str, Any], root: Path) -> tuple[Mode, str | None, Path | None]:
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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    session = config.stash[SESSION_KEY]
    problems: list[tuple[pytest.Item, str]] = []
    for item in items:
        marks = _behavior_marks(item)
        uses_fixture = "behavior" in getattr(item, "fixturenames", ())
        if (marks or item.get_closest_marker(BUDGET_MARKER)) and not uses_fixture:
            problems.append((item, "behavior markers need the `behavior` fixture (call behavior.sample())"))
            continue
        if not uses_fixture:
            continue
        budget_mark = item.get_closest_marker(BUDGET_MARKER)
        if budget_mark is not None:
            from pytest_behavior.sampling.budget import budget_from_marker

            try:
                item.stash[BUDGET_KEY] = budget_from_marker(budget_mark.args, dict(budget_mark.kwargs))
            except ValueError as exc:
                problems.append((item, str(exc)))
                continue
        if marks:
            from pytest_behavior.properties.base import marker_sequential, parse_marker

            try:
                item.stash[PROPERTIES_KEY] = _distinct(tuple(parse_marker(m.name, m.args, m.kwargs) for m in marks))
                item.stash[SEQUENTIAL_KEY] = _sequential_choice(marker_sequential(m.name, m.kwargs) for m in marks)
            except MarkerError as exc:
                problems.append((item, str(exc)))
                continue
        else:
            item.stash[PROPERTIES_KEY] = ()
        choice = item.stash.get(SEQUENTIAL_KEY, None)
        if choice or (choice is None and session.settings.sequential):
            from pytest_behavior.engine.sequential import sequential_problems

            properties: tuple[Any, ...] = item.stash[PROPERTIES_KEY]
            problems += [(item, problem) for problem in sequential_problems(properties)]
        if session.settings.mode == "skip":
            item.add_marker(pytest.mark.skip(reason=SKIP_REASON))
    if problems and hasattr(config, "workerinput"):
        # An xdist worker that raises here crashes the controller (INTERNALERROR, the problem never shown):
        # each invalid test errors at setup instead, with the same message, before any call is made.
        for item, problem in problems:
            earlier = item.stash.get(SPEC_PROBLEM_KEY, None)
            item.stash[SPEC_PROBLEM_KEY] = problem if earlier is None else f"{earlier}; {problem}"
    elif problems:
        raise pytest.UsageError("invalid behavior spec:\n  " + "\n  ".join(f"{i.nodeid}: {p}" for i, p in problems))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    problem = item.stash.get(SPEC_PROBLEM_KEY, None)
    if problem is not None:
        raise pytest.UsageError(f"invalid behavior spec: {item.nodeid}: {problem}")


def _behavior_marks(item: pytest.Item) -> list[pytest.Mark]:
    """The closest marker of each behavior marker name (a test's own overrides its class's or module's);
    ``behavior_property`` markers all apply, since each declares a different property."""
    marks: list[pytest.Mark] = []
    seen: set[str] = set()
    for mark in item.iter_markers():
        if mark.name in MARKER_NAMES and (mark.name not in seen or mark.name == CUSTOM_MARKER):
            marks.append(mark)
            seen.add(mark.name)
    return marks


def _distinct(properties: tuple[Any, ...]) -> tuple[Any, ...]:
    """Two properties measuring the same metric would collide in verdicts and reports: a usage error. An
    invariance spec judges originals against twins, so it cannot share its test with bounds between arms."""
    if len(properties) > 1 and any(p.marker_name == "invariance" for p in properties):
        raise MarkerError("@pytest.mark.invariance judges each input against its perturbed twin; put the other "
                          "behavior markers on a separate test")
    keys = [metric.key for prop in properties for metric in prop.metrics()]
    duplicated = sorted({key for key in keys if keys.count(key) > 1})
    if duplicated:
        raise MarkerError(f"two markers measure the same metric ({', '.join(duplicated)}): give each "
                          "behavior_property a distinct name=")
    return properties


def _sequential_choice(choices: Any) -> bool | None:
    """A marker's sequential=True opts the test in; otherwise an explicit False opts it out; else None."""
    values = list(choices)
    if True in values:
        return True
    return False if False in values else None


def _behavior_fixture(settings: RunSettings) -> types.ModuleType:
    """The `behavior` fixture, requesting only the bundle fixtures this run uses (in a holder to register).

    A bundle named from pyproject (``--behavior-candidate=NAME``, ``--behavior-baseline=NAME``) replaces its
    fixture, and only ``--behavior-baseline=live`` samples a baseline bundle: a fixture not requested is never
    evaluated, so a conftest that rejects names it does not know (or opens a client) is left alone. The fixtures
    used stay ordinary arguments of the fixture, so users can parametrize them or make them async.
    """
    named_candidate = settings.candidate_name is not None and settings.candidate_name in settings.named_bundles
    uses = {"candidate_bundle": not named_candidate,
            "baseline_bundle": settings.mode == "live" and settings.baseline_name is None}

    def behavior(request: pytest.FixtureRequest, **bundles: Any) -> Any:
        return _behavior(request, bundles.get("candidate_bundle"), bundles.get("baseline_bundle"))

    parameters = [inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD)
                  for name in ("request", *(name for name, used in uses.items() if used))]
    behavior.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]  # pytest reads it
    behavior.__doc__ = "Sample the candidate (and baseline) bundles and judge the test's behavior markers."
    holder = types.ModuleType(f"{__name__}.behavior_fixture")
    holder.behavior = pytest.fixture(behavior)  # type: ignore[attr-defined]
    return holder


def _behavior(request: pytest.FixtureRequest, candidate_bundle: Any, baseline_bundle: Any) -> Any:
    from pytest_behavior.config.fixture import BehaviorFixture

    node = request.node
    fixture = BehaviorFixture(request, request.config.stash[SESSION_KEY], node.stash.get(PROPERTIES_KEY, ()),
                              candidate=candidate_bundle, baseline=baseline_bundle,
                              sequential=node.stash.get(SEQUENTIAL_KEY, None), budget=node.stash.get(BUDGET_KEY, None))
    node.stash[FIXTURE_KEY] = fixture
    return fixture


@pytest.fixture(scope="session")
def behavior_candidate_name(request: pytest.FixtureRequest) -> str | None:
    """The value of --behavior-candidate, for candidate_bundle fixtures that pick a bundle by name."""
    request.config.stash[SESSION_KEY].candidate_name_read = True
    value: str | None = request.config.getoption("behavior_candidate")
    return value


@pytest.fixture
def candidate_bundle() -> Any:
    """Override in your conftest.py: the bundle this branch ships (a pytest_behavior.Bundle).

    This default provides none; `behavior.sample()` then says how to define one.
    """
    return None


@pytest.fixture
def baseline_bundle() -> Any:
    """Override in your conftest.py: the bundle production runs (needed for --behavior-baseline=live)."""
    return None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    outcome = yield
    fixture = item.stash.get(FIXTURE_KEY, None)
    if fixture is None:
        return outcome
    result = fixture.result
    if result is None:
        if item.stash.get(PROPERTIES_KEY, ()):
            from pytest_behavior.errors import BehaviorConfigError

            raise BehaviorConfigError("this test has behavior markers but never called behavior.sample()")
        return outcome
    _judge_outcome(item, result)
    return outcome


def _judge_outcome(item: pytest.Item, result: Any) -> None:
    from pytest_behavior.report.failure import inconclusive_message, render_failure

    empty = result.candidate.empty_outputs
    if result.mode == "update" and empty:
        warnings.warn(BehaviorEmptyOutputWarning(
            f"{result.test}: {empty} of {result.candidate.outputs} recorded outputs are empty (no text, no tool "
            f"call) and are now part of the golden baseline; check the bundle (max_tokens, content filters) and "
            f"re-record if they are not the behavior to keep"), stacklevel=1)
    if result.regressed:
        from pytest_behavior.report.diff_file import write_diff_file

        diff = render_failure(result)
        try:
            path = write_diff_file(result, item.config.stash[SESSION_KEY].settings.run_dir)
        except OSError as exc:  # the verdict stands without its file
            item.stash[DIFF_KEY] = (diff, None)
            raise BehaviorRegression(f"{diff}\n\nfull diff: not written ({exc})") from None
        item.stash[DIFF_KEY] = (diff, str(path))
        raise BehaviorRegression(f"{diff}\n\nfull diff: {_display(path, item.config.rootpath)}")
    if result.budget_note:
        warnings.warn(BehaviorBudgetWarning(f"{result.test}: {result.budget_note}"), stacklevel=1)
    notes = [note for note in result.pairing_notes if note != result.budget_note]
    if notes:
        warnings.warn(BehaviorPairingWarning(f"{result.test}: " + "; ".join(notes)), stacklevel=1)
    if result.inconclusive:
        policy = item.config.stash[SESSION_KEY].settings.inconclusive
        if policy == "fail":
            raise BehaviorRegression(inconclusive_message(result) + " (--behavior-inconclusive=fail)")
        warnings.warn(BehaviorInconclusiveWarning(inconclusive_message(result)), stacklevel=1)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    report = yield
    if "behavior" not in getattr(item, "fixturenames", ()) or call.when == "teardown":
        return report  # not a behavior test: its exceptions are the user's, reported as pytest would
    excinfo = call.excinfo
    fixture = item.stash.get(FIXTURE_KEY, None)
    mode = item.config.stash[SESSION_KEY].settings.mode
    if call.when == "setup":
        if report.failed and excinfo is not None:
            from pytest_behavior.report.document import error_entry

            report.behavior = error_entry(item.nodeid, _error_text(excinfo), mode=mode)
        return report
    if excinfo is not None and excinfo.errisinstance(BehaviorError):
        report.longrepr = f"{type(excinfo.value).__name__}: {excinfo.value}"
        report.behavior_error = True
    elif excinfo is not None and excinfo.errisinstance(BehaviorRegression):
        from pytest_behavior.report.diff_file import DiffRepr

        report.longrepr = DiffRepr(str(excinfo.value))
    if fixture is not None and fixture.result is not None:
        from pytest_behavior.report.document import outcome_of, test_entry
        from pytest_behavior.report.junit import junit_properties

        diff, diff_file = item.stash.get(DIFF_KEY, (None, None))
        entry = test_entry(fixture.result, outcome=outcome_of(fixture.result), diff=diff, diff_file=diff_file)
        report.behavior = entry
        item.user_properties.extend(junit_properties(entry))  # --junitxml reads them off the teardown report
    elif getattr(report, "behavior_error", False) and excinfo is not None:
        from pytest_behavior.report.document import error_entry

        counts = getattr(fixture, "counts", None)  # what it paid for before the error
        report.behavior = error_entry(item.nodeid, _error_text(excinfo), mode=mode,
                                      requested=getattr(counts, "requested", 0), cached=getattr(counts, "cached", 0))
        item.user_properties.append(("behavior_outcome", "error"))
    return report


def _error_text(excinfo: pytest.ExceptionInfo[BaseException]) -> str:
    return f"{type(excinfo.value).__name__}: {excinfo.value}"


def _display(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config) -> Any:
    if report.when == "call" and getattr(report, "behavior_error", False):
        return "error", "E", ("ERROR", {"red": True})
    return None
