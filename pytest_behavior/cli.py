"""``pytest-behavior`` command line: ``power`` answers "how many inputs do I need?" before a run costs money;
``cache`` shows and prunes the samples already paid for.

    pytest-behavior power --binary 0.05 0.15        # a rate going from 5% to 15%
    pytest-behavior power --shift 0.2               # a mean shift of 0.2 SD of the paired difference
    pytest-behavior power --pass 0.05 0.03          # PASS a max_increase=0.03 margin at a 5% base rate
    pytest-behavior power --detect 40 --base 0.05   # what 40 inputs can detect at a 5% base rate
    pytest-behavior power --detect 40 --base 0.05 --margin 0.05   # ... beyond a max_increase=0.05 margin
    pytest-behavior power --binary 0.05 0.15 --bounds 4 --segments 3   # at the level of a test's Holm family

    pytest-behavior cache show                      # samples, dates, cost, latency, tokens per bundle fingerprint
    pytest-behavior cache prune --older-than 30     # delete samples written more than 30 days ago
    pytest-behavior cache prune --fingerprint 3f2a9c1d4e5b --dry-run   # what deleting one bundle's samples frees
    pytest-behavior cache prune --all --cache-dir path/to/.behavior-cache

    pytest-behavior show golden/tests/test_x/test_y.json   # what one golden file holds (--json: machine-readable)
    pytest-behavior show golden/                    # every golden file under a directory, one line each
    pytest-behavior card golden/                    # a behavior card per bundle: refusal, schema, length, latency, cost
    pytest-behavior diff old/test_y.json new/test_y.json   # judge B against A offline; exit 1 on a regression
    pytest-behavior diff golden-main/ golden/       # every file pair (by relative path) of two directories

``cache`` reads ``.behavior-cache`` in the current directory unless given ``--cache-dir`` (the plugin puts it
under the pytest rootdir, or where ``behavior_cache_dir`` / ``--behavior-cache-dir`` say). ``prune`` compacts
the file afterwards, so it shrinks on disk.

All ``power`` figures are for one-sided tests at level ``--alpha`` with power ``--power``, one sample per input and arm
(k = 1), computed by :mod:`pytest_behavior.stats.power` (the table of docs/statistics.md). ``--bounds K --segments S``
divide ``--alpha`` by the test's Holm family, K bounds overall plus K per segment when there are two or more
segments (as :func:`pytest_behavior.engine.judge.judge` builds it): Holm's first step, a conservative planning level.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from pytest_behavior.sampling.cache import BundleSamples, CacheSummary, PruneResult

__all__ = ["main"]


MAX_INPUTS = 100_000
"""Largest number of inputs the command plans for (a behavior test beyond it is not a realistic budget)."""


_N = TypeVar("_N", int, float)


def _argument(parse: Callable[[str], _N], accept: Callable[[_N], bool], problem: str, *, what: str = "a number",
              hint: Callable[[_N], str] | None = None) -> Callable[[str], _N]:
    """An argparse ``type=``: ``parse`` the text (else "is not ``what``"), then ``accept`` it (else ``problem``,
    written after the text as given, and the ``hint`` for that value)."""

    def convert(text: str) -> _N:
        try:
            value = parse(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
        if not accept(value):
            raise argparse.ArgumentTypeError(f"{text!r}{problem}{hint(value) if hint else ''}")
        return value

    return convert


def _percent_hint(value: float) -> str:
    return f" (did you mean {value / 100:g}?)" if 1.0 < value <= 100.0 else ""


# a base rate of 0 is legitimate (nothing bad yet); a candidate of 0 fails later
_rate = _argument(float, lambda v: 0.0 <= v < 1.0, " is not a rate in [0, 1)", hint=_percent_hint)
_positive = _argument(float, lambda v: v > 0 and math.isfinite(v), " must be positive")
_count = _argument(int, lambda v: 2 <= v <= MAX_INPUTS, f": between 2 and {MAX_INPUTS:,} inputs",
                   what="a whole number")
_family_count = _argument(int, lambda v: 0 <= v <= 10_000, ": between 0 and 10,000", what="a whole number")
_alpha = _argument(float, lambda v: 0 < v <= 0.5, ": alpha must be in (0, 0.5]")
_days = _argument(float, lambda v: math.isfinite(v) and v >= 0, ": give a number of days, 0 or more",
                  what="a number of days")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pytest-behavior", description="pytest-behavior utilities")
    commands = parser.add_subparsers(dest="command", required=True)
    power = commands.add_parser(
        "power", help="sample sizes and detectable effects for behavioral tests",
        # argparse %-formats help strings but not descriptions (unless they hold "%(prog)"): a single "%" here
        description="Inputs needed for 80% power (or --power; one-sided, k = 1), or what a given number of inputs "
                    "can detect. A rate of 0 is a valid base rate (e.g. --binary 0 0.03).",
    )
    what = power.add_mutually_exclusive_group(required=True)
    what.add_argument("--binary", nargs=2, type=_rate, metavar=("BASE", "CANDIDATE"),
                      help="a bad-outcome rate changing from BASE to CANDIDATE, e.g. --binary 0.05 0.15")
    what.add_argument("--shift", type=_positive, metavar="SD",
                      help="a mean shift of the paired differences, in their standard deviations (e.g. 0.2)")
    what.add_argument("--pass", dest="pass_", nargs=2, type=_rate, metavar=("BASE", "MARGIN"),
                      help="inputs to PASS a max_increase=MARGIN bound when nothing changed, at base rate BASE")
    what.add_argument("--detect", type=_count, metavar="N",
                      help="the smallest change N inputs detect (with --base for rates; shift in SDs otherwise)")
    power.add_argument("--base", type=_rate, default=None, help="base rate for --detect")
    power.add_argument("--margin", type=_rate, default=0.0,
                       help="with --detect --base: the max_increase margin REGRESSED must exceed (default 0)")
    power.add_argument("--bounds", type=_family_count, default=1, metavar="K",
                       help="bounds in the test (its Holm family; default 1): plans at the level alpha / family")
    power.add_argument("--segments", type=_family_count, default=0, metavar="S",
                       help="segments judged separately (2 or more add K bounds each to the family; one segment is "
                            "not judged separately; default 0)")
    power.add_argument("--rho", type=float, default=0.5,
                       help="latent correlation of the two arms for the correlated paired row (default 0.5)")
    power.add_argument("--alpha", type=float, default=0.05, help="one-sided significance level (default 0.05)")
    power.add_argument("--power", type=float, default=0.8, help="target power (default 0.8)")
    _add_cache_parser(commands)
    _add_golden_parsers(commands)
    return parser


def family_size(bounds: int, segments: int) -> int:
    """Holm family of a test as ``judge`` builds it: every bound overall, and again per segment when 2+ segments."""
    return max(bounds, 1) * (1 + (segments if segments >= 2 else 0))


def _add_golden_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    show = commands.add_parser(
        "show", help="what a golden file holds (or list the golden files under a directory)",
        description="What a golden file holds: test, dates, bundle, settings, properties, inputs, segments, output "
                    "lengths and example outputs. A directory lists every golden file under it.",
    )
    show.add_argument("path", type=Path, metavar="PATH", help="a golden file or a directory of them")
    card = commands.add_parser(
        "card", help="behavior cards per bundle from golden files",
        description="A behavior card per bundle fingerprint: samples, dates, schema-valid and refusal rates, "
                    "length, latency, cost per 1k calls and tool-call rate, from what the golden files recorded.",
    )
    card.add_argument("paths", type=Path, nargs="+", metavar="PATH", help="golden files or directories (recursive)")
    diff = commands.add_parser(
        "diff", help="judge golden file B against golden file A, offline",
        description="Judge candidate B against baseline A with A's recorded properties, paired by input id, as the "
                    "plugin does; two directories pair their files by relative path. Exit 0: no regression, "
                    "1: a regression, 2: a usage or file error.",
    )
    diff.add_argument("baseline", type=Path, metavar="A", help="baseline golden file or directory")
    diff.add_argument("candidate", type=Path, metavar="B", help="candidate golden file or directory")
    diff.add_argument("--alpha", type=_alpha, default=0.05, help="significance level (default 0.05)")
    for command in (show, card):
        command.add_argument("--json", action="store_true", help="print JSON instead of text")


DEFAULT_CACHE_DIR = Path(".behavior-cache")


def _add_cache_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cache = commands.add_parser(
        "cache", help="show or prune the sample cache",
        description="Show or prune the sample cache (samples.sqlite3 in the cache directory).",
    )
    actions = cache.add_subparsers(dest="action", required=True)
    show = actions.add_parser(
        "show", help="samples, dates, cost, latency and tokens per bundle fingerprint",
        description="Samples, distinct inputs, first and last write, cost, mean latency and tokens per bundle "
                    "fingerprint, and the cache's size on disk. Read-only.",
    )
    prune = actions.add_parser(
        "prune", help="delete cached samples, then compact the file",
        description="Delete cached samples by age, by bundle fingerprint, or all of them; then compact the file "
                    "so it shrinks. Deleted samples are paid for again when a test needs them.",
    )
    for command in (show, prune):
        command.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR, metavar="DIR",
                             help=f"the cache directory (default: {DEFAULT_CACHE_DIR} in the current directory)")
    which = prune.add_mutually_exclusive_group(required=True)
    which.add_argument("--older-than", type=_days, metavar="DAYS",
                       help="samples written more than DAYS days ago (fractions allowed, e.g. 0.5)")
    which.add_argument("--fingerprint", nargs="+", action="extend", metavar="FP",
                       help="samples of these bundle fingerprints (a prefix of at least 6 characters each, "
                            "as `cache show` prints them)")
    which.add_argument("--all", dest="everything", action="store_true", help="every sample")
    prune.add_argument("--dry-run", action="store_true", help="report what would be removed, remove nothing")


def _table(rows: list[list[str]], headers: list[str]) -> str:
    from tabulate import tabulate

    return str(tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True))


def _binary(base: float, candidate: float, *, rho: float, alpha: float, power: float) -> str:
    from pytest_behavior.stats import n_for_power_paired_binary, n_for_power_unpaired_binary

    if not candidate > base:
        raise ValueError(f"--binary BASE CANDIDATE: the candidate rate must exceed the base rate, got {base:g} "
                         f"-> {candidate:g} (for a decrease, swap them: rates of the good outcome)")
    rows = [
        ["paired, arms independent (rho = 0)", str(n_for_power_paired_binary(base, candidate, alpha=alpha,
                                                                              power=power)), "mid-p McNemar (exact)"],
        [f"paired, latent correlation {rho:g}",
         str(n_for_power_paired_binary(base, candidate, rho=rho, alpha=alpha, power=power)), "mid-p McNemar (exact)"],
        ["unpaired, per arm", str(n_for_power_unpaired_binary(base, candidate, alpha=alpha, power=power)),
         "two-proportion z (Fleiss)"],
    ]
    title = (f"rate {100 * base:g}% -> {100 * candidate:g}%: inputs for {power:.0%} power, one-sided alpha {alpha:g}, "
             "k = 1")
    return title + "\n\n" + _table(rows, ["design", "inputs", "test"])


def _shift(effect: float, *, alpha: float, power: float) -> str:
    from pytest_behavior.engine.advice import WILCOXON_EFFICIENCY
    from pytest_behavior.stats import n_for_power_mean_shift

    n = n_for_power_mean_shift(effect, alpha=alpha, power=power)
    rows = [["paired t-test (exact, noncentral t)", str(n)],
            ["Wilcoxon signed-rank, normal differences (÷ 3/π)", str(math.ceil(n / WILCOXON_EFFICIENCY))]]
    title = (f"mean shift {effect:g} SD of the paired difference: inputs for {power:.0%} power, one-sided "
             f"alpha {alpha:g}")
    return title + "\n\n" + _table(rows, ["test", "inputs"])


def _pass(base: float, margin: float, *, rho: float, alpha: float, power: float) -> str:
    from pytest_behavior.stats import n_for_pass_binary

    if not 0 < margin < 1:
        raise ValueError(f"--pass BASE MARGIN: the margin must be in (0, 1), got {margin:g}")
    rows = [["paired, arms independent (rho = 0)", _checked_n(n_for_pass_binary(base, margin, alpha=alpha,
                                                                                 power=power))],
            [f"paired, latent correlation {rho:g}",
             _checked_n(n_for_pass_binary(base, margin, rho=rho, alpha=alpha, power=power))]]
    title = (f"PASS max_increase={margin:g} at base rate {100 * base:g}% when nothing changed: inputs for "
             f"{power:.0%} probability (Tango bound, Nam 1997)")
    return title + "\n\n" + _table(rows, ["design", "inputs"])


def _detect(n: int, base: float | None, *, rho: float, alpha: float, power: float, margin: float = 0.0) -> str:
    from pytest_behavior.stats import detectable_effect_binary, detectable_effect_mean_shift

    if base is None:
        effect = detectable_effect_mean_shift(n, alpha=alpha, power=power)
        return f"n={n} detects a mean shift of ≥ {effect:.3f} SD of the paired difference ({power:.0%} power, t-test)"
    rows = []
    beyond = "" if margin == 0 else " beyond the margin"
    for label, r in (("paired, arms independent (rho = 0)", 0.0), (f"paired, latent correlation {rho:g}", rho)):
        d = detectable_effect_binary(n, base, rho=r, alpha=alpha, power=power, margin=margin)
        rows.append([label, "none (too few inputs)" if not math.isfinite(d) else
                     f"+{100 * d:.1f} points ({100 * base:g}% -> {100 * (base + d):.1f}%)"
                     + (f", {100 * (d - margin):.1f}{beyond}" if margin else "")])
    title = (f"n={n}, base rate {100 * base:g}%: smallest increase detected with {power:.0%} power, "
             f"one-sided alpha {alpha:g}")
    if margin:
        title += f", max_increase={margin:g} (Tango score test)"
    return title + "\n\n" + _table(rows, ["design", "detectable increase"])


def _checked_n(n: int) -> str:
    if n > MAX_INPUTS:
        raise ValueError(f"more than {MAX_INPUTS:,} inputs would be needed: the change is too small to plan for")
    return str(n)


def _power_command(args: argparse.Namespace) -> str:
    family = family_size(args.bounds, args.segments)
    if args.pass_ is not None:  # PASS is never adjusted: a test passes only when all its bounds pass
        text = _power_answer(args, alpha=args.alpha)
        if family == 1:
            return text
        return (text + "\n\nshowing a bound holds needs no multiplicity adjustment (a test passes only when every "
                "bound passes: an intersection-union test), so --bounds and --segments do not change this figure")
    text = _power_answer(args, alpha=args.alpha / family)
    if family == 1:
        return text
    plural = "s" if args.bounds != 1 else ""
    segments = f" ({args.bounds} bound{plural} × (1 + {args.segments} segments))" if args.segments >= 2 else ""
    level = f"alpha {args.alpha:g} / {family} = {args.alpha / family:.4g}"
    return (text + f"\n\nHolm family of {family} bounds{segments}: planned at {level}, Holm's first "
            "step (Bonferroni), so the power stated holds for any bound however the others fare (conservative "
            "when other bounds are also regressed)")


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
    if args.binary is not None:
        return _binary(*args.binary, rho=args.rho, **options)
    if args.shift is not None:
        return _shift(args.shift, **options)
    if args.pass_ is not None:
        return _pass(*args.pass_, rho=args.rho, **options)
    return _detect(args.detect, args.base, rho=args.rho, margin=args.margin, **options)


def _bytes(size: int) -> str:
    value, unit = float(size), "B"
    for bigger in ("KiB", "MiB", "GiB"):
        if value < 1024:
            break
        value, unit = value / 1024, bigger
    return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"


def _usd(cost: float | None, *, partial: bool) -> str:
    if cost is None:
        return "-"
    text = "<0.0001" if 0 < cost < 0.00005 else f"{cost:,.4f}"
    return f"≥{text}" if partial else text


def _when(epoch: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(epoch))


def _bundle_row(bundle: BundleSamples) -> list[str]:
    latency = "-" if bundle.mean_latency_ms is None else f"{bundle.mean_latency_ms:,.0f}"
    return [bundle.fingerprint[:12], f"{bundle.samples:,}", f"{bundle.inputs:,}", _when(bundle.first_created),
            _when(bundle.last_created), _usd(bundle.cost_usd, partial=bundle.priced < bundle.samples), latency,
            "-" if bundle.tokens is None else f"{bundle.tokens:,}"]


def _show(summary: CacheSummary) -> str:
    size = f"{_bytes(summary.size_bytes)} on disk"
    if not summary.bundles:
        return f"sample cache {summary.path} is empty ({size})"
    from tabulate import tabulate

    headers = ["fingerprint", "samples", "inputs", "first", "last", "cost usd", "mean latency ms", "tokens"]
    table = tabulate([_bundle_row(b) for b in summary.bundles], headers=headers, tablefmt="simple",
                     disable_numparse=True, colalign=("left", "right", "right", "left", "left", "right", "right",
                                                      "right"))
    priced = [b for b in summary.bundles if b.cost_usd is not None]
    cost = sum(b.cost_usd for b in priced if b.cost_usd is not None) if priced else None
    partial = sum(b.priced for b in summary.bundles) < summary.rows
    counted = [b.tokens for b in summary.bundles if b.tokens is not None]
    tokens = f"{sum(counted):,} tokens" if counted else "no token counts"
    bundles = f"{len(summary.bundles)} bundle{'s' if len(summary.bundles) != 1 else ''}"
    spent = "no recorded cost" if cost is None else f"cost usd {_usd(cost, partial=partial)}"
    lines = [f"sample cache {summary.path}", "", str(table), "",
             f"total: {summary.rows:,} samples of {bundles}, {spent}, {tokens}; {size}"]
    if partial and cost is not None:
        lines.append("≥: some samples recorded no cost; the figure sums those that did")
    if summary.failed_checksum:
        lines.append(f"{summary.failed_checksum:,} of the samples fail their checksum (edited or damaged since "
                     "written): the next run requests them again")
    return "\n".join(lines)


def _pruned(result: PruneResult) -> str:
    if not result.removed:
        return (f"no samples matched in {result.path} ({result.remaining:,} remain): nothing "
                f"{'would be ' if result.dry_run else ''}removed")
    from tabulate import tabulate

    counts = sorted(result.by_fingerprint.items(), key=lambda item: (-item[1], item[0]))
    table = tabulate([[fp[:12], f"{n:,}"] for fp, n in counts], headers=["fingerprint", "samples"],
                     tablefmt="simple", disable_numparse=True, colalign=("left", "right"))
    if result.dry_run:
        head = (f"would remove {result.removed:,} samples from {result.path} ({result.remaining:,} would remain); "
                "nothing was deleted (--dry-run)")
        return f"{head}\n\n{table}"
    lines = [f"removed {result.removed:,} samples from {result.path} ({result.remaining:,} remain)", "", str(table),
             "", f"size on disk: {_bytes(result.size_before)} -> {_bytes(result.size_after)}"]
    if not result.compacted:
        lines.append("the file was not compacted: another process is using it (prune again later to shrink it)")
    return "\n".join(lines)


def _cache_command(args: argparse.Namespace) -> str:
    from pytest_behavior.sampling.cache import NoSampleCache, prune, summarize

    try:
        if args.action == "show":
            return _show(summarize(args.cache_dir))
        return _pruned(prune(args.cache_dir, older_than_days=args.older_than, fingerprints=args.fingerprint or (),
                             everything=args.everything, dry_run=args.dry_run))
    except NoSampleCache as exc:
        raise NoSampleCache(f"{exc} (pass --cache-dir DIR if the cache is elsewhere)") from None


def _show_command(args: argparse.Namespace) -> tuple[str, int]:
    from pytest_behavior.golden.store import load_golden
    from pytest_behavior.report.show import list_golden, render_listing, render_show, summarize_golden

    if args.path.is_dir():
        listed = list_golden(args.path)
        status = 2 if any(f.error for f in listed) else 0
        if args.json:
            return json.dumps([f.to_json() for f in listed], indent=2, ensure_ascii=True), status
        return render_listing(args.path, listed), status
    summary = summarize_golden(args.path, load_golden(args.path))
    if args.json:
        return json.dumps(summary.to_json(), indent=2, ensure_ascii=True, default=str), 0
    return render_show(summary), 0


def _card_command(args: argparse.Namespace) -> tuple[str, int]:
    from pytest_behavior.golden.store import golden_files, load_golden
    from pytest_behavior.report.card import behavior_cards, render_cards

    paths = [path for given in args.paths for path in golden_files(given)]
    cards = behavior_cards([(path, load_golden(path)) for path in dict.fromkeys(paths)])
    if args.json:
        return json.dumps([c.to_json() for c in cards], indent=2, ensure_ascii=True, default=str), 0
    return render_cards(cards, files=len(set(paths))), 0


def _diff_command(args: argparse.Namespace) -> tuple[str, int]:
    from pytest_behavior.golden.compare import compare_golden
    from pytest_behavior.golden.store import load_golden
    from pytest_behavior.report.golden_diff import diff_directories, render_golden_diff

    a, b = args.baseline, args.candidate
    if a.is_dir() != b.is_dir() and a.exists() and b.exists():
        raise ValueError(f"compare two files or two directories, not a {'directory' if a.is_dir() else 'file'} "
                         f"({a}) with a {'directory' if b.is_dir() else 'file'} ({b})")
    if not a.is_dir():
        diff = compare_golden(load_golden(a), load_golden(b), alpha=args.alpha, baseline_source=str(a),
                              candidate_source=str(b))
        return render_golden_diff(diff), 1 if diff.regressed else 0
    return diff_directories(a, b, alpha=args.alpha)


_GOLDEN_COMMANDS = {"show": _show_command, "card": _card_command, "diff": _diff_command}


def _golden_command(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """``show``, ``card``, ``diff``: a missing, corrupt or incompatible file is exit 2 with its path, no traceback."""
    from pytest_behavior.errors import BehaviorConfigError

    try:
        text, status = _GOLDEN_COMMANDS[args.command](args)
    except (ValueError, BehaviorConfigError) as exc:
        parser.exit(2, f"pytest-behavior {args.command}: error: {exc}\n")
    print(text)
    return status


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command in _GOLDEN_COMMANDS:
        return _golden_command(parser, args)
    if args.command == "cache":
        from pytest_behavior.errors import BehaviorConfigError

        try:
            print(_cache_command(args))
        except (ValueError, BehaviorConfigError) as exc:
            parser.exit(2, f"pytest-behavior cache: error: {exc}\n")
        return 0
    try:
        print(_power_command(args))
    except (ValueError, ArithmeticError) as exc:
        parser.exit(2, f"pytest-behavior power: error: {exc}\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
