"""The text of ``pytest-behavior diff``: one golden file judged against another, or two directories of them.

The judging is `pytest_behavior.engine.golden_compare`'s; this module renders it with the plugin's own failure
diff and verdict table, and sums up a directory pair in a line per file and an exit status.
"""

from __future__ import annotations

from pathlib import Path

from pytest_behavior.engine.comparison import pairing_lines
from pytest_behavior.engine.golden_compare import GoldenDiff, compare_golden, pair_directories
from pytest_behavior.errors import BehaviorConfigError
from pytest_behavior.golden.store import load_golden
from pytest_behavior.report.failure import inconclusive_message, render_failure, verdict_table
from pytest_behavior.sanitize import printable


def diff_directories(baseline: Path, candidate: Path, *, alpha: float = 0.05) -> tuple[str, int]:
    """Every file pair of two directories judged; the text and the exit status (2: a pair could not be compared,
    else 1: a regression, else 0). A pass is one line; a regression or an undecided bound shows its diff."""
    pairs = pair_directories(baseline, candidate)
    sections: list[str] = []
    counts = {"regressed": 0, "passed": 0, "errors": 0}
    for base, cand in pairs.paired:
        name = cand.relative_to(candidate)
        try:
            diff = compare_golden(
                load_golden(base), load_golden(cand), alpha=alpha, baseline_source=str(base), candidate_source=str(cand)
            )
        except (BehaviorConfigError, ValueError) as exc:
            sections.append(f"== {name}: error\n{exc}\n")
            counts["errors"] += 1
            continue
        counts["regressed" if diff.regressed else "passed"] += 1
        head = f"== {name}: {summary_line(diff)}"
        if diff.regressed or diff.comparison.inconclusive:
            sections.append(f"{head}\n{render_golden_diff(diff)}\n")
        else:  # its notes (skipped properties, unpaired inputs) still show
            sections.append("\n".join([head, *diff.comparison.pairing_notes, *(f"note: {n}" for n in diff.notes)]))
    n = len(pairs.paired)
    lines = [
        f"{n} file pair{'s' if n != 1 else ''} compared: {counts['regressed']} regressed, "
        f"{counts['passed']} without regression, {counts['errors']} errors"
    ]
    lines += [f"only in {baseline} (baseline): {p.relative_to(baseline)}" for p in pairs.baseline_only]
    lines += [f"only in {candidate} (candidate): {p.relative_to(candidate)}" for p in pairs.candidate_only]
    status = 2 if counts["errors"] else 1 if counts["regressed"] else 0
    return printable("\n".join([*sections, "", *lines])), status


def summary_line(diff: GoldenDiff) -> str:
    """One line: REGRESSED, PASS or "no regression (k INCONCLUSIVE)", with the bounds and inputs judged."""
    result = diff.comparison
    overall = [v for v in result.verdicts if v.segment is None]
    undecided = sum(1 for v in overall if v.verdict.value == "INCONCLUSIVE")
    if result.regressed:
        status = f"REGRESSED ({sum(1 for v in overall if v.verdict.value == 'REGRESSED')} of {_bounds(len(overall))})"
    elif undecided:
        status = f"no regression ({undecided} of {_bounds(len(overall))} INCONCLUSIVE)"
    else:
        status = f"PASS ({_bounds(len(overall))})" if overall else "nothing judged"
    return f"{status}, {len(result.paired_ids)} paired inputs"


def _bounds(n: int) -> str:
    return f"{n} bound{'s' if n != 1 else ''}"


def render_golden_diff(diff: GoldenDiff) -> str:
    """The plugin's failure diff when something regressed; else the verdict table and the pairing notes."""
    result = diff.comparison
    if result.regressed:
        body = render_failure(result)
    elif not result.verdicts:
        body = (
            f"nothing judged: no bound of the baseline's properties could be evaluated, "
            f"{len(result.paired_ids)} paired inputs"
        )
    else:
        verdicts = [v for v in result.verdicts if v.segment is None]
        undecided = sum(1 for v in verdicts if v.verdict.value == "INCONCLUSIVE")
        status = "PASS" if not undecided else f"no regression ({undecided} INCONCLUSIVE)"
        head = (
            f"{status}: candidate {result.candidate.label!r} vs baseline {result.baseline.label!r} "
            f"({result.baseline.source}), {len(result.paired_ids)} paired inputs"
            if result.baseline is not None
            else status
        )
        lines = [head, "", verdict_table(verdicts)]
        if undecided:
            lines += ["", inconclusive_message(result)]
        pairing = pairing_lines(result)
        lines += ["", *pairing] if pairing else []
        body = "\n".join(lines)
    if diff.notes:
        body += "\n\n" + "\n".join(f"note: {note}" for note in diff.notes)
    return printable(body)  # labels, ids and notes come from the golden files: data
