"""``pytest-behavior`` command line: ``power`` answers "how many inputs do I need?" before a run costs money;
``cache`` shows and prunes the samples already paid for; ``show``, ``card`` and ``diff`` read golden files.

- this module: the parser and `main`, dispatching to one module per command.
- `power`: inputs needed for a given power, or what a given number of inputs can detect.
- `cache`: the sample cache per bundle fingerprint, shown or pruned.
- `golden`: ``show``, ``card`` and ``diff``: golden files read, summarized and compared offline.
- `card`: the ``card`` command's options and output (the version matrix, the live drift check).
- `identify`: which recorded version field logs behave like.
- `arguments`: the argparse ``type=`` converters, made by one factory (`argument_type`).
- `__main__`: ``python -m pytest_behavior.cli``.

    pytest-behavior power --binary 0.05 0.15        # a rate going from 5% to 15%
    pytest-behavior power --shift 0.2               # a mean shift of 0.2 SD of the paired difference
    pytest-behavior power --pass 0.05 0.03          # PASS a max_increase=0.03 margin at a 5% base rate
    pytest-behavior power --detect 40 --base 0.05   # what 40 inputs can detect at a 5% base rate
    pytest-behavior power --detect 40 --base 0.05 --margin 0.05   # ... beyond a max_increase=0.05 margin
    pytest-behavior power --binary 0.05 0.15 --bounds 4 --segments 3   # at the level of a test's Holm family
    pytest-behavior power --preference 0.40 0.50    # a judged win rate of 0.40 against min_win_rate=0.5

    pytest-behavior cache show                      # samples, dates, cost, latency, tokens per bundle fingerprint
    pytest-behavior cache prune --older-than 30     # delete samples written more than 30 days ago
    pytest-behavior cache prune --fingerprint 3f2a9c1d4e5b --dry-run   # what deleting one bundle's samples frees
    pytest-behavior cache prune --all --cache-dir path/to/.behavior-cache

    pytest-behavior show golden/tests/test_x/test_y.json   # what one golden file holds (--json: machine-readable)
    pytest-behavior show golden/                    # every golden file under a directory, one line each
    pytest-behavior card golden/                    # a behavior card per bundle: refusal, schema, length, latency, cost
    pytest-behavior card golden/ --check            # resample 30 inputs per file live: still behaves as recorded?
    pytest-behavior card golden/ --report run.json  # ... with a matrix run's version matrix and fleet view
    pytest-behavior diff old/test_y.json new/test_y.json   # judge B against A offline; exit 1 on a regression
    pytest-behavior diff golden-main/ golden/       # every file pair (by relative path) of two directories
    pytest-behavior identify field.jsonl golden/    # which recorded version do field logs behave like? (exit 0/1/2/3)

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
import os
import sys
from collections.abc import Callable, Sequence

from pytest_behavior.cli import cache, golden, identify, power
from pytest_behavior.cli.power import family_size

__all__ = ["family_size", "main"]

_Run = Callable[[argparse.Namespace], tuple[str, int]]
_COMMANDS: dict[str, tuple[_Run, tuple[type[Exception], ...]]] = {
    "power": (power.run, power.ERRORS),
    "cache": (cache.run, cache.ERRORS),
    **{name: (golden.run, golden.ERRORS) for name in golden.COMMANDS},
    "identify": (identify.run, identify.ERRORS),
}
"""Each command's run (its output and exit status) and the errors it reports as exit 2 with their message."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pytest-behavior", description="pytest-behavior utilities")
    commands = parser.add_subparsers(dest="command", required=True)
    power.add_parser(commands)
    cache.add_parser(commands)
    golden.add_parsers(commands)
    identify.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    run, errors = _COMMANDS[args.command]
    try:
        text, status = run(args)
    except errors as exc:
        parser.exit(2, f"pytest-behavior {args.command}: error: {exc}\n")
    return _print(text, status)


SIGPIPE_STATUS = 141
"""What a shell reports for a command a closed pipe stopped (128 + SIGPIPE), as ``yes | head`` does."""


def _print(text: str, status: int) -> int:
    """Print the output; a reader that stopped early (``pytest-behavior card golden/ | head``) is not an error."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        # Python flushes stdout again at exit and would print "Exception ignored ... BrokenPipeError": point it away
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return SIGPIPE_STATUS
    return status
