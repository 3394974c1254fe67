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

Per family: a table true version x predicted (``none`` = "like none of them"), the accuracy, and the unknown
version case: the true version's golden file left out, how often the answer is "like none of them" and which
sibling is named otherwise.

Run: ``python benchmarks/identify_accuracy.py [--reps 200] [--split held-out|dev] [--field 100]``
(needs ``../shared/data/alpaca_eval``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pytest_behavior.engine.identify import identify_paths
from pytest_behavior.golden.store import GoldenRecord, GoldenSample, write_golden
from pytest_behavior.spec.inputs import input_id
from tests.support.shared_data import data_root

FAMILIES: dict[str, tuple[str, ...]] = {
    "gpt-3.5": ("gpt-3.5-turbo-0301", "gpt-3.5-turbo-0613", "gpt-3.5-turbo-1106"),
    "gpt-4": ("gpt4_0314", "gpt4_0613", "gpt4_1106_preview"),
    "gpt-4 later": ("gpt4_1106_preview", "gpt-4-turbo-2024-04-09", "gpt-4o-2024-05-13"),
    "mistral": ("Mistral-7B-Instruct-v0.2", "Mistral-7B-Instruct-v0.3"),
    "claude": ("claude", "claude-2", "claude-2.1"),
}
SPLITS = {"dev": 0, "held-out": 1}
"""Instruction index parity of each split."""


@dataclass(frozen=True)
class FamilyResult:
    family: str
    versions: tuple[str, ...]
    confusion: Counter[tuple[str, str]]
    unknown: Counter[tuple[str, str]]
    reps: int

    def accuracy(self) -> float:
        right = sum(n for (true, predicted), n in self.confusion.items() if true == predicted)
        return right / sum(self.confusion.values())

    def none_rate_unknown(self) -> float:
        return sum(n for (_, p), n in self.unknown.items() if p == "none") / sum(self.unknown.values())


def load_outputs(models: Sequence[str]) -> tuple[list[str], dict[str, list[str]]]:
    """The instructions (in file order) and each model's outputs, joined on the instruction."""
    root = data_root() / "alpaca_eval" / "results"
    outputs: dict[str, list[str]] = {}
    instructions: list[str] = []
    for model in models:
        rows = json.loads((root / model / "model_outputs.json").read_text(encoding="utf-8"))
        if not instructions:
            instructions = [r["instruction"] for r in rows]
        by_instruction = {r["instruction"]: r["output"] for r in rows}
        outputs[model] = [by_instruction[i] for i in instructions]
    return instructions, outputs


def _fingerprint(model: str) -> str:
    return hashlib.sha256(model.encode()).hexdigest()[:16]


def write_version(path: Path, model: str, instructions: Sequence[str], outputs: Sequence[str]) -> None:
    """A golden file of ``model`` on these instructions, by the plugin's writer."""
    samples = {
        input_id(q): GoldenSample(input=q, segment=None, outputs=({"text": o},))
        for q, o in zip(instructions, outputs, strict=True)
    }
    record = GoldenRecord(
        test="tests/test_assistant.py::test_answers",
        bundle={"label": model, "fingerprint": _fingerprint(model)},
        settings={"repeats": 1},
        properties=(),
        detectors={},
        plugin_version="benchmark",
        recorded_at="",
        samples=samples,
    )
    write_golden(path, record)


def write_field(path: Path, instructions: Sequence[str], outputs: Sequence[str]) -> None:
    """Field logs in the records format: one ``{"input", "output"}`` per line."""
    lines = (json.dumps({"input": q, "output": o}) for q, o in zip(instructions, outputs, strict=True))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def predicted(field: Path, golden: Sequence[Path], *, alpha: float) -> str:
    result = identify_paths(field, golden, alpha=alpha)
    return result.best.label if result.best else "none"


def run_family(
    family: str, models: Sequence[str], *, split: str, reps: int, field_n: int, alpha: float, seed: int
) -> FamilyResult:
    instructions, outputs = load_outputs(models)
    pool = [i for i in range(len(instructions)) if i % 2 == SPLITS[split]]
    confusion: Counter[tuple[str, str]] = Counter()
    unknown: Counter[tuple[str, str]] = Counter()
    for rep in range(reps):
        rng = random.Random(f"{seed}:{family}:{split}:{rep}")
        order = rng.sample(pool, len(pool))
        field_idx, golden_idx = order[:field_n], order[field_n:]
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            files = {m: root / "golden" / m / "test_answers.json" for m in models}
            for m in models:
                write_version(files[m], m, [instructions[i] for i in golden_idx], [outputs[m][i] for i in golden_idx])
            for true in models:
                field = root / f"field-{true}.jsonl"
                write_field(field, [instructions[i] for i in field_idx], [outputs[true][i] for i in field_idx])
                confusion[(true, predicted(field, [root / "golden"], alpha=alpha))] += 1
                others = [files[m] for m in models if m != true]
                unknown[(true, predicted(field, others, alpha=alpha))] += 1
    return FamilyResult(family, tuple(models), confusion, unknown, reps)


def render(result: FamilyResult) -> str:
    columns = [*result.versions, "none"]
    width = max(len(c) for c in columns) + 1
    lines = [f"{result.family}: {result.reps} samples per true version; rows true, columns predicted"]
    lines.append(" " * width + "".join(f"{c:>{width}}" for c in columns))
    for true in result.versions:
        lines.append(f"{true:<{width}}" + "".join(f"{result.confusion[(true, c)]:>{width}}" for c in columns))
    lines.append(f"accuracy {result.accuracy():.3f}")
    lines.append("unknown version (its golden file left out): 'like none of them' / named a sibling")
    for true in result.versions:
        named = {p: n for (t, p), n in result.unknown.items() if t == true and p != "none"}
        shown = ", ".join(f"{p} {n}" for p, n in sorted(named.items(), key=lambda kv: -kv[1])) or "-"
        lines.append(f"  {true:<{width}} none {result.unknown[(true, 'none')] / result.reps:.2f}; named: {shown}")
    lines.append(f"  overall 'none' rate {result.none_rate_unknown():.3f}")
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
