"""The report page: header, verdict table, a section per test with its pictures, and the reading rule.

The CSS is the package-data file ``style.css`` beside this module, read once with `importlib.resources` (so it is
found in an installed wheel, a zip or an editable checkout alike) and prefixed with the palette it draws with.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

from pytest_behavior.engine import comparison
from pytest_behavior.report.html.charts import binary_svg, distribution_svg, ratio_svg
from pytest_behavior.report.html.context_chart import context_curve_figure
from pytest_behavior.report.html.judged_charts import correctness_svg, preference_svg, rubric_svg
from pytest_behavior.report.html.markup import (
    AMBER,
    BASELINE_COLOR,
    CANDIDATE_COLOR,
    GREEN,
    GREY,
    MONO,
    RED,
    SLATE,
    Doc,
    as_int,
    as_list,
    as_map,
    esc,
    floats,
    interval_entry,
    num,
    outcome_pill,
    pill,
    properties_of,
    property_label,
    verdict_pill,
)
from pytest_behavior.report.html.matrix_grid import matrix_section
from pytest_behavior.report.judged import judged_lines
from pytest_behavior.report.values import (
    DASH,
    IntervalStyle,
    describe_interval,
    format_p,
    format_value,
    interval_style,
    interval_text,
)
from pytest_behavior.report.values import format_estimate as format_change

OUTCOME_ORDER = {"regressed": 0, "error": 1, "inconclusive": 2, "passed": 3, "recorded": 3}
DRIFT_NOTE = comparison.DRIFT_NOTE  # one wording of provider drift in every report
TABLE_HEADERS = ("test", "property", "bound", "baseline", "candidate", "change", "p (adj.)", "verdict", "N")


@functools.cache
def stylesheet() -> str:
    """The page's CSS: the palette as custom properties, then ``style.css``."""
    palette = {"red": RED, "amber": AMBER, "green": GREEN, "grey": GREY, "slate": SLATE, "mono": MONO}
    variables = ";".join(f"--{name}:{value}" for name, value in palette.items())
    css = resources.files("pytest_behavior.report.html").joinpath("style.css").read_text(encoding="utf-8")
    return f":root{{{variables}}}\n{css}"


def render_html(document: Mapping[str, Any]) -> str:
    """The report page for a verdict report document (see the module docstring)."""
    tests = sort_tests([t for t in as_list(document.get("tests")) if isinstance(t, Mapping)])
    anchors = _anchors(tests)
    style = interval_style(interval_entry(p) for test in tests for p in _table_properties(test))
    body = "\n".join(
        [
            _header(document),
            _verdict_table(tests, anchors, style),
            matrix_section(document),
            *(_test_section(test, anchor) for test, anchor in zip(tests, anchors, strict=True)),
            _footer(document, style),
        ]
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>pytest-behavior report · {esc(document.get('created_at') or '')}</title>\n"
        f'<style>{stylesheet()}</style>\n</head>\n<body>\n<main class="wrap">\n{body}\n</main>\n</body>\n</html>\n'
    )


def sort_tests(tests: Sequence[Doc]) -> list[Doc]:
    """Regressed first, then errors, inconclusive, passed and recorded; the document's order within each."""
    return sorted(tests, key=lambda t: OUTCOME_ORDER.get(str(t.get("outcome")), 4))


def _anchors(tests: Sequence[Doc]) -> list[str]:
    seen: dict[str, int] = {}
    anchors = []
    for test in tests:
        slug = re.sub(r"[^A-Za-z0-9_-]+", "-", str(test.get("nodeid") or "test")).strip("-")[:80] or "test"
        seen[slug] = seen.get(slug, 0) + 1
        anchors.append(f"t-{slug}" if seen[slug] == 1 else f"t-{slug}-{seen[slug]}")
    return anchors


def _header(document: Doc) -> str:
    plugin, run, summary = as_map(document.get("plugin")), as_map(document.get("run")), as_map(document.get("summary"))
    facts = [
        ("created", document.get("created_at")),
        ("plugin", f"{plugin.get('name') or 'pytest-behavior'} {plugin.get('version') or ''}".strip()),
        ("mode", run.get("mode")),
        ("alpha", _fmt_plain(num(run.get("alpha")))),
    ]
    meta = " ".join(f"<span><b>{esc(k)}</b> {esc(DASH if v is None else v)}</span>" for k, v in facts)
    badges = [
        ("tests", summary.get("tests"), SLATE),
        ("regressed", summary.get("regressed"), RED),
        ("inconclusive", summary.get("inconclusive"), AMBER),
        ("passed", summary.get("passed"), GREEN),
        ("errors", summary.get("errors"), GREY),
    ]
    if as_int(summary.get("recorded")):
        badges.append(("recorded", summary.get("recorded"), SLATE))
    badge_html = "".join(
        f'<div class="badge{" zero" if not as_int(n) and name != "tests" else ""}" style="background:{color}">'
        f"<b>{esc(as_int(n))}</b><span>{esc(name)}</span></div>"
        for name, n, color in badges
    )
    return (
        f'<header class="card top"><h1>pytest-behavior report</h1><div class="meta">{meta}</div>'
        f'<div class="badges">{badge_html}</div></header>'
    )


def _footer(document: Doc, style: IntervalStyle) -> str:
    """The reading rule, which the table and every drawing follow: the verdict is where the interval lies."""
    alpha = num(as_map(document.get("run")).get("alpha"))
    alpha_text = "the run's alpha" if alpha is None else f"alpha {alpha:g}"
    return (
        '<footer class="card foot"><h2>How to read the verdicts</h2><dl>'
        f"<dt>{pill('PASS', GREEN)}</dt><dd>the data shows the bound holds: the whole interval lies on the "
        "allowed side of the threshold.</dd>"
        f"<dt>{pill('REGRESSED', RED)}</dt><dd>the data shows the bound is broken: the whole interval lies beyond "
        f"the threshold, on its shaded side. The end that decides this is tested at {esc(alpha_text)} after Holm's "
        "correction across the bounds of the test, like p (adj.), so the interval and the verdict agree.</dd>"
        f"<dt>{pill('INCONCLUSIVE', AMBER)}</dt><dd>not enough data to tell either way: the interval straddles "
        "the threshold (touching it counts). More inputs (or repeats) narrow it.</dd></dl>"
        '<p class="muted">Change is the point estimate, not adjusted: candidate − baseline in percentage points '
        "for bounds on a change, the candidate's rate for max_rate and min_rate, candidate ÷ baseline for ratios. "
        "The bracket is its interval, each end a one-sided confidence bound. p is Holm-adjusted. Baseline and "
        "candidate are judged on the same inputs (paired). Generated by pytest-behavior.</p>"
        f'<p class="muted interval-gloss">{esc(style.gloss)}.</p></footer>'
    )


# ---------------------------------------------------------------------------------------------------------------
# the verdict table


def _verdict_table(tests: Sequence[Doc], anchors: Sequence[str], style: IntervalStyle) -> str:
    head = "".join(
        f'<th scope="col"{_num_class(h)}>{esc(h)}'
        + (f'<br><span class="ci">[{esc(style.header)}]</span>' if h == "change" else "")
        + "</th>"
        for h in TABLE_HEADERS
    )
    groups = "".join(_table_group(test, anchor, style) for test, anchor in zip(tests, anchors, strict=True))
    if not tests:
        groups = f'<tbody><tr><td colspan="{len(TABLE_HEADERS)}" class="muted">no behavior tests ran</td></tr></tbody>'
    note = f'<p class="muted small interval-note">{esc(style.note)}</p>' if style.note else ""
    return (
        f'<section class="card" id="verdicts"><h2>Verdicts</h2><div class="scroll">'
        f'<table class="verdicts"><thead><tr>{head}</tr></thead>{groups}</table></div>{note}</section>'
    )


def _num_class(header: str) -> str:
    return ' class="num"' if header in ("baseline", "candidate", "change", "p (adj.)", "N") else ""


def _table_group(test: Doc, anchor: str, style: IntervalStyle) -> str:
    outcome = str(test.get("outcome") or "")
    props = _table_properties(test)
    cell = (
        f'<th scope="row" class="test" rowspan="{max(1, len(props))}"><a href="#{anchor}">'
        f"{esc(test.get('nodeid') or DASH)}</a><br>{outcome_pill(outcome)}</th>"
    )
    if not props:
        note = f'<td colspan="{len(TABLE_HEADERS) - 1}" class="note">{esc(_no_property_note(test))}</td>'
        return f'<tbody class="o-{esc(outcome)}"><tr>{cell}{note}</tr></tbody>'
    rows = [_property_row(p, cell if i == 0 else "", style) for i, p in enumerate(props)]
    return f'<tbody class="o-{esc(outcome)}">{"".join(rows)}</tbody>'


def _table_properties(test: Doc) -> list[Doc]:
    """The overall verdicts, and a segment's only where it regressed while the overall verdict did not (as in the
    terminal summary): every segment verdict is in the verdict file, but listing them all buries the answer."""
    return [p for p in properties_of(test) if p.get("segment") is None or p.get("confined")]


def _no_property_note(test: Doc) -> str:
    outcome = test.get("outcome")
    if outcome == "error":
        return _first_line(str(test.get("error") or "error"), 200)
    if outcome == "recorded":
        return f"baseline recorded{' to ' + str(test['golden_path']) if test.get('golden_path') else ''}"
    return "no bound was judged"


def _property_row(prop: Doc, test_cell: str, style: IntervalStyle) -> str:
    kind, scale = str(prop.get("kind") or ""), str(prop.get("scale") or "")
    verdict = str(prop.get("verdict") or "")
    change = format_change(scale, num(prop.get("estimate")))
    entry = interval_entry(prop)
    known = entry["lower"] is not None or entry["upper"] is not None
    change_html = esc(change) + (
        f'<br><span class="ci" title="{esc(describe_interval(entry))}">{esc(interval_text(entry, style))}</span>'
        if known
        else ""
    )
    cells = [
        f"<td>{esc(property_label(prop))}</td>",
        f"<td><code>{esc(prop.get('bound') or DASH)}</code></td>",
        f'<td class="num">{esc(format_value(kind, num(prop.get("baseline"))))}</td>',
        f'<td class="num">{esc(format_value(kind, num(prop.get("candidate"))))}</td>',
        f'<td class="num">{change_html}</td>',
        f'<td class="num">{esc(format_p(num(prop.get("p_adjusted"))))}</td>',
        f'<td class="verdict v-{esc(verdict)}">{verdict_pill(verdict)}</td>',
        f'<td class="num">{esc(format_n(prop.get("n_inputs"), prop.get("repeats")))}</td>',
    ]
    return f"<tr>{test_cell}{''.join(cells)}</tr>"


def format_n(n_inputs: object, repeats: object) -> str:
    """``200``, or ``200 × 3`` when every input was sampled several times."""
    n, r = as_int(n_inputs), as_int(repeats)
    if num(n_inputs) is None:
        return DASH
    return f"{n} × {r}" if r > 1 else str(n)


def _fmt_plain(value: float | None) -> str:
    return DASH if value is None else f"{value:g}"


def _first_line(text: str, limit: int) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


# ---------------------------------------------------------------------------------------------------------------
# a test's section


def _test_section(test: Doc, anchor: str) -> str:
    outcome = str(test.get("outcome") or "")
    parts = [
        f'<h2><span class="h-pill">{outcome_pill(outcome)}</span> <code class="nodeid">'
        f'{esc(test.get("nodeid") or DASH)}</code> <a class="up" href="#verdicts">↑ verdicts</a></h2>',
        _facts(test),
        _bundles(test),
    ]
    if test.get("provider_drift") is True:
        parts.append(f'<div class="callout drift"><b>Provider drift.</b> {esc(DRIFT_NOTE)}.</div>')
    if outcome == "error" or test.get("error"):
        parts.append(f'<div class="callout error"><b>Error</b><pre>{esc(test.get("error") or "error")}</pre></div>')
    if test.get("budget_note"):
        parts.append(f'<div class="callout budget"><b>Budget.</b> {esc(test["budget_note"])}</div>')
    parts.append(_pictures(test))
    if test.get("diff") and outcome == "regressed":
        parts.append(
            f'<details class="diff" open><summary>Failure diff</summary>'
            f'<pre class="diff">{esc(test["diff"])}</pre></details>'
        )
    elif test.get("diff"):
        parts.append(
            f'<details class="diff"><summary>Diff</summary><pre class="diff">{esc(test["diff"])}</pre></details>'
        )
    return f'<section class="card test o-{esc(outcome)}" id="{anchor}">{"".join(parts)}</section>'


def _facts(test: Doc) -> str:
    facts: list[tuple[str, object]] = [("mode", test.get("mode")), ("paired inputs", test.get("n_paired"))]
    if test.get("golden_path"):
        facts.append(("golden file written" if test.get("golden_written") else "golden file", test["golden_path"]))
    if test.get("diff_file"):
        facts.append(("diff file", test["diff_file"]))
    items = "".join(f"<span><b>{esc(k)}</b> {esc(DASH if v is None else v)}</span>" for k, v in facts)
    return f'<div class="meta facts">{items}</div>'


def _bundles(test: Doc) -> str:
    rows = [_bundle_row(arm, as_map(test.get(arm))) for arm in ("candidate", "baseline") if test.get(arm)]
    rows += [_bundle_row("judge", as_map(judge)) for judge in as_list(test.get("judges"))]
    if not test.get("baseline"):
        rows.append('<tr><th scope="row">baseline</th><td colspan="6" class="muted">none</td></tr>')
    head = "".join(
        f"<th>{h}</th>" for h in ("", "label", "fingerprint", "source", "samples", "cost", "latency p50 / p95")
    )
    return f'<table class="bundles"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _bundle_row(arm: str, bundle: Doc) -> str:
    color = BASELINE_COLOR if arm == "baseline" else GREY if arm == "judge" else CANDIDATE_COLOR
    fingerprint = str(bundle.get("fingerprint") or "")
    cost = num(bundle.get("cost_usd"))
    p50, p95 = num(bundle.get("latency_p50_ms")), num(bundle.get("latency_p95_ms"))
    ttft = num(bundle.get("ttft_p50_ms")), num(bundle.get("ttft_p95_ms"))  # streamed samples only
    latency = f"{_ms(p50)} / {_ms(p95)}" + ("" if ttft[0] is None else f" (TTFT {_ms(ttft[0])} / {_ms(ttft[1])})")
    cells = [
        f'<th scope="row"><span class="dot" style="background:{color}"></span>{arm}</th>',
        f"<td><b>{esc(bundle.get('label') or DASH)}</b></td>",
        f'<td><code title="{esc(fingerprint)}">{esc(fingerprint[:12] or DASH)}</code></td>',
        f'<td class="source"><code>{esc(bundle.get("source") or DASH)}</code></td>',
        f"<td>{esc(as_int(bundle.get('requested')))} requested, {esc(as_int(bundle.get('cached')))} cached</td>",
        f"<td>{esc(_cost(cost, judge=arm == 'judge'))}</td>",
        f"<td>{esc(latency)}</td>",
    ]
    return f"<tr>{''.join(cells)}</tr>"


def _cost(cost: float | None, *, judge: bool) -> str:
    """``$0.0123``; a judge model without a price "unknown (no price)" (never $0)."""
    if cost is None:
        return "unknown (no price)" if judge else DASH
    return f"${cost:.4f}" if cost < 1 else f"${cost:.2f}"


def _ms(value: float | None) -> str:
    return DASH if value is None else f"{value:.0f} ms"


# ---------------------------------------------------------------------------------------------------------------
# pictures


def _pictures(test: Doc) -> str:
    """A block per metric: its distribution (continuous), then a chart per bound on the overall data."""
    overall = [p for p in properties_of(test) if p.get("segment") is None]
    distributions = {str(k): as_map(v) for k, v in as_map(test.get("distributions")).items()}
    labels = (
        str(as_map(test.get("baseline")).get("label") or "baseline"),
        str(as_map(test.get("candidate")).get("label") or "candidate"),
    )
    judged = {str(as_map(i).get("metric_key")): as_map(i) for i in as_list(test.get("judged"))}
    blocks, shown = [], set()
    for key, props in _by_metric(overall).items():
        title = property_label(props[0])
        figures = []
        if key in distributions:
            shown.add(key)
            figures.append(_distribution_figure(distributions[key], key, labels))
        if key in judged:
            shown.add(key)
            figures.append(_judged_figure(judged[key], labels))
        figures += [_bound_figure(p, labels) for p in props]
        blocks.append(_metric_block(title, figures))
    for key, dist in distributions.items():
        if key not in shown:
            blocks.append(_metric_block(str(dist.get("title") or key), [_distribution_figure(dist, key, labels)]))
    for key, item in judged.items():
        if key not in shown:
            blocks.append(_metric_block(str(item.get("property") or key), [_judged_figure(item, labels)]))
    curve = context_curve_figure(overall, labels[1].rsplit(" at ", 1)[0])
    blocks = [b for b in [_metric_block("context_sweep: accuracy by context length", [curve]), *blocks] if b]
    if not blocks:
        return ""
    segments = sum(1 for p in properties_of(test) if p.get("segment") is not None)
    note = (
        f'<p class="muted small">{segments} segment verdict(s) of this test were judged too (all in the JSON '
        "verdict file; the table lists a segment when only it regressed); the pictures show the overall "
        "data.</p>"
        if segments
        else ""
    )
    return f'<div class="pictures"><h3>Properties</h3>{"".join(blocks)}{note}</div>'


def _by_metric(props: Sequence[Doc]) -> dict[str, list[Doc]]:
    groups: dict[str, list[Doc]] = {}
    for prop in props:
        groups.setdefault(str(prop.get("metric_key") or prop.get("metric") or prop.get("property")), []).append(prop)
    return groups


def _metric_block(title: str, figures: Sequence[str]) -> str:
    figures = [f for f in figures if f]
    if not figures:
        return ""
    return f'<div class="metric"><h4>{esc(title)}</h4>{"".join(figures)}</div>'


def _distribution_figure(dist: Doc, key: str, labels: tuple[str, str]) -> str:
    if dist.get("kind", "continuous") != "continuous":
        return ""
    title = str(dist.get("title") or key)
    svg = distribution_svg(title, floats(dist.get("baseline")), floats(dist.get("candidate")), labels)
    if not svg:
        return f'<p class="muted small">{esc(title)}: no values to draw.</p>'
    caption = f"<b>{esc(title)}</b> per output, baseline vs candidate; dashed lines: medians"
    return f"<figure>{svg}<figcaption>{caption}</figcaption></figure>"


JUDGED_CHARTS = {"preference": preference_svg, "rubric": rubric_svg, "correctness": correctness_svg}


def _judged_figure(item: Doc, labels: tuple[str, str]) -> str:
    """What a judged property counted: wins / ties / losses, the score distributions, right / wrong per arm."""
    draw = JUDGED_CHARTS.get(str(item.get("property")))
    svg = "" if draw is None else draw(item, labels)
    lines = judged_lines(item)
    if not svg and not lines:
        return ""
    caption = "<br>".join(esc(line) for line in lines)
    return f'<figure class="judged">{svg}<figcaption class="muted">{caption}</figcaption></figure>'


def _bound_figure(prop: Doc, labels: tuple[str, str]) -> str:
    scale = str(prop.get("scale") or "")
    if scale == "ratio":
        svg = ratio_svg(prop)
    elif prop.get("kind") == "binary" and scale in ("difference", "rate"):
        svg = binary_svg(prop, labels)
    else:
        return ""
    if not svg:
        return ""
    verdict = str(prop.get("verdict") or "")
    change = format_change(scale, num(prop.get("estimate")))
    caption = (
        f"{verdict_pill(verdict)} <code>{esc(prop.get('bound') or DASH)}</code> "
        f'<span class="muted">change {esc(change)}, {esc(describe_interval(interval_entry(prop)))}, '
        f"p (adj.) {esc(format_p(num(prop.get('p_adjusted'))))}</span>"
    )
    advice = f'<div class="advice">{esc(prop["advice"])}</div>' if prop.get("advice") else ""
    return f"<figure>{svg}<figcaption>{caption}{advice}</figcaption></figure>"
