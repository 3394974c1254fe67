"""``pytest-behavior card``: the operational model card of each bundle, as Markdown a team can publish, or JSON.

The card itself is computed offline from the golden files (`pytest_behavior.report.card`); ``--report`` adds a matrix
run's version matrix and fleet view (`pytest_behavior.report.card_matrix`); ``--check`` resamples a seeded subset of
each golden file live and says whether each bundle still behaves as recorded (`pytest_behavior.engine.card_check`):
exit 1 when one drifted, 2 for a usage, file or provider error (a provider failing is never "drifted").

Without ``--report`` and ``--check`` the JSON is the list of cards; with either, an object: ``cards``, and
``version_matrix`` and / or ``drift``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from pytest_behavior.cli.arguments import alpha, argument_type

DEFAULT_N = 30
"""Inputs ``--check`` resamples per golden file: enough to catch a large change, cheap enough for a schedule; a file
with a p95 or shape bound resamples the 40 or more that bound is judged at (`engine.card_check.tail_inputs`)."""
CHECK_OPTIONS = ("check_n", "seed", "alpha", "max_calls")
"""Options that only apply with ``--check``."""
check_count = argument_type(int, lambda v: v >= 1, ": give a whole number, 1 or more", what="a whole number")


def card_options(card: argparse.ArgumentParser) -> None:
    card.add_argument(
        "--report", type=Path, metavar="RUN.json", help="a matrix run's verdict report: add its version matrix"
    )
    card.add_argument(
        "--check",
        action="store_true",
        help="resample a seeded subset of each golden file live and say whether each bundle still behaves as recorded",
    )
    card.add_argument(
        "--check-n",
        type=check_count,
        help=f"inputs resampled per golden file (default {DEFAULT_N}, or what a file's p95 / shape bounds need: 40+)",
    )
    card.add_argument("--seed", type=int, help="seed of the subset of inputs --check resamples (default 0)")
    card.add_argument("--alpha", type=alpha, help="significance level of --check (default 0.05)")
    card.add_argument(
        "--max-calls", type=check_count, help="refuse a --check that would make more live calls than this"
    )


def card_command(args: argparse.Namespace) -> tuple[str, int]:
    from pytest_behavior.golden.store import golden_files, load_golden
    from pytest_behavior.report.card import behavior_cards, render_cards

    given = [f"--{name.replace('_', '-')}" for name in CHECK_OPTIONS if getattr(args, name) is not None]
    if given and not args.check:
        raise ValueError(f"{', '.join(given)} only appl{'y' if len(given) > 1 else 'ies'} with --check")
    paths = list(dict.fromkeys(path for given_path in args.paths for path in golden_files(given_path)))
    records = [(path, load_golden(path)) for path in paths]
    matrix = None
    if args.report is not None:
        from pytest_behavior.report.card_matrix import matrix_section

        matrix = matrix_section(args.report)
    drift, status = _check(args, records) if args.check else (None, 0)
    cards = behavior_cards(records)
    if args.json:
        listed = [c.to_json() for c in cards]
        document: Any = listed
        if matrix is not None or drift is not None:
            document = {"cards": listed}
            if matrix is not None:
                document["version_matrix"] = matrix.to_json()
            if drift is not None:
                document["drift"] = drift[0]
        return json.dumps(document, indent=2, ensure_ascii=True, default=str), status
    parts = [render_cards(cards, files=len(paths))]
    if matrix is not None:
        parts.append("\n".join(matrix.markdown()).rstrip())
    if drift is not None:
        parts.append("\n".join(drift[1]).rstrip())
    return "\n\n".join(parts), status


def _check(args: argparse.Namespace, records: Any) -> tuple[tuple[dict[str, Any], list[str]], int]:
    """The check's JSON and Markdown, and its exit status (1: a bundle drifted)."""
    from pytest_behavior.engine.card_check import check, plan_check
    from pytest_behavior.report.card_check import check_json, check_markdown, raised_note

    n: int = args.check_n if args.check_n is not None else DEFAULT_N
    seed: int = args.seed if args.seed is not None else 0
    level: float = args.alpha if args.alpha is not None else 0.05
    plan = plan_check(records, n=n, seed=seed, raise_for_tails=args.check_n is None)
    if not plan.targets:
        reasons = "; ".join(f"{u.path}: {u.reason}" for u in plan.unchecked) or "no golden file given"
        raise ValueError(f"--check: no golden file can be resampled ({reasons})")
    if args.max_calls is not None and plan.calls > args.max_calls:
        raise ValueError(
            f"--check would make {plan.calls:,} live calls, more than --max-calls {args.max_calls:,}: lower --check-n "
            f"(now {n}) or check fewer files"
        )
    bundles = len({t.bundle.fingerprint for t in plan.targets})
    print(
        f"pytest-behavior card --check: {plan.calls:,} live calls ({len(plan.targets)} golden "
        f"file{'s' if len(plan.targets) != 1 else ''}, "
        f"{bundles} bundle{'s' if bundles != 1 else ''}, up to {n} inputs each{raised_note(plan.targets, n)})",
        file=sys.stderr,
        flush=True,
    )
    checks = asyncio.run(check(plan, alpha=level))
    as_json = check_json(checks, plan.unchecked, n=n, seed=seed, alpha=level)
    markdown = check_markdown(checks, plan.unchecked, n=n, seed=seed, alpha=level)
    return (as_json, markdown), 1 if as_json["drifted"] else 0
