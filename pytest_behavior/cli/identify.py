"""``pytest-behavior identify FIELD GOLDEN...``: which recorded version do field logs behave like?

Exit 0: a best match; 1: like none of them; 2: a usage error, or a missing, corrupt or unusable file (named);
3: inconclusive (two or more versions consistent, or too few inputs to name one).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from pytest_behavior.cli.arguments import alpha
from pytest_behavior.errors import BehaviorConfigError

ERRORS: tuple[type[Exception], ...] = (ValueError, BehaviorConfigError)
"""What a run raises for a missing, corrupt or unusable file: exit 2 with the message."""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    identify = commands.add_parser(
        "identify",
        help="which recorded version do field logs behave like?",
        description="Compare field logs (records JSONL: input, output per line) with every version the golden "
        "files recorded (bundle label + fingerprint): per version and behavioral feature (length, lines, "
        "sentence length, refusal, lists, headings, bold, code, opener, closing offer, JSON), a paired test on "
        "the inputs both recorded (at least 10) or else an unpaired one, on each input's first r repeats (r the "
        "fewest on either side), Holm across features. Golden files of context_sweep and invariance tests are "
        "left out. Best match: the nearest consistent version, compared on at least 20 inputs and told apart from "
        "any other consistent one (docs/identify.md). Exit 0: a best match; "
        "1: like none of them; 2: a usage or file error; 3: inconclusive (cannot tell two or more consistent "
        "versions apart, or too few inputs to name one).",
    )
    identify.add_argument(
        "field",
        type=Path,
        metavar="FIELD",
        help='field records (JSONL, the from_records format: one {"input": ..., "output": ...} per line); comes first',
    )
    identify.add_argument("golden", type=Path, nargs="+", metavar="GOLDEN", help="golden files or directories")
    identify.add_argument("--alpha", type=alpha, default=0.05, help="significance level per version (default 0.05)")
    identify.add_argument(
        "--mode",
        choices=("auto", "paired", "unpaired"),
        default="auto",
        help="auto (default): paired when a version shares at least 10 inputs with the field records, else the "
        "test that compares more inputs",
    )
    identify.add_argument("--json", action="store_true", help="print JSON instead of text")


def run(args: argparse.Namespace) -> tuple[str, int]:
    from pytest_behavior.engine.identify_files import identify_paths
    from pytest_behavior.report.identify import render_identification

    result = identify_paths(args.field, args.golden, alpha=args.alpha, mode=args.mode)
    status = result.status
    if args.json:
        return json.dumps(result.to_json(), indent=2, ensure_ascii=True), status
    return render_identification(result), status
