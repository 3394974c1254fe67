"""``pytest-behavior identify FIELD GOLDEN...``: which recorded version do field logs behave like?

Exit 0: a best match; 1: like none of them; 2: a usage error, or a missing, corrupt or unusable file (named).
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
        "the inputs both recorded (at least 10) or else an unpaired one, Holm across features. Best match: the "
        "nearest consistent version. Exit 0: a best match, 1: like none of them, 2: a usage or file error.",
    )
    identify.add_argument("field", type=Path, metavar="FIELD", help="field records (JSONL, the from_records format)")
    identify.add_argument("golden", type=Path, nargs="+", metavar="GOLDEN", help="golden files or directories")
    identify.add_argument("--alpha", type=alpha, default=0.05, help="significance level per version (default 0.05)")
    identify.add_argument(
        "--mode",
        choices=("auto", "paired", "unpaired"),
        default="auto",
        help="auto (default): paired when a version shares at least 10 inputs with the field records",
    )
    identify.add_argument("--json", action="store_true", help="print JSON instead of text")


def run(args: argparse.Namespace) -> tuple[str, int]:
    from pytest_behavior.engine.identify import identify_paths
    from pytest_behavior.report.identify import render_identification

    result = identify_paths(args.field, args.golden, alpha=args.alpha, mode=args.mode)
    status = 0 if result.best is not None else 1
    if args.json:
        return json.dumps(result.to_json(), indent=2, ensure_ascii=True), status
    return render_identification(result), status
