"""``pytest-behavior card golden/ --report run.json``: a matrix run's version matrix and fleet view on the card, the
same tables and numbers as the run's own verdict report (pytester, offline)."""

from __future__ import annotations

import json

import pytest

from pytest_behavior.cli import main
from tests.plugin.test_matrix import CONFTEST, TESTS

pytest_plugins = ["pytester"]


@pytest.fixture
def matrix_run(pytester: pytest.Pytester) -> pytest.Pytester:
    """A project recorded with v3, then run as a v3/v4/v5 matrix with a fleet mix, writing ``r.json``."""
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_app=TESTS)
    pytester.runpytest("--behavior-update", "--behavior-candidate=v3").assert_outcomes(passed=3)
    (pytester.path / "fleet.csv").write_text("version,count\nv3,200\nv4,300\nv5,500\n")
    run = pytester.runpytest(
        "--behavior-baseline", "--behavior-candidate=v3,v4,v5", "--behavior-fleet=fleet.csv", "--behavior-report=r.json"
    )
    run.assert_outcomes(passed=6, failed=3)
    return pytester


def test_the_card_carries_the_runs_matrix_and_fleet(
    matrix_run: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    golden, report = str(matrix_run.path / "golden"), str(matrix_run.path / "r.json")
    capsys.readouterr()
    assert main(["card", golden, "--report", report, "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    run = json.loads((matrix_run.path / "r.json").read_text())
    section = document["version_matrix"]
    assert section["source"] == report
    assert {k: section[k] for k in ("versions", "columns", "rows")} == run["matrix"]  # the run's own numbers
    assert section["fleet"] == run["fleet"] and section["fleet"]["weights"] == {"v3": 0.2, "v4": 0.3, "v5": 0.5}
    assert [c["label"] for c in document["cards"]] == ["app-v3"]
    assert main(["card", golden, "--report", report]) == 0
    out = capsys.readouterr().out
    assert out.index("# Behavior cards") < out.index("## Version matrix") < out.index("**Fleet**")
    v5 = next(line for line in out.splitlines() if line.startswith("| v5 |"))
    assert "REGRESSED" in v5
    assert "driven by v5" in out or "v5 (100%)" in out


def test_a_report_without_versions_is_a_usage_error(
    pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_app=TESTS)
    pytester.runpytest("--behavior-update", "--behavior-candidate=v3").assert_outcomes(passed=3)
    pytester.runpytest("--behavior-baseline", "--behavior-candidate=v4", "--behavior-report=one.json")
    (pytester.path / "broken.json").write_text("{")
    for report, message in (
        ("one.json", "the run holds fewer than two versions, so it has no version matrix"),
        ("broken.json", "cannot read a verdict report"),
        ("missing.json", "cannot read a verdict report"),
    ):
        with pytest.raises(SystemExit) as exc:
            main(["card", str(pytester.path / "golden"), "--report", str(pytester.path / report)])
        assert exc.value.code == 2
        err = capsys.readouterr().err
        assert message in err and report in err and "Traceback" not in err
