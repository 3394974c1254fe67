"""The HTML version matrix: a heat-map-like grid (rows = versions, columns = bounds), and the fleet's row.

A cell's colour is its verdict; its strength, how far the change lies from the bound's threshold (on the log scale
for ratios), so a reviewer's eye goes to the version and the bound that moved most. Every string is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from pytest_behavior.report.fleet import FleetBound, change_text, drivers_text, fleet_view, mix_text
from pytest_behavior.report.html.markup import Doc, esc
from pytest_behavior.report.matrix import LEGEND, Cell, Matrix, build_matrix
from pytest_behavior.report.values import format_change, scale_of, user_threshold

_RGB = {"REGRESSED": (200, 30, 30), "PASS": (21, 128, 61), "INCONCLUSIVE": (217, 119, 6)}


def matrix_section(document: Doc) -> str:
    """The section, or "" when the run holds fewer than two versions."""
    tests = [t for t in document.get("tests") or () if isinstance(t, Mapping)]
    try:
        recorded = document.get("matrix")
        order = recorded.get("versions") if isinstance(recorded, Mapping) else None
        matrix = build_matrix(tests, order=[str(v) for v in order] if isinstance(order, list) else ())
    except (KeyError, TypeError, ValueError):  # a forged or truncated document: no grid rather than no page
        return ""
    if matrix is None:
        return ""
    parts = [f'<section class="card" id="matrix"><h2>Version matrix</h2><p class="note">{esc(LEGEND)}</p>']
    for test in matrix.tests():
        parts.append(_grid(matrix, test))
    weights = _weights(document)
    if weights:
        parts.append(_fleet_table(fleet_view(matrix, weights), weights))
    return "".join(parts) + "</section>"


def _weights(document: Doc) -> dict[str, float]:
    fleet = document.get("fleet")
    raw = fleet.get("weights") if isinstance(fleet, Mapping) else None
    if not isinstance(raw, Mapping):
        return {}
    return {str(k): float(v) for k, v in raw.items() if isinstance(v, (int, float)) and math.isfinite(v) and v >= 0}


def _grid(matrix: Matrix, test: str) -> str:
    columns = matrix.columns_of(test)
    head = "".join(f"<th>{esc(c.metric)}<br><code>{esc(c.bound)}</code></th>" for c in columns)
    rows = []
    for version in matrix.versions:
        cells = "".join(_cell(matrix.cell(version, c)) for c in columns)
        rows.append(f"<tr><th><code>{esc(version)}</code></th>{cells}</tr>")
    return (
        f'<h3><code class="nodeid">{esc(test)}</code></h3><div class="scroll"><table class="matrix">'
        f"<thead><tr><th>version</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def _cell(cell: Cell) -> str:
    if cell.entry is None:
        title = cell.error or "not judged"
        return f'<td class="m-none" title="{esc(title)}">{esc(cell.verdict)}</td>'
    rgb = _RGB.get(cell.verdict, (107, 114, 128))
    alpha = 0.15 + 0.6 * strength(cell.entry)
    style = f"background:rgba({rgb[0]},{rgb[1]},{rgb[2]},{alpha:.2f})"
    segments = cell.regressed_segments if cell.verdict != "REGRESSED" else ()
    extra = f"<br><small>REGRESSED in {esc(', '.join(segments))}</small>" if segments else ""
    return f'<td style="{style}"><b>{esc(cell.verdict)}</b><br>{esc(format_change(cell.entry))}{extra}</td>'


def strength(entry: Mapping[str, Any]) -> float:
    """0..1: how far the estimate lies from the threshold, relative to the threshold's own size."""
    estimate, threshold = entry.get("estimate"), entry.get("threshold")
    if not isinstance(estimate, (int, float)) or not isinstance(threshold, (int, float)):
        return 0.0
    shown = user_threshold(str(entry.get("bound", "")), float(threshold))
    if (entry.get("scale") or scale_of(str(entry.get("bound", "")))) == "ratio":
        if estimate <= 0 or shown <= 0:
            return 1.0
        return min(1.0, abs(math.log(estimate / shown)) / 0.5)
    return min(1.0, abs(float(estimate) - shown) / max(abs(shown), 0.05))


def _fleet_table(rows: Sequence[FleetBound], weights: Mapping[str, float]) -> str:
    body = "".join(
        f"<tr><td><code>{esc(row.column.test.rsplit('::', 1)[-1])}</code></td><td>{esc(row.column.title)}</td>"
        f'<td class="v-{esc(row.verdict)}">{esc(row.verdict)}</td><td>{esc(change_text(row))}</td>'
        f"<td>{esc(drivers_text(row))}</td></tr>"
        for row in rows
    )
    return (
        f"<h3>Fleet ({esc(mix_text(weights))})</h3><div class='scroll'><table><thead><tr><th>test</th><th>bound</th>"
        f"<th>verdict</th><th>fleet change [interval]</th><th>which versions</th></tr></thead><tbody>{body}"
        "</tbody></table></div>"
    )
