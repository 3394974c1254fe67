"""The card's "drift since recorded" section: what ``--check`` found, per bundle, in Markdown and JSON.

A bundle "still behaves as recorded" when no paired change bound of its checked files regressed between the
recorded outputs and the fresh sample; it "drifted since recorded" when one did. Both arms are one fingerprint, so a
drift is the provider's: the model served under that name changed. At the small ``n`` of a check most bounds read
INCONCLUSIVE (no regression shown, but too few inputs to show the change is within the bound): that is not drift.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pytest_behavior.engine.card_check import FileCheck, Target, Unchecked

AS_RECORDED = "still behaves as recorded"
DRIFTED = "drifted since recorded"
READING = (
    "PASS: the change's interval lies within the bound; INCONCLUSIVE: no regression shown, but the inputs resampled "
    "are too few to show the change is within the bound (not drift; raise --check-n to decide it); REGRESSED: the "
    "live sample broke the bound against its own recording."
)


@dataclass(frozen=True)
class BundleCheck:
    label: str
    fingerprint: str
    files: tuple[FileCheck, ...]

    @property
    def drifted(self) -> bool:
        return any(f.drifted for f in self.files)

    @property
    def status(self) -> str:
        return DRIFTED if self.drifted else AS_RECORDED


def by_bundle(checks: Sequence[FileCheck]) -> list[BundleCheck]:
    groups: dict[str, list[FileCheck]] = {}
    for check in checks:
        groups.setdefault(check.target.bundle.fingerprint, []).append(check)
    return [BundleCheck(files[0].target.bundle.label, fp, tuple(files)) for fp, files in groups.items()]


def check_json(
    checks: Sequence[FileCheck], unchecked: Sequence[Unchecked], *, n: int, seed: int, alpha: float
) -> dict[str, Any]:
    from pytest_behavior.report.document import outcome_of, test_entry

    return {
        "check_n": n,
        "seed": seed,
        "alpha": alpha,
        "calls": sum(c.target.calls for c in checks),
        "drifted": any(c.drifted for c in checks),
        "bundles": [
            {
                "label": bundle.label,
                "fingerprint": bundle.fingerprint,
                "status": "drifted" if bundle.drifted else "as recorded",
                "files": [
                    {
                        "path": str(f.target.path),
                        "test": f.target.baseline.test,
                        "recorded_at": f.target.baseline.recorded_at,
                        "input_ids": [i.id for i in f.target.inputs],
                        "drifted": f.drifted,
                        "notes": list(f.diff.notes),
                        **test_entry(f.diff.comparison, outcome=outcome_of(f.diff.comparison)),
                    }
                    for f in bundle.files
                ],
            }
            for bundle in by_bundle(checks)
        ],
        "unchecked": [{"path": str(u.path), "test": u.test, "label": u.label, "reason": u.reason} for u in unchecked],
    }


def check_markdown(
    checks: Sequence[FileCheck], unchecked: Sequence[Unchecked], *, n: int, seed: int, alpha: float
) -> list[str]:
    from pytest_behavior.report.github import readable_markdown_text as markdown_text

    calls = sum(c.target.calls for c in checks)
    lines = [
        "## Drift since recorded",
        "",
        f"Resampled live: {len(checks)} golden file{'s' if len(checks) != 1 else ''}, up to {n} inputs each"
        f"{raised_note([c.target for c in checks], n)} "
        f"(seeded subset, seed {seed}), {calls:,} calls, never from the cache; judged against the recorded outputs "
        f"with each test's own properties, paired by input id, at alpha {alpha:g}.",
        "",
    ]
    for bundle in by_bundle(checks):
        lines += [f"### {markdown_text(bundle.label)} (`{bundle.fingerprint[:12]}`): {bundle.status}", ""]
        if bundle.drifted:
            lines += [
                "Same fingerprint on both sides (the bundle was rebuilt from its recorded description), so this is "
                "provider drift: the model served under this name no longer behaves as recorded.",
                "",
            ]
        lines += _table(bundle)
        notes = [note for check in bundle.files for note in _notes(check)]
        lines += ["", *notes] if notes else []
        lines.append("")
    if checks:
        lines += [READING, ""]
    if unchecked:
        lines += ["Not checked:", ""]
        lines += [
            f"- {markdown_text(str(u.path))} ({markdown_text(u.label)}): {markdown_text(u.reason)}" for u in unchecked
        ]
        lines.append("")
    return lines


def _notes(check: FileCheck) -> list[str]:
    """The file's notes, then why each bound shown as not judged was not (whole: a note is never cut mid-word)."""
    from pytest_behavior.report.github import readable_markdown_text as markdown_text

    test = markdown_text(check.target.baseline.test)
    lines = [f"- {test}: {markdown_text(note)}" for note in check.diff.notes]
    for v in check.diff.comparison.verdicts:
        if v.segment is None and not_judged(v.verdict.value, v.advice, v.method):
            why = f"{v.metric} {v.bound} is not judged: {v.advice.removesuffix(' (not judged)')}"
            fix = "resample that many to judge it (leave --check-n out, or raise it)"
            lines.append(f"- {test}: {markdown_text(why)}; {fix}")
    return lines


def not_judged(verdict: str, advice: str, method: str) -> bool:
    """A bound not judged at all: too few inputs for its method (a p95 ratio below 40), its advice the reason."""
    return verdict == "INCONCLUSIVE" and bool(advice) and advice == method


def raised_note(targets: Sequence[Target], n: int) -> str:
    """``", 40 for a file with a p95 or shape bound"`` when a file resamples more than ``n`` (its tail bounds are
    not judged at fewer), else nothing."""
    raised = max((len(t.inputs) for t in targets), default=0)
    return f", {raised} for a file with a p95 or shape bound" if raised > n else ""


def _table(bundle: BundleCheck) -> list[str]:
    from pytest_behavior.report.document import test_entry
    from pytest_behavior.report.github import readable_markdown_text as markdown_text
    from pytest_behavior.report.matrix import short_test
    from pytest_behavior.report.values import format_change, format_estimate, format_value, interval_style

    entries = [(f, test_entry(f.diff.comparison, outcome="")) for f in bundle.files]
    style = interval_style(v for _, e in entries for v in e["properties"] if v["segment"] is None)
    lines = [
        "| test | inputs | bound | recorded → live | change [interval] | verdict |",
        "|---|---:|---|---|---|---|",
    ]
    for check, entry in entries:
        name = markdown_text(short_test(check.target.baseline.test))
        for v in (v for v in entry["properties"] if v["segment"] is None):
            values = f"{format_value(v['kind'], v['baseline'])} → {format_value(v['kind'], v['candidate'])}"
            bound = markdown_text(f"{v['metric']} {v['bound']}")
            change, verdict = format_change(v, style=style), v["verdict"]
            if not_judged(v["verdict"], v["advice"], v["method"]):  # no interval: say why, not [x0.00, –]
                change, verdict = f"{format_estimate(v['scale'], v['estimate'])} (not judged)", f"{verdict} (see below)"
            lines.append(f"| {name} | {entry['n_paired']} | {bound} | {values} | {markdown_text(change)} | {verdict} |")
    return lines
