"""``pytest-behavior identify`` on real model versions: AlpacaEval outputs of sibling versions of one model.

AlpacaEval holds ONE output per (model, instruction): a field sample on the instructions a golden file recorded
would be byte-identical to the true version's golden outputs, and identification would be trivial. So every
repetition splits the instructions in two: each version's golden file records its outputs on one part, and the
field sample is 100 instructions from the other part, compared *unpaired* (``mode="auto"`` chooses it: no input
is shared). The golden files and field.jsonl are written in a temporary directory in the real formats, and the
figures come from `identify_paths`, the code the CLI runs.

Splits: the features and alpha were chosen on ``dev`` (even instruction indices); ``held-out`` (odd indices) was
not looked at before the figures below were printed. Families: gpt-3.5-turbo 0301/0613/1106, the GPT-4 snapshots,
Mistral-7B-Instruct v0.2/v0.3, and Claude v1/2/2.1 as an extra family.

Per family: a table true version x predicted (``none`` = "like none of them", ``?`` = "cannot tell apart",
exit 3), the accuracy (the true version named), how often another version is named and how often the answer is
undecided, and the unknown version case: the true version's golden file left out, how often the answer is "like
none of them", undecided, or which sibling is named.

Run: ``python benchmarks/identify_accuracy.py [--reps 200] [--split held-out|dev] [--field 100]``
(needs ``../shared/data/alpaca_eval``).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.identify_accuracy import FAMILIES, SPLITS, UNDECIDED, FamilyResult, run_family
from tests.support.shared_data import data_root


def render(result: FamilyResult) -> str:
    columns = [*result.versions, "none", UNDECIDED]
    width = max(len(c) for c in columns) + 1
    lines = [f"{result.family}: {result.reps} samples per true version; rows true, columns predicted"]
    lines.append(" " * width + "".join(f"{c:>{width}}" for c in columns))
    for true in result.versions:
        lines.append(f"{true:<{width}}" + "".join(f"{result.confusion[(true, c)]:>{width}}" for c in columns))
    lines.append(
        f"accuracy {result.accuracy():.3f}; another version named {result.wrong():.3f}; undecided "
        f"{result.rate(UNDECIDED):.3f} (its nearest version the true one: "
        f"{result.undecided_nearest_right / max(1, result.rate(UNDECIDED) * result.reps * len(result.versions)):.2f}); "
        f"like none {result.rate('none'):.3f}"
    )
    lines.append("unknown version (its golden file left out): 'like none of them' / undecided / named a sibling")
    for true in result.versions:
        named = {p: n for (t, p), n in result.unknown.items() if t == true and p not in ("none", UNDECIDED)}
        shown = ", ".join(f"{p} {n}" for p, n in sorted(named.items(), key=lambda kv: -kv[1])) or "-"
        none, undecided = (result.unknown[(true, p)] / result.reps for p in ("none", UNDECIDED))
        lines.append(f"  {true:<{width}} none {none:.2f}; undecided {undecided:.2f}; named: {shown}")
    lines.append(
        f"  overall 'none' rate {result.none_rate_unknown():.3f}; undecided {result.rate(UNDECIDED, unknown=True):.3f}"
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--split", choices=tuple(SPLITS), default="held-out")
    parser.add_argument("--field", type=int, default=100, help="field instructions per sample")
    parser.add_argument("--alpha", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--family", choices=tuple(FAMILIES), action="append")
    args = parser.parse_args(argv)
    if not (data_root() / "alpaca_eval" / "results").is_dir():
        sys.exit(f"identify_accuracy: no AlpacaEval outputs under {data_root()}; nothing to measure")
    print(
        f"identify: {args.field} field instructions vs golden files of the rest of the {args.split} split "
        f"(unpaired), alpha {args.alpha}, {args.reps} seeded samples per true version\n"
    )
    started = time.perf_counter()
    for family in args.family or FAMILIES:
        result = run_family(
            family,
            FAMILIES[family],
            split=args.split,
            reps=args.reps,
            field_n=args.field,
            alpha=args.alpha,
            seed=args.seed,
        )
        print(render(result) + "\n", flush=True)
    print(f"({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
