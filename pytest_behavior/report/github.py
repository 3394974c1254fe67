"""The Markdown summary appended to ``$GITHUB_STEP_SUMMARY`` (GitHub Actions' job summary page).

Regressions first, each with its diff folded in a ``<details>`` block; provider drift and errors called
out. GitHub caps a step summary at 1 MiB, so each diff is cut to `MAX_DIFF_LINES` lines and the page to
`MAX_CHARS` characters; the full diffs stay in the run directory and the JSON report.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MAX_DIFF_LINES = 80
MAX_CHARS = 400_000
_ORDER = {"REGRESSED": 0, "INCONCLUSIVE": 1, "PASS": 2}
_MARK = {"REGRESSED": "🔴 REGRESSED", "INCONCLUSIVE": "🟡 INCONCLUSIVE", "PASS": "🟢 PASS"}


def github_summary(document: Mapping[str, Any]) -> str:
    counts = document["summary"]
    parts = [
        "## pytest-behavior",
        "",
        f"**{counts['regressed']} regressed**, {counts['errors']} errors, {counts['inconclusive']} inconclusive, "
        f"{counts['passed']} passed, {counts['recorded']} recorded ({counts['tests']} behavior tests, "
        f"mode `{document['run']['mode']}`)",
        "",
    ]
    rows = _rows(document["tests"])
    if rows:
        parts += ["| test | property | bound | baseline → candidate | change [95% bounds] | verdict |",
                  "|---|---|---|---|---|---|", *rows, ""]
    for test in document["tests"]:
        parts += _details(test)
    text = "\n".join(parts) + "\n"
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS] + "\n\n… (cut: GitHub's summary size limit; see the JSON report)\n"
    return text


def _rows(tests: Any) -> list[str]:
    from pytest_behavior.report.values import format_change, format_value

    rows = []
    for test in tests:
        name = _cell(test["nodeid"])
        if test["outcome"] == "error":
            rows.append(f"| {name} | – | – | – | – | ⚪ ERROR |")
            continue
        for v in sorted(test["properties"], key=lambda v: _ORDER.get(v["verdict"], 3)):
            if v["segment"] is not None and not v.get("confined"):
                continue
            metric = v["metric"] if v["segment"] is None else f"{v['metric']} [{v['segment']}]"
            values = f"{format_value(v['kind'], v['baseline'])} → {format_value(v['kind'], v['candidate'])}"
            rows.append(f"| {name} | {_cell(metric)} | `{v['bound']}` | {values} | {format_change(v)} | "
                        f"{_MARK.get(v['verdict'], v['verdict'])} |")
    return rows


def _details(test: Mapping[str, Any]) -> list[str]:
    if test["outcome"] == "error":
        return [f"<details><summary>⚪ <code>{_html(test['nodeid'])}</code>: error</summary>", "", "```text",
                _fence(test["error"] or ""), "```", "</details>", ""]
    if test["outcome"] != "regressed" or not test.get("diff"):
        return []
    lines = test["diff"].splitlines()
    shown = lines[:MAX_DIFF_LINES]
    more = [f"… {len(lines) - MAX_DIFF_LINES} more lines"] if len(lines) > MAX_DIFF_LINES else []
    drift = (["", "> **Provider drift**: same bundle fingerprint as the baseline, different behavior: the provider "
                  "changed the model under the same name."] if test.get("provider_drift") else [])
    where = ["", f"Full diff: `{test['diff_file']}`"] if test.get("diff_file") else []
    return [f"<details><summary>🔴 <code>{_html(test['nodeid'])}</code>: diff</summary>", *drift, "", "```text",
            _fence("\n".join(shown + more)), "```", *where, "</details>", ""]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _html(text: str) -> str:
    import html

    return html.escape(text)


def _fence(text: str) -> str:
    return text.replace("```", "`\u200b``")
