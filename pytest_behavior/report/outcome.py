"""A behavior test's outcome in pytest: the regression it raises, the warnings it gives, what its report carries.

Called by the plugin's ``pytest_runtest_call`` and ``pytest_runtest_makereport`` hooks. Nothing heavy at module level:
the report modules are imported when a behavior test has a result to show.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pytest_behavior.errors import (
    BehaviorBudgetWarning,
    BehaviorConfigError,
    BehaviorEmptyOutputWarning,
    BehaviorError,
    BehaviorInconclusiveWarning,
    BehaviorPairingWarning,
    BehaviorRegression,
)

if TYPE_CHECKING:
    from pytest_behavior.config.fixture import BehaviorFixture
    from pytest_behavior.config.settings import Mode, RunSettings
    from pytest_behavior.engine.comparison import Comparison

ReportStatus = tuple[str, str, tuple[str, Mapping[str, bool]]]


@dataclass(frozen=True)
class RegressionDiff:
    """The failure text of a regressed test, and the file holding its full diff (None: it could not be written)."""

    text: str
    file: str | None


DIFF_KEY = pytest.StashKey[RegressionDiff]()


def judge_outcome(item: pytest.Item, fixture: BehaviorFixture, *, settings: RunSettings, marked: bool) -> None:
    """After a behavior test's body passed: fail it on a regression, warn of what it was judged without.

    ``marked``: the test has behavior markers, so a test that never sampled is a configuration error.
    """
    __tracebackhide__ = True  # a warning raised as an error (-W error::...) shows as the test's, not ours
    result = fixture.result
    if result is None:
        if marked:
            raise BehaviorConfigError("this test has behavior markers but never called behavior.sample()")
        return
    empty = result.candidate.empty_outputs
    if result.mode == "update" and empty:
        _warn(
            item,
            BehaviorEmptyOutputWarning(
                f"{result.test}: {empty} of {result.candidate.outputs} recorded outputs are empty (no text, no tool "
                f"call) and are now part of the golden baseline; check the bundle (max_tokens, content filters) and "
                f"re-record if they are not the behavior to keep"
            ),
        )
    if result.regressed:
        _raise_regression(item, result, run_dir=settings.run_dir)
    if result.budget_note:
        _warn(item, BehaviorBudgetWarning(f"{result.test}: {result.budget_note}"))
    notes = [note for note in result.pairing_notes if note != result.budget_note]
    if notes:
        _warn(item, BehaviorPairingWarning(f"{result.test}: " + "; ".join(notes)))
    if result.inconclusive:
        from pytest_behavior.report.failure import inconclusive_message

        if settings.inconclusive == "fail":
            raise BehaviorRegression(inconclusive_message(result) + " (--behavior-inconclusive=fail)")
        _warn(item, BehaviorInconclusiveWarning(inconclusive_message(result)))


def _warn(item: pytest.Item, warning: Warning) -> None:
    """Issue ``warning`` at the test's own line, so that the warnings summary (and ``-W error``) point at the test
    rather than at this module."""
    __tracebackhide__ = True
    path, lineno, _ = item.reportinfo()
    warnings.warn_explicit(warning, type(warning), str(path), (lineno or 0) + 1)


def _raise_regression(item: pytest.Item, result: Comparison, *, run_dir: Path) -> None:
    __tracebackhide__ = True
    from pytest_behavior.report.diff_file import write_diff_file
    from pytest_behavior.report.failure import render_failure

    diff = render_failure(result)
    try:
        path = write_diff_file(result, run_dir, test=item.nodeid)
    except OSError as exc:  # the verdict stands without its file
        item.stash[DIFF_KEY] = RegressionDiff(diff, None)
        raise BehaviorRegression(f"{diff}\n\nfull diff: not written ({exc})") from None
    item.stash[DIFF_KEY] = RegressionDiff(diff, str(path))
    raise BehaviorRegression(f"{diff}\n\nfull diff: {_display(path, item.config.rootpath)}")


def annotate_report(
    report: pytest.TestReport,
    item: pytest.Item,
    call: pytest.CallInfo[None],
    fixture: BehaviorFixture | None,
    *,
    mode: Mode,
) -> None:
    """Give the setup or call report of a behavior test its ``behavior`` entry (read by the JSON, HTML and JUnit
    outputs); a `BehaviorError` becomes a short test error, a regression its diff."""
    excinfo = call.excinfo
    if call.when == "setup":
        if report.failed and excinfo is not None:
            from pytest_behavior.report.document import error_entry

            _carry(report, behavior=_versioned(error_entry(item.nodeid, _error_text(excinfo), mode=mode), item))
        return
    if excinfo is not None and excinfo.errisinstance(BehaviorError):
        report.longrepr = _error_text(excinfo)
        _carry(report, behavior_error=True)
    elif excinfo is not None and excinfo.errisinstance(BehaviorRegression):
        from pytest_behavior.report.diff_file import DiffRepr

        report.longrepr = DiffRepr(str(excinfo.value))  # type: ignore[assignment]  # pytest calls toterminal() or str()
    if fixture is not None and fixture.result is not None:
        from pytest_behavior.report.document import outcome_of, test_entry
        from pytest_behavior.report.junit import junit_properties

        diff = item.stash.get(DIFF_KEY, None)  # set when the test regressed
        entry = test_entry(
            fixture.result,
            outcome=outcome_of(fixture.result),
            diff=None if diff is None else diff.text,
            diff_file=None if diff is None else diff.file,
        )
        _carry(report, behavior=_versioned(entry, item))
        item.user_properties.extend(junit_properties(entry))  # --junitxml reads them off the teardown report
    elif getattr(report, "behavior_error", False) and excinfo is not None:
        from pytest_behavior.report.document import error_entry

        counts = getattr(fixture, "counts", None)  # what it paid for before the error
        entry = error_entry(
            item.nodeid,
            _error_text(excinfo),
            mode=mode,
            requested=getattr(counts, "requested", 0),
            cached=getattr(counts, "cached", 0),
        )
        _carry(report, behavior=_versioned(entry, item))
        item.user_properties.append(("behavior_outcome", "error"))


def _versioned(entry: dict[str, object], item: pytest.Item) -> dict[str, object]:
    """In a matrix run, the entry names the item (``test_x[v3]``), its version and the test every version shares
    (``test_x``: the matrix's column and the golden file's test)."""
    from pytest_behavior.config.matrix import shared_id, version_of

    version = version_of(item)
    if version is None:
        return entry
    return {**entry, "nodeid": item.nodeid, "version": version, "test": shared_id(item)}


def _carry(report: pytest.TestReport, **extra: object) -> None:
    """Extra attributes of a report, kept where pytest keeps them: in its ``__dict__``, which xdist workers send to
    the controller with the report (the outputs read ``report.behavior`` there)."""
    vars(report).update(extra)


def report_status(report: pytest.TestReport) -> ReportStatus | None:
    """A `BehaviorError` in a test's body shows as an error (E), not as a failure: the behavior was never judged."""
    if report.when == "call" and getattr(report, "behavior_error", False):
        return "error", "E", ("ERROR", {"red": True})
    return None


def _error_text(excinfo: pytest.ExceptionInfo[BaseException]) -> str:
    return f"{type(excinfo.value).__name__}: {excinfo.value}"


def _display(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)
