"""The end-of-session table of every behavior test's verdicts (works from xdist report data)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

MAX_TEST_CHARS = 64


def summary_data(result: Any) -> dict[str, Any]:
    """What a test report carries to the terminal summary (JSON-able, so it crosses xdist)."""
    return {
        "test": result.test,
        "mode": result.mode,
        "candidate": result.candidate.label,
        "baseline": None if result.baseline is None else result.baseline.label,
        "requested": result.candidate.requested + (result.baseline.requested if result.baseline else 0),
        "cached": result.candidate.cached + (result.baseline.cached if result.baseline else 0),
        "golden_path": None if result.golden_path is None else str(result.golden_path),
        "golden_written": result.golden_written,
        "verdicts": [v.to_dict() for v in result.verdicts],
        "sequential": None if result.sequential is None else {
            "n_used": result.sequential.n_used, "n_max": result.sequential.n_max},
        "arms": [_arm_data(name, arm) for name, arm in (("candidate", result.candidate), ("baseline", result.baseline))
                 if arm is not None],
        "n_paired": len(result.paired_ids),
        "budget_note": result.budget_note,
    }


def _arm_data(name: str, arm: Any) -> dict[str, Any]:
    return {"arm": name, "label": arm.label, "source": arm.source, "requested": arm.requested,
            "cost_usd": arm.cost_usd, "latency_p50_ms": arm.latency_p50_ms, "latency_p95_ms": arm.latency_p95_ms}


def _short(test: str) -> str:
    """``dir/test_mod.py::test_x`` -> ``test_mod.py::test_x``, cut from the left if still long."""
    path, sep, rest = test.partition("::")
    short = path.rsplit("/", 1)[-1] + sep + rest
    return short if len(short) <= MAX_TEST_CHARS else "…" + short[-(MAX_TEST_CHARS - 1):]


def summary_lines(summaries: Sequence[Mapping[str, Any]]) -> list[str]:
    from tabulate import tabulate

    from pytest_behavior.golden.diff import format_value

    rows = []
    for s in summaries:
        if not s["verdicts"]:
            rows.append([_short(s["test"]), "-", "-", "-", "-", "recorded" if s["golden_written"] else "-"])
        for v in s["verdicts"]:
            segment = v.get("segment")
            if segment is not None and not v.get("confined"):
                continue  # a segment is listed only when it regressed and the overall result did not
            change = _change(v)
            metric = v["metric"] if segment is None else f"{v['metric']} [{segment}]"
            rows.append([_short(s["test"]), metric, v["bound"],
                         f"{format_value(v['kind'], v['baseline'])} -> {format_value(v['kind'], v['candidate'])}",
                         change, v["verdict"]])
    table = tabulate(rows, headers=["test", "property", "bound", "baseline -> candidate", "change", "verdict"],
                     tablefmt="simple", disable_numparse=True)
    requested = sum(s["requested"] for s in summaries)
    cached = sum(s["cached"] for s in summaries)
    written = [s["golden_path"] for s in summaries if s["golden_written"]]
    lines = str(table).splitlines()
    lines.append(f"samples: {requested} requested from providers, {cached} from the cache")
    if written:
        lines.append(f"golden files written: {len(written)}")
    sequential = [s["sequential"] for s in summaries if s.get("sequential")]
    if sequential:
        used = sum(q["n_used"] for q in sequential)
        budget = sum(q["n_max"] for q in sequential)
        lines.append(f"sequential tests: {used} of {budget} inputs used ({budget - used} saved, "
                     f"{100 * (budget - used) / budget:.0f}%)")
    lines += [f"{_short(s['test'])}: {s['budget_note']}" for s in summaries if s.get("budget_note")]
    return lines + operational_lines(summaries)


def operational_lines(summaries: Sequence[Mapping[str, Any]]) -> list[str]:
    """Cost and latency of each arm's samples, per test (only when some provider reported them)."""
    from tabulate import tabulate

    rows = []
    for s in summaries:
        for arm in s.get("arms", ()):
            if arm["cost_usd"] is None and arm["latency_p50_ms"] is None:
                continue
            source = arm["source"]
            source = "live" if source in ("model", "callable", "live") else source if source == "records" else "golden"
            rows.append([_short(s["test"]), f"{arm['arm']} {arm['label']}", source,
                         "-" if arm["cost_usd"] is None else f"${arm['cost_usd']:.4f}",
                         _ms(arm["latency_p50_ms"]), _ms(arm["latency_p95_ms"])])
    if not rows:
        return []
    table = tabulate(rows, headers=["test", "arm", "source", "cost", "latency p50", "p95"], tablefmt="simple",
                     disable_numparse=True)
    return ["cost and latency of the samples judged (cached samples at their recorded cost):",
            *str(table).splitlines()]


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f} ms"


def _change(v: Mapping[str, Any]) -> str:
    estimate = v["estimate"]
    if estimate is None:
        return "-"
    if v["bound"].startswith(("max_ratio", "min_ratio", "max_p95_ratio")):
        return f"x{estimate:.2f}"
    if v["bound"].startswith(("max_rate", "min_rate")):
        return f"{100 * estimate:.1f}%"
    return f"{100 * estimate:+.1f} pts"
