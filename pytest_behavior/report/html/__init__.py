"""A self-contained HTML page for a pytest-behavior verdict report.

`render_html` turns the verdict report document (``"format": "pytest-behavior-report"``, version 1, already
a plain dict) into one HTML page that needs nothing else: the CSS is inline and the charts are inline SVG
drawn here by hand — no JavaScript, web fonts, images, CDNs or plotting library — so the file can be kept
as a CI artifact, mailed, or opened offline.

The page has

* a header: when the run was made, the plugin version, the mode and the summary counts;
* one verdict table over every test, regressions first (then errors, inconclusive, passed and recorded);
* a section per test: the model bundles compared, a provider-drift callout, the error or budget note, a
  picture per property — overlaid baseline/candidate distributions for continuous metrics, rate bars and
  the paired difference with its interval for binary ones, the ratio interval against its threshold for
  ratio bounds — and the full failure diff of a regressed test;
* a footer on how to read PASS / REGRESSED / INCONCLUSIVE: REGRESSED when the interval lies beyond the threshold
  (the bad side, shaded), PASS when it lies within, INCONCLUSIVE when it straddles or touches it.

Intervals are named from the confidence of their two ends (`pytest_behavior.report.values`): "90% interval" for
two one-sided 95% bounds; when the end that decides REGRESSED is Holm-adjusted to a higher level, the table marks
it with its level and a note (and every caption) says which end is at which level.

Every string taken from the document is HTML-escaped (test ids and model outputs quoted in diffs may hold
markup) and its control characters shown as escapes (`pytest_behavior.sanitize`), and every number
may be missing or non-finite (JSON ``null``): it renders as "–".

The package: `page` (the page and its sections), `charts` (the SVG charts), `markup` (the palette, escaping,
reading the document) and ``style.css`` (package data, read by `page.stylesheet`).
"""

from __future__ import annotations

from pytest_behavior.report.html.charts import (
    CHART_WIDTH,
    LABEL_RIGHT,
    Scale,
    binary_svg,
    distribution_svg,
    log_ticks,
    nice_ticks,
    ratio_svg,
    tick_label,
)
from pytest_behavior.report.html.markup import (
    AMBER,
    BASELINE_COLOR,
    CANDIDATE_COLOR,
    GREEN,
    GREY,
    MONO,
    OUTCOME_COLORS,
    RED,
    SLATE,
    VERDICT_COLORS,
    Doc,
    property_label,
)
from pytest_behavior.report.html.page import (
    DRIFT_NOTE,
    OUTCOME_ORDER,
    TABLE_HEADERS,
    format_n,
    render_html,
    sort_tests,
    stylesheet,
)
from pytest_behavior.report.values import (
    DASH,
    IntervalStyle,
    describe_interval,
    format_interval,
    format_p,
    format_value,
    interval_style,
    interval_text,
)
from pytest_behavior.report.values import format_estimate as format_change

__all__ = [
    "AMBER",
    "BASELINE_COLOR",
    "CANDIDATE_COLOR",
    "CHART_WIDTH",
    "DASH",
    "DRIFT_NOTE",
    "GREEN",
    "GREY",
    "LABEL_RIGHT",
    "MONO",
    "OUTCOME_COLORS",
    "OUTCOME_ORDER",
    "RED",
    "SLATE",
    "TABLE_HEADERS",
    "VERDICT_COLORS",
    "Doc",
    "IntervalStyle",
    "Scale",
    "binary_svg",
    "describe_interval",
    "distribution_svg",
    "format_change",
    "format_interval",
    "format_n",
    "format_p",
    "format_value",
    "interval_style",
    "interval_text",
    "log_ticks",
    "nice_ticks",
    "property_label",
    "ratio_svg",
    "render_html",
    "sort_tests",
    "stylesheet",
    "tick_label",
]
