"""``pytest-behavior cache``: show the sample cache per bundle fingerprint, or prune it."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_behavior.cli.arguments import days
from pytest_behavior.errors import BehaviorConfigError

if TYPE_CHECKING:
    from pytest_behavior.sampling.cache import BundleSamples, CacheSummary, PruneResult

ERRORS: tuple[type[Exception], ...] = (ValueError, BehaviorConfigError)
"""What a run raises for a missing or unreadable cache or a bad option: exit 2 with the message."""

DEFAULT_CACHE_DIR = Path(".behavior-cache")


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cache = commands.add_parser(
        "cache",
        help="show or prune the sample cache",
        description="Show or prune the sample cache (samples.sqlite3 in the cache directory).",
    )
    actions = cache.add_subparsers(dest="action", required=True)
    show = actions.add_parser(
        "show",
        help="samples, dates, cost, latency and tokens per bundle fingerprint",
        description="Samples, distinct inputs, first and last write, cost, mean latency and tokens per bundle "
        "fingerprint, and the cache's size on disk. Read-only.",
    )
    prune = actions.add_parser(
        "prune",
        help="delete cached samples, then compact the file",
        description="Delete cached samples by age, by bundle fingerprint, or all of them; then compact the file "
        "so it shrinks. Deleted samples are paid for again when a test needs them.",
    )
    for command in (show, prune):
        command.add_argument(
            "--cache-dir",
            type=Path,
            default=DEFAULT_CACHE_DIR,
            metavar="DIR",
            help=f"the cache directory (default: {DEFAULT_CACHE_DIR} in the current directory)",
        )
    which = prune.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--older-than",
        type=days,
        metavar="DAYS",
        help="samples written more than DAYS days ago (fractions allowed, e.g. 0.5)",
    )
    which.add_argument(
        "--fingerprint",
        nargs="+",
        action="extend",
        metavar="FP",
        help="samples of these bundle fingerprints (a prefix of at least 6 characters each, "
        "as `cache show` prints them)",
    )
    which.add_argument("--all", dest="everything", action="store_true", help="every sample")
    prune.add_argument("--dry-run", action="store_true", help="report what would be removed, remove nothing")


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
    return [
        bundle.fingerprint[:12],
        f"{bundle.samples:,}",
        f"{bundle.inputs:,}",
        _when(bundle.first_created),
        _when(bundle.last_created),
        _usd(bundle.cost_usd, partial=bundle.priced < bundle.samples),
        latency,
        "-" if bundle.tokens is None else f"{bundle.tokens:,}",
    ]


def _show(summary: CacheSummary) -> str:
    size = f"{_bytes(summary.size_bytes)} on disk"
    if not summary.bundles:
        return f"sample cache {summary.path} is empty ({size})"
    from tabulate import tabulate

    headers = ["fingerprint", "samples", "inputs", "first", "last", "cost usd", "mean latency ms", "tokens"]
    table = tabulate(
        [_bundle_row(b) for b in summary.bundles],
        headers=headers,
        tablefmt="simple",
        disable_numparse=True,
        colalign=("left", "right", "right", "left", "left", "right", "right", "right"),
    )
    priced = [b for b in summary.bundles if b.cost_usd is not None]
    cost = sum(b.cost_usd for b in priced if b.cost_usd is not None) if priced else None
    partial = sum(b.priced for b in summary.bundles) < summary.rows
    counted = [b.tokens for b in summary.bundles if b.tokens is not None]
    tokens = f"{sum(counted):,} tokens" if counted else "no token counts"
    bundles = f"{len(summary.bundles)} bundle{'s' if len(summary.bundles) != 1 else ''}"
    spent = "no recorded cost" if cost is None else f"cost usd {_usd(cost, partial=partial)}"
    lines = [
        f"sample cache {summary.path}",
        "",
        str(table),
        "",
        f"total: {summary.rows:,} samples of {bundles}, {spent}, {tokens}; {size}",
    ]
    if partial and cost is not None:
        lines.append("≥: some samples recorded no cost; the figure sums those that did")
    if summary.failed_checksum:
        lines.append(
            f"{summary.failed_checksum:,} of the samples fail their checksum (edited or damaged since "
            "written): the next run requests them again"
        )
    return "\n".join(lines)


def _pruned(result: PruneResult) -> str:
    if not result.removed:
        return (
            f"no samples matched in {result.path} ({result.remaining:,} remain): nothing "
            f"{'would be ' if result.dry_run else ''}removed"
        )
    from tabulate import tabulate

    counts = sorted(result.by_fingerprint.items(), key=lambda item: (-item[1], item[0]))
    table = tabulate(
        [[fp[:12], f"{n:,}"] for fp, n in counts],
        headers=["fingerprint", "samples"],
        tablefmt="simple",
        disable_numparse=True,
        colalign=("left", "right"),
    )
    if result.dry_run:
        head = (
            f"would remove {result.removed:,} samples from {result.path} ({result.remaining:,} would remain); "
            "nothing was deleted (--dry-run)"
        )
        return f"{head}\n\n{table}"
    lines = [
        f"removed {result.removed:,} samples from {result.path} ({result.remaining:,} remain)",
        "",
        str(table),
        "",
        f"size on disk: {_bytes(result.size_before)} -> {_bytes(result.size_after)}",
    ]
    if not result.compacted:
        lines.append("the file was not compacted: another process is using it (prune again later to shrink it)")
    return "\n".join(lines)


def _cache_command(args: argparse.Namespace) -> str:
    from pytest_behavior.sampling.cache import NoSampleCache, prune, summarize

    try:
        if args.action == "show":
            return _show(summarize(args.cache_dir))
        return _pruned(
            prune(
                args.cache_dir,
                older_than_days=args.older_than,
                fingerprints=args.fingerprint or (),
                everything=args.everything,
                dry_run=args.dry_run,
            )
        )
    except NoSampleCache as exc:
        raise NoSampleCache(f"{exc} (pass --cache-dir DIR if the cache is elsewhere)") from None


def run(args: argparse.Namespace) -> tuple[str, int]:
    return _cache_command(args), 0
