"""The end-of-session table of every behavior test's verdicts (works from xdist report data)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pytest_behavior.report.values import format_change
from pytest_behavior.sanitize import one_line

MAX_TEST_CHARS = 64


def _short(test: str) -> str:
    """``dir/test_mod.py::test_x`` -> ``test_mod.py::test_x``, cut from the left if still long."""
    path, sep, rest = one_line(test).partition("::")
    short = path.rsplit("/", 1)[-1] + sep + rest
    return short if len(short) <= MAX_TEST_CHARS else "…" + short[-(MAX_TEST_CHARS - 1) :]


def summary_lines(summaries: Sequence[Mapping[str, Any]]) -> list[str]:
    from tabulate import tabulate

    from pytest_behavior.report.values import format_value

    rows = []
    for s in summaries:
        if not s["properties"]:
            status = "ERROR" if s["outcome"] == "error" else "recorded" if s["golden_written"] else "-"
            rows.append([_short(s["nodeid"]), "-", "-", "-", "-", status])
        for v in s["properties"]:
            segment = v.get("segment")
            if segment is not None and not v.get("confined"):
                continue  # a segment is listed only when it regressed and the overall result did not
            change = format_change(v, with_bounds=False)
            metric = v["metric"] if segment is None else f"{v['metric']} [{segment}]"
            rows.append(
                [
                    _short(s["nodeid"]),
                    one_line(metric),
                    one_line(v["bound"]),
                    f"{format_value(v['kind'], v['baseline'])} -> {format_value(v['kind'], v['candidate'])}",
                    change,
                    v["verdict"],
                ]
            )
    table = tabulate(
        rows,
        headers=["test", "property", "bound", "baseline -> candidate", "change", "verdict"],
        tablefmt="simple",
        disable_numparse=True,
    )
    requested = sum(_samples(s)["requested"] for s in summaries)
    cached = sum(_samples(s)["cached"] for s in summaries)
    written = [s["golden_path"] for s in summaries if s["golden_written"]]
    lines = str(table).splitlines()
    lines.append(f"samples: {requested} requested from providers, {cached} from the cache")
    judges = [judge for s in summaries for judge in s.get("judges") or ()]
    if judges:
        lines.append(
            f"judge calls: {sum(j['requested'] for j in judges)} requested from providers, "
            f"{sum(j['cached'] for j in judges)} from the cache"
        )
    if written:
        lines.append(f"golden files written: {len(written)}")
    sequential = [s["sequential"] for s in summaries if s.get("sequential")]
    if sequential:
        used = sum(q["n_used"] for q in sequential)
        budget = sum(q["n_max"] for q in sequential)
        lines.append(
            f"sequential tests: {used} of {budget} inputs used ({budget - used} saved, "
            f"{100 * (budget - used) / budget:.0f}%)"
        )
    lines += [f"{_short(s['nodeid'])}: {one_line(s['budget_note'])}" for s in summaries if s.get("budget_note")]
    lines += drift_lines(summaries) + unjudged_lines(summaries) + empty_output_lines(summaries)
    lines += judged_quality_lines(summaries)
    return lines + operational_lines(summaries)


def _samples(entry: Mapping[str, Any]) -> Mapping[str, int]:
    """Samples requested and cached by one test: its own count (kept when it errored after sampling), else its
    arms' (reports written before that count existed)."""
    counted: Mapping[str, int] | None = entry.get("samples")
    if counted is not None:
        return counted
    arms = _arms(entry)
    return {"requested": sum(arm["requested"] for arm in arms), "cached": sum(arm["cached"] for arm in arms)}


def drift_lines(summaries: Sequence[Mapping[str, Any]]) -> list[str]:
    from pytest_behavior.engine.comparison import DRIFT_NOTE

    drifted = [_short(s["nodeid"]) for s in summaries if s.get("provider_drift")]
    return [f"provider drift in {', '.join(drifted)}: {DRIFT_NOTE}"] if drifted else []


def unjudged_lines(summaries: Sequence[Mapping[str, Any]], *, limit: int = 10) -> list[str]:
    """Bounds a recording could not judge (they compare with a baseline), so nobody reads "recorded" as "passed"."""
    tests = [(s["nodeid"], s["unjudged_bounds"]) for s in summaries if s.get("unjudged_bounds")]
    if not tests:
        return []
    lines = [
        "not judged while recording (bounds on the change need a baseline; `pytest --behavior-baseline` "
        "judges them against the golden files):"
    ]
    lines += [f"  {_short(nodeid)}: {one_line(', '.join(bounds))}" for nodeid, bounds in tests[:limit]]
    return lines + ([f"  ... (+{len(tests) - limit} tests)"] if len(tests) > limit else [])


PER_INPUT_FACTS = frozenset({"lost", "dropped", "judge"})
"""Facts of a judged item the summary leaves to the diff and the other reports (one line per input, the judge id)."""


def judged_quality_lines(summaries: Sequence[Mapping[str, Any]]) -> list[str]:
    """What the judges and reference answers counted, a line per judged property (correctness right / wrong,
    preference wins / ties / losses with order consistency and the length-controlled win rate, rubric scores)."""
    from pytest_behavior.report.judged import judged_facts

    lines = []
    for s in summaries:
        for item in s.get("judged") or ():
            facts = [text for name, text in judged_facts(item) if name not in PER_INPUT_FACTS]
            if facts:
                lines.append(f"  {_short(s['nodeid'])}: {one_line('; '.join(facts))}")
    return ["judged quality:", *lines] if lines else []


def empty_output_lines(summaries: Sequence[Mapping[str, Any]]) -> list[str]:
    """The empty-output rate of each arm, for the tests where some output was empty (no text, no tool call)."""
    from tabulate import tabulate

    rows = []
    for s in summaries:
        arms = _named_arms(s)
        if not any(arm.get("empty_outputs") for _, arm in arms):
            continue
        for name, arm in arms:
            total, empty = arm.get("outputs") or 0, arm.get("empty_outputs") or 0
            rows.append(
                [
                    _short(s["nodeid"]),
                    one_line(f"{name} {arm['label']}"),
                    f"{empty} of {total}",
                    f"{100 * empty / total:.1f}%" if total else "-",
                ]
            )
    if not rows:
        return []
    table = tabulate(rows, headers=["test", "arm", "empty outputs", "rate"], tablefmt="simple", disable_numparse=True)
    return ["empty outputs (no text, no tool call):", *str(table).splitlines()]


def operational_lines(summaries: Sequence[Mapping[str, Any]]) -> list[str]:
    """Cost and latency of each arm's samples and of each judge model's calls, per test (an arm only when some
    provider reported them; a judge always, its cost "unknown (no price)" when the model has no price); with the
    time to first token p50/p95 when some arm's samples were streamed."""
    from tabulate import tabulate

    rows = []
    entries = [(s, name, arm) for s in summaries for name, arm in cost_rows(s)]
    streamed = any(arm.get("ttft_p50_ms") is not None for _, _, arm in entries)
    for s, name, arm in entries:
        ttft = [_ms(arm.get("ttft_p50_ms")), _ms(arm.get("ttft_p95_ms"))] if streamed else []
        rows.append(
            [
                _short(s["nodeid"]),
                one_line(f"{name} {arm['label']}"),
                arm_source(arm),
                cost_text(arm, judge=name == "judge"),
                _ms(arm["latency_p50_ms"]),
                _ms(arm["latency_p95_ms"]),
                *ttft,
            ]
        )
    if not rows:
        return []
    headers = ["test", "arm", "source", "cost", "latency p50", "p95", *(["ttft p50", "p95"] if streamed else [])]
    table = tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True)
    return ["cost and latency of the samples judged (cached samples at their recorded cost):", *str(table).splitlines()]


def cost_rows(entry: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """The rows of one test in the cost table: its arms that reported a cost or a latency, then its judges (one per
    judge model: an LLM judge's calls are paid for like samples)."""
    arms = [(n, a) for n, a in _named_arms(entry) if a["cost_usd"] is not None or a["latency_p50_ms"] is not None]
    return arms + [("judge", judge) for judge in entry.get("judges") or ()]


SAMPLED_SOURCES = ("model", "callable", "live", "judge")
"""Arm sources whose samples this run drew (from a provider or from the cache), as opposed to a file's."""


def arm_source(arm: Mapping[str, Any]) -> str:
    """Where an arm's samples came from, as a reviewer needs it: ``live (0 cached, 200 new)`` when this run asked the
    provider, ``cache (200 cached, 0 new)`` when every sample came from the cache (no call was made), ``golden``
    or ``records`` for a file's."""
    source = str(arm.get("source") or "")
    if source in SAMPLED_SOURCES:
        requested, cached = int(arm.get("requested") or 0), int(arm.get("cached") or 0)
        return f"{'cache' if cached and not requested else 'live'} ({cached} cached, {requested} new)"
    return source if source == "records" else "golden"


def cost_text(arm: Mapping[str, Any], *, judge: bool = False) -> str:
    """``$0.0123``; a judge without a price ``unknown (no price)`` (never $0), an arm ``-``."""
    cost = arm.get("cost_usd")
    if cost is None:
        return "unknown (no price)" if judge and (arm.get("requested") or arm.get("cached")) else "-"
    return f"${cost:.4f}"


def _named_arms(entry: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    return [(name, entry[name]) for name in ("candidate", "baseline") if entry.get(name)]


def _arms(entry: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [arm for _, arm in _named_arms(entry)]


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f} ms"
