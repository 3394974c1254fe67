"""Every output names its interval from the levels of its two ends (issue 13 §1): "90% interval" for two one-sided
95% bounds, and which end is at which level when the end that decides REGRESSED is Holm-adjusted.

The verdicts are built directly (``lower_level=0.9875``: the deciding end of a bound tested at 0.05 / 4), so these
tests hold whatever the judge computes; `tests/plugin/test_reports.py` checks the same labels end to end.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from pytest_behavior.engine.comparison import ArmInfo, Comparison
from pytest_behavior.engine.judge import BoundVerdict, Verdict
from pytest_behavior.report.diff_file import write_diff_file
from pytest_behavior.report.document import build_document, validate_document
from pytest_behavior.report.document import test_entry as entry_of  # not a test
from pytest_behavior.report.failure import inconclusive_message, leaning, render_failure, verdict_table
from pytest_behavior.report.github import github_summary
from pytest_behavior.report.html import render_html
from pytest_behavior.report.junit import junit_properties
from pytest_behavior.report.values import (
    describe_change,
    describe_interval,
    interval_style,
    levels,
    percent,
    two_sided_name,
)

HOLM_4 = 1 - 0.05 / 4  # the deciding end of the first of 4 bounds Holm tests
HOLM_3 = 1 - 0.05 / 3
NOTE_SAME = (
    "interval: the end that decides REGRESSED is a one-sided 98.75% bound, Holm-adjusted as p (adj.) is; "
    "the other end a one-sided 95% bound"
)
NOTE_MARKED = (
    "interval: each end is a one-sided bound; unmarked ends are at 95% (two unmarked ends make a 90% "
    "interval); a marked end lies on the side where the bound breaks, at the stricter level the Holm "
    "procedure tested that row at: it decides REGRESSED, as p (adj.) does"
)


def verdict(bound: str, outcome: Verdict, estimate: float, lower: float, upper: float, **extra: Any) -> BoundVerdict:
    form, threshold = bound.split("=")
    binary = "ratio" not in form
    fields: dict[str, Any] = dict(
        property="refusal_bound" if binary else "length_distribution",
        metric="refusal rate" if binary else "length",
        metric_key="refusal" if binary else "length.words",
        kind="binary" if binary else "continuous",
        bound=bound,
        threshold=float(threshold),
        verdict=outcome,
        baseline=0.05 if binary else 40.0,
        candidate=0.05 + estimate if binary else 40.0 * estimate,
        estimate=estimate,
        lower=lower,
        upper=upper,
        p_value=0.004,
        p_adjusted=0.016,
        n_inputs=200,
        repeats=1,
        method="test method",
    )
    return BoundVerdict(**(fields | extra))


REGRESSED_HOLM = verdict("max_increase=0.05", Verdict.REGRESSED, 0.102, 0.063, 0.141, lower_level=HOLM_4)
PASS_HOLM = verdict("min_ratio=0.8", Verdict.PASS, 1.02, 0.91, 1.12, upper_level=HOLM_4)
PASS_HOLM_3 = verdict("min_ratio=0.8", Verdict.PASS, 1.02, 0.91, 1.12, upper_level=HOLM_3)
REGRESSED_95 = verdict("max_increase=0.05", Verdict.REGRESSED, 0.102, 0.069, 0.138)
INCONCLUSIVE_HOLM = verdict(
    "max_increase=0.05",
    Verdict.INCONCLUSIVE,
    0.08,
    0.02,
    0.14,
    lower_level=HOLM_4,
    advice="about 400 inputs would decide it",
)
INCONCLUSIVE_95 = verdict("max_increase=0.05", Verdict.INCONCLUSIVE, 0.08, 0.02, 0.14)


def comparison(*verdicts: BoundVerdict) -> Comparison:
    return Comparison(
        test="tests/test_bot.py::test_refusals",
        mode="golden",
        candidate=ArmInfo("bot-v2", "b" * 64, "live", outputs=200),
        baseline=ArmInfo("bot-v1", "a" * 64, "golden:golden/test_refusals.json", outputs=200),
        inputs=(),
        paired_ids=tuple(f"in-{i}" for i in range(200)),
        baseline_only=(),
        candidate_only=(),
        verdicts=verdicts,
        candidate_outputs={},
        baseline_outputs={},
        properties=(),
        observations=(),
    )


def document(*verdicts: BoundVerdict) -> dict[str, Any]:
    result = comparison(*verdicts)
    outcome = "regressed" if result.regressed else "inconclusive" if result.inconclusive else "passed"
    return build_document([entry_of(result, outcome=outcome)], mode="golden", alpha=0.05, plugin_version="0")


def old_report(doc: dict[str, Any]) -> dict[str, Any]:
    """The same document as a report written before ``lower_level``/``upper_level`` existed."""
    old: dict[str, Any] = json.loads(json.dumps(doc))
    for prop in old["tests"][0]["properties"]:
        del prop["lower_level"], prop["upper_level"]
        prop["confidence"] = 0.95
    return old


# ---- naming ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "shown"),
    [
        (0.95, "95%"),
        (HOLM_4, "98.75%"),
        (HOLM_3, "98.33%"),
        (1 - 0.05 / 8, "99.37%"),
        (2 * 0.95 - 1, "90%"),
        (0.999, "99.9%"),
    ],
)
def test_a_level_reads_as_a_percent_never_rounded_up(level: float, shown: str) -> None:
    assert percent(level) == shown


@pytest.mark.parametrize(("level", "name"), [(0.95, "90% interval"), (0.975, "95% interval"), (0.9, "80% interval")])
def test_two_one_sided_bounds_name_the_two_sided_interval_they_make(level: float, name: str) -> None:
    assert two_sided_name(level) == name
    row = REGRESSED_95.to_dict() | {"lower_level": level, "upper_level": level}
    assert describe_interval(row) == f"{name} [+6.9, +13.8] pts"
    assert interval_style([row]).header == name


def test_levels_of_an_old_report_are_its_confidence() -> None:
    row = {"bound": "max_rate=0.05", "lower": 0.01, "upper": 0.02}
    assert levels(row) == (0.95, 0.95)
    assert levels(row | {"confidence": 0.975}) == (0.975, 0.975)
    assert levels(row | {"confidence": 0.95, "lower_level": HOLM_4}) == (HOLM_4, 0.95)
    assert levels(row | {"lower_level": None, "upper_level": "0.9", "confidence": True}) == (0.95, 0.95)


def test_a_lone_interval_says_which_end_is_at_which_level() -> None:
    assert describe_interval(REGRESSED_95.to_dict()) == "90% interval [+6.9, +13.8] pts"
    assert describe_interval(REGRESSED_HOLM.to_dict()) == (
        "interval [+6.3, +14.1] pts (one-sided bounds: lower 98.75% Holm-adjusted, upper 95%)"
    )
    assert describe_interval(PASS_HOLM.to_dict()) == (  # min_ratio: the upper end decides REGRESSED
        "interval [x0.91, x1.12] (one-sided bounds: lower 95%, upper 98.75% Holm-adjusted)"
    )
    assert describe_change(REGRESSED_95.to_dict()) == "+10.2 pts, 90% interval [+6.9, +13.8] pts"
    not_judged = verdict(
        "max_increase=0.05", Verdict.INCONCLUSIVE, 0.1, -float("inf"), float("inf"), lower_level=HOLM_4
    )
    assert describe_interval(not_judged.to_dict()) == "interval [–, –]"  # no bound: no level to name


def test_a_table_names_its_intervals_once() -> None:
    same = interval_style([REGRESSED_95.to_dict(), INCONCLUSIVE_95.to_dict()])
    assert (same.header, same.note, same.marks(REGRESSED_95.to_dict())) == ("90% interval", "", ("", ""))
    assert same.gloss == "90% interval: a one-sided 95% bound at each end"
    holm = interval_style([REGRESSED_HOLM.to_dict(), PASS_HOLM.to_dict()])
    assert (holm.header, holm.note) == ("interval (see note)", NOTE_SAME)
    assert holm.marks(REGRESSED_HOLM.to_dict()) == ("", "")
    per_row = interval_style([REGRESSED_HOLM.to_dict(), PASS_HOLM_3.to_dict(), REGRESSED_95.to_dict()])
    assert (per_row.header, per_row.note) == ("interval (see note)", NOTE_MARKED)
    assert per_row.marks(REGRESSED_HOLM.to_dict()) == ("(98.75%)", "")
    assert per_row.marks(PASS_HOLM_3.to_dict()) == ("", "(98.33%)")
    assert per_row.marks(REGRESSED_95.to_dict()) == ("", "")


# ---- terminal and Markdown diff -------------------------------------------------------------------------------------


def test_terminal_table_header_is_the_interval_it_shows() -> None:
    table = verdict_table([REGRESSED_95, INCONCLUSIVE_95])
    header = table.splitlines()[0]
    assert "90% interval" in header and "95% bounds" not in header
    assert "[+6.9, +13.8] pts" in table and "interval:" not in table


def test_terminal_table_with_a_holm_adjusted_end_has_a_note() -> None:
    lines = verdict_table([REGRESSED_HOLM, PASS_HOLM]).splitlines()
    assert "interval (see note)" in lines[0]
    assert lines[-2:] == ["", NOTE_SAME]  # a blank line first: the table (also in Markdown) ends there
    assert "[+6.3, +14.1] pts" in lines[2] and "[x0.91, x1.12]" in lines[3]


def test_terminal_table_marks_each_end_at_its_own_level_when_rows_differ() -> None:
    lines = verdict_table([REGRESSED_HOLM, PASS_HOLM_3, REGRESSED_95]).splitlines()
    assert "[+6.3 (98.75%), +14.1] pts" in lines[2]
    assert "[x0.91, x1.12 (98.33%)]" in lines[3]
    assert "[+6.9, +13.8] pts" in lines[4]
    assert lines[-1] == NOTE_MARKED


def test_failure_diff_and_markdown_diff_file_name_the_interval(tmp_path: Path) -> None:
    result = comparison(REGRESSED_HOLM, PASS_HOLM)
    failure = render_failure(result)
    assert "interval (see note)" in failure and NOTE_SAME in failure
    markdown = write_diff_file(result, tmp_path / "run").read_text()
    table = [line for line in markdown.splitlines() if line.startswith("|")]
    assert "interval (see note)" in table[0] and "| REGRESSED |" in table[2]
    assert f"\n\n{NOTE_SAME}\n" in markdown  # a paragraph after the table, not a row of it
    plain = write_diff_file(comparison(REGRESSED_95), tmp_path / "run2").read_text()
    assert "90% interval" in plain and "interval:" not in plain.split("## Full diff")[0]


def test_inconclusive_line_names_its_interval() -> None:
    assert leaning(INCONCLUSIVE_95) == "likely regression: +8.0 pts, 90% interval [+2.0, +14.0] pts"
    assert leaning(INCONCLUSIVE_HOLM) == (
        "likely regression: +8.0 pts, interval [+2.0, +14.0] pts (one-sided bounds: lower 98.75% Holm-adjusted, "
        "upper 95%)"
    )
    message = inconclusive_message(comparison(INCONCLUSIVE_HOLM))
    assert (
        "refusal rate max_increase=0.05 at N=200: likely regression: +8.0 pts, interval [+2.0, +14.0] pts "
        "(one-sided bounds: lower 98.75% Holm-adjusted, upper 95%); about 400 inputs would decide it"
    ) in message
    assert "95% bounds" not in message


# ---- JSON, JUnit, GitHub, HTML --------------------------------------------------------------------------------------


def test_json_report_stores_the_level_of_each_end_and_follows_the_schema() -> None:
    doc = document(REGRESSED_HOLM, PASS_HOLM)
    validate_document(doc)
    regressed, passed = doc["tests"][0]["properties"]
    assert (regressed["lower_level"], regressed["upper_level"], regressed["confidence"]) == (HOLM_4, 0.95, 0.95)
    assert (passed["lower_level"], passed["upper_level"]) == (0.95, HOLM_4)
    validate_document(old_report(doc))  # the fields are optional: a report written before them still validates


def test_junit_properties_name_the_interval_and_carry_the_levels() -> None:
    props = dict(junit_properties(document(REGRESSED_HOLM, PASS_HOLM)["tests"][0]))
    assert props["behavior:refusal:max_increase=0.05"] == (
        "REGRESSED +10.2 pts, interval [+6.3, +14.1] pts (one-sided bounds: lower 98.75% Holm-adjusted, upper 95%), "
        "p=0.016"
    )
    assert props["behavior:refusal:max_increase=0.05:lower_level"] == "0.9875"
    assert props["behavior:refusal:max_increase=0.05:upper_level"] == "0.95"
    assert props["behavior:length.words:min_ratio=0.8:upper_level"] == "0.9875"
    plain = dict(junit_properties(document(REGRESSED_95)["tests"][0]))
    assert plain["behavior:refusal:max_increase=0.05"] == "REGRESSED +10.2 pts, 90% interval [+6.9, +13.8] pts, p=0.016"
    old = dict(junit_properties(old_report(document(REGRESSED_HOLM))["tests"][0]))
    assert "90% interval [+6.3, +14.1] pts" in old["behavior:refusal:max_increase=0.05"]


def test_github_summary_names_the_interval_in_its_header_and_a_note() -> None:
    plain = github_summary(document(REGRESSED_95))
    assert "| change [90% interval] |" in plain and "interval:" not in plain
    holm = github_summary(document(REGRESSED_HOLM, PASS_HOLM))
    assert "| change [interval (see note)] |" in holm
    assert f"\n\n{NOTE_SAME}\n" in holm  # after the table, not a row of it
    marked = github_summary(document(REGRESSED_HOLM, PASS_HOLM_3))
    assert "[+6.3 (98.75%), +14.1] pts" in marked and "[x0.91, x1.12 (98.33%)]" in marked and NOTE_MARKED in marked
    assert "| change [90% interval] |" in github_summary(old_report(document(REGRESSED_HOLM)))


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.titles: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.titles += [value or "" for name, value in attrs if name in ("title", "aria-label")]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _html_text(doc: dict[str, Any]) -> tuple[str, list[str]]:
    parser = _Text()
    parser.feed(render_html(doc))
    return " ".join(" ".join(parser.text).split()), parser.titles  # one space wherever a tag was


def test_html_table_captions_and_charts_name_the_interval() -> None:
    text, titles = _html_text(document(REGRESSED_HOLM, PASS_HOLM_3))
    assert "change [interval (see note)]" in text and NOTE_MARKED in text
    assert "[+6.3 (98.75%), +14.1] pts" in text  # the table cell
    caption = "interval [+6.3, +14.1] pts (one-sided bounds: lower 98.75% Holm-adjusted, upper 95%)"
    assert f"change +10.2 pts, {caption}, p (adj.) 0.016" in text  # the figure's caption
    assert caption in titles  # the cell's tooltip
    assert any(caption in title and "verdict REGRESSED" in title for title in titles)  # the chart's label
    assert "95% [" not in text
    plain, _ = _html_text(document(REGRESSED_95))
    assert "change [90% interval]" in plain and "change +10.2 pts, 90% interval [+6.9, +13.8] pts" in plain
    assert "90% interval: a one-sided 95% bound at each end." in plain  # the legend's gloss


def test_html_legend_states_the_rule_the_verdicts_follow() -> None:
    text, _ = _html_text(document(REGRESSED_95))
    legend = text[text.index("How to read the verdicts") :]
    assert "PASS the data shows the bound holds: the whole interval lies on the allowed side of the threshold" in legend
    assert "REGRESSED the data shows the bound is broken: the whole interval lies beyond the threshold" in legend
    assert (
        "INCONCLUSIVE not enough data to tell either way: the interval straddles the threshold (touching it counts)"
    ) in legend
    assert "Change is the point estimate, not adjusted" in legend
    assert "still straddles" not in legend and "confidence interval lies" not in legend


def test_html_of_an_old_report_reads_its_confidence() -> None:
    text, _ = _html_text(old_report(document(REGRESSED_HOLM)))
    assert "change [90% interval]" in text and "90% interval [+6.3, +14.1] pts" in text
    assert "interval (see note)" not in text


@pytest.mark.parametrize(
    ("scale", "lower", "upper", "threshold", "expected"),
    [
        ("rate", 0.050103, 0.068, 0.05, "[5.01%, 6.8%]"),  # REGRESSED: the lower end clears a 5% bound
        ("ratio", 1.33301, 1.37, 1.333, "[x1.33301, x1.37]"),
        ("rate", 0.03, 0.0504, 0.05, "[3.0%, 5.04%]"),  # INCONCLUSIVE: the upper end is not within
        ("difference", -0.0801, -0.04999, -0.05, "[-8.0, -4.999] pts"),  # max_decrease=0.05: not beyond -5 points
        ("rate", 0.04, 0.05, 0.05, "[4.0%, 5.0%]"),  # exactly on the threshold: shown so
    ],
)
def test_no_end_is_rounded_onto_or_across_the_threshold(
    scale: str, lower: float, upper: float, threshold: float, expected: str
) -> None:
    from pytest_behavior.report.values import format_interval

    assert format_interval(scale, lower, upper, threshold=threshold) == expected


def test_a_sequential_row_names_its_bonferroni_level() -> None:
    """Sequential mode adjusts by Bonferroni over the test's bounds, not Holm: its rows (with a budget) say so."""
    from pytest_behavior.report.values import describe_interval, interval_style

    entry = {
        "bound": "max_increase=0.05",
        "threshold": 0.05,
        "estimate": 0.08,
        "lower": 0.02,
        "upper": 0.14,
        "lower_level": 0.9875,
        "upper_level": 0.95,
        "n_max": 300,
    }
    assert describe_interval(entry).endswith("(one-sided bounds: lower 98.75% Bonferroni-adjusted, upper 95%)")
    assert "Bonferroni-adjusted as p (adj.) is" in interval_style([entry]).note
    assert "Holm-adjusted" in describe_interval({**entry, "n_max": None})
