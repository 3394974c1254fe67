"""The plugin on behavior changes that really happened: recorded outputs of real models (../shared/data).

Each test builds two records bundles (JSONL, written at test time into pytester's tmp dir from the shared
CSV/JSON — no data text lives in this repository), runs the plugin on them in-process with
``--behavior-baseline=live``, and asserts the verdict a careful engineer expects for that change:

- XSTest (human refusal labels): Mistral's guardrail system prompt makes it refuse safe prompts
  (REGRESSED); removing Llama-2's system prompt keeps it refusing unsafe prompts (no regression) and
  makes it refuse fewer safe prompts (PASS).
- AlpacaEval (805 instructions): gpt-4-0613 -> gpt-4-1106-preview nearly doubles answer length, the
  "be concise" system prompt halves it (both REGRESSED); near-null pairs never regress.

Every test prints the effect sizes the plugin reported (``REALDATA`` lines; run with ``-s`` to see them).
The refusal detector is being improved, so refusal assertions are on verdicts and directions, compared
only loosely with the human labels; exact detector rates are never asserted.

The data lives next to the repository (``../shared/data``); a user's clone has none, and the tests
skip. ``BEHAVIOR_SHARED_DATA=/some/dir`` points them at another copy (or at nothing, to see the skip).
"""

from __future__ import annotations

import csv
import functools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.shared_data import require

pytest_plugins = ["pytester"]

HUMAN_REFUSAL = frozenset({"2_full_refusal", "3_partial_refusal"})

Record = dict[str, Any]


# --- the data ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class XSTestItem:
    id: str  # the prompt id, "1".."450" (completion files say "v2-N")
    prompt: str
    label: str  # safe / unsafe
    completion: str
    human_refusal: bool  # final human label: full or partial refusal


@functools.cache
def xstest(root: Path, model: str) -> tuple[XSTestItem, ...]:
    with (root / "xstest_prompts.csv").open(encoding="utf-8-sig", newline="") as f:
        prompts = {row["id"]: row for row in csv.DictReader(f)}
    path = root / "model_completions" / f"xstest_v2_completions_{model}.csv"
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    items = []
    for row in rows:
        prompt = prompts[row["id"].removeprefix("v2-")]
        items.append(
            XSTestItem(
                id=prompt["id"],
                prompt=prompt["prompt"],
                label=prompt["label"],
                completion=row["completion"],
                human_refusal=row["final_label"] in HUMAN_REFUSAL,
            )
        )
    assert len(items) == 450, f"{path}: {len(items)} rows, PROVENANCE.md says 450"
    return tuple(items)


def xstest_records(items: Iterable[XSTestItem]) -> list[Record]:
    return [{"id": f"xstest-{i.id}", "input": i.prompt, "output": i.completion} for i in items]


def human_rate(items: Iterable[XSTestItem]) -> float:
    flags = [i.human_refusal for i in items]
    return sum(flags) / len(flags)


@functools.cache
def alpaca(root: Path, model: str) -> tuple[Record, ...]:
    """One record per instruction; the id derives from the instruction text, so pairing joins on it."""
    rows = json.loads((root / "results" / model / "model_outputs.json").read_text(encoding="utf-8"))
    assert len({r["instruction"] for r in rows}) == len(rows), f"{model}: duplicate instructions"
    return tuple({"input": r["instruction"], "output": r["output"]} for r in rows)


# --- running the plugin -----------------------------------------------------------------------------------

CONFTEST = """
import json
from pathlib import Path

import pytest
from pytest_behavior import Bundle

ARMS = json.loads(Path(__file__).with_name("arms.json").read_text(encoding="utf-8"))


def arm(request, side):
    spec = ARMS[request.node.originalname][side]
    return Bundle.from_records(spec["path"], label=spec["label"])


@pytest.fixture
def baseline_bundle(request):
    return arm(request, "baseline")


@pytest.fixture
def candidate_bundle(request):
    return arm(request, "candidate")
"""


@dataclass(frozen=True)
class Arm:
    label: str
    records: list[Record]


def alpaca_arm(root: Path, model: str) -> Arm:
    return Arm(model, list(alpaca(root, model)))


@dataclass(frozen=True)
class Row:
    """One row of the end-of-run "behavior summary" table."""

    test: str
    metric: str
    bound: str
    baseline: str
    candidate: str
    change: str
    verdict: str


def run_case(pytester: pytest.Pytester, spec: str, arms: Mapping[str, tuple[Arm, Arm]], *args: str) -> pytest.RunResult:
    """Write each test's two records files and run ``spec`` on them (test name -> (baseline, candidate))."""
    table: dict[str, dict[str, dict[str, str]]] = {}
    for test, pair in arms.items():
        table[test] = {}
        for side, a in zip(("baseline", "candidate"), pair, strict=True):
            path = pytester.path / f"{test}.{side}.jsonl"
            path.write_text("".join(json.dumps(r) + "\n" for r in a.records), encoding="utf-8")
            table[test][side] = {"path": str(path), "label": a.label}
    (pytester.path / "arms.json").write_text(json.dumps(table), encoding="utf-8")
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_case=spec)
    return pytester.runpytest("--behavior-baseline=live", "--behavior-cache=off", *args)


def summary_rows(result: pytest.RunResult) -> list[Row]:
    lines = result.stdout.lines
    start = next(i for i, line in enumerate(lines) if re.fullmatch(r"=+ behavior summary =+", line))
    assert lines[start + 1].split()[:2] == ["test", "property"], lines[start + 1]
    rows = []
    for line in lines[start + 3 :]:
        cells = re.split(r"\s{2,}", line.strip())
        if line.startswith("samples:") or len(cells) != 6:
            break
        test, metric, bound, values, change, verdict = cells
        baseline, _, candidate = values.partition(" -> ")
        rows.append(Row(test.rpartition("::")[2], metric, bound, baseline, candidate, change, verdict))
    return rows


def row(result: pytest.RunResult, test: str, bound: str) -> Row:
    matches = [r for r in summary_rows(result) if r.test == test and r.bound == bound]
    assert len(matches) == 1, f"no summary row for {test} / {bound}:\n" + "\n".join(result.stdout.lines[-30:])
    return matches[0]


def bounds95(result: pytest.RunResult) -> dict[tuple[str, str], tuple[float, float]]:
    """The one-sided 95% bounds of each overall verdict, from the report data the plugin attaches."""
    found: dict[tuple[str, str], tuple[float, float]] = {}
    for report in result.reprec.getreports("pytest_runtest_logreport"):  # type: ignore[attr-defined]
        data = getattr(report, "behavior", None)
        if report.when != "call" or not data:
            continue
        for v in data["properties"]:
            if v.get("segment") is None and v.get("lower") is not None and v.get("upper") is not None:
                found[(report.location[2], v["bound"])] = (v["lower"], v["upper"])
    return found


def report_effects(case: str, result: pytest.RunResult, **context: str) -> None:
    """Print the effect sizes the plugin reported (seen with ``pytest -s``)."""
    bounds = bounds95(result)
    for r in summary_rows(result):
        interval = bounds.get((r.test, r.bound))
        shown = "" if interval is None else f", 95% bounds [{_fmt(r.bound, interval[0])}, {_fmt(r.bound, interval[1])}]"
        print(
            f"REALDATA {case}: {r.test} {r.metric} {r.bound}: {r.baseline} -> {r.candidate}, "
            f"change {r.change}{shown} => {r.verdict}"
        )
    for key, value in context.items():
        print(f"REALDATA {case}: {key}: {value}")


def _fmt(bound: str, value: float) -> str:
    if bound.startswith(("max_ratio", "min_ratio")):
        return f"x{value:.3f}"
    if bound.startswith(("max_rate", "min_rate")):
        return f"{100 * value:.1f}%"
    return f"{100 * value:+.1f} pts"


def pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def rate(cell: str) -> float:
    """'12.8%' -> 0.128 (a summary-table rate)."""
    return float(cell.rstrip("%")) / 100


# --- XSTest: refusals under system-prompt changes ---------------------------------------------------------

REFUSAL_SAFE = """
import pytest

@pytest.mark.refusal_bound(max_increase=0.02)
def test_safe_prompts(behavior):
    result = behavior.sample()
    assert len(result.paired_ids) == 250
"""


def test_xstest_mistral_guardrail_prompt_refuses_safe_prompts(pytester: pytest.Pytester) -> None:
    """Case 1: Mistral's guardrail system prompt makes Mistral-7B-Instruct refuse safe prompts -> REGRESSED."""
    root = require("xstest")
    base = [i for i in xstest(root, "mistralinstruct") if i.label == "safe"]
    cand = [i for i in xstest(root, "mistralguard") if i.label == "safe"]
    assert len(base) == len(cand) == 250
    human = human_rate(base), human_rate(cand)
    # The humans see 1.6% -> 18.8%: an increase far beyond the 2-point bound, so REGRESSED is the right call.
    assert human[1] - human[0] > 0.1, human

    result = run_case(
        pytester,
        REFUSAL_SAFE,
        {
            "test_safe_prompts": (
                Arm("mistralinstruct", xstest_records(base)),
                Arm("mistralguard", xstest_records(cand)),
            )
        },
    )

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*behavior regressed*250 paired inputs*",
            "*behavior summary*",
            "*test_safe_prompts*refusal rate*max_increase=0.02*REGRESSED*",
        ]
    )
    r = row(result, "test_safe_prompts", "max_increase=0.02")
    assert rate(r.candidate) > rate(r.baseline)  # the detector sees the same direction as the humans
    report_effects(
        "xstest mistralinstruct->mistralguard (250 safe)",
        result,
        human=f"{pct(human[0])} -> {pct(human[1])} ({100 * (human[1] - human[0]):+.1f} pts)",
    )


REFUSAL_UNSAFE = """
import pytest

@pytest.mark.refusal_bound(min_rate=0.9)
def test_unsafe_prompts(behavior):
    result = behavior.sample()
    assert len(result.paired_ids) == 200
"""


def test_xstest_llama2_without_system_prompt_still_refuses_unsafe_prompts(pytester: pytest.Pytester) -> None:
    """Case 2: removing Llama-2-70b-chat's system prompt keeps its refusals of unsafe prompts -> no regression.

    The human labels say llama2new refuses (fully or partly) every one of the 200 unsafe prompts, as
    llama2orig does: the truth is "still refuses >= 90%", so the test must pass. Whether the verdict is PASS
    or INCONCLUSIVE depends on the detector, not on the model: with 200 inputs, the one-sided 95% lower bound
    of the detected rate clears 0.9 only when the detector finds about 94% of the refusals, and the
    keyword detector misses some of Llama-2's wordier refusals (around 91% found at the time of writing,
    hence INCONCLUSIVE, with its warning). A REGRESSED verdict would be a false alarm.
    """
    root = require("xstest")
    base = [i for i in xstest(root, "llama2orig") if i.label == "unsafe"]
    cand = [i for i in xstest(root, "llama2new") if i.label == "unsafe"]
    assert len(base) == len(cand) == 200
    human = human_rate(base), human_rate(cand)
    assert human[1] >= 0.98, human  # what the data supports: llama2new still refuses unsafe prompts

    result = run_case(
        pytester,
        REFUSAL_UNSAFE,
        {"test_unsafe_prompts": (Arm("llama2orig", xstest_records(base)), Arm("llama2new", xstest_records(cand)))},
        "-W",
        "ignore::UserWarning",
    )

    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*behavior summary*", "*test_unsafe_prompts*refusal rate*min_rate=0.9*"])
    r = row(result, "test_unsafe_prompts", "min_rate=0.9")
    assert r.verdict in ("PASS", "INCONCLUSIVE"), r
    # Loosely against the humans (100%): the detector must find most of these refusals for the bound to mean much.
    assert rate(r.candidate) >= human[1] - 0.2, r
    report_effects("xstest llama2orig->llama2new (200 unsafe)", result, human=f"{pct(human[0])} -> {pct(human[1])}")


def test_xstest_llama2_without_system_prompt_refuses_fewer_safe_prompts(pytester: pytest.Pytester) -> None:
    """Direction control for case 2: on the safe prompts llama2new refuses far less (humans: 59.6% -> 29.6%),
    which ``max_increase`` must not call a regression -> PASS."""
    root = require("xstest")
    base = [i for i in xstest(root, "llama2orig") if i.label == "safe"]
    cand = [i for i in xstest(root, "llama2new") if i.label == "safe"]
    human = human_rate(base), human_rate(cand)
    assert human[1] - human[0] < -0.2, human

    result = run_case(
        pytester,
        REFUSAL_SAFE,
        {"test_safe_prompts": (Arm("llama2orig", xstest_records(base)), Arm("llama2new", xstest_records(cand)))},
    )

    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*behavior summary*", "*test_safe_prompts*refusal rate*max_increase=0.02*PASS*"])
    r = row(result, "test_safe_prompts", "max_increase=0.02")
    assert rate(r.candidate) < rate(r.baseline)
    report_effects(
        "xstest llama2orig->llama2new (250 safe)",
        result,
        human=f"{pct(human[0])} -> {pct(human[1])} ({100 * (human[1] - human[0]):+.1f} pts)",
    )


# --- AlpacaEval: answer length on real upgrades and prompt variants --------------------------------------

LONGER = """
import pytest

@pytest.mark.length_distribution(max_ratio=1.3, unit="chars")
def test_answer_length(behavior):
    result = behavior.sample()
    assert len(result.paired_ids) == 805
"""


def test_alpaca_gpt4_1106_preview_answers_much_longer(pytester: pytest.Pytester) -> None:
    """Case 3: gpt-4-0613 -> gpt-4-1106-preview (median 1122 -> 2132 characters) breaks max_ratio=1.3 -> REGRESSED."""
    root = require("alpaca_eval")
    result = run_case(
        pytester, LONGER, {"test_answer_length": (alpaca_arm(root, "gpt4_0613"), alpaca_arm(root, "gpt4_1106_preview"))}
    )

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*behavior regressed*805 paired inputs*",
            "*behavior summary*",
            "*test_answer_length*length (chars)*max_ratio=1.3*1122 -> 2132*REGRESSED*",
        ]
    )
    r = row(result, "test_answer_length", "max_ratio=1.3")
    assert float(r.change.lstrip("x")) > 1.3, r
    report_effects("alpaca gpt4_0613->gpt4_1106_preview", result)


SHORTER = """
import pytest

@pytest.mark.length_distribution(min_ratio=0.8, unit="chars")
def test_answer_length(behavior):
    behavior.sample()

@pytest.mark.length_distribution(min_ratio=0.8, unit="chars")
def test_verbose_control(behavior):
    behavior.sample()
"""


def test_alpaca_concise_system_prompt_answers_much_shorter(pytester: pytest.Pytester) -> None:
    """Case 4: gpt-4-0613 told to be "as concise as possible" breaks min_ratio=0.8 -> REGRESSED; the same
    model told to give "as much detail as possible" (the other known-direction control) passes that bound."""
    root = require("alpaca_eval")
    base = alpaca_arm(root, "gpt4_0613")
    result = run_case(
        pytester,
        SHORTER,
        {
            "test_answer_length": (base, alpaca_arm(root, "gpt4_0613_concise")),
            "test_verbose_control": (base, alpaca_arm(root, "gpt4_0613_verbose")),
        },
    )

    result.assert_outcomes(failed=1, passed=1)
    result.stdout.fnmatch_lines_random(
        [
            "*test_answer_length*length (chars)*min_ratio=0.8*1122 -> 511*REGRESSED*",
            "*test_verbose_control*length (chars)*min_ratio=0.8*1122 -> 1535*PASS*",
        ]
    )
    r = row(result, "test_answer_length", "min_ratio=0.8")
    assert float(r.change.lstrip("x")) < 0.8, r
    report_effects("alpaca gpt4_0613->gpt4_0613_concise / _verbose", result)


# --- near-null pairs: no false alarm ----------------------------------------------------------------------

NULL = """
import pytest

@pytest.mark.refusal_bound(max_increase=0.03)
@pytest.mark.length_distribution(max_ratio=1.15, min_ratio=0.87, unit="chars")
def test_no_change(behavior):
    behavior.sample()
"""
NULL_BOUNDS = ("max_increase=0.03", "max_ratio=1.15", "min_ratio=0.87")


@pytest.mark.parametrize(
    ("baseline", "candidate"),
    [
        # claude-v1 -> claude-2: the nearest pair of the 153 among the 18 models (paired geometric-mean length
        # ratio 0.997 +- 0.010 s.e., same keyword-refusal rate), and a real upgrade of one model family.
        ("claude", "claude-2"),
        # gpt-4-turbo-2024-04-09 -> gpt-4o-2024-05-13: the README's other near-null upgrade (ratio ~1.03).
        ("gpt-4-turbo-2024-04-09", "gpt-4o-2024-05-13"),
    ],
)
def test_alpaca_near_null_upgrade_never_regresses(pytester: pytest.Pytester, baseline: str, candidate: str) -> None:
    """Case 5: two models whose answers are about as long and refuse as rarely -> no bound REGRESSED.

    Lengths: +-15% on the paired ratio is a reasonable "same length" tolerance, several standard errors
    wider than the real difference, so both length bounds must PASS. Refusals: ~1-3% of answers on
    AlpacaEval by the keyword detector for every model; a 3-point tolerance must not regress (PASS or
    INCONCLUSIVE, depending on the detector's discordant pairs)."""
    root = require("alpaca_eval")
    result = run_case(
        pytester,
        NULL,
        {"test_no_change": (alpaca_arm(root, baseline), alpaca_arm(root, candidate))},
        "-W",
        "ignore::UserWarning",
    )

    result.assert_outcomes(passed=1)
    rows = {r.bound: r for r in summary_rows(result) if r.test == "test_no_change"}
    assert set(rows) == set(NULL_BOUNDS), rows
    assert all(r.verdict != "REGRESSED" for r in rows.values()), rows
    assert rows["max_ratio=1.15"].verdict == rows["min_ratio=0.87"].verdict == "PASS", rows
    report_effects(f"alpaca near-null {baseline}->{candidate}", result)


XSTEST_AA = """
import pytest

@pytest.mark.refusal_bound(max_increase=0.02)
@pytest.mark.length_distribution(max_ratio=1.15, min_ratio=0.87, unit="chars")
def test_same_model(behavior):
    result = behavior.sample()
    assert len(result.paired_ids) == 450
"""


def test_xstest_same_model_aa_passes(pytester: pytest.Pytester) -> None:
    """Case 5, A/A sanity: mistralinstruct against its own recorded outputs (450 prompts) -> every bound PASS."""
    root = require("xstest")
    records = xstest_records(xstest(root, "mistralinstruct"))
    result = run_case(
        pytester,
        XSTEST_AA,
        {"test_same_model": (Arm("mistralinstruct", records), Arm("mistralinstruct-again", records))},
    )

    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines_random(
        [
            "*test_same_model*refusal rate*max_increase=0.02*+0.0 pts*PASS*",
            "*test_same_model*length (chars)*max_ratio=1.15*x1.00*PASS*",
            "*test_same_model*length (chars)*min_ratio=0.87*x1.00*PASS*",
        ]
    )
    report_effects("xstest A/A mistralinstruct", result)
