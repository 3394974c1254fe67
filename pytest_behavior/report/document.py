"""The verdict report: one versioned JSON document per run, for deployment gates and every other report.

Each behavior test's report carries a JSON-able *entry* (so it crosses xdist); the controller gathers them
into the document that ``--behavior-report=PATH.json`` writes, and from which the GitHub step summary and
the HTML report are rendered. The shape is published as a JSON Schema, ``pytest_behavior/schemas/
behavior-report-v2.schema.json`` (version 2: the ``bounded`` kind of LLM-judged scores, the judges' calls and the
judged counts; ``behavior-report-v1.schema.json`` stays for readers of older reports): add fields freely, but
renaming or removing one needs a new ``version``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pytest_behavior.report.judged import judged_entries
from pytest_behavior.report.values import scale_of

REPORT_FORMAT = "pytest-behavior-report"
REPORT_VERSION = 2
SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schemas" / "behavior-report-v2.schema.json"
MAX_DISTRIBUTION_VALUES = 2000
"""Per arm and metric; more outputs are thinned to this many evenly spaced order statistics (the shape stays)."""

OUTCOMES = ("regressed", "error", "inconclusive", "passed", "recorded")
"""In the order reports list them: what needs a reviewer first."""


def test_entry(result: Any, *, outcome: str, diff: str | None = None, diff_file: str | None = None) -> dict[str, Any]:
    """What a behavior test's report carries: its comparison, JSON-able (a `Comparison` in, plain data out)."""
    baseline = result.baseline
    arms = [arm for arm in (result.candidate, baseline) if arm is not None]
    return {
        "nodeid": result.test,
        "outcome": outcome,
        "error": None,
        "mode": result.mode,
        "candidate": _arm(result.candidate),
        "baseline": None if baseline is None else _arm(baseline),
        "provider_drift": result.provider_drift,
        "n_paired": len(result.paired_ids),
        "golden_path": None if result.golden_path is None else str(result.golden_path),
        "golden_written": result.golden_written,
        "diff": diff,
        "diff_file": diff_file,
        "budget_note": result.budget_note,
        "pairing_notes": list(result.pairing_notes),
        "properties": [_verdict(v) for v in result.verdicts],
        "distributions": _distributions(result.observations),
        "sequential": None
        if result.sequential is None
        else {"n_used": result.sequential.n_used, "n_max": result.sequential.n_max},
        "unjudged_bounds": list(result.unjudged),
        "samples": {"requested": sum(arm.requested for arm in arms), "cached": sum(arm.cached for arm in arms)},
        "judges": [_arm(judge) for judge in getattr(result, "judges", ())],
        "judged": judged_entries(result),
    }


def error_entry(nodeid: str, message: str, *, mode: str, requested: int = 0, cached: int = 0) -> dict[str, Any]:
    """A behavior test that could not be judged (provider failure, bad golden file, a spec error), with the samples
    it requested and read from the cache before that (paid for all the same)."""
    return {
        "nodeid": nodeid,
        "outcome": "error",
        "error": message,
        "mode": mode,
        "candidate": None,
        "baseline": None,
        "provider_drift": False,
        "n_paired": 0,
        "golden_path": None,
        "golden_written": False,
        "diff": None,
        "diff_file": None,
        "budget_note": None,
        "pairing_notes": [],
        "properties": [],
        "distributions": {},
        "sequential": None,
        "unjudged_bounds": [],
        "samples": {"requested": requested, "cached": cached},
        "judges": [],
        "judged": [],
    }


def outcome_of(result: Any) -> str:
    if result.regressed:
        return "regressed"
    if result.golden_written or result.mode == "update":
        return "recorded"
    return "inconclusive" if result.inconclusive else "passed"


def _arm(arm: Any) -> dict[str, Any]:
    return {
        "label": arm.label,
        "fingerprint": arm.fingerprint,
        "source": arm.source,
        "requested": arm.requested,
        "cached": arm.cached,
        "cost_usd": _finite(arm.cost_usd),
        "latency_p50_ms": _finite(arm.latency_p50_ms),
        "latency_p95_ms": _finite(arm.latency_p95_ms),
        "ttft_p50_ms": _finite(arm.ttft_p50_ms),
        "ttft_p95_ms": _finite(arm.ttft_p95_ms),
        "outputs": arm.outputs,
        "empty_outputs": arm.empty_outputs,
    }


def _verdict(v: Any) -> dict[str, Any]:
    return {
        "property": v.property,
        "metric": v.metric,
        "metric_key": v.metric_key,
        "kind": v.kind,
        "segment": v.segment,
        "bound": v.bound,
        "threshold": _finite(v.threshold),
        "verdict": v.verdict.value,
        "baseline": _finite(v.baseline),
        "candidate": _finite(v.candidate),
        "scale": scale_of(v.bound, v.kind),
        "estimate": _finite(v.estimate),
        "lower": _finite(v.lower),
        "upper": _finite(v.upper),
        "confidence": min(v.lower_level, v.upper_level),
        "lower_level": v.lower_level,
        "upper_level": v.upper_level,
        "p_value": _finite(v.p_value),
        "p_adjusted": _finite(v.p_adjusted),
        "n_inputs": v.n_inputs,
        "repeats": v.repeats,
        "method": v.method,
        "confined": v.confined,
        "advice": v.advice,
        **({"n_max": v.n_max} if v.n_max is not None else {}),
    }


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def _distributions(observations: Sequence[tuple[str, Any]]) -> dict[str, Any]:
    """Per-output values of each continuous metric and arm (for pictures), thinned to the order statistics."""
    shown: dict[str, Any] = {}
    for _, obs in observations:
        if obs.metric.kind != "continuous" or obs.metric.profile:
            continue
        shown[obs.metric.key] = {
            "title": obs.metric.title,
            "kind": "continuous",
            "baseline": [] if obs.baseline is None else _thin(obs.baseline),
            "candidate": _thin(obs.candidate),
        }
    return shown


def _thin(values: Any) -> list[float]:
    import numpy as np

    ordered = np.sort(np.asarray(values, dtype=float).ravel())
    ordered = ordered[np.isfinite(ordered)]
    if ordered.size > MAX_DISTRIBUTION_VALUES:
        ordered = ordered[np.linspace(0, ordered.size - 1, MAX_DISTRIBUTION_VALUES).round().astype(int)]
    return [float(f"{x:.4g}") for x in ordered]


def build_document(
    entries: Sequence[Mapping[str, Any]],
    *,
    mode: str,
    alpha: float,
    plugin_version: str,
    created_at: dt.datetime | None = None,
    family_alpha: float | None = None,
    fleet: Mapping[str, float] | None = None,
    versions: Sequence[str] = (),
) -> dict[str, Any]:
    """The run's document: entries sorted by outcome (regressions first), then node id; with a version matrix (and
    the fleet view, given the mix) when the entries hold several versions."""
    when = (created_at or dt.datetime.now(dt.timezone.utc)).isoformat(timespec="seconds")
    ordered = sorted(
        entries,
        key=lambda e: (OUTCOMES.index(e["outcome"]) if e["outcome"] in OUTCOMES else len(OUTCOMES), e["nodeid"]),
    )
    tests = [dict(e) for e in ordered]
    counts = {
        name: sum(1 for e in entries if e["outcome"] == outcome)
        for name, outcome in (
            ("passed", "passed"),
            ("regressed", "regressed"),
            ("inconclusive", "inconclusive"),
            ("errors", "error"),
            ("recorded", "recorded"),
        )
    }
    document: dict[str, Any] = {
        "format": REPORT_FORMAT,
        "version": REPORT_VERSION,
        "plugin": {"name": "pytest-behavior", "version": plugin_version},
        "created_at": when,
        "run": {"mode": mode, "alpha": alpha},
        "summary": {"tests": len(entries), **counts},
        "tests": tests,
    }
    from pytest_behavior.report.matrix import build_matrix, matrix_json

    matrix = build_matrix(entries, order=versions)
    if matrix is not None:
        document["run"]["family_alpha"] = alpha if family_alpha is None else family_alpha
        document["matrix"] = matrix_json(matrix)
        if fleet:
            from pytest_behavior.report.fleet import fleet_json, fleet_view

            document["fleet"] = fleet_json(fleet_view(matrix, fleet), fleet)
    return document


def write_document(document: Mapping[str, Any], path: Path) -> None:
    """Write atomically (a gate never reads half a report), with the mode ``open()`` would give it (or the
    replaced file's), not 0o600."""
    from pytest_behavior.files import write_text_atomic

    text = json.dumps(document, indent=2, sort_keys=False, allow_nan=False) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, text)


def load_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


def validate_document(document: Mapping[str, Any]) -> None:
    """Raise `jsonschema.ValidationError` when the document does not match the published schema."""
    import jsonschema

    jsonschema.Draft202012Validator(load_schema()).validate(document)
