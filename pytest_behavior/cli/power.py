"""``pytest-behavior power``: inputs needed for a given power, or what a given number of inputs can detect.

All figures are for one-sided tests at level ``--alpha`` with power ``--power``, one sample per input and arm
(k = 1), computed by :mod:`pytest_behavior.stats.power` (the table of docs/statistics.md); ``--preference`` plans a
judged win rate (``@pytest.mark.preference(min_win_rate=)``) by :mod:`pytest_behavior.stats.power_preference`, with
``--repeats K`` comparisons per input.
"""

from __future__ import annotations

import argparse
import math

from pytest_behavior.cli.arguments import MAX_INPUTS, argument_type, count, family_count, positive, rate

ERRORS: tuple[type[Exception], ...] = (ValueError, ArithmeticError)
"""What a run raises for figures it cannot plan for: exit 2 with the message."""

win_rate = argument_type(float, lambda v: 0.0 < v < 1.0, " is not a win rate in (0, 1)")
share = argument_type(float, lambda v: 0.0 <= v <= 1.0, " is not a share in [0, 1]")
repeats = argument_type(int, lambda v: 1 <= v <= 1000, ": between 1 and 1,000 repeats", what="a whole number")


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    power = commands.add_parser(
        "power",
        help="sample sizes and detectable effects for behavioral tests",
        # argparse %-formats help strings but not descriptions (unless they hold "%(prog)"): a single "%" here
        description="Inputs needed for 80% power (or --power; one-sided, k = 1), or what a given number of inputs "
        "can detect. A rate of 0 is a valid base rate (e.g. --binary 0 0.03).",
    )
    what = power.add_mutually_exclusive_group(required=True)
    what.add_argument(
        "--binary",
        nargs=2,
        type=rate,
        metavar=("BASE", "CANDIDATE"),
        help="a bad-outcome rate changing from BASE to CANDIDATE, e.g. --binary 0.05 0.15 (correctness: the "
        "rates of wrong answers, so 90%% -> 85%% right is --binary 0.10 0.15)",
    )
    what.add_argument(
        "--preference",
        nargs=2,
        type=win_rate,
        metavar=("WIN_RATE", "MIN_WIN_RATE"),
        help="a judged win rate: the candidate's true WIN_RATE against min_win_rate=MIN_WIN_RATE, e.g. "
        "--preference 0.40 0.50 (REGRESSED when below, PASS when above)",
    )
    what.add_argument(
        "--shift",
        type=positive,
        metavar="SD",
        help="a mean shift of the paired differences, in their standard deviations (e.g. 0.2)",
    )
    what.add_argument(
        "--pass",
        dest="pass_",
        nargs=2,
        type=rate,
        metavar=("BASE", "MARGIN"),
        help="inputs to PASS a max_increase=MARGIN bound when nothing changed, at base rate BASE",
    )
    what.add_argument(
        "--detect",
        type=count,
        metavar="N",
        help="the smallest change N inputs detect (with --base for rates; shift in SDs otherwise)",
    )
    power.add_argument("--base", type=rate, default=None, help="base rate for --detect")
    power.add_argument(
        "--ties",
        type=share,
        default=None,
        help="with --preference: share of comparisons scored 1/2 (a tie, or the two orders disagree, as a judge "
        "with position bias makes them; default 0.3)",
    )
    power.add_argument(
        "--repeats",
        type=repeats,
        default=1,
        metavar="K",
        help="with --preference: comparisons per input (default 1)",
    )
    power.add_argument(
        "--icc",
        type=share,
        default=None,
        help="with --preference --repeats K: correlation of one input's comparison scores (default 0.5)",
    )
    power.add_argument(
        "--margin",
        type=rate,
        default=0.0,
        help="with --detect --base: the max_increase margin REGRESSED must exceed (default 0)",
    )
    power.add_argument(
        "--bounds",
        type=family_count,
        default=1,
        metavar="K",
        help="bounds in the test (its Holm family; default 1): plans at the level alpha / family",
    )
    power.add_argument(
        "--segments",
        type=family_count,
        default=0,
        metavar="S",
        help="segments judged separately (2 or more add K bounds each to the family; one segment is "
        "not judged separately; default 0)",
    )
    power.add_argument(
        "--rho",
        type=float,
        default=0.5,
        help="latent correlation of the two arms for the correlated paired row (default 0.5)",
    )
    power.add_argument("--alpha", type=float, default=0.05, help="one-sided significance level (default 0.05)")
    power.add_argument("--power", type=float, default=0.8, help="target power (default 0.8)")


def family_size(bounds: int, segments: int) -> int:
    """Holm family of a test as ``judge`` builds it: every bound overall, and again per segment when 2+ segments."""
    return max(bounds, 1) * (1 + (segments if segments >= 2 else 0))


def _table(rows: list[list[str]], headers: list[str]) -> str:
    from tabulate import tabulate

    return str(tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True))


def _binary(base: float, candidate: float, *, rho: float, alpha: float, power: float) -> str:
    from pytest_behavior.stats import n_for_power_paired_binary, n_for_power_unpaired_binary

    if not candidate > base:
        raise ValueError(
            f"--binary BASE CANDIDATE: the candidate rate must exceed the base rate, got {base:g} "
            f"-> {candidate:g} (for a decrease, swap them: rates of the good outcome)"
        )
    rows = [
        [
            "paired, arms independent (rho = 0)",
            str(n_for_power_paired_binary(base, candidate, alpha=alpha, power=power)),
            "mid-p McNemar (exact)",
        ],
        [
            f"paired, latent correlation {rho:g}",
            str(n_for_power_paired_binary(base, candidate, rho=rho, alpha=alpha, power=power)),
            "mid-p McNemar (exact)",
        ],
        [
            "unpaired, per arm",
            str(n_for_power_unpaired_binary(base, candidate, alpha=alpha, power=power)),
            "two-proportion z (Fleiss)",
        ],
    ]
    title = (
        f"rate {100 * base:g}% -> {100 * candidate:g}%: inputs for {power:.0%} power, one-sided alpha {alpha:g}, k = 1"
    )
    return title + "\n\n" + _table(rows, ["design", "inputs", "test"])


def _shift(effect: float, *, alpha: float, power: float) -> str:
    from pytest_behavior.engine.advice import WILCOXON_EFFICIENCY
    from pytest_behavior.stats import n_for_power_mean_shift

    n = n_for_power_mean_shift(effect, alpha=alpha, power=power)
    rows = [
        ["paired t-test (exact, noncentral t)", str(n)],
        ["Wilcoxon signed-rank, normal differences (÷ 3/π)", str(math.ceil(n / WILCOXON_EFFICIENCY))],
    ]
    title = (
        f"mean shift {effect:g} SD of the paired difference: inputs for {power:.0%} power, one-sided alpha {alpha:g}"
    )
    return title + "\n\n" + _table(rows, ["test", "inputs"])


def _pass(base: float, margin: float, *, rho: float, alpha: float, power: float) -> str:
    from pytest_behavior.stats import n_for_pass_binary

    if not 0 < margin < 1:
        raise ValueError(f"--pass BASE MARGIN: the margin must be in (0, 1), got {margin:g}")
    rows = [
        ["paired, arms independent (rho = 0)", _checked_n(n_for_pass_binary(base, margin, alpha=alpha, power=power))],
        [
            f"paired, latent correlation {rho:g}",
            _checked_n(n_for_pass_binary(base, margin, rho=rho, alpha=alpha, power=power)),
        ],
    ]
    title = (
        f"PASS max_increase={margin:g} at base rate {100 * base:g}% when nothing changed: inputs for "
        f"{power:.0%} probability (Tango bound, Nam 1997)"
    )
    return title + "\n\n" + _table(rows, ["design", "inputs"])


DEFAULT_ICC = 0.5
"""Correlation of one input's repeated comparison scores assumed when --icc is not given (the judge sees the same
question; the answers differ per repeat)."""


def _preference(
    win: float, min_win: float, *, ties: float | None, repeats: int, icc: float | None, alpha: float, power: float
) -> str:
    from pytest_behavior.stats.power_preference import DEFAULT_TIE_RATE, n_for_win_rate, win_score_sd

    if win == min_win:
        raise ValueError(
            f"--preference WIN_RATE MIN_WIN_RATE: the win rate equals min_win_rate ({win:g}): no number of inputs "
            "decides a bound at its own value"
        )
    cap = 2.0 * min(win, 1.0 - win)
    tau = min(DEFAULT_TIE_RATE, cap) if ties is None else ties
    if tau > cap:
        raise ValueError(
            f"--ties {tau:g}: at win rate {win:g} at most {cap:g} of the comparisons can score 1/2 (each counts half "
            "a win)"
        )
    rho = DEFAULT_ICC if icc is None else icc
    designs = [(1, 0.0)] + ([(repeats, rho)] if repeats > 1 else [])
    rows = []
    for k, r in designs:
        sd = win_score_sd(win, tie_rate=tau, repeats=k, icc=r)
        if sd == 0.0:
            raise ValueError(f"--preference: with win rate {win:g} and --ties {tau:g} the win score has no spread")
        n = n_for_win_rate(win, min_win, sd=sd, alpha=alpha, power=power)
        label = "k = 1 comparison per input" if k == 1 else f"k = {k} comparisons per input, ICC {r:g}"
        rows.append([label, f"{sd:.3f}", _checked_n(n)])
    verdict = "REGRESSED" if win < min_win else "PASS"
    title = (
        f"win rate {win:g} against min_win_rate={min_win:g}: inputs to show {verdict} with {power:.0%} power, "
        f"one-sided alpha {alpha:g}\n{100 * tau:.3g}% of comparisons scored 1/2; one-sided t on the per-input win "
        "scores (exact noncentral t), each comparison judged in both orders"
    )
    return title + "\n\n" + _table(rows, ["design", "SD per input", "inputs"])


def _detect(n: int, base: float | None, *, rho: float, alpha: float, power: float, margin: float = 0.0) -> str:
    from pytest_behavior.stats import detectable_effect_binary, detectable_effect_mean_shift

    if base is None:
        effect = detectable_effect_mean_shift(n, alpha=alpha, power=power)
        return f"n={n} detects a mean shift of ≥ {effect:.3f} SD of the paired difference ({power:.0%} power, t-test)"
    rows = []
    beyond = "" if margin == 0 else " beyond the margin"
    for label, r in (("paired, arms independent (rho = 0)", 0.0), (f"paired, latent correlation {rho:g}", rho)):
        d = detectable_effect_binary(n, base, rho=r, alpha=alpha, power=power, margin=margin)
        rows.append(
            [
                label,
                "none (too few inputs)"
                if not math.isfinite(d)
                else f"+{100 * d:.1f} points ({100 * base:g}% -> {100 * (base + d):.1f}%)"
                + (f", {100 * (d - margin):.1f}{beyond}" if margin else ""),
            ]
        )
    title = (
        f"n={n}, base rate {100 * base:g}%: smallest increase detected with {power:.0%} power, "
        f"one-sided alpha {alpha:g}"
    )
    if margin:
        title += f", max_increase={margin:g} (Tango score test)"
    return title + "\n\n" + _table(rows, ["design", "detectable increase"])


def _checked_n(n: int) -> str:
    if n > MAX_INPUTS:
        raise ValueError(f"more than {MAX_INPUTS:,} inputs would be needed: the change is too small to plan for")
    return str(n)


def _plans_pass(args: argparse.Namespace) -> bool:
    """Whether the figure is for showing a bound holds (--pass, or a win rate above min_win_rate)."""
    return args.pass_ is not None or (args.preference is not None and args.preference[0] > args.preference[1])


def _power_command(args: argparse.Namespace) -> str:
    family = family_size(args.bounds, args.segments)
    if _plans_pass(args):  # PASS is never adjusted: a test passes only when all its bounds pass
        text = _power_answer(args, alpha=args.alpha)
        if family == 1:
            return text
        return (
            text + "\n\nshowing a bound holds needs no multiplicity adjustment (a test passes only when every "
            "bound passes: an intersection-union test), so --bounds and --segments do not change this figure"
        )
    text = _power_answer(args, alpha=args.alpha / family)
    if family == 1:
        return text
    plural = "s" if args.bounds != 1 else ""
    segments = f" ({args.bounds} bound{plural} × (1 + {args.segments} segments))" if args.segments >= 2 else ""
    level = f"alpha {args.alpha:g} / {family} = {args.alpha / family:.4g}"
    return (
        text + f"\n\nHolm family of {family} bounds{segments}: planned at {level}, Holm's first "
        "step (Bonferroni), so the power stated holds for any bound however the others fare (conservative "
        "when other bounds are also regressed)"
    )


def _power_answer(args: argparse.Namespace, *, alpha: float) -> str:
    options = {"alpha": alpha, "power": args.power}
    if args.bounds < 1:
        raise ValueError("--bounds must be at least 1 (the bound you are planning for)")
    if args.margin and (args.detect is None or args.base is None):
        raise ValueError("--margin goes with --detect N --base RATE (for --pass, the margin is its second value)")
    if not 0 <= args.margin < 1:
        raise ValueError(f"--margin must be in [0, 1), got {args.margin:g}")
    if args.base is not None and args.detect is None:
        raise ValueError("--base goes with --detect (the other forms name their rates themselves)")
    if args.shift is not None and not 1e-3 <= args.shift <= 10:
        raise ValueError(f"--shift must be between 0.001 and 10 SD, got {args.shift:g}")
    if not 0 < args.alpha < 0.5:
        raise ValueError(f"--alpha must be in (0, 0.5), got {args.alpha:g}")
    if not args.alpha < args.power < 1:
        raise ValueError(f"--power must be in (alpha, 1), got {args.power:g}")
    if not -1 < args.rho < 1:
        raise ValueError(f"--rho must be in (-1, 1), got {args.rho:g}")
    if args.preference is None and (args.ties is not None or args.repeats != 1 or args.icc is not None):
        raise ValueError("--ties, --repeats and --icc go with --preference WIN_RATE MIN_WIN_RATE")
    if args.preference is not None and args.icc is not None and args.repeats == 1:
        raise ValueError("--icc goes with --repeats K (K > 1): one comparison per input has no within-input ICC")
    if args.preference is not None:
        return _preference(*args.preference, ties=args.ties, repeats=args.repeats, icc=args.icc, **options)
    if args.binary is not None:
        return _binary(*args.binary, rho=args.rho, **options)
    if args.shift is not None:
        return _shift(args.shift, **options)
    if args.pass_ is not None:
        return _pass(*args.pass_, rho=args.rho, **options)
    return _detect(args.detect, args.base, rho=args.rho, margin=args.margin, **options)


def run(args: argparse.Namespace) -> tuple[str, int]:
    return _power_command(args), 0
