"""``pytest-behavior show``, ``card`` and ``diff``: golden files read, summarized and compared offline.

A missing, corrupt or incompatible file is exit 2 with its path, no traceback.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from pytest_behavior.cli.arguments import alpha
from pytest_behavior.cli.card import card_command, card_options
from pytest_behavior.errors import BehaviorConfigError, ProviderError

ERRORS: tuple[type[Exception], ...] = (ValueError, BehaviorConfigError, ProviderError)
"""What a run raises for a missing, corrupt or incompatible file, or a provider failing ``card --check``'s calls: exit
2 with the message."""


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    show = commands.add_parser(
        "show",
        help="what a golden file holds (or list the golden files under a directory)",
        description="What a golden file holds: test, dates, bundle, settings, properties, inputs, segments, output "
        "lengths and example outputs. A directory lists every golden file under it.",
    )
    show.add_argument("path", type=Path, metavar="PATH", help="a golden file or a directory of them")
    card = commands.add_parser(
        "card",
        help="behavior cards per bundle from golden files",
        description="A behavior card per bundle fingerprint: samples, dates, schema-valid and refusal rates, "
        "length, latency, time to first token, cost per 1k calls, tool-call rate, correctness, judged quality and "
        "context curves, from what the golden files recorded; --report adds a matrix run's version matrix, --check "
        "resamples a seeded subset live and says whether each bundle still behaves as recorded. Exit 0, 1: a bundle "
        "drifted since recorded (--check), 2: a usage, file or provider error.",
    )
    card.add_argument("paths", type=Path, nargs="+", metavar="PATH", help="golden files or directories (recursive)")
    card_options(card)
    diff = commands.add_parser(
        "diff",
        help="judge golden file B against golden file A, offline",
        description="Judge candidate B against baseline A with A's recorded properties, paired by input id, as the "
        "plugin does; two directories pair their files by relative path. Exit 0: no regression, "
        "1: a regression, 2: a usage or file error.",
    )
    diff.add_argument("baseline", type=Path, metavar="A", help="baseline golden file or directory")
    diff.add_argument("candidate", type=Path, metavar="B", help="candidate golden file or directory")
    diff.add_argument("--alpha", type=alpha, default=0.05, help="significance level (default 0.05)")
    for command in (show, card):
        command.add_argument("--json", action="store_true", help="print JSON instead of text")


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


def _diff_command(args: argparse.Namespace) -> tuple[str, int]:
    from pytest_behavior.engine.golden_compare import compare_golden
    from pytest_behavior.golden.store import load_golden
    from pytest_behavior.report.golden_diff import diff_directories, render_golden_diff

    a, b = args.baseline, args.candidate
    if a.is_dir() != b.is_dir() and a.exists() and b.exists():
        raise ValueError(
            f"compare two files or two directories, not a {'directory' if a.is_dir() else 'file'} "
            f"({a}) with a {'directory' if b.is_dir() else 'file'} ({b})"
        )
    if not a.is_dir():
        diff = compare_golden(
            load_golden(a), load_golden(b), alpha=args.alpha, baseline_source=str(a), candidate_source=str(b)
        )
        return render_golden_diff(diff), 1 if diff.regressed else 0
    return diff_directories(a, b, alpha=args.alpha)


COMMANDS = {"show": _show_command, "card": card_command, "diff": _diff_command}


def run(args: argparse.Namespace) -> tuple[str, int]:
    """The output of ``show``, ``card`` or ``diff`` (as ``args.command`` says) and its exit status."""
    return COMMANDS[args.command](args)
