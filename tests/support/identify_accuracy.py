"""The AlpacaEval harness of ``pytest-behavior identify``'s accuracy, shared by `benchmarks/identify_accuracy.py`
and `tests/realdata/test_identify_alpaca.py` (so the test and the table it backs cannot drift apart).

AlpacaEval holds ONE output per (model, instruction), so a field sample on instructions a golden file recorded
would replay the true version's texts byte for byte. Each repetition therefore splits the split's instructions:
``field_n`` at random for the field sample, the rest for every version's golden file; ``identify`` compares them
unpaired (no shared input). A prediction is a version's label, ``none`` ("like none of them") or `UNDECIDED`
("cannot tell apart", exit 3: two or more versions consistent). Files are written in a temporary directory in the
real formats (the plugin's golden writer, records JSONL) and read back by `identify_paths`, the code the CLI runs.
"""

from __future__ import annotations

import hashlib
import json
import random
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pytest_behavior.engine.identify_files import identify_paths
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
UNDECIDED = "?"
"""The prediction when identify cannot tell the consistent versions apart (exit 3)."""


@dataclass(frozen=True)
class FamilyResult:
    family: str
    versions: tuple[str, ...]
    confusion: Counter[tuple[str, str]]
    unknown: Counter[tuple[str, str]]
    reps: int
    undecided_nearest_right: int = 0
    """Undecided samples (true version recorded) whose nearest consistent version was the true one."""

    def accuracy(self) -> float:
        """Samples whose true version was named (an undecided sample counts as not named)."""
        right = sum(n for (true, predicted), n in self.confusion.items() if true == predicted)
        return right / sum(self.confusion.values())

    def wrong(self) -> float:
        """Samples that named another version than the true one."""
        wrong = sum(n for (t, p), n in self.confusion.items() if p not in (t, "none", UNDECIDED))
        return wrong / sum(self.confusion.values())

    def rate(self, predicted: str, *, unknown: bool = False) -> float:
        """How often ``predicted`` (``none``, `UNDECIDED`) was the answer, true version recorded or not."""
        counts = self.unknown if unknown else self.confusion
        return sum(n for (_, p), n in counts.items() if p == predicted) / sum(counts.values())

    def none_rate_unknown(self) -> float:
        return self.rate("none", unknown=True)


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


def predicted(field: Path, golden: Sequence[Path], *, alpha: float) -> tuple[str, str]:
    """The prediction, and the nearest version's label."""
    result = identify_paths(field, golden, alpha=alpha)
    nearest = result.nearest.label
    if result.best is not None:
        return result.best.label, nearest
    return ("none" if result.outcome == "like_none" else UNDECIDED), nearest


def run_family(
    family: str, models: Sequence[str], *, split: str, reps: int, field_n: int, alpha: float, seed: int
) -> FamilyResult:
    instructions, outputs = load_outputs(models)
    pool = [i for i in range(len(instructions)) if i % 2 == SPLITS[split]]
    confusion: Counter[tuple[str, str]] = Counter()
    unknown: Counter[tuple[str, str]] = Counter()
    hints = 0
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
                guess, nearest = predicted(field, [root / "golden"], alpha=alpha)
                confusion[(true, guess)] += 1
                hints += guess == UNDECIDED and nearest == true
                others = [files[m] for m in models if m != true]
                unknown[(true, predicted(field, others, alpha=alpha)[0])] += 1
    return FamilyResult(family, tuple(models), confusion, unknown, reps, hints)
