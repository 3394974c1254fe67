"""pytest11 entry point: hook functions and fixtures that delegate to the package. Wiring only.

Nothing heavy is imported at module level (no litellm, numpy, scipy, deepdiff, jsonschema):
a run that selects no behavior test pays nothing for this plugin.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

import pytest

from pytest_behavior.config.markers import MarkerSpec, marker_lines, read_marker_spec
from pytest_behavior.config.options import add_options
from pytest_behavior.config.session import BehaviorSession
from pytest_behavior.config.settings import RunSettings
from pytest_behavior.config.wiring import FIXTURE_KEY, SESSION_KEY, SPEC_KEY, SPEC_PROBLEM_KEY, behavior_fixture
from pytest_behavior.engine.preload import finish_preload
from pytest_behavior.errors import (  # noqa: F401  (pytest_behavior.plugin.X names them, as before)
    BehaviorBudgetWarning,
    BehaviorEmptyOutputWarning,
    BehaviorInconclusiveWarning,
    BehaviorPairingWarning,
)
from pytest_behavior.report.outcome import annotate_report, judge_outcome, report_status

if TYPE_CHECKING:
    from pytest_behavior.bundle import Bundle
    from pytest_behavior.report.outcome import ReportStatus


SKIP_REASON = (
    "behavior test (calls models): run with --behavior-baseline to compare against golden/, "
    "or --behavior-update to record the baseline"
)


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    from pytest_behavior.report.secret_guard import SecretGuard  # credentials out of all pytest prints and reports

    config.pluginmanager.register(SecretGuard(config), "behavior-secrets")
    for line in marker_lines():
        config.addinivalue_line("markers", line)
    session = BehaviorSession(RunSettings.from_config(config))
    config.stash[SESSION_KEY] = session
    config.pluginmanager.register(behavior_fixture(session.settings), "behavior-fixture")
    from pytest_behavior.report.outputs import ReportOutputs

    config.pluginmanager.register(ReportOutputs(session, config), "behavior-outputs")


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.stash[SESSION_KEY].attach_progress(session.config)  # the terminal reporter exists by now


def pytest_unconfigure(config: pytest.Config) -> None:
    session = config.stash.get(SESSION_KEY, None)
    if session is not None:
        session.close()
    finish_preload()  # no import may race interpreter shutdown (see engine.preload.preload_statistics)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    settings = config.stash[SESSION_KEY].settings
    problems: list[tuple[pytest.Item, str]] = []
    for item in items:
        spec, found = read_marker_spec(item, sequential_run=settings.sequential)
        problems += [(item, problem) for problem in found]
        if spec is None:
            continue
        item.stash[SPEC_KEY] = spec
        if settings.mode == "skip":
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


@pytest.hookimpl(trylast=True)  # the version is the last part of a test's id (`config.matrix.strip_version`)
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    versions = metafunc.config.stash[SESSION_KEY].settings.candidate_names
    if versions:
        from pytest_behavior.config.matrix import parametrize_versions

        parametrize_versions(metafunc, versions)


@pytest.fixture(scope="session")
def behavior_candidate_name(request: pytest.FixtureRequest) -> str | None:
    """The value of --behavior-candidate (in a matrix run, this item's version), for candidate_bundle fixtures that
    pick a bundle by name."""
    request.config.stash[SESSION_KEY].candidate_name_read = True
    value: str | None = getattr(request, "param", None) or request.config.stash[SESSION_KEY].settings.candidate_name
    return value


@pytest.fixture
def candidate_bundle() -> Bundle | None:
    """Override in your conftest.py: the bundle this branch ships (a pytest_behavior.Bundle).

    This default provides none; `behavior.sample()` then says how to define one.
    """
    return None


@pytest.fixture
def baseline_bundle() -> Bundle | None:
    """Override in your conftest.py: the bundle production runs (needed for --behavior-baseline=live)."""
    return None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    outcome = yield  # a test body that raised ends here: its exception is the outcome
    __tracebackhide__ = True  # a behavior warning raised as an error fails the test without the plugin's frames
    fixture = item.stash.get(FIXTURE_KEY, None)
    if fixture is not None:
        judge_outcome(
            item,
            fixture,
            settings=item.config.stash[SESSION_KEY].settings,
            marked=bool(item.stash.get(SPEC_KEY, MarkerSpec()).properties),
        )
    return outcome


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if "behavior" in getattr(item, "fixturenames", ()) and call.when != "teardown":  # else pytest reports as usual
        annotate_report(
            report, item, call, item.stash.get(FIXTURE_KEY, None), mode=item.config.stash[SESSION_KEY].settings.mode
        )
    return report


def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config) -> ReportStatus | None:
    return report_status(report)
