"""Proof by simulation of the LLM-judged markers (issue 15, section 5): seeded Monte Carlo on the real code.

No pytest here: ``test_judged_sim.py`` asserts on what this module measures, and ``python -m
tests.simulation.judged_sim --jobs 2`` prints the same numbers as markdown (every run is seeded by its cell).

What runs is the plugin's own code from the outputs on: `properties.preference.Preference`,
`properties.rubric.Rubric` and `properties.correctness.Correctness` render their judge prompts
(``prompt_request``), read the answers and observe the scores; `engine.judge.judge` (the verdict engine, with its
Holm family and floors) turns the observation into REGRESSED / PASS / INCONCLUSIVE by the same stats functions a
test run uses. The one stand-in: the judge's answer to each rendered prompt comes from the simulated judge's pure
function (`sampling.sim_judge.judge`, the function behind its litellm handler) instead of a litellm call through
the sampler's cache, as `engine.llm_judge.judge_prompts` would (call seed 0; an unparsed answer asked once more under
the re-ask's seed). ``test_judged_sim.py`` has one end-to-end pytester smoke through litellm for the transport.

The judge (`JUDGE`) has position bias 0.3 and length bias 0.2 (accuracy 0.9, no ties): in each order it picks
position A in 30% of the calls, else the longer answer in 20% of the rest, else the answer that holds the
reference (with probability 0.9; two answers equally right: a coin per pair, the same in both orders).

The answers (per replication, input i, repeat j and arm): right with probability ``base_right`` /
``cand_right`` by a latent normal threshold with per-input difficulty (ICC 0.3, shared by both arms and all
repeats); a right answer holds the input's reference code, a wrong one another code, padded with filler words to
a length drawn lognormal around 40 words per input (between-input SD 0.5, per-output SD 0.3 on the log scale),
the candidate's multiplied by ``cand_longer``. The judges see the question and the reference (``expected=``).

Experiments:

1. **A/A** (both arms right 80% of the time, the same lengths), ``preference`` and ``rubric`` at their default
   margins (``min_win_rate=0.45``, ``max_decrease=0.25``) and with the truth on the threshold (``min_win_rate=0.5``,
   ``max_decrease=0``: both verdicts are errors there): false REGRESSED (and false PASS at the truth) <= 6.15%.
   Negative control on the same judgments: the win score from ONE order only (the baseline always in position A,
   as a naive "compare baseline with candidate" prompt puts it): its false REGRESSED at ``min_win_rate=0.45``; and
   with the candidate always in A, its false PASS with the truth on ``min_win_rate=0.5``.
2. **Power** at the N ``pytest-behavior power`` prints: ``--preference 0.4 0.5 --ties TAU`` for a candidate whose
   judged win rate is exactly 0.40 (the candidate right less often, solved from the judge's law, `score_law`; TAU
   its share of comparisons scored 1/2, from the same law), and ``--binary 0.10 0.15`` for correctness 90% -> 85%
   (``max_decrease=0``; both paired rows: arms independent, latent correlation 0.5). Simulated power within
   +-3 points of 80%.
3. **Length control**: the candidate's answers 1.35x longer (median); its true win rate at equal length (the judge
   without its length bias, `score_law` with none) 0.5, 0.4 or 0.3. Two judges: `JUDGE`, whose length bias is a step
   (the longer answer however slightly longer), and `SMOOTH_JUDGE`, whose pull grows with the length difference.
   The mean raw win rate is biased up (and matches its law, `expected_raw`); the length-controlled one
   (`properties.preference.length_controlled`) lies within ``LC_TOLERANCE`` of the truth.

Running::

    python -m tests.simulation.judged_sim --jobs 2                 # the full grid, R = 2000 (an hour or more)
    python -m tests.simulation.judged_sim --quick --jobs 2         # the acceptance cells
    pytest -m acceptance tests/simulation/test_judged_sim.py -n 2 --dist loadgroup
"""

from __future__ import annotations

import argparse
import contextlib
import io
import math
import re
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import norm

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from tests.simulation import grid
else:
    from . import grid

from pytest_behavior.cli import main as cli_main
from pytest_behavior.engine.judge import Verdict, judge
from pytest_behavior.engine.llm_judge import RETRY_SEED
from pytest_behavior.properties.base import Bound, Observation, PromptRequest, Texts, prompt_key
from pytest_behavior.properties.correctness import Correctness
from pytest_behavior.properties.preference import Preference, length_controlled
from pytest_behavior.properties.rubric import Rubric
from pytest_behavior.sampling import sim_judge
from pytest_behavior.sampling.calls import _call_seed
from pytest_behavior.spec.output import Output
from pytest_behavior.stats import power_paired_binary, power_win_rate

ALPHA, MAX_ERROR, R_FULL = grid.ALPHA, grid.MAX_ERROR, grid.R_FULL
Rate = grid.Rate
JUDGE = "sim-judge/biased?accuracy=0.9&position_bias=0.3&length_bias=0.2"
SETTINGS = sim_judge.parse_model(JUDGE)[1]
SMOOTH_JUDGE = JUDGE + "&length_scale=0.5"
"""The length experiment's second judge: its pull towards the longer answer grows with the length difference
(0.2 x tanh(|log ratio| / 0.5)) as real judges' does, where `JUDGE`'s is a step (any longer answer)."""
LENGTH_JUDGES = {"step": JUDGE, "smooth": SMOOTH_JUDGE}
NS = (1, 2, 3, 5, 10, 30, 100, 300)
KS = (1, 3)
RIGHT = 0.8
"""Both arms' chance of a right answer in the A/A and the baseline's in the power and length experiments."""
ICC = 0.3
MEDIAN_WORDS, BETWEEN_SD, WITHIN_SD, MIN_WORDS = 40.0, 0.5, 0.3, 6
LONGER = 1.35
"""The length experiment's candidate: answers 1.35 times as long (median; log ratio per input about N(0.3, 0.42))."""
TARGET_POWER, POWER_TOL = 0.80, 0.03
LC_TOLERANCE = 0.02
"""The length-controlled win rate's mean over replications must lie this close to the truth (absolute)."""
RAW_BIAS_MIN = 0.02
"""... while the raw win rate's mean lies at least this far above it (the bias is real, not noise)."""
_FILLER_TEXT = (
    "the answer follows from the record and the notes about this item which list its code next to its name in our "
    "catalogue so please check it there before you order since codes change when items are revised"
)
_FILLER = tuple(_FILLER_TEXT.split())
_RETRY_CALL_SEED = _call_seed(RETRY_SEED, 0)


# --------------------------------------------------------------------------------------------------
# the answers of two arms, and the judge's answers to the rendered prompts
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Arms:
    """How the two arms answer: their chances of a right answer, and the candidate's length multiplier."""

    base_right: float = RIGHT
    cand_right: float = RIGHT
    cand_longer: float = 1.0


def _text(rng: np.random.Generator, code: str, words: int) -> str:
    filler = [_FILLER[i] for i in rng.integers(0, len(_FILLER), size=max(words - 4, 0))]
    return " ".join(["The", "code", "is", f"{code}.", *filler])


def draw_outputs(arms: Arms, rng: np.random.Generator, n: int, k: int) -> tuple[Texts, Texts]:
    """Baseline and candidate outputs (n inputs x k repeats), each an `Output` carrying the input it answered."""
    shared = math.sqrt(ICC) * rng.standard_normal((n, 1))
    log_words = math.log(MEDIAN_WORDS) + BETWEEN_SD * rng.standard_normal((n, 1))
    inputs = [{"question": f"What is the code of item {i}?", "answer": f"k{i}"} for i in range(n)]
    arms_out: list[Texts] = []
    for right_rate, longer in ((arms.base_right, 1.0), (arms.cand_right, arms.cand_longer)):
        right = shared + math.sqrt(1.0 - ICC) * rng.standard_normal((n, k)) < norm.ppf(right_rate)
        words = np.maximum(
            np.round(np.exp(log_words + math.log(longer) + WITHIN_SD * rng.standard_normal((n, k)))), MIN_WORDS
        ).astype(int)
        arms_out.append(
            [
                [
                    Output(
                        _text(rng, f"k{i}" if right[i, j] else f"w{i}", int(words[i, j])),
                        input=inputs[i],
                        input_id=f"item-{i}",
                    )
                    for j in range(k)
                ]
                for i in range(n)
            ]
        )
    return arms_out[0], arms_out[1]


def answer(request: PromptRequest, seed: int, judge_model: str = JUDGE) -> dict[str, object | None]:
    """The parsed judgments `engine.llm_judge.judge_prompts` hands back, by prompt key, with the simulated judge's
    pure function in place of the litellm call (seeded per replication: a fresh judge of the same biases)."""
    settings = replace(sim_judge.parse_model(judge_model)[1], seed=seed)
    out: dict[str, object | None] = {}
    for prompt in request.prompts:
        key = prompt_key(prompt)
        if key in out:
            continue
        parsed = request.parse(sim_judge.judge(settings, prompt.system, prompt.user, 0))
        if parsed is None:  # asked once more under another call seed, as the engine does
            parsed = request.parse(sim_judge.judge(settings, prompt.system, prompt.user, _RETRY_CALL_SEED))
        out[key] = parsed
    return out


def verdict(name: str, obs: Observation, bound: Bound) -> Verdict:
    """The verdict engine's verdict on one observation under one bound (a test with that one bound)."""
    (row,) = judge([(name, replace(obs, metric=replace(obs.metric, bounds=(bound,))))], alpha=ALPHA)
    return row.verdict


def _one_order(request: PromptRequest, answers: dict[str, object | None], n: int, *, candidate_in_a: bool) -> Any:
    """Per-output win scores (1 won, 0 lost, 1/2 tie) from one order only, as a judge asked once would give: the
    answers to the request's prompts in that order (`Preference.prompt_request` lists each pair's prompts as
    (baseline in A, candidate in A))."""
    picked = [answers[prompt_key(p)] for p in request.prompts[(1 if candidate_in_a else 0) :: 2]]
    winner = "A" if candidate_in_a else "B"
    scores = [0.5 if j is None or j.verdict == "tie" else float(j.verdict == winner) for j in picked]  # type: ignore[attr-defined]
    return np.asarray(scores, dtype=np.float64).reshape(n, -1)


def preference_run(
    arms: Arms, rng: np.random.Generator, n: int, k: int, seed: int, *, rows: bool = False, judge_model: str = JUDGE
) -> dict[str, Any]:
    """One replication of ``preference``: its verdicts, the one-order controls, the raw win rate, and with
    ``rows`` the length-controlled one (`length_controlled` on the comparisons)."""
    base, cand = draw_outputs(arms, rng, n, k)
    prop = Preference(judge=judge_model, expected="answer")
    request = prop.prompt_request(base, cand)
    assert request is not None
    answers = answer(request, seed, judge_model)
    prop = prop.with_judgments(answers)
    (obs,) = prop.observe(base, cand)
    out: dict[str, Any] = {"raw": float(obs.candidate.mean())}
    if rows:
        out["lc"] = length_controlled(prop.comparisons(base, cand))
        return out
    naive_b = _one_order(request, answers, n, candidate_in_a=False)
    naive_c = _one_order(request, answers, n, candidate_in_a=True)
    default, truth = Bound("min_win_rate", prop.min_win_rate), Bound("min_win_rate", 0.5)
    out["default"] = verdict("preference", obs, default)
    out["truth"] = verdict("preference", obs, truth)
    out["one_order_b"] = verdict("preference", replace(obs, baseline=1.0 - naive_b, candidate=naive_b), default)
    out["one_order_c"] = verdict("preference", replace(obs, baseline=1.0 - naive_c, candidate=naive_c), truth)
    return out


def rubric_run(arms: Arms, rng: np.random.Generator, n: int, k: int, seed: int) -> dict[str, Any]:
    """One replication of ``rubric``: its verdicts at the default margin and with the truth on the threshold."""
    base, cand = draw_outputs(arms, rng, n, k)
    prop = Rubric(judge=JUDGE, expected="answer")
    request = prop.prompt_request(base, cand)
    assert request is not None
    (obs,) = prop.with_judgments(answer(request, seed)).observe(base, cand)
    assert prop.max_decrease is not None
    return {
        "default": verdict("rubric", obs, Bound("max_decrease", prop.max_decrease)),
        "truth": verdict("rubric", obs, Bound("max_decrease", 0.0)),
    }


# --------------------------------------------------------------------------------------------------
# the judge's law: what a comparison judged in both orders scores
# --------------------------------------------------------------------------------------------------


@cache
def length_cases(cand_longer: float, draws: int = 1_000_000) -> tuple[float, float, float]:
    """P(candidate longer), P(baseline longer), P(equal words) of two answers to one input (by `draws` seeded
    draws of the length model: word counts are rounded, so equal lengths have a small, not a zero, chance)."""
    rng = grid.rng_for("judged lengths", cand_longer)
    log_words = math.log(MEDIAN_WORDS) + BETWEEN_SD * rng.standard_normal(draws)
    base = np.maximum(np.round(np.exp(log_words + WITHIN_SD * rng.standard_normal(draws))), MIN_WORDS)
    cand = np.maximum(
        np.round(np.exp(log_words + math.log(cand_longer) + WITHIN_SD * rng.standard_normal(draws))), MIN_WORDS
    )
    return float(np.mean(cand > base)), float(np.mean(base > cand)), float(np.mean(cand == base))


def expected_raw(arms: Arms, judge_model: str, draws: int = 1_000_000) -> float:
    """The mean raw win rate of one comparison judged in both orders by ``judge_model`` (k = 1), for any length pull.

    A comparison's expected score is (P(win with the candidate in A) + P(win in B)) / 2 = p/2 + (1 - p) E[rest],
    where rest = q longer + (1 - q) C: the judge's pull q towards the longer answer (its ``length_bias``, times
    tanh(|log ratio| / ``length_scale``) for a smooth judge), and C the content verdict (`score_law`), drawn
    independently of the lengths. So only E[q longer] and E[q] come from the length model."""
    settings = sim_judge.parse_model(judge_model)[1]
    rng = grid.rng_for("judged lengths", arms.cand_longer)
    log_words = math.log(MEDIAN_WORDS) + BETWEEN_SD * rng.standard_normal(draws)
    base = np.maximum(np.round(np.exp(log_words + WITHIN_SD * rng.standard_normal(draws))), MIN_WORDS)
    cand = np.maximum(
        np.round(np.exp(log_words + math.log(arms.cand_longer) + WITHIN_SD * rng.standard_normal(draws))), MIN_WORDS
    )
    ratio = np.abs(np.log(cand / base))
    pull = np.tanh(ratio / settings.length_scale) if settings.length_scale > 0 else np.ones_like(ratio)
    q = np.where(cand != base, settings.length_bias * pull, 0.0)
    c = 0.5 + (2.0 * settings.accuracy - 1.0) * (arms.cand_right - arms.base_right) / 2.0
    rest = float(np.mean(q * (cand > base))) + c * float(np.mean(1.0 - q))
    return settings.position_bias / 2.0 + (1.0 - settings.position_bias) * rest


def score_law(arms: Arms, *, length_bias: float = SETTINGS.length_bias) -> tuple[float, float, float]:
    """P(score 1), P(1/2), P(0) of one comparison judged in both orders by `JUDGE` (k = 1).

    The content verdict C (the candidate's answer preferred on content: it alone is right and the judge sees it, or
    it alone is wrong and the judge errs, or a coin when both are alike) is drawn per pair, so the same in both
    orders: P(C) = 1/2 + (2 accuracy - 1)(cand_right - base_right) / 2 whatever the arms' correlation. Each order
    then draws its own position (A) and length (the longer) picks."""
    p, a = SETTINGS.position_bias, SETTINGS.accuracy
    c = 0.5 + (2.0 * a - 1.0) * (arms.cand_right - arms.base_right) / 2.0
    ones = half = zeros = 0.0
    for content, p_content in ((1.0, c), (0.0, 1.0 - c)):
        for longer, p_length in zip((1.0, 0.0, None), length_cases(arms.cand_longer), strict=True):
            rest = content if longer is None else length_bias * longer + (1.0 - length_bias) * content
            ab, ba = (1.0 - p) * rest, p + (1.0 - p) * rest  # candidate in B, then in A: its chance to win
            weight = p_content * p_length
            ones += weight * ab * ba
            zeros += weight * (1.0 - ab) * (1.0 - ba)
            half += weight * (ab * (1.0 - ba) + ba * (1.0 - ab))
    return ones, half, zeros


def win_rate(arms: Arms, *, length_bias: float = SETTINGS.length_bias) -> float:
    ones, half, _ = score_law(arms, length_bias=length_bias)
    return ones + half / 2.0


def arms_for_win_rate(target: float, *, cand_longer: float = 1.0, length_bias: float = SETTINGS.length_bias) -> Arms:
    """The candidate's chance of a right answer (the baseline's is `RIGHT`) whose win rate is ``target``: the win
    rate is linear in it."""
    low, high = (win_rate(Arms(RIGHT, x, cand_longer), length_bias=length_bias) for x in (0.0, 1.0))
    cand = (target - low) / (high - low)
    if not 0.0 <= cand <= 1.0:
        raise ValueError(f"no candidate right rate gives win rate {target} against a baseline right {RIGHT}")
    return Arms(RIGHT, cand, cand_longer)


# --------------------------------------------------------------------------------------------------
# experiments
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AACell:
    kind: str  # "preference" or "rubric"
    n: int
    k: int

    @property
    def label(self) -> str:
        return f"A/A {self.kind}, N={self.n} k={self.k}"


@dataclass(frozen=True)
class AAResult:
    cell: AACell
    rates: dict[str, Rate]
    seconds: float


AA_RATES = {
    "preference": ("regressed", "regressed_truth", "passed_truth", "one_order_regressed", "one_order_passed_truth"),
    "rubric": ("regressed", "regressed_truth", "passed_truth"),
}


def run_aa(cell: AACell, reps: int = R_FULL) -> AAResult:
    """``reps`` seeded A/A replications of the cell through the real property, engine and stats code."""
    start = time.perf_counter()
    rng = grid.rng_for("judged a/a", cell.kind, cell.n, cell.k)
    run = preference_run if cell.kind == "preference" else rubric_run
    counts = dict.fromkeys(AA_RATES[cell.kind], 0)
    for r in range(reps):
        out = run(Arms(), rng, cell.n, cell.k, r)
        counts["regressed"] += out["default"] is Verdict.REGRESSED
        counts["regressed_truth"] += out["truth"] is Verdict.REGRESSED
        counts["passed_truth"] += out["truth"] is Verdict.PASS
        if cell.kind == "preference":
            counts["one_order_regressed"] += out["one_order_b"] is Verdict.REGRESSED
            counts["one_order_passed_truth"] += out["one_order_c"] is Verdict.PASS
    return AAResult(cell, {key: Rate(hits, reps) for key, hits in counts.items()}, time.perf_counter() - start)


def aa_failures(result: AAResult) -> list[str]:
    """The bias-free design's error rates above 6.15% (the one-order controls are not failures here)."""
    return [
        f"{result.cell.label}: {key} = {result.rates[key].text()} > {100 * MAX_ERROR:.2f}%"
        for key in ("regressed", "regressed_truth", "passed_truth")
        if result.rates[key].value > MAX_ERROR
    ]


def aa_cells(pairs: Sequence[tuple[int, int]] | None = None) -> list[AACell]:
    """Every kind at the (N, k) ``pairs`` (default: the full grid, `NS` x `KS`)."""
    grid_pairs = [(n, k) for k in KS for n in NS] if pairs is None else pairs
    return [AACell(kind, n, k) for kind in AA_RATES for n, k in grid_pairs]


def cli_n(*argv: str, row: str) -> int:
    """The number of inputs ``pytest-behavior power ARGV`` prints in the table row ``row``."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        status = cli_main(["power", *argv])
    found = re.search(re.escape(row) + r"\s+(?:[\d.]+\s+)?(\d+)\s", buffer.getvalue() + "\n")
    if status != 0 or found is None:
        raise AssertionError(f"pytest-behavior power {' '.join(argv)}: no row {row!r} in\n{buffer.getvalue()}")
    return int(found.group(1))


@dataclass(frozen=True)
class PowerRow:
    what: str
    command: str
    n: int
    analytic: float
    rate: Rate
    seconds: float


def preference_power(reps: int = R_FULL, *, win: float = 0.4, min_win: float = 0.5) -> PowerRow:
    """REGRESSED rate of ``min_win_rate=min_win`` for a candidate of judged win rate ``win`` (k = 1), at the N
    ``pytest-behavior power --preference`` prints for this judge's share of 1/2 scores."""
    start = time.perf_counter()
    arms = arms_for_win_rate(win)
    tau = score_law(arms)[1]
    argv = ("--preference", f"{win:g}", f"{min_win:g}", "--ties", f"{tau:.4f}")
    n = cli_n(*argv, row="k = 1 comparison per input")
    rng = grid.rng_for("judged power", win, min_win)
    hits = 0
    for r in range(reps):
        base, cand = draw_outputs(arms, rng, n, 1)
        prop = Preference(judge=JUDGE, expected="answer", min_win_rate=min_win)
        request = prop.prompt_request(base, cand)
        assert request is not None
        (obs,) = prop.with_judgments(answer(request, r)).observe(base, cand)
        hits += verdict("preference", obs, Bound("min_win_rate", min_win)) is Verdict.REGRESSED
    analytic = power_win_rate(n, win, min_win, sd=math.sqrt(win * (1 - win) - tau / 4))
    what = f"preference: win rate 0.5 -> {win:g} (candidate right {100 * arms.cand_right:.1f}% vs {100 * RIGHT:g}%)"
    return PowerRow(
        what, "pytest-behavior power " + " ".join(argv), n, analytic, Rate(hits, reps), time.perf_counter() - start
    )


CORRECTNESS_ROWS = {0.0: "paired, arms independent (rho = 0)", 0.5: "paired, latent correlation 0.5"}


def correctness_power(rho: float, reps: int = R_FULL, *, base: float = 0.90, cand: float = 0.85) -> PowerRow:
    """REGRESSED rate of ``correctness(max_decrease=0)`` for right answers ``base`` -> ``cand`` with latent
    correlation ``rho`` of the arms, at the N ``pytest-behavior power --binary`` prints (wrong-answer rates)."""
    start = time.perf_counter()
    argv = ("--binary", f"{1 - base:.2f}", f"{1 - cand:.2f}")
    n = cli_n(*argv, row=CORRECTNESS_ROWS[rho])
    wrong_b, wrong_c = grid.binary_arms(
        grid.rng_for("judged correctness", base, cand, rho),
        reps=reps,
        n=n,
        k=1,
        base_rate=1 - base,
        cand_rate=1 - cand,
        icc=rho,
    )
    prop = Correctness.from_marker(expected="answer", match="exact", max_decrease=0)
    inputs = [{"question": f"What is the code of item {i}?", "answer": f"k{i}"} for i in range(n)]
    outputs = [
        [Output(code, input=inputs[i], input_id=f"item-{i}") for code in (f"k{i}", f"w{i}")] for i in range(n)
    ]  # right, wrong

    def texts(wrong: Any) -> Texts:
        return [[outputs[i][int(wrong[i, 0])]] for i in range(n)]

    hits = 0
    for r in range(reps):
        (obs,) = prop.observe(texts(wrong_b[r]), texts(wrong_c[r]))
        hits += verdict("correctness", obs, Bound("max_decrease", 0.0)) is Verdict.REGRESSED
    analytic = power_paired_binary(n, 1 - base, 1 - cand, rho=rho)
    what = f"correctness: right {100 * base:g}% -> {100 * cand:g}%, latent correlation {rho:g}"
    return PowerRow(
        what, "pytest-behavior power " + " ".join(argv), n, analytic, Rate(hits, reps), time.perf_counter() - start
    )


@dataclass(frozen=True)
class LengthRow:
    judge_kind: str
    truth: float
    expected_raw: float
    n: int
    raw: tuple[float, float]
    """Mean over replications and its Monte Carlo standard error."""
    lc: tuple[float, float]
    lc_sd: float
    reps: int
    seconds: float

    def failures(self) -> list[str]:
        out = []
        lc_off, raw_off = self.lc[0] - self.truth, self.raw[0] - self.truth
        if abs(lc_off) > LC_TOLERANCE:
            out.append(f"length-controlled mean {self.lc[0]:.4f} is {lc_off:+.4f} from the truth {self.truth:.4f}")
        if raw_off < RAW_BIAS_MIN:
            out.append(f"raw mean {self.raw[0]:.4f} is only {raw_off:+.4f} above the truth {self.truth:.4f}")
        if abs(self.raw[0] - self.expected_raw) > 4 * self.raw[1]:  # the judge's law, checked by the simulation
            out.append(f"raw mean {self.raw[0]:.4f} +- {self.raw[1]:.4f} is off its law's {self.expected_raw:.4f}")
        return out


def length_control(judge_kind: str, truth: float, n: int, reps: int) -> LengthRow:
    """Mean raw and length-controlled win rates over ``reps`` replications (k = 1) under ``LENGTH_JUDGES[judge_kind]``:
    the candidate `LONGER`, its win rate at equal length (the judge without its length bias) ``truth``."""
    start = time.perf_counter()
    arms = arms_for_win_rate(truth, cand_longer=LONGER, length_bias=0.0)
    rng = grid.rng_for("judged length", judge_kind, truth, n)
    raw, lc = [], []
    for r in range(reps):
        out = preference_run(arms, rng, n, 1, r, rows=True, judge_model=LENGTH_JUDGES[judge_kind])
        raw.append(out["raw"])
        lc.append(out["lc"])

    def mean_se(values: list[float]) -> tuple[float, float]:
        return float(np.mean(values)), float(np.std(values, ddof=1) / math.sqrt(len(values)))

    return LengthRow(
        judge_kind,
        truth,
        expected_raw(arms, LENGTH_JUDGES[judge_kind]),
        n,
        mean_se(raw),
        mean_se(lc),
        float(np.std(lc, ddof=1)),
        reps,
        time.perf_counter() - start,
    )


# --------------------------------------------------------------------------------------------------
# markdown report
# --------------------------------------------------------------------------------------------------

QUICK_AA = ((100, 1),)
"""The acceptance cells (N, k), for both kinds."""
QUICK_LENGTH = (("step", 0.5, 100, 300), ("smooth", 0.4, 100, 300))
"""The length rows: (judge kind in `LENGTH_JUDGES`, true win rate at equal length, N, replications)."""
FULL_LENGTH = (
    *(("step", truth, n, reps) for truth, n, reps in ((0.5, 30, 2000), (0.5, 100, 1000), (0.5, 300, 500))),
    *(("step", 0.4, n, reps) for n, reps in ((100, 1000), (300, 500))),
    *(("smooth", truth, n, reps) for truth, n, reps in ((0.5, 100, 1000), (0.4, 30, 2000), (0.4, 100, 1000))),
    *(("smooth", truth, n, reps) for truth, n, reps in ((0.4, 300, 500), (0.3, 100, 1000))),
)


def _task(task: tuple[str, tuple[Any, ...]]) -> Any:
    name, args = task
    if name == "aa":
        return run_aa(*args)
    if name == "pref power":
        return preference_power(*args)
    if name == "corr power":
        return correctness_power(*args)
    return length_control(*args)


def _flag(rate: Rate, limit: float = MAX_ERROR) -> str:
    return f"**{rate.short()}**" if rate.value > limit else rate.short()


def render(aa: Sequence[AAResult], power: Sequence[PowerRow], length: Sequence[LengthRow], seconds: float) -> str:
    out = [f"{seconds / 60:.1f} min; judge `{JUDGE}`.", ""]
    ns = sorted({r.cell.n for r in aa})
    ks = sorted({r.cell.k for r in aa})
    header = ["what", "k", *[f"N={n}" for n in ns]]
    lines = {
        "preference": [
            ("regressed", "false REGRESSED, min_win_rate=0.45 (default)"),
            ("regressed_truth", "false REGRESSED / false PASS, min_win_rate=0.5 (truth)"),
            ("one_order_regressed", "control, one order (baseline in A): false REGRESSED, min_win_rate=0.45"),
            ("one_order_passed_truth", "control, one order (candidate in A): false PASS, min_win_rate=0.5"),
        ],
        "rubric": [
            ("regressed", "false REGRESSED, max_decrease=0.25 (default)"),
            ("regressed_truth", "false REGRESSED / false PASS, max_decrease=0 (truth)"),
        ],
    }
    for kind, rows in lines.items():
        cells = {(r.cell.n, r.cell.k): r for r in aa if r.cell.kind == kind}
        if not cells:
            continue
        reps = next(iter(cells.values())).rates["regressed"].runs
        out += [f"### A/A {kind} (R = {reps}): % of runs", ""]
        out += ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
        for key, title in rows:
            for k in ks:
                line = [title, str(k)]
                for n in ns:
                    r = cells.get((n, k))
                    if r is None:
                        line.append("–")
                    elif key == "regressed_truth":
                        line.append(f"{_flag(r.rates[key])} / {_flag(r.rates['passed_truth'])}")
                    elif key.startswith("one_order"):
                        line.append(r.rates[key].short())
                    else:
                        line.append(_flag(r.rates[key]))
                out.append("| " + " | ".join(line) + " |")
        out.append("")
    out += [
        "(bold: above 6.15%, the upper end of the 99% band around 5% at R = 2000; the controls are expected there)",
        "",
    ]
    worst = [
        (key, max((r for r in aa if key in r.rates), key=lambda r: r.rates[key].value))
        for key in ("regressed", "regressed_truth", "passed_truth", "one_order_regressed", "one_order_passed_truth")
        if any(key in r.rates for r in aa)
    ]
    out += ["Largest rate per row, with its 99% Clopper-Pearson Monte Carlo band:", ""]
    out += [f"- {key}: {r.rates[key].text()} ({r.cell.label})" for key, r in worst]
    misses = [f for r in aa for f in aa_failures(r)]
    out += ["", f"### Missed acceptance numbers ({len(misses)})", ""] + ([f"- {m}" for m in misses] or ["none"])
    if power:
        out += ["", "### Power at the N `pytest-behavior power` prints (k = 1; target 80% +- 3 points)", ""]
        out += ["| change | command | N | analytic | simulated (99% MC band) |", "|---|---|---|---|---|"]
        for p in power:
            out.append(f"| {p.what} | `{p.command}` | {p.n} | {100 * p.analytic:.1f}% | {p.rate.text()} |")
    if length:
        out += ["", f"### Length control: candidate answers {LONGER}x longer (k = 1; tolerance +-{LC_TOLERANCE})", ""]
        out += [
            "| judge's length bias | true win rate | expected raw | N | R | raw mean | length-controlled mean "
            "| SD of one LC estimate |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for row in length:
            out.append(
                f"| {row.judge_kind} | {row.truth:g} | {row.expected_raw:.3f} | {row.n} | {row.reps} | "
                f"{row.raw[0]:.4f} ± "
                f"{2.576 * row.raw[1]:.4f} | {row.lc[0]:.4f} ± {2.576 * row.lc[1]:.4f} | {row.lc_sd:.3f} |"
            )
        out.append("")
        out.append("(± : 99% Monte Carlo interval of the mean over replications)")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Proof by simulation of the LLM-judged markers (markdown).")
    parser.add_argument("--quick", action="store_true", help="the acceptance cells only")
    parser.add_argument("--reps", type=int, default=R_FULL, help=f"A/A and power replications (default {R_FULL})")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--only", choices=("aa", "power", "length"), nargs="+", help="only these experiments")
    args = parser.parse_args(argv)
    only = set(args.only or ("aa", "power", "length"))
    tasks: list[tuple[str, tuple[Any, ...]]] = []
    if "aa" in only:
        tasks += [("aa", (cell, args.reps)) for cell in aa_cells(QUICK_AA if args.quick else None)]
    if "power" in only:
        tasks += [("pref power", (args.reps,))] + [("corr power", (rho, args.reps)) for rho in CORRECTNESS_ROWS]
    if "length" in only:
        tasks += [("length", row) for row in (QUICK_LENGTH if args.quick else FULL_LENGTH)]
    tasks.sort(key=lambda t: (t[0] == "aa", -_cost(t)))  # power and length first, then the longest first
    start = time.perf_counter()
    results = []
    with ProcessPoolExecutor(args.jobs) as pool:
        for done in as_completed([pool.submit(_task, task) for task in tasks]):
            results.append(done.result())
            sys.stderr.write(f"[{(time.perf_counter() - start) / 60:.1f} min] {_summary(results[-1])}\n")
            sys.stderr.flush()
    aa = sorted((r for r in results if isinstance(r, AAResult)), key=lambda r: (r.cell.kind, r.cell.k, r.cell.n))
    power = [r for r in results if isinstance(r, PowerRow)]
    length = sorted((r for r in results if isinstance(r, LengthRow)), key=lambda r: (-r.truth, r.n))
    sys.stdout.write(render(aa, power, length, time.perf_counter() - start))


def _summary(result: Any) -> str:
    """One log line per finished task (the full table is printed at the end)."""
    if isinstance(result, AAResult):
        rates = ", ".join(f"{key} {rate.short()}%" for key, rate in result.rates.items())
        return f"{result.cell.label}: {rates} ({result.seconds:.0f} s)"
    if isinstance(result, PowerRow):
        return f"{result.what}: N={result.n}, analytic {100 * result.analytic:.1f}%, {result.rate.text()}"
    what = f"length ({result.judge_kind}), truth {result.truth:g}, N={result.n}"
    return f"{what}: raw {result.raw[0]:.4f}, LC {result.lc[0]:.4f}"


def _cost(task: tuple[str, tuple[Any, ...]]) -> float:
    name, args = task
    if name == "aa":
        return args[0].n * args[0].k * args[1]
    if name == "length":
        return args[2] * args[3]
    return 100.0 * args[-1]


if __name__ == "__main__":
    main()
