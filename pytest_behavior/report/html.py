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
markup) and its control characters shown as escapes (`pytest_behavior.report.sanitize`), and every number
may be missing or non-finite (JSON ``null``): it renders as "–".
"""

from __future__ import annotations

import html
import math
import re
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pytest_behavior.engine import comparison
from pytest_behavior.report.values import (
    DASH,
    IntervalStyle,
    describe_interval,
    format_interval,  # noqa: F401  (re-exported: the report's formatting, one import for its tests)
    format_p,
    format_value,
    interval_style,
    interval_text,
)
from pytest_behavior.report.values import format_estimate as format_change

Doc = Mapping[str, Any]

RED = "#c81e1e"
AMBER = "#d97706"
GREEN = "#15803d"
GREY = "#6b7280"
SLATE = "#475569"
BASELINE_COLOR = "#2563eb"
CANDIDATE_COLOR = "#c026d3"
VERDICT_COLORS = {"PASS": GREEN, "REGRESSED": RED, "INCONCLUSIVE": AMBER}
OUTCOME_COLORS = {"regressed": RED, "error": GREY, "inconclusive": AMBER, "passed": GREEN, "recorded": SLATE}
OUTCOME_ORDER = {"regressed": 0, "error": 1, "inconclusive": 2, "passed": 3, "recorded": 3}
DRIFT_NOTE = comparison.DRIFT_NOTE  # one wording of provider drift in every report

CHART_WIDTH = 760
LABEL_RIGHT = 160  # row labels of the bar and whisker charts end here
MONO = 'ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono","Liberation Mono",monospace'


# ---------------------------------------------------------------------------------------------------------------
# the page


def render_html(document: Mapping[str, Any]) -> str:
    """The report page for a verdict report document (see the module docstring)."""
    tests = sort_tests([t for t in _list(document.get("tests")) if isinstance(t, Mapping)])
    anchors = _anchors(tests)
    style = interval_style(_entry(p) for test in tests for p in _table_properties(test))
    body = "\n".join([
        _header(document),
        _verdict_table(tests, anchors, style),
        *(_test_section(test, anchor) for test, anchor in zip(tests, anchors, strict=True)),
        _footer(document, style),
    ])
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>pytest-behavior report · {_e(document.get('created_at') or '')}</title>\n"
        f"<style>{CSS}</style>\n</head>\n<body>\n<main class=\"wrap\">\n{body}\n</main>\n</body>\n</html>\n"
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
    plugin, run, summary = _map(document.get("plugin")), _map(document.get("run")), _map(document.get("summary"))
    facts = [
        ("created", document.get("created_at")),
        ("plugin", f"{plugin.get('name') or 'pytest-behavior'} {plugin.get('version') or ''}".strip()),
        ("mode", run.get("mode")),
        ("alpha", _fmt_plain(_num(run.get("alpha")))),
    ]
    meta = " ".join(f'<span><b>{_e(k)}</b> {_e(DASH if v is None else v)}</span>' for k, v in facts)
    badges = [("tests", summary.get("tests"), SLATE), ("regressed", summary.get("regressed"), RED),
              ("inconclusive", summary.get("inconclusive"), AMBER), ("passed", summary.get("passed"), GREEN),
              ("errors", summary.get("errors"), GREY)]
    if _int(summary.get("recorded")):
        badges.append(("recorded", summary.get("recorded"), SLATE))
    badge_html = "".join(
        f'<div class="badge{" zero" if not _int(n) and name != "tests" else ""}" style="background:{color}">'
        f"<b>{_e(_int(n))}</b><span>{_e(name)}</span></div>"
        for name, n, color in badges)
    return (f'<header class="card top"><h1>pytest-behavior report</h1><div class="meta">{meta}</div>'
            f'<div class="badges">{badge_html}</div></header>')


def _footer(document: Doc, style: IntervalStyle) -> str:
    """The reading rule, which the table and every drawing follow: the verdict is where the interval lies."""
    alpha = _num(_map(document.get("run")).get("alpha"))
    alpha_text = "the run's alpha" if alpha is None else f"alpha {alpha:g}"
    return (
        '<footer class="card foot"><h2>How to read the verdicts</h2><dl>'
        f"<dt>{_pill('PASS', GREEN)}</dt><dd>the data shows the bound holds: the whole interval lies on the "
        "allowed side of the threshold.</dd>"
        f"<dt>{_pill('REGRESSED', RED)}</dt><dd>the data shows the bound is broken: the whole interval lies beyond "
        f"the threshold, on its shaded side. The end that decides this is tested at {_e(alpha_text)} after Holm's "
        "correction across the bounds of the test, like p (adj.), so the interval and the verdict agree.</dd>"
        f"<dt>{_pill('INCONCLUSIVE', AMBER)}</dt><dd>not enough data to tell either way: the interval straddles "
        "the threshold (touching it counts). More inputs (or repeats) narrow it.</dd></dl>"
        '<p class="muted">Change is the point estimate, not adjusted: candidate − baseline in percentage points '
        "for bounds on a change, the candidate's rate for max_rate and min_rate, candidate ÷ baseline for ratios. "
        "The bracket is its interval, each end a one-sided confidence bound. p is Holm-adjusted. Baseline and "
        "candidate are judged on the same inputs (paired). Generated by pytest-behavior.</p>"
        f'<p class="muted interval-gloss">{_e(style.gloss)}.</p></footer>'

    )


# ---------------------------------------------------------------------------------------------------------------
# the verdict table

TABLE_HEADERS = ("test", "property", "bound", "baseline", "candidate", "change", "p (adj.)", "verdict", "N")


def _verdict_table(tests: Sequence[Doc], anchors: Sequence[str], style: IntervalStyle) -> str:
    head = "".join(f'<th scope="col"{_num_class(h)}>{_e(h)}'
                   + (f'<br><span class="ci">[{_e(style.header)}]</span>' if h == "change" else "") + "</th>"
                   for h in TABLE_HEADERS)
    groups = "".join(_table_group(test, anchor, style) for test, anchor in zip(tests, anchors, strict=True))
    if not tests:
        groups = f'<tbody><tr><td colspan="{len(TABLE_HEADERS)}" class="muted">no behavior tests ran</td></tr></tbody>'
    note = f'<p class="muted small interval-note">{_e(style.note)}</p>' if style.note else ""
    return (f'<section class="card" id="verdicts"><h2>Verdicts</h2><div class="scroll">'
            f'<table class="verdicts"><thead><tr>{head}</tr></thead>{groups}</table></div>{note}</section>')


def _num_class(header: str) -> str:
    return ' class="num"' if header in ("baseline", "candidate", "change", "p (adj.)", "N") else ""


def _table_group(test: Doc, anchor: str, style: IntervalStyle) -> str:
    outcome = str(test.get("outcome") or "")
    props = _table_properties(test)
    cell = (f'<th scope="row" class="test" rowspan="{max(1, len(props))}"><a href="#{anchor}">'
            f"{_e(test.get('nodeid') or DASH)}</a><br>{_outcome_pill(outcome)}</th>")
    if not props:
        note = f'<td colspan="{len(TABLE_HEADERS) - 1}" class="note">{_e(_no_property_note(test))}</td>'
        return f'<tbody class="o-{_e(outcome)}"><tr>{cell}{note}</tr></tbody>'
    rows = [_property_row(p, cell if i == 0 else "", style) for i, p in enumerate(props)]
    return f'<tbody class="o-{_e(outcome)}">{"".join(rows)}</tbody>'


def _table_properties(test: Doc) -> list[Doc]:
    """The overall verdicts, and a segment's only where it regressed while the overall verdict did not (as in the
    terminal summary): every segment verdict is in the verdict file, but listing them all buries the answer."""
    return [p for p in _properties(test) if p.get("segment") is None or p.get("confined")]


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
    change = format_change(scale, _num(prop.get("estimate")))
    entry = _entry(prop)
    known = entry["lower"] is not None or entry["upper"] is not None
    change_html = _e(change) + (f'<br><span class="ci" title="{_e(describe_interval(entry))}">'
                                f"{_e(interval_text(entry, style))}</span>" if known else "")
    cells = [
        f"<td>{_e(property_label(prop))}</td>",
        f"<td><code>{_e(prop.get('bound') or DASH)}</code></td>",
        f'<td class="num">{_e(format_value(kind, _num(prop.get("baseline"))))}</td>',
        f'<td class="num">{_e(format_value(kind, _num(prop.get("candidate"))))}</td>',
        f'<td class="num">{change_html}</td>',
        f'<td class="num">{_e(format_p(_num(prop.get("p_adjusted"))))}</td>',
        f'<td class="verdict v-{_e(verdict)}">{_verdict_pill(verdict)}</td>',
        f'<td class="num">{_e(format_n(prop.get("n_inputs"), prop.get("repeats")))}</td>',
    ]
    return f"<tr>{test_cell}{''.join(cells)}</tr>"


# ---------------------------------------------------------------------------------------------------------------
# formatting


def property_label(prop: Doc) -> str:
    """The metric's title, with `` [segment]`` when the verdict is on one segment."""
    title = str(prop.get("metric") or prop.get("property") or prop.get("metric_key") or DASH)
    segment = prop.get("segment")
    return title if segment is None else f"{title} [{segment}]"


def format_n(n_inputs: object, repeats: object) -> str:
    """``200``, or ``200 × 3`` when every input was sampled several times."""
    n, r = _int(n_inputs), _int(repeats)
    if _num(n_inputs) is None:
        return DASH
    return f"{n} × {r}" if r > 1 else str(n)


def _sig(value: float) -> str:
    return f"{value:.4g}"


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
        f'<h2><span class="h-pill">{_outcome_pill(outcome)}</span> <code class="nodeid">'
        f'{_e(test.get("nodeid") or DASH)}</code> <a class="up" href="#verdicts">↑ verdicts</a></h2>',
        _facts(test),
        _bundles(test),
    ]
    if test.get("provider_drift") is True:
        parts.append(f'<div class="callout drift"><b>Provider drift.</b> {_e(DRIFT_NOTE)}.</div>')
    if outcome == "error" or test.get("error"):
        parts.append(f'<div class="callout error"><b>Error</b><pre>{_e(test.get("error") or "error")}</pre></div>')
    if test.get("budget_note"):
        parts.append(f'<div class="callout budget"><b>Budget.</b> {_e(test["budget_note"])}</div>')
    parts.append(_pictures(test))
    if test.get("diff") and outcome == "regressed":
        parts.append(f'<details class="diff" open><summary>Failure diff</summary>'
                     f'<pre class="diff">{_e(test["diff"])}</pre></details>')
    elif test.get("diff"):
        parts.append(f'<details class="diff"><summary>Diff</summary><pre class="diff">{_e(test["diff"])}</pre>'
                     "</details>")
    return f'<section class="card test o-{_e(outcome)}" id="{anchor}">{"".join(parts)}</section>'


def _facts(test: Doc) -> str:
    facts: list[tuple[str, object]] = [("mode", test.get("mode")), ("paired inputs", test.get("n_paired"))]
    if test.get("golden_path"):
        facts.append(("golden file written" if test.get("golden_written") else "golden file", test["golden_path"]))
    if test.get("diff_file"):
        facts.append(("diff file", test["diff_file"]))
    items = "".join(f'<span><b>{_e(k)}</b> {_e(DASH if v is None else v)}</span>' for k, v in facts)
    return f'<div class="meta facts">{items}</div>'


def _bundles(test: Doc) -> str:
    rows = [_bundle_row(arm, _map(test.get(arm))) for arm in ("candidate", "baseline") if test.get(arm)]
    if not test.get("baseline"):
        rows.append('<tr><th scope="row">baseline</th><td colspan="6" class="muted">none</td></tr>')
    head = "".join(f"<th>{h}</th>" for h in ("", "label", "fingerprint", "source", "samples", "cost",
                                              "latency p50 / p95"))
    return f'<table class="bundles"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _bundle_row(arm: str, bundle: Doc) -> str:
    color = BASELINE_COLOR if arm == "baseline" else CANDIDATE_COLOR
    fingerprint = str(bundle.get("fingerprint") or "")
    cost = _num(bundle.get("cost_usd"))
    p50, p95 = _num(bundle.get("latency_p50_ms")), _num(bundle.get("latency_p95_ms"))
    latency = f"{_ms(p50)} / {_ms(p95)}"
    cells = [
        f'<th scope="row"><span class="dot" style="background:{color}"></span>{arm}</th>',
        f"<td><b>{_e(bundle.get('label') or DASH)}</b></td>",
        f'<td><code title="{_e(fingerprint)}">{_e(fingerprint[:12] or DASH)}</code></td>',
        f"<td class=\"source\"><code>{_e(bundle.get('source') or DASH)}</code></td>",
        f"<td>{_e(_int(bundle.get('requested')))} requested, {_e(_int(bundle.get('cached')))} cached</td>",
        f"<td>{_e(DASH if cost is None else (f'${cost:.4f}' if cost < 1 else f'${cost:.2f}'))}</td>",
        f"<td>{_e(latency)}</td>",
    ]
    return f"<tr>{''.join(cells)}</tr>"


def _ms(value: float | None) -> str:
    return DASH if value is None else f"{value:.0f} ms"


# ---------------------------------------------------------------------------------------------------------------
# pictures


def _pictures(test: Doc) -> str:
    """A block per metric: its distribution (continuous), then a chart per bound on the overall data."""
    overall = [p for p in _properties(test) if p.get("segment") is None]
    distributions = {str(k): _map(v) for k, v in _map(test.get("distributions")).items()}
    labels = (str(_map(test.get("baseline")).get("label") or "baseline"),
              str(_map(test.get("candidate")).get("label") or "candidate"))
    blocks, shown = [], set()
    for key, props in _by_metric(overall).items():
        title = property_label(props[0])
        figures = []
        if key in distributions:
            shown.add(key)
            figures.append(_distribution_figure(distributions[key], key, labels))
        figures += [_bound_figure(p, labels) for p in props]
        blocks.append(_metric_block(title, figures))
    for key, dist in distributions.items():
        if key not in shown:
            blocks.append(_metric_block(str(dist.get("title") or key), [_distribution_figure(dist, key, labels)]))
    blocks = [b for b in blocks if b]
    if not blocks:
        return ""
    segments = sum(1 for p in _properties(test) if p.get("segment") is not None)
    note = (f'<p class="muted small">{segments} segment verdict(s) of this test were judged too (all in the JSON '
            "verdict file; the table lists a segment when only it regressed); the pictures show the overall "
            "data.</p>" if segments else "")
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
    return f'<div class="metric"><h4>{_e(title)}</h4>{"".join(figures)}</div>'


def _distribution_figure(dist: Doc, key: str, labels: tuple[str, str]) -> str:
    if dist.get("kind", "continuous") != "continuous":
        return ""
    title = str(dist.get("title") or key)
    svg = distribution_svg(title, _floats(dist.get("baseline")), _floats(dist.get("candidate")), labels)
    if not svg:
        return f'<p class="muted small">{_e(title)}: no values to draw.</p>'
    caption = f"<b>{_e(title)}</b> per output, baseline vs candidate; dashed lines: medians"
    return f"<figure>{svg}<figcaption>{caption}</figcaption></figure>"


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
    change = format_change(scale, _num(prop.get("estimate")))
    caption = (f"{_verdict_pill(verdict)} <code>{_e(prop.get('bound') or DASH)}</code> "
               f"<span class=\"muted\">change {_e(change)}, {_e(describe_interval(_entry(prop)))}, "
               f"p (adj.) {_e(format_p(_num(prop.get('p_adjusted'))))}</span>")
    advice = f'<div class="advice">{_e(prop["advice"])}</div>' if prop.get("advice") else ""
    return f"<figure>{svg}<figcaption>{caption}{advice}</figcaption></figure>"


# ---------------------------------------------------------------------------------------------------------------
# SVG charts


@dataclass(frozen=True)
class Scale:
    """Data -> pixels along one axis; ``lo``/``hi`` are in log10 units when ``log``. Out-of-range values clamp."""

    lo: float
    hi: float
    start: float
    end: float
    log: bool = False

    def __call__(self, value: float) -> float:
        v = (math.log10(value) if value > 0 else self.lo) if self.log else value
        fraction = min(1.0, max(0.0, (v - self.lo) / (self.hi - self.lo)))
        return round(self.start + fraction * (self.end - self.start), 2)

    def ticks(self, target: int = 6) -> list[float]:
        if self.log:
            return log_ticks(self.lo, self.hi)
        return nice_ticks(self.lo, self.hi, target)


def nice_ticks(lo: float, hi: float, target: int = 6) -> list[float]:
    """Round numbers (1, 2, 2.5, 5 × 10^k apart) between ``lo`` and ``hi``."""
    if not hi > lo:
        return [lo]
    raw = (hi - lo) / max(1, target)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw * 0.999)
    first, last = math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9)
    return [round(k * step, 12) for k in range(first, last + 1)]


def log_ticks(lo: float, hi: float) -> list[float]:
    """Ticks for a log axis spanning ``lo``..``hi`` in log10 units: 1-2-5 per decade, or round numbers."""
    span = hi - lo
    if span < 1:
        return [t for t in nice_ticks(10 ** lo, 10 ** hi, 5) if t > 0]
    multiples = (1, 2, 5) if span <= 2.5 else (1, 3) if span <= 4 else (1,)
    ticks = [m * 10.0 ** e for e in range(math.floor(lo), math.ceil(hi) + 1) for m in multiples
             if lo - 1e-9 <= math.log10(m * 10.0 ** e) <= hi + 1e-9]
    step = max(1, math.ceil(len(ticks) / 10))
    return ticks[::step]


def tick_label(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 10000:
        return f"{value / 1000:g}k"
    if abs(value) >= 1000:
        return f"{value:.0f}"
    return f"{round(value, 6):g}"


def _svg(height: int, label: str, body: Iterable[str]) -> str:
    return (f'<svg class="chart" role="img" aria-label="{_e(label)}" viewBox="0 0 {CHART_WIDTH} {height}" '
            f'width="{CHART_WIDTH}" height="{height}"><title>{_e(label)}</title>{"".join(body)}</svg>')


def _line(x1: float, y1: float, x2: float, y2: float, cls: str, color: str | None = None) -> str:
    stroke = f' stroke="{color}"' if color else ""
    return f'<line class="{cls}" x1="{x1:g}" y1="{y1:g}" x2="{x2:g}" y2="{y2:g}"{stroke}/>'


def _text(x: float, y: float, text: str, cls: str = "", anchor: str = "start", color: str | None = None) -> str:
    fill = f' fill="{color}"' if color else ""
    klass = f' class="{cls}"' if cls else ""
    return f'<text x="{x:g}" y="{y:g}" text-anchor="{anchor}"{klass}{fill}>{_e(text)}</text>'


def _x_axis(scale: Scale, y: float, ticks: Sequence[float], fmt: Any, grid_top: float | None = None) -> list[str]:
    """A horizontal axis at ``y`` with tick labels below it (and light grid lines up to ``grid_top``)."""
    parts = [_line(scale.start, y, scale.end, y, "axis")]
    for t in ticks:
        x = scale(t)
        if grid_top is not None:
            parts.append(_line(x, grid_top, x, y, "grid"))
        parts += [_line(x, y, x, y + 4, "axis"), _text(x, y + 16, fmt(t), "tick", "middle")]
    return parts


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- distributions


def distribution_svg(title: str, baseline: Sequence[float], candidate: Sequence[float],
                     labels: tuple[str, str]) -> str:
    """Overlaid histograms (share of outputs per bin) of the two arms on a shared axis, medians dashed.

    The axis is logarithmic when every value is positive and they span more than a factor of 20. An empty
    arm is left out; with no values at all the result is ``""``.
    """
    values = [*baseline, *candidate]
    if not values:
        return ""
    log = min(values) > 0 and max(values) / min(values) > 20
    edges = _bin_edges([math.log10(v) for v in values] if log else values, log, max(len(baseline), len(candidate)))
    left, right, top, bottom = 58, CHART_WIDTH - 18, 40, 206
    x = Scale(edges[0], edges[-1], left, right, log)
    arms = [(name, data, color, label) for name, data, color, label in
            (("baseline", baseline, BASELINE_COLOR, labels[0]), ("candidate", candidate, CANDIDATE_COLOR, labels[1]))
            if data]
    shares = {name: _shares(data, edges, log) for name, data, _, _ in arms}
    top_share = max(max(s) for s in shares.values())
    y_ticks = nice_ticks(0, top_share * 1.08, 4)
    y = Scale(0, max(top_share * 1.08, y_ticks[-1]), bottom, top)
    parts = [_line(left, y(t), right, y(t), "grid") for t in y_ticks[1:]]
    parts += [_text(left - 6, y(t) + 4, f"{100 * t:g}%", "tick", "end") for t in y_ticks]
    for name, _, color, _ in arms:
        parts += _histogram(shares[name], edges, x, y, color)
    for _, data, color, _ in arms:
        mx = x(statistics.median(data))
        parts.append(_line(mx, top - 4, mx, bottom, "median", color))
    parts += _x_axis(x, bottom, _in_domain(x.ticks(7), x), tick_label)
    parts.append(_text((left + right) / 2, bottom + 36, title + (" (log scale)" if log else ""), "axis-title",
                       "middle"))
    parts.append(f'<text class="axis-title" text-anchor="middle" transform="translate(14 {(top + bottom) / 2:g}) '
                 f'rotate(-90)">share of outputs</text>')
    parts += _legend(arms, left)
    described = "; ".join(f"{name} {label}: n={len(data)}, median {_sig(statistics.median(data))}"
                          for name, data, _, label in arms)
    return _svg(bottom + 48, f"{title}: distribution per output — {described}", parts)


def _floats(values: object) -> list[float]:
    return [v for v in (_num(x) for x in _list(values)) if v is not None]


def _bin_edges(values: Sequence[float], log: bool, n: int) -> list[float]:
    """Equal-width bin edges (log10 units when ``log``); whole-number widths for whole-number data."""
    lo, hi = min(values), max(values)
    bins = min(48, max(12, round(2.5 * n ** (1 / 3))))
    if not log and all(v == round(v) for v in values):
        width = max(1.0, float(math.ceil((hi - lo + 1) / bins)))
        count = max(1, math.ceil((hi - lo + 1) / width))
        if count < 8:  # a few distinct whole numbers: pad so the bars do not fill the whole axis
            lo, count = lo - 2 * width, count + 4
        return [lo - 0.5 + i * width for i in range(count + 1)]
    if hi - lo < 1e-12:
        pad = 0.1 if log else max(abs(lo) * 0.1, 0.5)
        lo, hi = lo - pad, hi + pad
    return [lo + (hi - lo) * i / bins for i in range(bins + 1)]


def _shares(data: Sequence[float], edges: Sequence[float], log: bool) -> list[float]:
    counts = [0] * (len(edges) - 1)
    width = edges[1] - edges[0]
    for value in data:
        v = math.log10(value) if log else value
        counts[min(len(counts) - 1, max(0, int((v - edges[0]) / width)))] += 1
    return [c / len(data) for c in counts]


def _histogram(shares: Sequence[float], edges: Sequence[float], x: Scale, y: Scale, color: str) -> list[str]:
    def px(edge: float) -> float:  # the edges are already in the axis' own (log10) units
        return x(10 ** edge if x.log else edge)

    top = [f"L{px(edges[0]):g},{y(shares[0]):g}"]
    for i, share in enumerate(shares):
        top += [f"L{px(edges[i]):g},{y(share):g}", f"L{px(edges[i + 1]):g},{y(share):g}"]
    base = y(0)
    outline = f"M{px(edges[0]):g},{base:g}" + "".join(top) + f"L{px(edges[-1]):g},{base:g}"
    return [f'<path class="area" d="{outline}Z" fill="{color}"/>',
            f'<path class="outline" d="{outline}" stroke="{color}"/>']


def _in_domain(ticks: Sequence[float], scale: Scale) -> list[float]:
    def inside(t: float) -> bool:
        v = math.log10(t) if scale.log and t > 0 else t
        return (t > 0 or not scale.log) and scale.lo - 1e-9 <= v <= scale.hi + 1e-9

    return [t for t in ticks if inside(t)]


def _legend(arms: Sequence[tuple[str, Sequence[float], str, str]], left: float) -> list[str]:
    parts, x = [], left
    for name, data, color, label in arms:
        text = f"{name} {_truncate(label, 28)} · n={len(data)} · median {_sig(statistics.median(data))}"
        parts += [f'<rect class="swatch" x="{x:g}" y="8" width="14" height="14" rx="2" fill="{color}" '
                  f'stroke="{color}"/>', _text(x + 20, 19.5, text, "legend")]
        x += 340
    return parts


# -- binary bounds


def binary_svg(prop: Doc, labels: tuple[str, str]) -> str:
    """Baseline and candidate rates as bars on 0–100%; the change with its interval against the threshold.

    ``difference`` bounds get a second panel: the paired difference (points) on an axis centred on zero, the
    threshold dashed (``max_decrease`` is bad below ``-threshold``). ``rate`` bounds draw the interval as a
    whisker on the candidate bar and the threshold on the rate axis, which is zoomed in (to 0–10%, say) when
    every value on it is small, so that the interval can be read.
    """
    scale = str(prop.get("scale") or "")
    difference = scale == "difference"
    top_rate = 1.0 if difference else _rate_axis_end(prop)
    rates = Scale(0, top_rate, LABEL_RIGHT + 10, 410 if difference else CHART_WIDTH - 24)
    rows = ((f"baseline {labels[0]}", _num(prop.get("baseline")), BASELINE_COLOR, 32),
            (f"candidate {labels[1]}", _num(prop.get("candidate")), CANDIDATE_COLOR, 64))
    parts, avoid, clear = [], [], 0.0
    if not difference:
        parts += _threshold_marks(prop, rates, 24, 88, lambda t: f"limit {100 * t:.1f}%")
        avoid = [rates(where) for where, _ in _threshold_sides(prop)]
        upper = _num(prop.get("upper"))
        clear = rates.end if upper is None and _num(prop.get("lower")) is not None else rates(upper or 0.0)
    for text, value, color, top in rows:
        parts += _bar(rates, top, text, value, color, avoid, clear if top == rows[1][3] else 0.0)
    if not difference:
        parts += _whisker(prop, rates, rows[1][3] + 9, lambda v: "")
    parts += _x_axis(rates, 92, nice_ticks(0, top_rate, 5), lambda t: f"{round(100 * t, 6):g}%")
    axis_title = "rate" if top_rate == 1 else f"rate (axis zoomed to 0–{100 * top_rate:g}%)"
    parts.append(_text((rates.start + rates.end) / 2, 130, axis_title, "axis-title", "middle"))
    if difference:
        parts += _difference_panel(prop)
    title = property_label(prop)
    label = (f"{title} {prop.get('bound') or ''}: baseline {format_value('binary', rows[0][1])}, candidate "
             f"{format_value('binary', rows[1][1])}, change {format_change(scale, _num(prop.get('estimate')))}, "
             f"{describe_interval(_entry(prop))}, verdict {prop.get('verdict') or DASH}")
    return _svg(138, label, parts)


def _rate_axis_end(prop: Doc) -> float:
    """100%, or a round rate comfortably above every value to draw when they are all small."""
    values = [v for v in (_num(prop.get(k)) for k in ("baseline", "candidate", "estimate", "lower", "upper",
                                                         "threshold")) if v is not None]
    largest = max([0.0, *values]) * 1.25
    return next((end for end in (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5) if largest <= end), 1.0)


def _bar(rates: Scale, top: float, text: str, value: float | None, color: str, avoid: Sequence[float],
         clear: float) -> list[str]:
    """A rate bar on its track, the row label left of it and the value right of it (clear of ``clear`` and
    of the threshold lines at ``avoid``)."""
    height = 18
    parts = [f'<rect class="track" x="{rates.start:g}" y="{top:g}" width="{rates.end - rates.start:g}" '
             f'height="{height}"/>']
    parts += _row_label(top + 13, text, color)
    end = rates.start if value is None else rates(value)
    if value is not None:
        parts.append(f'<rect x="{rates.start:g}" y="{top:g}" width="{max(1.5, end - rates.start):g}" '
                     f'height="{height}" fill="{color}"/>')
    label = format_value("binary", value)
    width = 7 * len(label)
    x = max(end, clear + 2) + 6
    for line in sorted(avoid):
        if x - 4 <= line <= x + width + 2:
            x = line + 6
    if x + width > rates.end and value is not None:
        return [*parts, _text(end - 6, top + 13, label, "value inside", "end")]
    return [*parts, _text(x, top + 13, label, "value")]


def _row_label(y: float, text: str, color: str | None = None, sub: str = "") -> list[str]:
    """A row's name right-aligned left of the plot: the arm (or quantity) in bold, its label or note below."""
    head, _, note = (text, "", sub) if sub else text.partition(" ")
    if not note:
        return [_text(LABEL_RIGHT, y, _truncate(head, 22), "row-label", "end", color)]
    return [_text(LABEL_RIGHT, y - 6, _truncate(head, 22), "row-label", "end", color),
            _text(LABEL_RIGHT, y + 6, _truncate(note, 26), "row-note", "end")]


def _difference_panel(prop: Doc) -> list[str]:
    ends = [abs(v) for v in (_num(prop.get(k)) for k in ("estimate", "lower", "upper", "threshold")) if v is not None]
    reach = max([0.01, *ends]) * 1.25
    axis = Scale(-reach, reach, 456, CHART_WIDTH - 24)
    ticks = nice_ticks(-reach * 100, reach * 100, 6)
    parts = _threshold_marks(prop, axis, 24, 88, lambda t: f"limit {100 * t:+.1f}")
    parts.append(_line(axis(0), 28, axis(0), 92, "zero"))
    parts += _whisker(prop, axis, 58, lambda v: f"{100 * v:+.1f}")
    parts += _x_axis(axis, 92, [t / 100 for t in ticks], lambda t: tick_label(round(100 * t, 9)) if t <= 0
                     else "+" + tick_label(round(100 * t, 9)))
    parts.append(_text((axis.start + axis.end) / 2, 130, "change, candidate − baseline (points)", "axis-title",
                       "middle"))
    return parts


def _threshold_sides(prop: Doc) -> list[tuple[float, bool]]:
    """Where a bound's threshold lines go, in the units of its estimate, and whether the bad side is above."""
    threshold = _num(prop.get("threshold"))
    if threshold is None:
        return []
    form = str(prop.get("bound") or "").split("=", 1)[0].strip()
    if form == "max_decrease":
        return [(-threshold, False)]
    if form == "max_share_change":
        return [(-threshold, False), (threshold, True)]
    if form.startswith("min"):
        return [(threshold, False)]
    return [(threshold, True)]


def _threshold_marks(prop: Doc, axis: Scale, top: float, bottom: float, fmt: Any) -> list[str]:
    """The dashed threshold line(s) of a bound, the side that breaks it shaded, a label above."""
    parts = []
    for where, bad_above in _threshold_sides(prop):
        x = axis(where)
        x0, x1 = (x, axis.end) if bad_above else (axis.start, x)
        parts.append(f'<rect class="bad" x="{x0:g}" y="{top:g}" width="{max(0.0, x1 - x0):g}" '
                     f'height="{bottom - top:g}"/>')
        parts.append(_line(x, top - 4, x, bottom + 2, "threshold"))
        anchor = "end" if x > axis.end - 40 else "start" if x < axis.start + 40 else "middle"
        parts.append(_text(x, top - 8, fmt(where), "threshold-label", anchor))
    return parts


def _whisker(prop: Doc, axis: Scale, y: float, fmt: Any) -> list[str]:
    """The interval [lower, upper] and the estimate; an unknown end runs to the axis edge with an arrow."""
    estimate, lower, upper = (_num(prop.get(k)) for k in ("estimate", "lower", "upper"))
    color = VERDICT_COLORS.get(str(prop.get("verdict")), GREY)
    parts = []
    if lower is not None or upper is not None:
        x0 = axis.start if lower is None else axis(lower)
        x1 = axis.end if upper is None else axis(upper)
        parts.append(f'<line class="whisker" x1="{x0:g}" y1="{y:g}" x2="{x1:g}" y2="{y:g}" stroke="{color}"/>')
        for x, known, direction in ((x0, lower, -1), (x1, upper, 1)):
            if known is not None:
                parts.append(_line(x, y - 7, x, y + 7, "cap", color))
            else:
                tip = x + 2 * direction
                parts.append(f'<path d="M{tip:g},{y:g}L{tip - 9 * direction:g},{y - 5:g}'
                             f'L{tip - 9 * direction:g},{y + 5:g}Z" fill="{color}"/>')
    if estimate is not None:
        ex = axis(estimate)
        parts.append(f'<circle cx="{ex:g}" cy="{y:g}" r="5.5" fill="{color}" stroke="#fff" stroke-width="1.5"/>')
        label = fmt(estimate)
        if label:
            parts.append(_text(ex, y - 12, label, "estimate", "middle", color))
    return parts


# -- ratio bounds


def ratio_svg(prop: Doc) -> str:
    """The ratio candidate ÷ baseline with its interval on a log axis, ``x1`` (no change) and the threshold."""
    values = [v for v in (_num(prop.get(k)) for k in ("estimate", "lower", "upper", "threshold")) if v and v > 0]
    if not values:
        return ""
    lo, hi = math.log10(min([*values, 1.0])), math.log10(max([*values, 1.0]))
    pad = max(0.03, 0.12 * (hi - lo))
    axis = Scale(lo - pad, hi + pad, LABEL_RIGHT + 10, CHART_WIDTH - 24, log=True)
    bound = str(prop.get("bound") or "")
    what = "p95 ratio" if bound.startswith("max_p95_ratio") else "ratio"
    parts = _threshold_marks(prop, axis, 26, 66, lambda t: f"limit x{t:.2f}")
    parts.append(_line(axis(1.0), 30, axis(1.0), 66, "zero"))
    parts += _row_label(52, what, sub="candidate ÷ baseline")
    parts += _whisker(prop, axis, 48, lambda v: f"x{v:.2f}")
    parts += _x_axis(axis, 70, _in_domain(axis.ticks(), axis), lambda t: "x" + tick_label(t))
    scale = "ratio"
    label = (f"{property_label(prop)} {bound}: {what} {format_change(scale, _num(prop.get('estimate')))}, "
             f"{describe_interval(_entry(prop))}, limit {format_change(scale, _num(prop.get('threshold')))}, verdict "
             f"{prop.get('verdict') or DASH}")
    return _svg(96, label, parts)


# ---------------------------------------------------------------------------------------------------------------
# small helpers


def _e(value: object) -> str:
    """Data as HTML text: escaped, and with controls, bidi overrides and lone surrogates shown as escapes (a
    surrogate could not even be written as UTF-8; an override would make a test id read backwards)."""
    from pytest_behavior.report.sanitize import printable

    return html.escape(printable(value), quote=True)


def _num(value: object) -> float | None:
    """A finite float, or None (for null, NaN, infinities, bools and anything not a number)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _int(value: object) -> int:
    number = _num(value)
    return 0 if number is None else int(number)


def _map(value: object) -> Doc:
    return value if isinstance(value, Mapping) else {}


def _list(value: object) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else []


def _properties(test: Doc) -> list[Doc]:
    return [p for p in _list(test.get("properties")) if isinstance(p, Mapping)]


def _entry(prop: Doc) -> dict[str, Any]:
    """A property as `pytest_behavior.report.values` reads it, whatever the document holds (numbers or null)."""
    return {"bound": str(prop.get("bound") or ""), "scale": str(prop.get("scale") or ""),
            "estimate": _num(prop.get("estimate")), "lower": _num(prop.get("lower")), "upper": _num(prop.get("upper")),
            "confidence": prop.get("confidence"), "lower_level": prop.get("lower_level"),
            "upper_level": prop.get("upper_level")}


def _pill(text: str, color: str) -> str:
    return f'<span class="pill" style="background:{color}">{_e(text)}</span>'


def _verdict_pill(verdict: str) -> str:
    return _pill(verdict or DASH, VERDICT_COLORS.get(verdict, GREY))


def _outcome_pill(outcome: str) -> str:
    return _pill((outcome or "unknown").upper(), OUTCOME_COLORS.get(outcome, GREY))


CSS = f"""
*{{box-sizing:border-box}}
body{{margin:0;background:#f4f5f7;color:#1f2937;
font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue","Liberation Sans",Arial,sans-serif}}
.wrap{{max-width:1200px;margin:0 auto;padding:24px 20px 40px}}
.card{{background:#fff;border:1px solid #e3e6ea;border-radius:10px;padding:18px 22px;margin:0 0 18px;
box-shadow:0 1px 2px rgba(15,23,42,.04)}}
h1{{margin:0 0 6px;font-size:26px;letter-spacing:-.01em}}
h2{{margin:0 0 10px;font-size:18px;display:flex;align-items:center;gap:10px;flex-wrap:wrap}}
h3{{margin:18px 0 8px;font-size:15px;color:#374151;border-bottom:1px solid #eef0f3;padding-bottom:4px}}
h4{{margin:14px 0 4px;font-size:14px}}
code,pre{{font-family:{MONO};font-size:12.5px}}
a{{color:#1d4ed8;text-decoration:none}} a:hover{{text-decoration:underline}}
.meta{{color:#4b5563;font-size:13px;display:flex;flex-wrap:wrap;gap:4px 18px}}
.meta b{{color:#6b7280;font-weight:600;margin-right:4px}}
.muted{{color:#6b7280}} .small{{font-size:12.5px}}
.badges{{display:flex;gap:10px;flex-wrap:wrap;margin-top:14px}}
.badge{{display:flex;flex-direction:column;min-width:104px;padding:8px 14px;border-radius:8px;color:#fff}}
.badge b{{font-size:24px;line-height:1.15}}
.badge span{{font-size:11.5px;text-transform:uppercase;letter-spacing:.06em;opacity:.95}}
.badge.zero{{opacity:.38}}
.pill{{display:inline-block;padding:1px 9px;border-radius:999px;color:#fff;font:700 11px/1.6 system-ui,sans-serif;
letter-spacing:.04em;white-space:nowrap}}
.scroll{{overflow-x:auto}}
table{{border-collapse:collapse;width:100%;font-size:13px}}
th,td{{padding:6px 9px;text-align:left;vertical-align:top}}
thead th{{background:#f1f3f5;color:#374151;font-weight:600;border-bottom:1px solid #dfe3e8;white-space:nowrap}}
.verdicts tbody{{border-top:1px solid #e3e6ea}}
.verdicts tbody:nth-of-type(even){{background:#f8f9fb}}
.verdicts tbody tr+tr td{{border-top:1px dashed #eceef1}}
th.test{{font-weight:500;max-width:330px;word-break:break-all}}
th.test a{{font-family:{MONO};font-size:12.5px;color:#111827}}
th.test .pill{{margin-top:4px}}
.num{{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}}
.ci{{color:#6b7280;font-size:11.5px}}
td.verdict{{white-space:nowrap}}
td.v-REGRESSED{{background:#fdecec}} td.v-INCONCLUSIVE{{background:#fdf3e3}} td.v-PASS{{background:#eaf6ee}}
td.note{{color:#4b5563;font-family:{MONO};font-size:12px}}
.test h2 .nodeid{{font-size:15px;word-break:break-all;color:#111827}}
.test h2 .up{{margin-left:auto;font-size:12px;font-weight:400}}
.test.o-regressed{{border-left:5px solid {RED}}} .test.o-error{{border-left:5px solid {GREY}}}
.test.o-inconclusive{{border-left:5px solid {AMBER}}} .test.o-passed{{border-left:5px solid {GREEN}}}
.test.o-recorded{{border-left:5px solid {SLATE}}}
.facts{{margin-bottom:10px}}
table.bundles{{width:100%;margin:4px 0 10px;font-size:12.5px}}
table.bundles td.source{{word-break:break-all;max-width:420px}}
table.bundles td,table.bundles th{{border-bottom:1px solid #eef0f3}}
table.bundles tbody tr:nth-child(even){{background:#f8f9fb}}
.dot{{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:6px}}
.callout{{border-radius:8px;padding:10px 14px;margin:10px 0;border:1px solid}}
.callout pre{{margin:6px 0 0;white-space:pre-wrap;word-break:break-word}}
.callout.drift{{background:#fff7e6;border-color:#f5c16c;color:#7a4a00}}
.callout.error{{background:#f3f4f6;border-color:#d1d5db}}
.callout.budget{{background:#eff6ff;border-color:#bfd4fb;color:#1e3a8a}}
.metric{{margin:6px 0 14px}}
figure{{margin:6px 0 12px}}
figcaption{{font-size:12.5px;color:#374151;margin-top:2px;display:flex;gap:8px;align-items:center;flex-wrap:wrap}}
.advice{{flex-basis:100%;color:#7a4a00}}
svg.chart{{display:block;max-width:100%;height:auto;font-family:system-ui,-apple-system,"Segoe UI",Roboto,
"Liberation Sans",Arial,sans-serif}}
.chart text{{font-size:12px;fill:#374151}}
.chart .tick{{font-size:11px;fill:#6b7280}}
.chart .axis-title{{font-size:11.5px;fill:#4b5563}}
.chart .legend{{font-size:12px;fill:#1f2937}}
.chart .row-label{{font-size:12px;font-weight:700}}
.chart .row-note{{font-size:11px;fill:#6b7280}}
.chart .whisker{{stroke-width:3}}
.chart .value{{font-size:11.5px;fill:#111827;font-weight:600}}
.chart .value.inside{{fill:#fff}}
.chart .estimate{{font-size:11.5px;font-weight:700}}
.chart .threshold-label{{font-size:11px;fill:{RED};font-weight:600}}
.chart .axis{{stroke:#9ca3af;stroke-width:1}}
.chart .grid{{stroke:#eef0f3;stroke-width:1}}
.chart .zero{{stroke:#6b7280;stroke-width:1.2}}
.chart .median{{stroke-width:2;stroke-dasharray:6 4}}
.chart .threshold{{stroke:{RED};stroke-width:1.6;stroke-dasharray:5 3}}
.chart .bad{{fill:{RED};fill-opacity:.07}}
.chart .track{{fill:#f1f3f5}}
.chart .area{{fill-opacity:.28;stroke:none}}
.chart .outline{{fill:none;stroke-width:1.6}}
.chart .swatch{{fill-opacity:.5;stroke-width:1.5}}
.chart .cap{{stroke-width:2.5}}
details.diff{{margin-top:14px}}
details.diff summary{{cursor:pointer;font-weight:600;color:#374151}}
pre.diff{{background:#f8fafc;border:1px solid #e3e6ea;border-radius:8px;padding:12px 14px;overflow-x:auto;
line-height:normal;white-space:pre;margin:8px 0 0;color:#111827}}
.foot h2{{font-size:16px}}
.foot dl{{display:grid;grid-template-columns:max-content 1fr;gap:6px 14px;margin:0 0 10px;align-items:baseline}}
.foot dd{{margin:0}}
"""
