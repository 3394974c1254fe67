"""Parsing the version list and the fleet mix; the fleet view's arithmetic and verdicts on known matrices."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from pytest_behavior.config.fleet import FleetError, read_counts, read_fleet
from pytest_behavior.config.matrix import candidate_names, strip_version
from pytest_behavior.report.fleet import fleet_view
from pytest_behavior.report.matrix import build_matrix, matrix_lines


@pytest.mark.parametrize(
    ("value", "names"),
    [
        (None, ()),
        ("v3", ("v3",)),
        ("v3, v4 ,v5", ("v3", "v4", "v5")),
        ("gpt-4o@2024-05-13,a/b", ("gpt-4o@2024-05-13", "a/b")),
    ],
)
def test_candidate_names(value: str | None, names: tuple[str, ...]) -> None:
    assert candidate_names(value) == names


@pytest.mark.parametrize(
    ("value", "message"), [("v3,", "empty name"), ("v3,v3", "named twice"), ("v3,a b", "not a version")]
)
def test_bad_candidate_names(value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        candidate_names(value)


@pytest.mark.parametrize(
    ("nodeid", "version", "golden"),
    [
        ("t.py::test_x[v3]", "v3", "t.py::test_x"),
        ("t.py::test_x[a-v3]", "v3", "t.py::test_x[a]"),
        ("t.py::test_x[a-b-gpt-4o]", "gpt-4o", "t.py::test_x[a-b]"),
        ("t.py::C::test_x[v3-v3]", "v3", "t.py::C::test_x[v3]"),
        ("t.py::test_x[a-b-gpt-4o]", "gpt-4o", "t.py::test_x[a-b]"),
    ],
)
def test_strip_version(nodeid: str, version: str, golden: str) -> None:
    assert strip_version(nodeid, version) == golden


def test_strip_version_refuses_an_id_it_cannot_read() -> None:
    with pytest.raises(ValueError, match="cannot find its version 'v3'"):
        strip_version("t.py::test_x[v3-a]", "v3")


def test_fleet_counts_add_up_per_version_and_normalise(tmp_path: Path) -> None:
    csv = tmp_path / "t.csv"
    csv.write_text("day,Version,users\n1,v3,10\n1,v4,30\n2,v3,10\n\n")
    assert read_counts(csv) == {"v3": 20.0, "v4": 30.0}
    assert read_fleet(str(csv), pyproject=tmp_path / "none.toml", rootdir=tmp_path) == {"v3": 0.4, "v4": 0.6}


def test_fleet_inline_and_pyproject(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    assert read_fleet(None, pyproject=pyproject, rootdir=tmp_path) is None
    pyproject.write_text("[tool.pytest_behavior.fleet]\nweights = {v3 = 1, v4 = 3}\n")
    assert read_fleet(None, pyproject=pyproject, rootdir=tmp_path) == {"v3": 0.25, "v4": 0.75}
    assert read_fleet("v3=1,v4=1", pyproject=pyproject, rootdir=tmp_path) == {"v3": 0.5, "v4": 0.5}  # CLI wins
    (tmp_path / "c.csv").write_text("version,count\nv5,2\n")
    pyproject.write_text('[tool.pytest_behavior.fleet]\ncounts = "c.csv"\n')
    assert read_fleet(None, pyproject=pyproject, rootdir=tmp_path) == {"v5": 1.0}


@pytest.mark.parametrize(
    ("csv_text", "message"),
    [
        ("version,count\nv3,-1\n", "line 2: count: must be a finite number >= 0"),
        ("version,count\nv3,many\n", "line 2: count: not a number"),
        ("name,count\nv3,1\n", "needs a 'version' column"),
        ("", "empty file"),
        ("version,count\nv3,0\n", "add up to 0"),
        ("version,count\nv3\n", "line 2: 1 columns"),
    ],
)
def test_bad_fleet_counts_name_the_file_and_line(tmp_path: Path, csv_text: str, message: str) -> None:
    csv = tmp_path / "fleet.csv"
    csv.write_text(csv_text)
    with pytest.raises(FleetError, match=message) as error:
        read_fleet(str(csv), pyproject=tmp_path / "none.toml", rootdir=tmp_path)
    assert "fleet" in str(error.value)


def _verdict(bound: str, estimate: float, lower: float, upper: float, verdict: str, **extra: Any) -> dict[str, Any]:
    form, threshold = bound.split("=")
    scale = "ratio" if "ratio" in form else "difference"
    return {
        "property": "p",
        "metric": "refusal rate" if scale == "difference" else "length",
        "metric_key": "m" + scale,
        "kind": "binary" if scale == "difference" else "continuous",
        "bound": bound,
        "threshold": float(threshold),
        "verdict": verdict,
        "baseline": 0.02,
        "candidate": 0.02 + estimate,
        "scale": scale,
        "estimate": estimate,
        "lower": lower,
        "upper": upper,
        "segment": None,
        **extra,
    }


def _entry(version: str, *verdicts: dict[str, Any]) -> dict[str, Any]:
    regressed = any(v["verdict"] == "REGRESSED" for v in verdicts)
    return {
        "nodeid": f"t.py::test_x[{version}]",
        "test": "t.py::test_x",
        "version": version,
        "outcome": "regressed" if regressed else "passed",
        "properties": list(verdicts),
    }


def test_fleet_change_is_the_weighted_change_with_the_weighted_interval() -> None:
    entries = [
        _entry(
            "v3",
            _verdict("max_increase=0.05", 0.0, -0.03, 0.02, "PASS"),
            _verdict("max_ratio=1.3", 1.0, 0.9, 1.1, "PASS"),
        ),
        _entry(
            "v4",
            _verdict("max_increase=0.05", 0.01, -0.02, 0.03, "PASS"),
            _verdict("max_ratio=1.3", 1.2, 1.1, 1.25, "PASS"),
        ),
        _entry(
            "v5",
            _verdict("max_increase=0.05", 0.25, 0.18, 0.31, "REGRESSED"),
            _verdict("max_ratio=1.3", 1.0, 0.95, 1.05, "PASS"),
        ),
    ]
    matrix = build_matrix(entries)
    assert matrix is not None and matrix.versions == ("v3", "v4", "v5")
    rows = {row.column.bound: row for row in fleet_view(matrix, {"v3": 0.2, "v4": 0.3, "v5": 0.5})}
    rate = rows["max_increase=0.05"]
    assert (rate.estimate, rate.lower, rate.upper) == pytest.approx((0.128, 0.078, 0.168))
    assert rate.verdict == "REGRESSED"  # 0.078 > 0.05
    assert [(d.version, round(d.share, 3)) for d in rate.drivers] == [("v5", 1.0)]
    assert rate.candidate == pytest.approx(0.02 + 0.128)
    ratio = rows["max_ratio=1.3"]
    assert ratio.estimate == pytest.approx(math.exp(0.3 * math.log(1.2)))
    assert ratio.upper == pytest.approx(math.exp(0.2 * math.log(1.1) + 0.3 * math.log(1.25) + 0.5 * math.log(1.05)))
    assert ratio.verdict == "PASS"
    # a mix without v5: the regression is gone from the fleet
    calm = {row.column.bound: row for row in fleet_view(matrix, {"v3": 0.5, "v4": 0.5, "v5": 0.0})}
    assert calm["max_increase=0.05"].verdict == "PASS"


def test_fleet_drivers_share_the_excess_and_min_bounds_break_below() -> None:
    entries = [
        _entry("a", _verdict("max_decrease=0.05", -0.10, -0.14, -0.07, "REGRESSED")),
        _entry("b", _verdict("max_decrease=0.05", -0.08, -0.12, -0.06, "REGRESSED")),
        _entry("c", _verdict("max_decrease=0.05", -0.02, -0.04, -0.01, "PASS")),
    ]
    matrix = build_matrix(entries)
    assert matrix is not None
    (row,) = fleet_view(matrix, {"a": 0.5, "b": 0.25, "c": 0.25})
    assert row.threshold == -0.05 and row.verdict == "REGRESSED"  # upper -0.035 - 0.015 - 0.0025 < -0.05
    shares = {d.version: d.share for d in row.drivers}
    assert shares == pytest.approx({"a": 0.025 / 0.0325, "b": 0.0075 / 0.0325})


def test_fleet_says_when_it_has_no_value() -> None:
    entries = [
        _entry(
            "a",
            _verdict("max_share_change=0.1", 0.02, -0.01, 0.05, "PASS"),
            _verdict("max_increase=0.05", 0.0, -0.01, 0.01, "PASS"),
        ),
        {
            "nodeid": "t.py::test_x[b]",
            "test": "t.py::test_x",
            "version": "b",
            "outcome": "error",
            "properties": [],
            "error": "boom",
        },
    ]
    matrix = build_matrix(entries)
    assert matrix is not None
    rows = {row.column.bound: row for row in fleet_view(matrix, {"a": 0.5, "b": 0.5})}
    assert rows["max_share_change=0.1"].note == "two-sided bound: judged per version only"
    assert rows["max_increase=0.05"].note == "no judged value for b" and rows["max_increase=0.05"].verdict == "-"
    lines = matrix_lines(matrix)
    assert any(line.startswith("b ") and "ERROR" in line for line in lines)


def test_no_matrix_for_one_version() -> None:
    assert build_matrix([_entry("a", _verdict("max_increase=0.05", 0.0, -0.01, 0.01, "PASS"))]) is None
    assert build_matrix([{"nodeid": "t.py::x", "outcome": "passed", "properties": []}]) is None


def test_versions_keep_the_run_order_not_the_report_order() -> None:
    """A report lists regressed tests first; the matrix keeps the order the run named the versions in."""
    entries = [
        _entry("v5", _verdict("max_increase=0.05", 0.2, 0.1, 0.3, "REGRESSED")),
        _entry("v3", _verdict("max_increase=0.05", 0.0, -0.01, 0.01, "PASS")),
        _entry("v4", _verdict("max_increase=0.05", 0.0, -0.01, 0.01, "PASS")),
    ]
    ordered = build_matrix(entries, order=["v3", "v4", "v5"])
    assert ordered is not None and ordered.versions == ("v3", "v4", "v5")
    unordered = build_matrix(entries)
    assert unordered is not None and unordered.versions == ("v5", "v3", "v4")


def test_the_job_summary_and_html_grid_read_the_run_order_from_the_report() -> None:
    from pytest_behavior.report.document import build_document
    from pytest_behavior.report.github import github_summary
    from pytest_behavior.report.html import render_html

    entries = [
        {**_entry(v, _verdict("max_increase=0.05", est, est - 0.05, est + 0.05, verdict)), **_arms()}
        for v, est, verdict in (("v5", 0.2, "REGRESSED"), ("v3", 0.0, "PASS"), ("v4", 0.0, "PASS"))
    ]
    document = build_document(entries, mode="golden", alpha=0.05 / 3, plugin_version="x", versions=("v3", "v4", "v5"))
    assert document["matrix"]["versions"] == ["v3", "v4", "v5"]
    summary = github_summary(document)
    rows = [
        line.split("|")[1].strip() for line in summary.splitlines() if line.startswith("| v") and "version" not in line
    ]
    assert rows == ["v3", "v4", "v5"]
    page = render_html(document)
    assert page.index("<code>v3</code>") < page.index("<code>v4</code>") < page.index("<code>v5</code>")


def _arms() -> dict[str, Any]:
    arm = {"label": "x", "fingerprint": "f", "source": "golden", "requested": 0, "cached": 0, "outputs": 1}
    arm |= dict.fromkeys(("cost_usd", "latency_p50_ms", "latency_p95_ms", "ttft_p50_ms", "ttft_p95_ms"))
    arm["empty_outputs"] = 0
    return {
        "error": None,
        "mode": "golden",
        "candidate": arm,
        "baseline": arm,
        "provider_drift": False,
        "n_paired": 1,
        "golden_path": None,
        "golden_written": False,
        "diff": None,
        "diff_file": None,
        "budget_note": None,
    }


def test_fleet_input_edge_cases(tmp_path: Path) -> None:
    csv = tmp_path / "excel.csv"
    csv.write_bytes("\ufeffversion,count\nv3,1\nv4,3\n".encode())  # a spreadsheet's "CSV UTF-8" export
    assert read_counts(csv) == {"v3": 1.0, "v4": 3.0}
    huge = tmp_path / "huge.csv"
    huge.write_text("version,count\nv3,1e308\nv4,1e308\n")
    with pytest.raises(FleetError, match="more than a float holds"):
        read_fleet(str(huge), pyproject=tmp_path / "none.toml", rootdir=tmp_path)
    both = tmp_path / "both.csv"
    both.write_text("version,count,users\nv3,1,2\n")
    with pytest.raises(FleetError, match="several columns it could read"):
        read_counts(both)
    with pytest.raises(FleetError, match="v3 is weighed twice"):
        read_fleet("v3=1,v3=0,v4=1", pyproject=tmp_path / "none.toml", rootdir=tmp_path)
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text("[tool.pytest_behavior.fleet]\nweights = {v3 = 1}\n")
    assert read_fleet("off", pyproject=pyproject, rootdir=tmp_path) is None


def test_fleet_leaves_percentiles_to_the_versions_and_survives_an_empty_mix() -> None:
    """The p95 of a mix lies in the slow group's tail: 10% of users on a 10x slower version make the fleet's p95
    about 10x, not the x1.25 a weighted mean of the versions' p95 ratios would say."""
    p95 = {
        **_verdict("max_ratio=1.5", 1.0, 0.98, 1.02, "PASS"),
        "metric": "latency p95 (ms)",
        "bound": "max_p95_ratio=1.5",
    }
    slow = {**p95, "estimate": 9.5, "lower": 9.4, "upper": 9.6, "verdict": "REGRESSED"}
    matrix = build_matrix([_entry("ok", p95), _entry("slow", slow)])
    assert matrix is not None
    (row,) = fleet_view(matrix, {"ok": 0.9, "slow": 0.1})
    assert row.verdict == "-" and "percentile" in row.note
    (empty,) = fleet_view(matrix, {"ok": 0.0, "slow": 0.0})
    assert empty.verdict == "-" and empty.note == "no version has a weight"


def test_fleet_leaves_sequential_verdicts_to_the_versions() -> None:
    """A sequential test stops on its own inputs, its interval shown at a data-dependent stop: not combined."""
    entries = [
        _entry("a", _verdict("max_increase=0.05", 0.0, -0.02, 0.02, "PASS", n_max=400)),
        _entry("b", _verdict("max_increase=0.05", 0.25, 0.1, 0.4, "REGRESSED", n_max=400)),
    ]
    matrix = build_matrix(entries)
    assert matrix is not None
    (row,) = fleet_view(matrix, {"a": 0.5, "b": 0.5})
    assert row.verdict == "-" and row.note == "sequential mode: judged per version only"
