"""Per-test properties for ``--junitxml`` (carried on the report, so they survive xdist).

pytest escapes a property's value for XML but writes its name as given, so a segment named with ``\x0b`` or
``ESC`` would make the whole file unparseable: every name and value goes through `one_line` here, which leaves
only characters XML 1.0 allows (and shows the others as escapes, the same ones the terminal shows).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pytest_behavior.report.sanitize import one_line
from pytest_behavior.report.values import format_change, format_p


def junit_properties(entry: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``behavior_outcome``, the bundles, the diff file, and one property per bound (and regressed segment):
    ``behavior:<metric>[segment]:<bound>`` = ``REGRESSED x1.45 [x1.30, x1.62] p=0.001``."""
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
        props.append((f"behavior:{v['metric_key']}{where}:{v['bound']}",
                      f"{v['verdict']} {format_change(v)} p={format_p(v['p_adjusted'], missing='-')}"))
    return [(one_line(name), one_line(value)) for name, value in props]
