"""Per-test properties for ``--junitxml`` (carried on the report, so they survive xdist).

pytest escapes a property's value for XML but writes its name as given, so a segment named with ``\x0b`` or
``ESC`` would make the whole file unparseable: every name and value goes through `one_line` here, which leaves
only characters XML 1.0 allows (and shows the others as escapes, the same ones the terminal shows).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pytest_behavior.report.judged import judged_facts
from pytest_behavior.report.terminal import arm_source, cost_text
from pytest_behavior.report.values import describe_change, format_p, levels
from pytest_behavior.sanitize import one_line


def junit_properties(entry: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``behavior_outcome``, the bundles, the diff file, and per bound (and regressed segment):
    ``behavior:<metric>[segment]:<bound>`` = ``REGRESSED x1.45, 90% interval [x1.30, x1.62], p=0.001`` (the interval
    named by its levels, `describe_change`), and ``…:<bound>:lower_level`` / ``…:upper_level`` = ``0.95``, the
    confidence of each end; per judged property (correctness, preference, rubric) what it counted
    (``behavior:preference:wins_ties_losses``, ``…:order_consistency``, ``…:win_rate``, ``behavior:rubric:dropped``,
    ``behavior:correctness:right_to_wrong``, ``…:judge``), and per judge model its calls and cost
    (``behavior_judge:<model>``)."""
    props = [("behavior_outcome", str(entry["outcome"]))]
    for arm in ("candidate", "baseline"):
        data = entry.get(arm)
        if data:
            props.append((f"behavior_{arm}", f"{data['label']} {(data['fingerprint'] or '-')[:12]} {data['source']}"))
    if entry.get("provider_drift"):
        props.append(("behavior_provider_drift", "true"))
    if entry.get("diff_file"):
        props.append(("behavior_diff_file", str(entry["diff_file"])))
    for v in entry["properties"]:
        if v["segment"] is not None and not v.get("confined") and v["verdict"] != "REGRESSED":
            continue
        where = "" if v["segment"] is None else f"[{v['segment']}]"
        name = f"behavior:{v['metric_key']}{where}:{v['bound']}"
        props.append((name, f"{v['verdict']} {describe_change(v)}, p={format_p(v['p_adjusted'], missing='-')}"))
        lower, upper = levels(v)
        props += [(f"{name}:lower_level", f"{lower:.6g}"), (f"{name}:upper_level", f"{upper:.6g}")]
    for item in entry.get("judged") or ():
        facts: dict[str, list[str]] = {}
        for fact, text in judged_facts(item):
            facts.setdefault(fact, []).append(text)
        props += [(f"behavior:{item['metric_key']}:{fact}", "; ".join(texts)) for fact, texts in facts.items()]
    for judge in entry.get("judges") or ():
        props.append((f"behavior_judge:{judge['label']}", f"{arm_source(judge)}, cost {cost_text(judge, judge=True)}"))
    return [(one_line(name), one_line(value)) for name, value in props]
