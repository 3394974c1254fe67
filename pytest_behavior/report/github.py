"""The Markdown summary appended to ``$GITHUB_STEP_SUMMARY`` (GitHub Actions' job summary page).

Regressions first, each with its diff folded in a ``<details>`` block; provider drift and errors called
out; what the LLM judges and reference answers counted (`report.judged`) and the cost table, arms and judge models.
Everything taken from the run's data (test ids, segment names, outputs quoted in diffs, error messages)
is data, not Markdown: table cells escape Markdown and HTML (`markdown_text`), so a segment named
``![x](http://…)`` or ``<img src=…>`` shows as text and ``@someone`` notifies no one; diffs sit in code fences
longer than any run of backticks inside them.

GitHub rejects a step summary over 1 MiB, counted in bytes. Each diff is cut to `MAX_DIFF_LINES` lines of at
most `MAX_LINE_CHARS` characters, and the page to `MAX_BYTES` UTF-8 bytes less what the step already wrote
(`fit_summary`), cut only between blocks (never inside a fence or a ``<details>``) with a line that says so.
The full diffs stay in the run directory and the JSON report.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

from pytest_behavior.engine.comparison import DRIFT_NOTE
from pytest_behavior.report.values import IntervalStyle
from pytest_behavior.sanitize import one_line, printable

MAX_DIFF_LINES = 80
MAX_LINE_CHARS = 400
MAX_CELL_CHARS = 200
MAX_BYTES = 1_000_000
"""GitHub's limit is 1 MiB (1,048,576 bytes) per step; the margin is for what else the step writes."""
ENCODING_ERRORS = "backslashreplace"
"""How the summary is encoded to UTF-8 (a lone surrogate must not stop the write; `printable` escapes them)."""
CUT_NOTE = (
    "… (cut here to stay under GitHub's 1 MiB step summary limit; the JSON report and the run directory "
    "hold everything)"
)
_ORDER = {"REGRESSED": 0, "INCONCLUSIVE": 1, "PASS": 2}
_MARK = {"REGRESSED": "🔴 REGRESSED", "INCONCLUSIVE": "🟡 INCONCLUSIVE", "PASS": "🟢 PASS"}
_MARKDOWN = re.compile(r"([\\`*\[\]()!|~$]|(?<![^\W_])_|_(?![^\W_]))")
"""Markdown punctuation to backslash-escape; a ``_`` between two letters or digits (``test_spec``) cannot
emphasize, so stays."""
_LINKISH = re.compile(r"(?i)(://|www\.)")
_SAFE_CODE = re.compile(r"[\w.=+\-,/]*")
_FENCE = re.compile(r"`{3,}[a-z]*")
_TAG_CHARS = "abcdefghijklmnopqrstuvwxyz"


def github_summary(document: Mapping[str, Any], *, max_bytes: int = MAX_BYTES) -> str:
    counts = document["summary"]
    parts = [
        "## pytest-behavior",
        "",
        f"**{counts['regressed']} regressed**, {counts['errors']} errors, {counts['inconclusive']} inconclusive, "
        f"{counts['passed']} passed, {counts['recorded']} recorded ({counts['tests']} behavior tests, "
        f"mode {_code(str(document['run']['mode']))})",
        "",
    ]
    rows, style = _rows(document["tests"])
    if rows:
        parts += [
            f"| test | property | bound | baseline → candidate | change [{style.header}] | verdict |",
            "|---|---|---|---|---|---|",
            *rows,
            "",
        ]
        parts += [style.note, ""] if style.note else []  # our own words, no data: nothing to escape
    parts += _matrix(document) + _judged(document["tests"]) + _costs(document["tests"])
    for test in document["tests"]:
        parts += _details(test)
    return fit_summary("\n".join(parts) + "\n", max_bytes)


def _rows(tests: Any) -> tuple[list[str], IntervalStyle]:
    """The table's rows, and how its intervals are named (one header and note for the whole table)."""
    from pytest_behavior.report.values import format_change, format_value, interval_style

    shown = [
        (
            test,
            [
                v
                for v in sorted(test["properties"], key=lambda v: _ORDER.get(v["verdict"], 3))
                if v["segment"] is None or v.get("confined")
            ],
        )
        for test in tests
    ]
    style = interval_style(v for _, props in shown for v in props)
    rows = []
    for test, props in shown:
        name = markdown_text(test["nodeid"])
        if test["outcome"] == "error":
            rows.append(f"| {name} | – | – | – | – | ⚪ ERROR |")
            continue
        for v in props:
            metric = v["metric"] if v["segment"] is None else f"{v['metric']} [{v['segment']}]"
            values = f"{format_value(v['kind'], v['baseline'])} → {format_value(v['kind'], v['candidate'])}"
            rows.append(
                f"| {name} | {markdown_text(metric)} | {_code(str(v['bound']))} | {values} | "
                f"{format_change(v, style=style)} | {_MARK.get(v['verdict'], markdown_text(v['verdict']))} |"
            )
    return rows, style


def _matrix(document: Mapping[str, Any]) -> list[str]:
    """The version matrix and the fleet view of a run with several candidates (our text and escaped data)."""
    from pytest_behavior.report.matrix import build_matrix, matrix_markdown

    recorded = document.get("matrix")
    order = recorded.get("versions") if isinstance(recorded, Mapping) else None
    matrix = build_matrix(document["tests"], order=[str(v) for v in order] if isinstance(order, list) else ())
    if matrix is None:
        return []
    parts = ["### Version matrix", "", *matrix_markdown(matrix, escape=markdown_text)]
    fleet = document.get("fleet")
    if isinstance(fleet, Mapping) and isinstance(fleet.get("weights"), Mapping):
        from pytest_behavior.report.fleet import fleet_markdown, fleet_view

        weights = {str(k): float(v) for k, v in fleet["weights"].items()}
        parts += fleet_markdown(fleet_view(matrix, weights), weights, escape=markdown_text)
    return parts


def _judged(tests: Any) -> list[str]:
    """What the judges and reference answers counted, per test: wins / ties / losses, order consistency, the
    length-controlled win rate, rubric scores and their biggest drops, right -> wrong (every line is data: escaped)."""
    from pytest_behavior.report.judged import judged_lines

    parts: list[str] = []
    for test in tests:
        lines = [line for item in test.get("judged") or () for line in judged_lines(item)]
        if lines:
            parts += [f"**{markdown_text(test['nodeid'])}**", "", *(f"- {markdown_text(line)}" for line in lines), ""]
    return ["### Judged quality", "", *parts] if parts else []


def _costs(tests: Any) -> list[str]:
    """The cost table: each arm's samples and each judge model's calls (cached ones at their recorded cost); time to
    first token p50/p95 when some arm streamed."""
    from pytest_behavior.report.terminal import arm_source, cost_rows, cost_text

    entries = [(test, name, arm) for test in tests for name, arm in cost_rows(test)]
    streamed = any(arm.get("ttft_p50_ms") is not None for _, _, arm in entries)
    rows = [
        f"| {markdown_text(test['nodeid'])} | {markdown_text(name + ' ' + str(arm['label']))} | "
        f"{markdown_text(arm_source(arm))} | {markdown_text(cost_text(arm, judge=name == 'judge'))} | "
        f"{_latency(arm.get('latency_p50_ms'))} | {_latency(arm.get('latency_p95_ms'))} |"
        + (f" {_latency(arm.get('ttft_p50_ms'))} | {_latency(arm.get('ttft_p95_ms'))} |" if streamed else "")
        for test, name, arm in entries
    ]
    if not rows:
        return []
    return [
        "### Cost and latency",
        "",
        "| test | arm | source | cost | latency p50 | p95 |" + (" ttft p50 | p95 |" if streamed else ""),
        "|---|---|---|---|---|---|" + ("---|---|" if streamed else ""),
        *rows,
        "",
    ]


def _latency(value: object) -> str:
    return "–" if isinstance(value, bool) or not isinstance(value, (int, float)) else f"{value:.0f} ms"


def _details(test: Mapping[str, Any]) -> list[str]:
    if test["outcome"] == "error":
        return [
            f"<details><summary>⚪ <code>{_html(test['nodeid'])}</code>: error</summary>",
            "",
            *_fenced(_shown_lines(str(test["error"] or ""))),
            "</details>",
            "",
        ]
    if test["outcome"] != "regressed" or not test.get("diff"):
        return []
    drift = ["", f"> **Provider drift**: {DRIFT_NOTE}."] if test.get("provider_drift") else []
    where = ["", f"Full diff: {_code(str(test['diff_file']))}"] if test.get("diff_file") else []
    return [
        f"<details><summary>🔴 <code>{_html(test['nodeid'])}</code>: diff</summary>",
        *drift,
        "",
        *_fenced(_shown_lines(str(test["diff"]))),
        *where,
        "</details>",
        "",
    ]


def _shown_lines(text: str) -> list[str]:
    """At most `MAX_DIFF_LINES` lines of at most `MAX_LINE_CHARS` characters, controls escaped."""
    lines = printable(text).split("\n")
    shown = [
        line if len(line) <= MAX_LINE_CHARS else line[: MAX_LINE_CHARS - 1] + "…" for line in lines[:MAX_DIFF_LINES]
    ]
    return shown + ([f"… {len(lines) - MAX_DIFF_LINES} more lines"] if len(lines) > MAX_DIFF_LINES else [])


def _fenced(lines: list[str]) -> list[str]:
    """A ``text`` code block whose fence is longer than any backtick run inside, so nothing inside closes it."""
    longest = max((len(run) for line in lines for run in re.findall(r"`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}text", *lines, fence]


def markdown_text(text: object, *, limit: int = MAX_CELL_CHARS) -> str:
    """Data as literal text in a Markdown table cell or paragraph: one line, controls escaped, Markdown
    punctuation backslash-escaped, ``<``/``>``/``&`` as entities, no autolinks, no @mentions."""
    flat = one_line(text)
    if len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    escaped = _unlinked(html.escape(flat, quote=False))  # entities first: "\\&" would show the "&lt;" literally
    return _MARKDOWN.sub(r"\\\1", escaped)


_ACTIVE = re.compile(r"([\\`*\[\]|~$]|(?<![^\W_])_|_(?![^\W_]))")
"""What acts in inline Markdown once ``[``/``]`` are escaped: ``(``, ``)`` and ``!`` then make no link or image."""
_ENTITY = re.compile(r"&(?=#\d+;|#[xX][0-9a-fA-F]+;|[A-Za-z][A-Za-z0-9]*;)")


def readable_markdown_text(text: object, *, limit: int = 2000) -> str:
    """Data as literal text in Markdown read in a terminal as often as rendered (the card): as safe as
    `markdown_text`, but escaping only what would act (``(``, ``)``, ``!`` stay, an ``&`` becomes ``&amp;`` only
    where it would start an entity, a ``>`` only at the start), and cut past ``limit`` at a word, not inside one."""
    flat = one_line(text)
    if len(flat) > limit:
        flat = flat[:limit].rsplit(" ", 1)[0] + " …"
    escaped = _ENTITY.sub("&amp;", flat).replace("<", "&lt;")
    escaped = "&gt;" + escaped[1:] if escaped.startswith(">") else escaped
    return _ACTIVE.sub(r"\\\1", _unlinked(escaped))


def _unlinked(text: str) -> str:
    """A zero-width space after ``@`` (no mention), inside ``://`` and ``www.`` (no autolink)."""
    return _LINKISH.sub(lambda m: m.group()[:-1] + "\u200b" + m.group()[-1], text.replace("@", "@\u200b"))


def _code(text: str) -> str:
    """A short known-safe token in a code span; anything else as escaped text."""
    return f"`{text}`" if _SAFE_CODE.fullmatch(text) and len(text) <= MAX_CELL_CHARS else markdown_text(text)


def _html(text: object) -> str:
    """Data inside raw HTML (a ``<summary>``): escaped, one line, no mention."""
    flat = one_line(text)
    if len(flat) > MAX_CELL_CHARS:
        flat = flat[: MAX_CELL_CHARS - 1] + "…"
    return _unlinked(html.escape(flat))


# ---- the size limit -----------------------------------------------------------------------------------------------


def encoded_size(text: str) -> int:
    return len(text.encode("utf-8", ENCODING_ERRORS))


def fit_summary(text: str, max_bytes: int) -> str:
    """``text`` if it fits in ``max_bytes`` UTF-8 bytes; else its longest prefix that ends between blocks (outside
    any code fence and ``<details>``, not between a table's header and its rule), then `CUT_NOTE`; empty if not
    even the note fits.

    Reads the structure this module writes: a fence is a line of 3+ backticks (and a tag), closed by a line of
    the same backticks; ``<details>`` / ``</details>`` start their lines (data never does: it is escaped or
    inside a fence).
    """
    if encoded_size(text) <= max_bytes:
        return text
    note = f"\n{CUT_NOTE}\n"  # after a blank line: a line right under a table would become one of its rows
    budget = max_bytes - encoded_size(note)
    if budget < 0:
        return ""
    lines = text.splitlines(keepends=True)
    used = cut = 0  # bytes so far; lines kept (always at a block boundary)
    fence: str | None = None
    depth = 0
    for index, line in enumerate(lines):
        used += encoded_size(line)
        if used > budget:
            break
        bare = line.rstrip("\n")
        if fence is not None:
            fence = None if bare == fence else fence
        elif _FENCE.fullmatch(bare):
            fence = bare.rstrip(_TAG_CHARS)
        elif bare.startswith("<details>"):
            depth += 1
        elif bare.startswith("</details>"):
            depth = max(0, depth - 1)
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if fence is None and depth == 0 and not following.startswith("|---"):
            cut = index + 1
    kept = "".join(lines[:cut])
    return kept + ("" if not kept or kept.endswith("\n\n") else "\n") + f"{CUT_NOTE}\n"


# ---- workflow annotations ------------------------------------------------------------------------------------------

MAX_ANNOTATION_CHARS = 2000


def github_annotations(document: Mapping[str, Any]) -> list[str]:
    """GitHub Actions workflow commands (printed on stdout when ``GITHUB_ACTIONS`` is ``true``): an ``::error`` on
    the test file of each regressed test and a ``::warning`` for each inconclusive one, the message naming every
    bound with its estimate, interval and verdict, then what the judges counted (`report.judged`).

    Data cannot forge a command: ``%``, CR and LF are percent-encoded in the message (and ``:`` and ``,`` in the
    properties), controls escaped (`printable`), so nothing in an output or test id starts a line of its own."""
    from pytest_behavior.report.judged import judged_lines
    from pytest_behavior.report.values import describe_change

    commands = []
    for test in document["tests"]:
        outcome = test["outcome"]
        if outcome not in ("regressed", "inconclusive"):
            continue
        wanted = "REGRESSED" if outcome == "regressed" else "INCONCLUSIVE"
        lines = [
            f"{_metric(v)} {v['bound']}: {v['verdict']} {describe_change(v)}"
            for v in test["properties"]
            if v["verdict"] == wanted
        ]
        lines += [line for item in test.get("judged") or () for line in judged_lines(item)]
        message = "\n".join(lines)[:MAX_ANNOTATION_CHARS]
        level = "error" if outcome == "regressed" else "warning"
        path = str(test["nodeid"]).partition("::")[0]
        title = f"behavior {outcome}: {test['nodeid']}"
        commands.append(
            f"::{level} file={_command_property(path)},title={_command_property(title)}::{_command_data(message)}"
        )
    return commands


def _metric(verdict: Mapping[str, Any]) -> str:
    return verdict["metric"] if verdict["segment"] is None else f"{verdict['metric']} [{verdict['segment']}]"


def _command_data(text: str) -> str:
    return printable(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _command_property(text: str) -> str:
    return _command_data(one_line(text)).replace(":", "%3A").replace(",", "%2C")
