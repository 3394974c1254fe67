"""`pytest_behavior.report.outcome`: how a behavior test's report reads (the rest runs through the plugin tests)."""

from __future__ import annotations

import pytest

from pytest_behavior.report.outcome import report_status


def _report(when: str, **extra: object) -> pytest.TestReport:
    report = pytest.TestReport("t.py::test", ("t.py", 0, "test"), {}, "failed", None, when)  # type: ignore[arg-type]
    vars(report).update(extra)
    return report


def test_a_behavior_error_in_the_test_body_shows_as_an_error_not_a_failure() -> None:
    assert report_status(_report("call", behavior_error=True)) == ("error", "E", ("ERROR", {"red": True}))


@pytest.mark.parametrize(
    ("when", "extra"), [("call", {}), ("setup", {"behavior_error": True}), ("call", {"behavior_error": False})]
)
def test_other_reports_keep_pytest_s_status(when: str, extra: dict[str, object]) -> None:
    assert report_status(_report(when, **extra)) is None
