"""Judged quality in the reports: what a run's correctness, preference and rubric properties counted, as plain data.

`judged_entries` reads a `Comparison` (its properties with the judge's answers, its observations and paired outputs)
into the JSON entry's ``judged`` list, one item per property: which judge (model, template version, sha256), and
- correctness: right / wrong outputs per arm, and the inputs that went right -> wrong (and back);
- preference: wins / ties / losses of the candidate (each comparison judged in both orders), the judge's order
  consistency, the share of decided judgments the longer answer won, the raw and the length-controlled win rate,
  unparsed answers, and the inputs the candidate lost most clearly, with the judge's reason;
- rubric: the count of each score 1..scale per arm, unparsed answers per arm, and the inputs whose score dropped
  most, with the judge's reason.
Every other report (terminal, JUnit, GitHub, HTML) reads these items back: `judged_lines` says them in one line each.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import Any

from pytest_behavior.sanitize import clipped, one_line

MAX_INPUTS = 5
"""Inputs listed per property (the clearest losses, the biggest drops, right -> wrong)."""
REASON_CHARS = 200


def judged_entries(result: Any) -> list[dict[str, Any]]:
    """One item per correctness, preference or rubric property of ``result`` (a `Comparison`)."""
    from pytest_behavior.properties.correctness import Correctness
    from pytest_behavior.properties.preference import Preference
    from pytest_behavior.properties.rubric import Rubric

    judged = [p for p in result.properties if isinstance(p, (Preference, Rubric, Correctness))]
    if not judged:
        return []
    paired = list(result.paired_ids)
    base = None if result.baseline_outputs is None else [result.baseline_outputs[i] for i in paired]
    cand = [result.candidate_outputs[i] for i in paired]
    entries = []
    for prop in judged:
        if isinstance(prop, Preference):
            entries.append(_preference(prop, base, cand, paired))
        elif isinstance(prop, Rubric):
            entries.append(_rubric(prop, base, cand, paired))
        elif isinstance(prop, Correctness):
            entries.append(_correctness(prop, result.observations, paired))
    return entries


def judge_of(prop: Any) -> dict[str, Any] | None:
    """The judge's identity: its id as golden files record it, the model, the template's version and sha256."""
    judge_id = getattr(prop, "judge_id", None)
    if not isinstance(judge_id, str):
        return None
    template = getattr(prop, "template", None)
    judge = getattr(prop, "judge", None)
    model = judge if isinstance(judge, str) else getattr(judge, "model", None)
    return {
        "id": judge_id,
        "model": None if model is None else str(model),
        "template_version": getattr(template, "version", None),
        "sha256": getattr(template, "sha256", None),
    }


def _base(prop: Any, metric_key: str) -> dict[str, Any]:
    return {"property": prop.marker_name, "metric_key": metric_key, "judge": judge_of(prop)}


def _preference(prop: Any, base: Any, cand: Any, ids: Sequence[str]) -> dict[str, Any]:
    """The preference's counts, computed by the property itself (`properties.preference.tally`, `losses`), as the
    diff shows them."""
    from pytest_behavior.properties.preference import losses, tally

    entry = _base(prop, "preference")
    if base is None or prop.judgments is None:  # recorded without a baseline: nothing was compared
        return {**entry, "comparisons": 0}
    rows = prop.comparisons(base, cand)
    t = tally(rows)
    counted = dataclasses.asdict(t)
    for rate in ("win_rate", "length_controlled_win_rate"):
        counted[rate] = _finite(counted[rate]) if t.comparisons else None
    return {
        **entry,
        **counted,
        "clearest_losses": [
            {"input_id": ids[i], "score": round(score, 4), "reason": reason and clipped(reason, REASON_CHARS)}
            for score, i, reason in losses(rows, MAX_INPUTS)
        ],
    }


def _rubric(prop: Any, base: Any, cand: Any, ids: Sequence[str]) -> dict[str, Any]:
    """The rubric's score counts per arm and biggest drops, as the property computes them for its diff."""
    entry = {**_base(prop, "rubric"), "scale": prop.scale}
    if prop.judgments is None:
        return entry
    scores: dict[str, Any] = {"baseline": None, "candidate": None}
    for name, texts in (("baseline", base), ("candidate", cand)):
        if texts is not None:
            counts, unparsed = prop.score_counts(texts)
            scores[name] = {"counts": counts, "unparsed": unparsed}
    drops = [] if base is None else prop.drops(base, cand)[:MAX_INPUTS]
    return {
        **entry,
        "scores": scores,
        "biggest_drops": [
            {
                "input_id": ids[d.index],
                "baseline": round(d.baseline, 4),
                "candidate": round(d.candidate, 4),
                "reason": d.reason and clipped(d.reason, REASON_CHARS),
            }
            for d in drops
        ],
    }


def _correctness(prop: Any, observations: Sequence[tuple[str, Any]], ids: Sequence[str]) -> dict[str, Any]:
    entry = _base(prop, "correctness")
    obs = next((o for name, o in observations if name == prop.marker_name), None)
    if obs is None:
        return entry
    counts = {
        name: None if values is None else {"right": int(values.sum()), "wrong": int(values.size - values.sum())}
        for name, values in (("baseline", obs.baseline), ("candidate", obs.candidate))
    }
    entry["counts"] = counts
    if obs.baseline is not None:
        change = obs.candidate.mean(axis=1) - obs.baseline.mean(axis=1)
        worse = sorted((float(d), i) for i, d in enumerate(change) if d < 0)
        entry["right_to_wrong"] = len(worse)
        entry["wrong_to_right"] = int((change > 0).sum())
        entry["right_to_wrong_inputs"] = [ids[i] for _, i in worse[:MAX_INPUTS]]
    return entry


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


# ---- reading the items back ----------------------------------------------------------------------------------------


def judged_lines(item: Mapping[str, Any]) -> list[str]:
    """What one ``judged`` item says, a line per fact (the GitHub summary and the HTML captions):
    ``preference: 12 wins / 20 ties / 8 losses of the candidate in 40 comparisons ...``."""
    return [text for _, text in judged_facts(item)]


def judged_facts(item: Mapping[str, Any]) -> list[tuple[str, str]]:
    """What one ``judged`` item says, as (name, line) pairs: the JUnit property names them
    ``behavior:<metric_key>:<name>``; a name may repeat (one ``lost`` per input)."""
    prop = str(item.get("property"))
    facts: list[tuple[str, str]] = []
    if prop == "preference" and item.get("comparisons"):
        from pytest_behavior.properties.preference import PreferenceTally, tally_lines

        rates = ("win_rate", "length_controlled_win_rate")
        counts: dict[str, Any] = {f.name: item.get(f.name) or 0 for f in dataclasses.fields(PreferenceTally)}
        counts.update({rate: math.nan if item.get(rate) is None else float(item[rate]) for rate in rates})
        facts += tally_lines(PreferenceTally(**counts))
        facts += [
            (
                "lost",
                f"lost: {one_line(x['input_id'])} (score {x['score']:.2f}; judge: {one_line(x.get('reason') or '-')})",
            )
            for x in item.get("clearest_losses") or ()
        ]
    elif prop == "preference":
        facts.append(("wins_ties_losses", "preference: not compared (no baseline)"))
    elif prop == "rubric" and item.get("scores"):
        scale = int(item.get("scale") or 0)
        for arm in ("baseline", "candidate"):
            scores = item["scores"].get(arm)
            if scores:
                shown = ", ".join(f"{k + 1}: {n}" for k, n in enumerate(scores["counts"]))
                unparsed = f", unparsed: {scores['unparsed']}" if scores["unparsed"] else ""
                facts.append(
                    (
                        f"scores_{arm}",
                        f"rubric scores (1..{scale}) {arm}: {shown}{unparsed}; mean {_mean(scores['counts'])}",
                    )
                )
        facts += [
            (
                "dropped",
                f"dropped: {one_line(x['input_id'])} {x['baseline']:.2f} -> {x['candidate']:.2f} "
                f"(judge: {one_line(x.get('reason') or '-')})",
            )
            for x in item.get("biggest_drops") or ()
        ]
    elif prop == "correctness" and item.get("counts"):
        for arm in ("baseline", "candidate"):
            counts = item["counts"].get(arm)
            if counts:
                facts.append((arm, f"correctness {arm}: {counts['right']} right, {counts['wrong']} wrong"))
        if "right_to_wrong" in item:
            went = ", ".join(one_line(i) for i in item.get("right_to_wrong_inputs") or ())
            facts.append(
                (
                    "right_to_wrong",
                    f"right -> wrong: {item['right_to_wrong']} inputs, wrong -> right: {item['wrong_to_right']}"
                    + (f" (most: {went})" if went else ""),
                )
            )
    judge = item.get("judge")
    if isinstance(judge, Mapping) and judge.get("id"):
        facts.append(("judge", f"judge: {one_line(judge['id'])}"))
    return facts


def _mean(counts: Sequence[int]) -> str:
    total = sum(counts)
    return "-" if not total else f"{sum((k + 1) * n for k, n in enumerate(counts)) / total:.2f}"
